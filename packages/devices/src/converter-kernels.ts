import { defineKernel, defineKernels, rowChunkCount, runChunked } from '@txsim/core';

/** The exports of packages/devices/assembly/converters.ts (addresses are byte offsets into the kernel memory). */
export interface ConverterExports {
  dac(src: number, dst: number, scales: number, batch: number, lines: number, absMax: number, range: number, levels: number, vRead: number, perCode: number, half: number, one: number): void;
  dacStream(v: number, codes: number, dst: number, n: number, streams: number, k: number, top: number, volt: number, volt32: number, toCode: number, split: number, half: number, one: number): void;
  adc(src: number, dst: number, batch: number, width: number, groupWidth: number, steps: number, invs: number, levels: number, limit: number, half: number): void;
  groupAbsMax(src: number, out: number, batch: number, width: number, groupWidth: number): void;
  adcSaturated(src: number, flags: number, batch: number, width: number, groupWidth: number, bounds: number, used: number): void;
  roundHalfAway(src: number, dst: number, n: number, half: number): void;
}

/**
 * The largest double below 0.5: the kernels round half away from zero as trunc(r + copysign(HALF_BELOW, r)),
 * equal to `roundAway` below for every double (see assembly/converters.ts). Passed in, not written as a
 * constant there, so V8 keeps it in a register.
 */
const HALF_BELOW = 0.49999999999999994;

/** The converters' compiled kernels, on core's shared kernel memory (built by `pnpm build`). */
export const converterKernels = defineKernels<ConverterExports>('@txsim/devices/converters', new URL('../build/converters.wasm', import.meta.url));

/** Rounds half away from zero (Math.round rounds −2.5 to −2), so ± codes are symmetric. */
export function roundAway(r: number): number {
  let q = Math.round(r);
  if (q - r === 0.5 && r < 0) q -= 1;
  return q;
}

/** `codeStep`'s answers per levels and vRead. */
const checked = new Map<number, Map<number, number>>();

/**
 * vRead/levels when q·(vRead/levels) and the reference's q/levels·vRead round to the same f32 for every code
 * q of ±levels (checked once per pair, all levels + 1 magnitudes: both sides are odd in q), else 0: the
 * kernel then divides as the reference does. One multiply instead of a divide and a multiply, only where
 * that is proven to change no bit. The DAC plugin asks at creation, so the check (up to 2^23 codes at 24 bits,
 * ~30 ms) is not part of a read.
 */
export function codeStep(levels: number, vRead: number): number {
  let byVolts = checked.get(levels);
  if (!byVolts) checked.set(levels, (byVolts = new Map()));
  let step = byVolts.get(vRead);
  if (step !== undefined) return step;
  step = levels > 0 ? vRead / levels : 0;
  for (let q = 1; step !== 0 && q <= levels; q++) if (Math.fround(q * step) !== Math.fround(q / levels * vRead)) step = 0;
  byVolts.set(vRead, step);
  return step;
}

/**
 * Signed DAC of `batch` rows of `lines` inputs: full = max |x| of the row (absMax) or `range`;
 * u = clamp(x/full, ±1), rounded half away from zero to ±levels codes (levels 0: unquantised); dst = u·vRead,
 * scales[b] = full/vRead (0 for an all-zero row, whose voltages are 0).
 */
export const dacCodes = defineKernel(
  converterKernels,
  (api, memory, src: Float32Array, dst: Float32Array, batch: number, lines: number, scales: Float32Array, absMax: boolean, range: number, levels: number, vRead: number): void => {
    const step = codeStep(levels, vRead);
    const m = memory.begin();
    const n = batch * lines;
    const a = m.in(src.length === n ? src : src.subarray(0, n));
    const d = m.out(dst.length === n ? dst : dst.subarray(0, n));
    const sc = m.out(scales.length === batch ? scales : scales.subarray(0, batch));
    // Each row is converted on its own (its own full scale): a large batch runs on the worker pool in chunks
    // of whole rows, the same bits as one call.
    if (rowChunkCount(batch, lines) > 1) {
      const row = { bytes: lines * 4 };
      runChunked(converterKernels, 'dac', batch, [{ cells: a, ...row }, { cells: d, ...row }, { cells: sc, bytes: 4 }, 'length', lines,
        absMax ? 1 : 0, range, levels, vRead, step, HALF_BELOW, 1], { rowCells: lines });
    } else api.dac(a, d, sc, batch, lines, absMax ? 1 : 0, range, levels, vRead, step, HALF_BELOW, 1);
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

/** The streaming DAC's magnitude codes (kernel memory, reused across calls). */
let codes: Int32Array = new Int32Array(0);

/** `digitVolt32`'s answers per top digit and volt. */
const digitChecked = new Map<number, Map<number, number>>();

/**
 * f32(volt) when the f32 product f32(d)·f32(volt) equals the reference's f32(d·volt) for every digit d of
 * 0..top (the f32 product is exact in f64 and rounded once, so Math.fround gives it), else 0: the kernel then
 * multiplies in f64 as the reference does. Checked once per pair (TxSim's 1-bit streams: d is 0 or 1, always equal).
 */
export function digitVolt32(top: number, volt: number): number {
  let byVolt = digitChecked.get(top);
  if (!byVolt) digitChecked.set(top, (byVolt = new Map()));
  let v32 = byVolt.get(volt);
  if (v32 !== undefined) return v32;
  v32 = Math.fround(volt);
  for (let d = 1; v32 !== 0 && d <= top; d++) if (Math.fround(d * v32) !== Math.fround(d * volt)) v32 = 0;
  byVolt.set(volt, v32);
  return v32;
}

/**
 * The pass planes of a bit-streamed DAC (dac.ts, `streamBits` k): from the n quantised voltages v of
 * `dacCodes` (±code·vRead/levels), the magnitude code c = round(|v|·levels/vRead) (exact: within float32
 * rounding of an integer below 2^22), and for each stream s its digit d_s = (c >>> k·s) & (2^k − 1) driven at
 * d_s/(2^k − 1)·vRead. `split`: plane s holds the digits of the v ≥ 0 inputs (0 elsewhere) and plane
 * streams + s those of the v < 0 inputs, each pass driving 0 or a positive voltage; otherwise plane s holds
 * them with v's sign. Planes are n long, one after another in dst (2·streams or streams of them).
 */
export const dacStreamPlanes = defineKernel(
  converterKernels,
  (api, memory, v: Float32Array, dst: Float32Array, n: number, streams: number, k: number, split: boolean, levels: number, vRead: number): void => {
    const top = 2 ** k - 1;
    const volt = vRead / top;
    if (codes.length < n) codes = memory.int32(n);
    const m = memory.begin();
    const planes = (split ? 2 : 1) * streams * n;
    const a = m.in(v.length === n ? v : v.subarray(0, n));
    api.dacStream(a, codes.byteOffset, m.out(dst.length === planes ? dst : dst.subarray(0, planes)), n, streams, k, top, volt, digitVolt32(top, volt), levels / vRead, split ? 1 : 0, HALF_BELOW, 1);
    m.end();
  },
  (v: Float32Array, dst: Float32Array, n: number, streams: number, k: number, split: boolean, levels: number, vRead: number): void => {
    const top = 2 ** k - 1;
    const toCode = levels / vRead;
    const volt = vRead / top;
    const magnitude = new Int32Array(n);
    for (let i = 0; i < n; i++) magnitude[i] = Math.round(Math.abs(v[i]!) * toCode);
    // One pass plane at a time, so every write is sequential.
    for (let s = 0; s < streams; s++) {
      const shift = k * s;
      const pos = dst.subarray(s * n, (s + 1) * n);
      const neg = split ? dst.subarray((streams + s) * n, (streams + s + 1) * n) : pos;
      for (let i = 0; i < n; i++) {
        const u = ((magnitude[i]! >>> shift) & top) * volt;
        if (!split) pos[i] = v[i]! < 0 ? -u : u;
        else if (v[i]! < 0) {
          pos[i] = 0;
          neg[i] = u;
        } else {
          pos[i] = u;
          neg[i] = 0;
        }
      }
    }
  },
);

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
    const d = limit < width ? m.inout(out) : m.out(out);
    const upTo = Math.min(limit, width);
    // Rows are converted independently (the steps are per column group): chunks of whole rows on the pool.
    if (rowChunkCount(batch, width) > 1) {
      const row = { bytes: width * 4 };
      runChunked(converterKernels, 'adc', batch, [{ cells: a, ...row }, { cells: d, ...row }, 'length', width, groupWidth, m.in(steps), m.in(invs), levels, upTo, HALF_BELOW],
        { rowCells: width });
    } else api.adc(a, d, batch, width, groupWidth, m.in(steps), m.in(invs), levels, upTo, HALF_BELOW);
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

/** The saturation check's per-group f32 bounds and per-row flags (kernel memory, reused across calls). */
let bounds: Float32Array = new Float32Array(0);
let flags: Int32Array = new Int32Array(0);

/** The smallest float32 ≥ t, for t ≥ 0 (NaN stays NaN): |v| ≥ t ⟺ |v| ≥ it for every float32 v. */
export function float32AtLeast(t: number): number {
  const f = Math.fround(t);
  if (!(f < t)) return f;
  // f (≥ +0) is the float32 just below t: the next one up is one more in its bits.
  const up = new Float32Array([f]);
  new Int32Array(up.buffer)[0]! += 1;
  return up[0]!;
}

/**
 * Which rows of a batch × width block of ADC outputs reached full scale: hit[r] = 1 where some |v| of the
 * first `used` columns is ≥ step_g·(levels − 0.5) with step_g > 0 (g = column / groupWidth); other hit bytes
 * are left as they are.
 */
export const adcSaturatedRows = defineKernel(
  converterKernels,
  (api, memory, src: Float32Array, hit: Uint8Array, batch: number, width: number, groupWidth: number, steps: Float64Array, levels: number, used: number): void => {
    const groups = Math.ceil(used / groupWidth);
    if (bounds.length < groups) bounds = memory.float32(groups);
    if (flags.length < batch) flags = memory.int32(batch);
    for (let g = 0; g < groups; g++) bounds[g] = steps[g]! > 0 ? float32AtLeast(steps[g]! * (levels - 0.5)) : Number.NaN;
    const m = memory.begin();
    const n = batch * width;
    api.adcSaturated(m.in(src.length === n ? src : src.subarray(0, n)), flags.byteOffset, batch, width, groupWidth, bounds.byteOffset, used);
    m.end();
    for (let r = 0; r < batch; r++) if (flags[r]) hit[r] = 1;
  },
  (src: Float32Array, hit: Uint8Array, batch: number, width: number, groupWidth: number, steps: Float64Array, levels: number, used: number): void => {
    for (let r = 0; r < batch; r++) {
      const o = r * width;
      for (let c = 0; c < used; c++) {
        const step = steps[(c / groupWidth) | 0]!;
        if (step > 0 && Math.abs(src[o + c]!) >= step * (levels - 0.5)) {
          hit[r] = 1;
          break;
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

/** Rounds each of n doubles half away from zero (src → dst) the way every kernel here rounds: the tests' window on it. */
export const roundHalfAway = defineKernel(
  converterKernels,
  (api, memory, src: Float64Array, dst: Float64Array, n: number): void => {
    const m = memory.begin();
    api.roundHalfAway(m.in(src.subarray(0, n)), m.out(dst.subarray(0, n)), n, HALF_BELOW);
    m.end();
  },
  (src: Float64Array, dst: Float64Array, n: number): void => {
    for (let i = 0; i < n; i++) dst[i] = roundAway(src[i]!);
  },
);
