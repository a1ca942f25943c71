import { describe, expect, it } from 'vitest';
import { registeredKernels, Rng } from '@txsim/core';
import { adcCodes, converterKernels, dacCodes, groupAbsMax } from './converter-kernels.js';

function uniform(n: number, seed: string, lo = -1, hi = 1): Float64Array {
  return new Rng(seed).fillUniform(new Float64Array(n), lo, hi) as Float64Array;
}

describe('the converters\' compiled kernels against their TypeScript loops', () => {
  it('are registered with core and instantiated on the shared kernel memory', () => {
    expect(registeredKernels()).toContain('@txsim/devices/converters');
    expect(converterKernels.api).not.toBeNull();
  });

  it('DAC codes and scales are exact, including ties and all-zero rows', () => {
    const batch = 5;
    const lines = 12;
    const src = Float32Array.from(uniform(batch * lines, 'dac', -2, 2));
    src.fill(0, 2 * lines, 3 * lines); // an all-zero row
    src[0] = 2; // row 0 full scale; then exact ties ±k.5 codes at 2 levels per sign
    src[1] = 0.5;
    src[2] = -0.5;
    for (const [absMax, levels] of [[true, 127], [false, 127], [true, 0], [true, 2]] as const) {
      const a = new Float32Array(batch * lines);
      const b = new Float32Array(batch * lines);
      const sa = new Float32Array(batch);
      const sb = new Float32Array(batch);
      dacCodes.compiled!(src, a, batch, lines, sa, absMax, 1.5, levels, 0.2);
      dacCodes.reference(src, b, batch, lines, sb, absMax, 1.5, levels, 0.2);
      expect(Array.from(a)).toEqual(Array.from(b));
      expect(Array.from(sa)).toEqual(Array.from(sb));
    }
  });

  it('group |max| of a block: every row, partial groups, NaNs skipped, never below the running max', () => {
    const [batch, width, groupWidth] = [5, 11, 4];
    const src = Float32Array.from(uniform(batch * width, 'gmax', -3, 3));
    src[3] = Number.NaN;
    src[width + 9] = -7.5; // the last, partial group's largest, negative
    for (const start of [0, 5]) {
      const a = Float64Array.from([start, start, start]);
      const b = Float64Array.from(a);
      groupAbsMax.compiled!(src, a, batch, width, groupWidth);
      groupAbsMax.reference(src, b, batch, width, groupWidth);
      expect(Array.from(a)).toEqual(Array.from(b));
      expect(a[2]).toBe(7.5);
      const plain = (g: number) => Math.max(start, ...Array.from({ length: batch }, (_, r) => Array.from(src.subarray(r * width + g * groupWidth, Math.min(width, (g + 1) * groupWidth) + r * width), Math.abs).filter((v) => !Number.isNaN(v))).flat());
      expect(Array.from(a)).toEqual([plain(0), plain(1), plain(2)]);
    }
  });

  it('ADC codes are exact per group, including partial groups, ties and a zero step', () => {
    const batch = 3;
    const width = 11;
    const groupWidth = 4;
    const src = Float32Array.from(uniform(batch * width, 'adc', -1, 1));
    const steps = Float64Array.from([0.25, 0.01, 0]);
    src[0] = 0.375; // 1.5 steps: a tie
    src[1] = -0.375;
    const a = new Float32Array(batch * width);
    const b = new Float32Array(batch * width);
    adcCodes.compiled!(src, a, batch, width, groupWidth, steps, 3);
    adcCodes.reference(src, b, batch, width, groupWidth, steps, 3);
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(a[0]).toBe(0.5);
    expect(a[1]).toBe(-0.5);
    // A limit converts the first columns of each row exactly as before and leaves the others untouched.
    for (const limit of [6, 4, 1]) {
      for (const [fn, label] of [[adcCodes.compiled!, 'kernel'], [adcCodes.reference, 'reference']] as const) {
        const part = new Float32Array(batch * width).fill(7);
        fn(src, part, batch, width, groupWidth, steps, 3, limit);
        for (let k = 0; k < part.length; k++) expect(part[k], `${label} limit ${limit} at ${k}`).toBe(k % width < limit ? a[k] : 7);
      }
    }
  });
});
