import { afterAll, describe, expect, it } from 'vitest';
import { elementwiseModule, elementwiseThreads, kernels, Rng, rowChunkCount } from '@txsim/core';
import { adcCodes, converterKernels, dacCodes } from './converter-kernels.js';
import { onOneAndTwoThreads as onOneAndTwo } from '@txsim/core/testing';

// The DAC and ADC of a large batch run on the element-wise worker pool in chunks of whole rows: the same bits
// as one call on one thread, and as the TypeScript loops, whatever the cut.
const wasm = elementwiseModule();
const before = elementwiseThreads();
afterAll(() => void elementwiseThreads(before));


const bits = (a: Float32Array): number[] => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

/** Values in ±2 (in kernel memory) with exact code ties, signed zeros and all-zero rows. */
function inputs(rows: number, width: number, seed: string): Float32Array {
  const a = kernels.float32(rows * width);
  const rng = new Rng(seed);
  for (let i = 0; i < a.length; i++) a[i] = i % 37 === 3 ? 0.5 : i % 41 === 5 ? -0 : rng.next() * 4 - 2;
  a.fill(0, 7 * width, 8 * width);
  return a;
}

describe.skipIf(!wasm || !converterKernels.api)('the converters on the worker pool', () => {
  // 1001 rows: uneven chunks of whole rows, and widths that are not multiples of 4.
  const batch = 1001;

  it('DAC: every variant (abs-max or fixed range, quantised or not, either rounding path) gives one call\'s bits', () => {
    const lines = 67;
    expect(rowChunkCount(batch, lines)).toBeGreaterThan(2);
    const src = inputs(batch, lines, 'dac');
    for (const [absMax, levels, vRead] of [[true, 127, 0.2], [false, 127, 0.2], [true, 0, 0.2], [true, 2, 0.2], [true, 127, 0.3]] as const) {
      const run = (): number[][] => {
        const dst = kernels.float32(batch * lines).fill(9);
        const scales = kernels.float32(batch).fill(9);
        dacCodes(src, dst, batch, lines, scales, absMax, 1.5, levels, vRead);
        return [bits(dst), bits(scales)];
      };
      const [one, two] = onOneAndTwo(run);
      expect(two).toEqual(one);
      const dst = new Float32Array(batch * lines);
      const scales = new Float32Array(batch);
      dacCodes.reference(src, dst, batch, lines, scales, absMax, 1.5, levels, vRead);
      expect(one).toEqual([bits(dst), bits(scales)]);
    }
  });

  it('ADC: every row and group, all columns or the summed ones only, gives one call\'s bits', () => {
    const [width, groupWidth] = [70, 16];
    expect(rowChunkCount(batch, width)).toBeGreaterThan(2);
    const src = inputs(batch, width, 'adc');
    const steps = Float64Array.from([0.01, 0.02, 0, 0.5 / 127, 0.03]);
    for (const limit of [width, 61]) {
      const run = (): number[] => {
        const dst = kernels.float32(batch * width).fill(9);
        adcCodes(src, dst, batch, width, groupWidth, steps, 127, limit);
        return bits(dst);
      };
      const [one, two] = onOneAndTwo(run);
      expect(two).toEqual(one);
      const dst = new Float32Array(batch * width).fill(9);
      adcCodes.reference(src, dst, batch, width, groupWidth, steps, 127, limit);
      expect(one).toEqual(bits(dst));
    }
  });
});
