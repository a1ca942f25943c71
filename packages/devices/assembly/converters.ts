// The converters' compiled kernels (WASM SIMD128), registered on core's shared kernel memory by
// src/converter-kernels.ts: DAC codes of a batch of input vectors, ADC codes per tile group, and the running
// |max| per group the ADC calibrates its full scale from. They live here, beside the dac and adc plugins
// that use them, not in core. Addresses are byte offsets into the shared memory. Built by
// scripts/build-wasm-kernels.mjs (no runtime, no static data).

/** Round half away from zero, exactly like `q = Math.round(r); if (q − r === 0.5 && r < 0) q −= 1`. */
@inline function roundAway(r: v128): v128 {
  const t = f64x2.trunc(r);
  const frac = f64x2.abs(f64x2.sub(r, t)); // exact
  const away = f64x2.add(t, v128.or(v128.and(r, f64x2.splat(-0.0)), f64x2.splat(1)));
  // Keeps trunc's −0 where nothing is added, as Math.round(−0.3) is −0.
  return v128.bitselect(away, t, f64x2.ge(frac, f64x2.splat(0.5)));
}

/**
 * Signed DAC codes of one batch (rows of `lines` f32 values): u = clamp(x / full, ±1), quantised to ±levels
 * codes (0 = unquantised), times vRead. `full` per row is the row's max |x| (absMax) or `range`; scales[b] gets
 * full / vRead (0 for an all-zero row, whose voltages are 0). `lines` must be a multiple of 4 (the caller falls
 * back to its own loop otherwise).
 */
export function dac(src: usize, dst: usize, scales: usize, batch: i32, lines: i32, absMax: bool, range: f64, levels: f64, vRead: f64): void {
  const lv = f64x2.splat(levels);
  const vr = f64x2.splat(vRead);
  const one = f64x2.splat(1);
  const mone = f64x2.splat(-1);
  for (let b = 0; b < batch; b++) {
    const row = src + (((b * lines) as usize) << 2);
    const orow = dst + (((b * lines) as usize) << 2);
    let full = range;
    if (absMax) {
      let mx = f32x4.splat(0);
      let i = 0;
      for (; i + 4 <= lines; i += 4) mx = f32x4.max(mx, f32x4.abs(v128.load(row + ((i as usize) << 2))));
      let m: f32 = max(max(f32x4.extract_lane(mx, 0), f32x4.extract_lane(mx, 1)), max(f32x4.extract_lane(mx, 2), f32x4.extract_lane(mx, 3)));
      for (; i < lines; i++) m = max(m, abs(load<f32>(row + ((i as usize) << 2))));
      full = <f64>m;
    }
    if (full == 0) {
      for (let i = 0; i < lines; i++) store<f32>(orow + ((i as usize) << 2), 0);
      store<f32>(scales + ((b as usize) << 2), 0);
      continue;
    }
    const toUnit = f64x2.splat(1 / full);
    for (let i = 0; i < lines; i += 4) {
      const v = v128.load(row + ((i as usize) << 2));
      const a = dacLanes(f64x2.promote_low_f32x4(v), toUnit, one, mone, lv, vr, levels != 0);
      const c = dacLanes(f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1)), toUnit, one, mone, lv, vr, levels != 0);
      v128.store(orow + ((i as usize) << 2), i32x4.shuffle(f32x4.demote_f64x2_zero(a), f32x4.demote_f64x2_zero(c), 0, 1, 4, 5));
    }
    store<f32>(scales + ((b as usize) << 2), <f32>(full / vRead));
  }
}

@inline function dacLanes(x: v128, toUnit: v128, one: v128, mone: v128, lv: v128, vr: v128, quantise: bool): v128 {
  let u = f64x2.mul(x, toUnit);
  u = f64x2.pmax(f64x2.pmin(u, one), mone);
  if (quantise) u = f64x2.div(roundAway(f64x2.mul(u, lv)), lv);
  return f64x2.mul(u, vr);
}

/**
 * Signed ADC codes of a batch × width block: group g (tile) of `groupWidth` columns has its own step;
 * dst = clamp(roundAway(src·inv[g]), ±levels)·step[g]. `steps` and `invs` are f64 arrays of the groups.
 * Only columns below `limit` (≤ width) are converted; the rest of dst is left as it was.
 */
export function adc(src: usize, dst: usize, batch: i32, width: i32, groupWidth: i32, steps: usize, invs: usize, levels: f64, limit: i32): void {
  const hi = f64x2.splat(levels);
  const lo = f64x2.splat(-levels);
  const groups = (limit + groupWidth - 1) / groupWidth;
  for (let g = 0; g < groups; g++) {
    const st = f64x2.splat(load<f64>(steps + ((g as usize) << 3)));
    const iv = f64x2.splat(load<f64>(invs + ((g as usize) << 3)));
    const j0 = g * groupWidth;
    const j1 = min(limit, j0 + groupWidth);
    for (let b = 0; b < batch; b++) {
      let j = b * width + j0;
      const end = b * width + j1;
      for (; j + 4 <= end; j += 4) {
        const p = src + ((j as usize) << 2);
        const v = v128.load(p);
        const a = adcLanes(f64x2.promote_low_f32x4(v), iv, st, lo, hi);
        const c = adcLanes(f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1)), iv, st, lo, hi);
        v128.store(dst + ((j as usize) << 2), i32x4.shuffle(f32x4.demote_f64x2_zero(a), f32x4.demote_f64x2_zero(c), 0, 1, 4, 5));
      }
      for (; j < end; j++) {
        const a = adcLanes(f64x2.splat(<f64>load<f32>(src + ((j as usize) << 2))), iv, st, lo, hi);
        store<f32>(dst + ((j as usize) << 2), <f32>f64x2.extract_lane(a, 0));
      }
    }
  }
}

@inline function adcLanes(x: v128, iv: v128, st: v128, lo: v128, hi: v128): v128 {
  const q = roundAway(f64x2.mul(x, iv));
  return f64x2.mul(f64x2.pmax(f64x2.pmin(q, hi), lo), st);
}

/**
 * out[g] = max(out[g], max |src[b, j]|) over every row b and the columns j of group g (`groupWidth` wide) of
 * a batch × width block (out is f64, one per group). NaNs are skipped, as `v > max` skips them.
 */
export function groupAbsMax(src: usize, out: usize, batch: i32, width: i32, groupWidth: i32): void {
  const groups = (width + groupWidth - 1) / groupWidth;
  for (let g = 0; g < groups; g++) {
    const j0 = g * groupWidth;
    const j1 = min(width, j0 + groupWidth);
    // pmax(m, x) keeps m when x is NaN.
    let m = f32x4.splat(0);
    let r: f32 = 0;
    for (let b = 0; b < batch; b++) {
      let p = src + ((<usize>(b * width + j0)) << 2);
      let j = j0;
      for (; j + 4 <= j1; j += 4) {
        m = f32x4.pmax(m, f32x4.abs(v128.load(p)));
        p += 16;
      }
      for (; j < j1; j++) {
        const v = abs(load<f32>(p));
        if (v > r) r = v;
        p += 4;
      }
    }
    // Neither m's lanes nor r hold NaNs, so plain max combines them.
    r = max(r, max(max(f32x4.extract_lane(m, 0), f32x4.extract_lane(m, 1)), max(f32x4.extract_lane(m, 2), f32x4.extract_lane(m, 3))));
    const o = out + ((g as usize) << 3);
    if (<f64>r > load<f64>(o)) store<f64>(o, <f64>r);
  }
}
