import { defineKernel, defineKernels } from '@txsim/core';

/** The exports of packages/devices/assembly/converters.ts (addresses are byte offsets into the kernel memory). */
export interface ConverterExports {
  dac(src: number, dst: number, scales: number, batch: number, lines: number, absMax: number, range: number, levels: number, vRead: number): void;
  adc(src: number, dst: number, batch: number, width: number, groupWidth: number, steps: number, invs: number, levels: number, limit: number): void;
  groupAbsMax(src: number, out: number, batch: number, width: number, groupWidth: number): void;
}

/** The converters' compiled kernels, on core's shared kernel memory (built by `pnpm build`). */
export const converterKernels = defineKernels<ConverterExports>('@txsim/devices/converters', new URL('../build/converters.wasm', import.meta.url));

/** Rounds half away from zero (Math.round rounds −2.5 to −2), so ± codes are symmetric. */
function roundAway(r: number): number {
  let q = Math.round(r);
  if (q - r === 0.5 && r < 0) q -= 1;
  return q;
}

/**
 * Signed DAC of `batch` rows of `lines` inputs: full = max |x| of the row (absMax) or `range`;
 * u = clamp(x/full, ±1), rounded half away from zero to ±levels codes (levels 0: unquantised); dst = u·vRead,
 * scales[b] = full/vRead (0 for an all-zero row, whose voltages are 0). The compiled kernel needs `lines` a
 * multiple of 4 and runs the reference otherwise.
 */
export const dacCodes = defineKernel(
  converterKernels,
  (api, memory, src: Float32Array, dst: Float32Array, batch: number, lines: number, scales: Float32Array, absMax: boolean, range: number, levels: number, vRead: number): void => {
    if (lines % 4 !== 0) return dacReference(src, dst, batch, lines, scales, absMax, range, levels, vRead);
    const m = memory.begin();
    const n = batch * lines;
    const a = m.in(src.length === n ? src : src.subarray(0, n));
    api.dac(a, m.out(dst.length === n ? dst : dst.subarray(0, n)), m.out(scales.length === batch ? scales : scales.subarray(0, batch)), batch, lines, absMax ? 1 : 0, range, levels, vRead);
    m.end();
  },
  dacReference,
);

function dacReference(src: Float32Array, dst: Float32Array, batch: number, lines: number, scales: Float32Array, absMax: boolean, range: number, levels: number, vRead: number): void {
  for (let b = 0; b < batch; b++) {
    const row = b * lines;
    let full = range;
    if (absMax) {
      full = 0;
      for (let i = 0; i < lines; i++) full = Math.max(full, Math.abs(src[row + i]!));
    }
    if (full === 0) {
      dst.fill(0, row, row + lines);
      scales[b] = 0;
      continue;
    }
    const toUnit = 1 / full;
    for (let i = 0; i < lines; i++) {
      let u = src[row + i]! * toUnit;
      u = u > 1 ? 1 : u < -1 ? -1 : u;
      if (levels) u = roundAway(u * levels) / levels;
      dst[row + i] = u * vRead;
    }
    scales[b] = full / vRead;
  }
}

/** 1/step per ADC group, reused across calls. */
let invs = new Float64Array(0);

/**
 * Signed ADC codes of a batch × width block, per group g (tile) of `groupWidth` columns with its own step:
 * dst = clamp(roundAway(src/step_g), ±levels)·step_g (step 0 gives 0). Only the columns below `limit`
 * (default: all) are converted; the others of dst keep their values.
 */
export const adcCodes = defineKernel(
  converterKernels,
  (api, memory, src: Float32Array, dst: Float32Array, batch: number, width: number, groupWidth: number, steps: Float64Array, levels: number, limit: number = width): void => {
    const m = memory.begin();
    const n = batch * width;
    if (invs.length !== steps.length) invs = new Float64Array(steps.length);
    for (let g = 0; g < steps.length; g++) invs[g] = steps[g] === 0 ? 0 : 1 / steps[g]!;
    const a = m.in(src.length === n ? src : src.subarray(0, n));
    // Converting only some columns writes only those: dst goes in as well as out, so a staged copy keeps the rest.
    const out = dst.length === n ? dst : dst.subarray(0, n);
    api.adc(a, limit < width ? m.inout(out) : m.out(out), batch, width, groupWidth, m.in(steps), m.in(invs), levels, Math.min(limit, width));
    m.end();
  },
  (src: Float32Array, dst: Float32Array, batch: number, width: number, groupWidth: number, steps: Float64Array, levels: number, limit: number = width): void => {
    const upTo = Math.min(limit, width);
    const groups = Math.ceil(upTo / groupWidth);
    for (let g = 0; g < groups; g++) {
      const step = steps[g]!;
      const inv = step === 0 ? 0 : 1 / step;
      const j0 = g * groupWidth;
      const j1 = Math.min(upTo, j0 + groupWidth);
      for (let b = 0; b < batch; b++) {
        for (let j = b * width + j0, end = b * width + j1; j < end; j++) {
          const q = roundAway(src[j]! * inv);
          dst[j] = (q > levels ? levels : q < -levels ? -levels : q) * step;
        }
      }
    }
  },
);

/**
 * out[g] = max(out[g], max |src[b, j]|) over every row b and the columns j of group g (`groupWidth` wide) of
 * a batch × width block: the ADC's calibration. NaNs are skipped.
 */
export const groupAbsMax = defineKernel(
  converterKernels,
  (api, memory, src: Float32Array, out: Float64Array, batch: number, width: number, groupWidth: number): void => {
    const m = memory.begin();
    const n = batch * width;
    api.groupAbsMax(m.in(src.length === n ? src : src.subarray(0, n)), m.inout(out), batch, width, groupWidth);
    m.end();
  },
  (src: Float32Array, out: Float64Array, batch: number, width: number, groupWidth: number): void => {
    const groups = Math.ceil(width / groupWidth);
    for (let g = 0; g < groups; g++) {
      const j0 = g * groupWidth;
      const j1 = Math.min(width, j0 + groupWidth);
      let max = out[g]!;
      for (let b = 0; b < batch; b++) {
        for (let j = b * width + j0, end = b * width + j1; j < end; j++) {
          const v = Math.abs(src[j]!);
          if (v > max) max = v;
        }
      }
      out[g] = max;
    }
  },
);
