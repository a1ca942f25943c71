// The converters' compiled kernels (WASM SIMD128), registered on core's shared kernel memory by
// src/converter-kernels.ts: DAC codes of a batch of input vectors, the bit-streamed DAC's pass planes, ADC
// codes per tile group, and the running |max| per group the ADC calibrates its full scale from. They live
// here, beside the dac and adc plugins that use them, not in core. Addresses are byte offsets into the
// shared memory. Built by scripts/build-wasm-kernels.mjs (no runtime, no static data).
//
// Why the code is shaped this way (V8's TurboFan, x64): a SIMD constant is re-built at every use inside a
// loop (2–3 instructions each: vpcmpeqd/vpsllq for splat(−0.0), a GPR move for splat(0.5)), and
// f64x2.abs/neg build their masks inline the same way. So every constant a loop needs comes in as a
// parameter (the wrapper passes `half` and `one`) or is derived from one before the loop, where V8 cannot
// see it is constant and keeps it in a register. The per-call choices (quantised or not, divide or
// multiply) pick one of several loops instead of branching per element. f32 ↔ f64 halves move through
// 8-byte loads and stores (v128.load64_zero, store64_lane) rather than lane shuffles.

/** Sign bit of each f64 lane, derived from a run-time value (not a constant V8 would re-build per use). */
@inline function signBits64(h: v128): v128 {
  return v128.xor(h, f64x2.neg(h));
}

/** Sign bit of each f32 lane of a run-time value, likewise. */
@inline function signBits32(h: v128): v128 {
  return v128.xor(h, f32x4.neg(h));
}

/**
 * Round half away from zero, exactly `q = Math.round(r); if (q − r === 0.5 && r < 0) q −= 1` for every
 * double: trunc(r + copysign(half, r)) with half = 0.49999999999999994, the largest double below 0.5.
 * For r ≥ 0 the sum rounds up to the next integer exactly when r's fraction is ≥ 0.5 (r = k + 0.5 gives
 * k + 1 − 2^−54, which rounds to k + 1; r just below k + 0.5 stays below k + 1; 0.49999999999999994 + half
 * = 1 − 2^−53 stays below 1; integers ≥ 2^52 absorb half), negatives mirror it, −0 and (−0.5, 0) give −0,
 * NaN and ±Inf pass through. The tests check it on doubles of every binade, halves and their neighbours.
 */
@inline function roundAway(r: v128, half: v128, sign: v128): v128 {
  return f64x2.trunc(f64x2.add(r, v128.or(v128.and(r, sign), half)));
}

/** Two f32 at p as f64 lanes. */
@inline function load2(p: usize): v128 {
  return f64x2.promote_low_f32x4(v128.load64_zero(p));
}

/** Two f64 lanes stored as f32 at p. */
@inline function store2(p: usize, v: v128): void {
  v128.store64_lane(p, f32x4.demote_f64x2_zero(v), 0);
}

/** One f32 at p as an f64 lane (both lanes). */
@inline function load1(p: usize): v128 {
  return f64x2.splat(<f64>load<f32>(p));
}

/** Lane 0 stored as f32 at p. */
@inline function store1(p: usize, v: v128): void {
  store<f32>(p, <f32>f64x2.extract_lane(v, 0));
}

// The DAC's row conversions, one loop each, chosen once per call: type markers, so the compiler emits a
// separate function per variant (a mode argument was merged back into one loop testing it per element).
type Unquantised = u8;
type Divide = u16;
type Multiply = u32;

// Abs-max rows need no clamp: for |x| ≤ full, |x·fl(1/full)| ≤ fl(full·fl(1/full)) ≤ 1 (rounding is
// monotonic, and x·(1/x) rounds to 1 or to 1 − 2^−53 for every f32 x: the tests check every f32 mantissa;
// full NaN or ±Inf gives u NaN or 0, which the clamp leaves alone). Fixed-range rows clip.
type Clamped = u8;
type Unclamped = u16;

/**
 * One DAC lane pair: u = clamp(x·toUnit, ±1); unquantised u·vRead; quantised clamp(x·toUnit·levels, ±levels)
 * (the same value: rounding is monotonic and 1·levels is exact) rounded half away from zero, then
 * q/levels·vRead, or q·perCode where the wrapper proved that equal for every code.
 */
@inline function dacLanes<M, C>(x: v128, toUnit: v128, hi: v128, lo: v128, lv: v128, vr: v128, perCode: v128, half: v128, sign: v128): v128 {
  let u = f64x2.mul(x, toUnit);
  if (sizeof<M>() == sizeof<Unquantised>()) {
    if (sizeof<C>() == sizeof<Clamped>()) u = f64x2.pmax(f64x2.pmin(u, hi), lo);
    return f64x2.mul(u, vr);
  }
  u = f64x2.mul(u, lv);
  if (sizeof<C>() == sizeof<Clamped>()) u = f64x2.pmax(f64x2.pmin(u, hi), lo);
  const q = roundAway(u, half, sign);
  if (sizeof<M>() == sizeof<Divide>()) return f64x2.mul(f64x2.div(q, lv), vr);
  return f64x2.mul(q, perCode);
}

/** The DAC of all rows with one conversion variant M, clamping or not (C; see `dac`). */
function dacRows<M, C>(src: usize, dst: usize, scales: usize, batch: i32, lines: i32, absMax: bool, range: f64, levels: f64, vRead: f64, perCode: f64, half: f64, one: f64): void {
  const h = f64x2.splat(half);
  const sign = signBits64(h);
  // |x| as bits: clearing the sign of an f32 leaves an integer that orders like the magnitude (NaN above +Inf).
  const absBits = v128.not(signBits32(f32x4.splat(<f32>one)));
  const lv = f64x2.splat(levels);
  const vr = f64x2.splat(vRead);
  const pc = f64x2.splat(perCode);
  // Quantised rows clamp u·levels to ±levels, unquantised ones u to ±1.
  const hi = f64x2.splat(sizeof<M>() == sizeof<Unquantised>() ? one : levels);
  const lo = f64x2.neg(hi);
  const zero = v128.xor(h, h);
  const rowBytes = (lines as usize) << 2;
  for (let b = 0; b < batch; b++) {
    const row = src + (b as usize) * rowBytes;
    const orow = dst + (b as usize) * rowBytes;
    const end = row + rowBytes;
    let full = range;
    if (absMax) {
      let mx = zero;
      let p = row;
      for (; p + 16 <= end; p += 16) mx = i32x4.max_s(mx, v128.and(v128.load(p), absBits));
      let m = max(max(i32x4.extract_lane(mx, 0), i32x4.extract_lane(mx, 1)), max(i32x4.extract_lane(mx, 2), i32x4.extract_lane(mx, 3)));
      for (; p < end; p += 4) m = max(m, load<i32>(p) & 0x7fffffff);
      full = <f64>reinterpret<f32>(m);
    }
    if (full == 0) {
      let q = orow;
      const oend = orow + rowBytes;
      for (; q + 16 <= oend; q += 16) v128.store(q, zero);
      for (; q < oend; q += 4) store<f32>(q, 0);
      store<f32>(scales + ((b as usize) << 2), 0);
      continue;
    }
    const toUnit = f64x2.splat(1 / full);
    // 4 values at a time, then 2, then 1.
    let p = row;
    let q = orow;
    for (; p + 16 <= end; p += 16) {
      const a = dacLanes<M, C>(load2(p), toUnit, hi, lo, lv, vr, pc, h, sign);
      const c = dacLanes<M, C>(load2(p + 8), toUnit, hi, lo, lv, vr, pc, h, sign);
      store2(q, a);
      store2(q + 8, c);
      q += 16;
    }
    if (p + 8 <= end) {
      store2(q, dacLanes<M, C>(load2(p), toUnit, hi, lo, lv, vr, pc, h, sign));
      p += 8;
      q += 8;
    }
    if (p < end) store1(q, dacLanes<M, C>(load1(p), toUnit, hi, lo, lv, vr, pc, h, sign));
    store<f32>(scales + ((b as usize) << 2), <f32>(full / vRead));
  }
}

/**
 * Signed DAC codes of one batch (rows of `lines` f32 values, any count): u = clamp(x / full, ±1), quantised to
 * ±levels codes (0 = unquantised), times vRead. `full` per row is the row's max |x| (absMax; NaN if the row
 * holds a NaN, as Math.max gives) or `range`; scales[b] gets full / vRead (0 for an all-zero row, whose
 * voltages are 0). `perCode` ≠ 0: q·perCode replaces q/levels·vRead (the caller proved them equal as f32 for
 * every code). `half` = 0.49999999999999994 and `one` = 1 come in as values so they stay in registers.
 */
export function dac(src: usize, dst: usize, scales: usize, batch: i32, lines: i32, absMax: bool, range: f64, levels: f64, vRead: f64, perCode: f64, half: f64, one: f64): void {
  if (absMax) {
    if (levels == 0) dacRows<Unquantised, Unclamped>(src, dst, scales, batch, lines, absMax, range, levels, vRead, perCode, half, one);
    else if (perCode == 0) dacRows<Divide, Unclamped>(src, dst, scales, batch, lines, absMax, range, levels, vRead, perCode, half, one);
    else dacRows<Multiply, Unclamped>(src, dst, scales, batch, lines, absMax, range, levels, vRead, perCode, half, one);
  } else {
    if (levels == 0) dacRows<Unquantised, Clamped>(src, dst, scales, batch, lines, absMax, range, levels, vRead, perCode, half, one);
    else if (perCode == 0) dacRows<Divide, Clamped>(src, dst, scales, batch, lines, absMax, range, levels, vRead, perCode, half, one);
    else dacRows<Multiply, Clamped>(src, dst, scales, batch, lines, absMax, range, levels, vRead, perCode, half, one);
  }
}

/**
 * Magnitude codes of a bit-streamed DAC's quantised voltages v (n f32, ±code·vRead/levels), with v's sign:
 * codes[i] = round(|v|·toCode) (|v|·toCode ≥ 0, so Math.round's half-up is half away from zero; NaN gives 0
 * as an Int32Array store does), its bit 31 set where v < 0 (not for −0 or NaN). Codes are below 2^23.
 */
@inline function streamCodes(v: usize, codes: usize, n: i32, toCode: f64, half: f64, one: f64): void {
  const h = f64x2.splat(half);
  const toC = f64x2.splat(toCode);
  const signF32 = signBits32(f32x4.splat(<f32>one));
  const absF32 = v128.not(signF32);
  const zero = v128.xor(h, h);
  const bytes = (n as usize) << 2;
  let i: usize = 0;
  for (; i + 8 <= bytes; i += 8) {
    const x = v128.load64_zero(v + i);
    // The saturating conversion only ever saturates NaN (to 0).
    const c = i32x4.trunc_sat_f64x2_s_zero(f64x2.add(f64x2.mul(f64x2.promote_low_f32x4(v128.and(x, absF32)), toC), h));
    v128.store64_lane(codes + i, v128.or(c, v128.and(f32x4.lt(x, zero), signF32)), 0);
  }
  if (i < bytes) {
    const x = load<f32>(v + i);
    const c = i32x4.extract_lane(i32x4.trunc_sat_f64x2_s_zero(f64x2.add(f64x2.mul(f64x2.splat(<f64>abs(x)), toC), h)), 0);
    store<i32>(codes + i, x < 0 ? c | 0x80000000 : c);
  }
}

/** Digits d of 4 codes at volt each as f32 (f32 product, where the caller proved it equal to the f64 one). */
@inline function digitVolts32(d: v128, vt32: v128): v128 {
  return f32x4.mul(f32x4.convert_i32x4_s(d), vt32);
}

/** Digits d of 4 codes at volt each, the product in f64 rounded to f32 as the reference's store does. */
@inline function digitVolts64(d: v128, vt: v128): v128 {
  const a = f32x4.demote_f64x2_zero(f64x2.mul(f64x2.convert_low_i32x4_s(d), vt));
  const b = f32x4.demote_f64x2_zero(f64x2.mul(f64x2.convert_low_i32x4_s(v128.shuffle<i64>(d, d, 1, 0)), vt));
  return v128.shuffle<i64>(a, b, 0, 2);
}

/**
 * The pass planes of a bit-streamed DAC from its quantised voltages v (n f32): with c = round(|v|·toCode),
 * plane s gets digit d_s = (c >>> k·s) & top at d_s·volt. split: plane s (positive) holds it where v ≥ 0
 * (else +0) and plane streams + s (negative) where v < 0 (else +0); signed: plane s holds it negated where
 * v < 0. Planes are n apart in dst; `codes` is n i32 of scratch. `volt32` ≠ 0: f32(d)·volt32 in f32 equals
 * f32(d·volt) for every digit (the caller checked), one multiply for 4 values instead of two conversions and
 * two multiplies. One plane at a time, so every write is sequential.
 */
export function dacStream(v: usize, codes: usize, dst: usize, n: i32, streams: i32, k: i32, top: i32, volt: f64, volt32: f32, toCode: f64, split: bool, half: f64, one: f64): void {
  streamCodes(v, codes, n, toCode, half, one);
  if (volt32 != 0) streamPlanes<f32>(codes, dst, n, streams, k, top, volt, volt32, split);
  else streamPlanes<f64>(codes, dst, n, streams, k, top, volt, volt32, split);
}

function streamPlanes<T>(codes: usize, dst: usize, n: i32, streams: i32, k: i32, top: i32, volt: f64, volt32: f32, split: bool): void {
  const topv = i32x4.splat(top);
  const vt = f64x2.splat(volt);
  const vt32 = f32x4.splat(volt32);
  const sm = signBits32(vt32);
  const bytes = (n as usize) << 2;
  const negBase = dst + (streams as usize) * bytes;
  for (let s = 0; s < streams; s++) {
    const shift = s * k;
    const pos = dst + (s as usize) * bytes;
    const neg = negBase + (s as usize) * bytes;
    let i: usize = 0;
    for (; i + 16 <= bytes; i += 16) {
      const c = v128.load(codes + i);
      const d = v128.and(i32x4.shr_u(c, shift), topv);
      const u = isFloat<T>() && sizeof<T>() == 4 ? digitVolts32(d, vt32) : digitVolts64(d, vt);
      if (split) {
        const m = i32x4.shr_s(c, 31);
        v128.store(pos + i, v128.andnot(u, m));
        v128.store(neg + i, v128.and(u, m));
      } else {
        v128.store(pos + i, v128.or(u, v128.and(c, sm)));
      }
    }
    for (; i < bytes; i += 4) {
      const c = load<i32>(codes + i);
      const u = <f32>(<f64>((c >>> shift) & top) * volt);
      if (split) {
        store<f32>(pos + i, c < 0 ? 0 : u);
        store<f32>(neg + i, c < 0 ? u : 0);
      } else {
        store<f32>(pos + i, c < 0 ? -u : u);
      }
    }
  }
}

/**
 * Signed ADC codes of a batch × width block: group g (tile) of `groupWidth` columns has its own step;
 * dst = clamp(roundAway(src·inv[g]), ±levels)·step[g]. `steps` and `invs` are f64 arrays of the groups.
 * Only columns below `limit` (≤ width) are converted; the rest of dst is left as it was.
 */
export function adc(src: usize, dst: usize, batch: i32, width: i32, groupWidth: i32, steps: usize, invs: usize, levels: f64, limit: i32, half: f64): void {
  const h = f64x2.splat(half);
  const sign = signBits64(h);
  const hi = f64x2.splat(levels);
  const lo = f64x2.neg(hi);
  const groups = (limit + groupWidth - 1) / groupWidth;
  const rowBytes = (width as usize) << 2;
  const groupBytes = (groupWidth as usize) << 2;
  const limitBytes = (limit as usize) << 2;
  // Row by row, each row's groups in turn: the reads and writes run through memory in order.
  for (let b = 0; b < batch; b++) {
    const row = (b as usize) * rowBytes;
    for (let g = 0; g < groups; g++) {
      const st = f64x2.splat(load<f64>(steps + ((g as usize) << 3)));
      const iv = f64x2.splat(load<f64>(invs + ((g as usize) << 3)));
      const j0 = (g as usize) * groupBytes;
      let s = src + row + j0;
      let d = dst + row + j0;
      const end = src + row + min(limitBytes, j0 + groupBytes);
      for (; s + 16 <= end; s += 16) {
        const x0 = f64x2.mul(load2(s), iv);
        const x1 = f64x2.mul(load2(s + 8), iv);
        store2(d, adcLanes(x0, st, hi, lo, h, sign));
        store2(d + 8, adcLanes(x1, st, hi, lo, h, sign));
        d += 16;
      }
      // The rest, 2 then 1 (conv1 of LeNet-5 sums 6 columns per row).
      if (s + 8 <= end) {
        store2(d, adcLanes(f64x2.mul(load2(s), iv), st, hi, lo, h, sign));
        s += 8;
        d += 8;
      }
      if (s < end) store1(d, adcLanes(f64x2.mul(load1(s), iv), st, hi, lo, h, sign));
    }
  }
}

/** clamp(roundAway(r), ±levels)·step of two lanes. */
@inline function adcLanes(r: v128, st: v128, hi: v128, lo: v128, half: v128, sign: v128): v128 {
  return f64x2.mul(f64x2.pmax(f64x2.pmin(roundAway(r, half, sign), hi), lo), st);
}

/**
 * flags[b] = 1 where row b of a batch × width block of ADC outputs has some |v| ≥ bound[g] among its first
 * `used` columns (group g = column / groupWidth), else 0. `bounds` holds one f32 per group: the smallest
 * float32 ≥ the f64 threshold (so the f32 comparison decides exactly as the f64 one), NaN for a group that
 * never reports (NaN compares false).
 */
export function adcSaturated(src: usize, flags: usize, batch: i32, width: i32, groupWidth: i32, bounds: usize, used: i32): void {
  const groups = (used + groupWidth - 1) / groupWidth;
  const rowBytes = (width as usize) << 2;
  const groupBytes = (groupWidth as usize) << 2;
  const usedBytes = (used as usize) << 2;
  for (let b = 0; b < batch; b++) {
    const row = src + (b as usize) * rowBytes;
    const absF32 = v128.not(signBits32(f32x4.splat(<f32>groupWidth)));
    let any = v128.xor(absF32, absF32);
    let tail = false;
    for (let g = 0; g < groups; g++) {
      const bound = load<f32>(bounds + ((g as usize) << 2));
      const bv = f32x4.splat(bound);
      const j0 = (g as usize) * groupBytes;
      let p = row + j0;
      const end = row + min(usedBytes, j0 + groupBytes);
      for (; p + 16 <= end; p += 16) any = v128.or(any, f32x4.ge(v128.and(v128.load(p), absF32), bv));
      for (; p < end; p += 4) tail = tail || abs(load<f32>(p)) >= bound;
    }
    store<i32>(flags + ((b as usize) << 2), <i32>(tail || v128.any_true(any)));
  }
}

/**
 * out[g] = max(out[g], max |src[b, j]|) over every row b and the columns j of group g (`groupWidth` wide) of
 * a batch × width block (out is f64, one per group). NaNs are skipped, as `v > max` skips them.
 */
export function groupAbsMax(src: usize, out: usize, batch: i32, width: i32, groupWidth: i32): void {
  const groups = (width + groupWidth - 1) / groupWidth;
  // |x| by clearing the sign bit with a mask built from a run-time value (f32x4.abs re-builds it per use).
  const absF32 = v128.not(signBits32(f32x4.splat(<f32>groupWidth)));
  for (let g = 0; g < groups; g++) {
    const j0 = g * groupWidth;
    const j1 = min(width, j0 + groupWidth);
    // pmax(m, x) keeps m when x is NaN.
    let m = v128.xor(absF32, absF32);
    let r: f32 = 0;
    for (let b = 0; b < batch; b++) {
      let p = src + ((<usize>(b * width + j0)) << 2);
      let j = j0;
      for (; j + 4 <= j1; j += 4) {
        m = f32x4.pmax(m, v128.and(v128.load(p), absF32));
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

/** roundAway over n f64 (src → dst): lets the tests check the kernels' rounding on any double. */
export function roundHalfAway(src: usize, dst: usize, n: i32, half: f64): void {
  const h = f64x2.splat(half);
  const sign = signBits64(h);
  let i = 0;
  for (; i + 2 <= n; i += 2) v128.store(dst + ((i as usize) << 3), roundAway(v128.load(src + ((i as usize) << 3)), h, sign));
  if (i < n) store<f64>(dst + ((i as usize) << 3), f64x2.extract_lane(roundAway(f64x2.splat(load<f64>(src + ((i as usize) << 3))), h, sign), 0));
}
