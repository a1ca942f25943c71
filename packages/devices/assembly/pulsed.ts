// Pulse-path kernels of the device plugins (lookup table, aihwkit pulsed devices): the per-cell loops of a
// training step, run on the kernel memory core shares with every registered module. All addresses are byte
// offsets into that (imported, shared) memory. The module keeps no static data and no heap: it writes only
// the operands it is given, so it can sit beside core's kernels in one memory.
//
// Each kernel is the TypeScript loop of the same name (its reference in the tests) with the same f64
// arithmetic in the same order, so results agree bit for bit; random draws come from the caller's Rng,
// whose state (xoshiro128** words, the polar method's spare) travels in a 32-byte block (see rng.ts).

// ---- the Rng of packages/core/src/random/rng.ts, on a state block --------------------------------------
// Block: s0..s3 (u32 at +0..+12), hasSpare (u32 at +16), spare (f64 at +24).

@inline function rotl(x: u32, k: u32): u32 {
  return (x << k) | (x >>> (32 - k));
}

/** The generator's four words, kept in locals by a loop that draws many, written back to its state at st. */
@inline function storeWords(st: usize, s0: u32, s1: u32, s2: u32, s3: u32): void {
  store<u32>(st, s0, 0);
  store<u32>(st, s1, 4);
  store<u32>(st, s2, 8);
  store<u32>(st, s3, 12);
}

@inline function nextU32(st: usize): u32 {
  let s0 = load<u32>(st, 0);
  let s1 = load<u32>(st, 4);
  let s2 = load<u32>(st, 8);
  let s3 = load<u32>(st, 12);
  const result = rotl(s1 * 5, 7) * 9;
  const t = s1 << 9;
  s2 ^= s0;
  s3 ^= s1;
  s1 ^= s2;
  s0 ^= s3;
  s2 ^= t;
  s3 = rotl(s3, 11);
  storeWords(st, s0, s1, s2, s3);
  return result;
}

/** Uniform in [0, 1) with 32 bits, as Rng.next(). */
@inline function next(st: usize): f64 {
  return <f64>nextU32(st) * 2.3283064365386963e-10;
}

/** Standard normal by the Marsaglia polar method, as Rng.normal() (the spare lives in the block). */
function normal(st: usize): f64 {
  if (load<u32>(st, 16)) {
    store<u32>(st, 0, 16);
    return load<f64>(st, 24);
  }
  // The generator's words in locals for the rejection loop (written back once): the same draws in order.
  let s0 = load<u32>(st, 0);
  let s1 = load<u32>(st, 4);
  let s2 = load<u32>(st, 8);
  let s3 = load<u32>(st, 12);
  let u: f64, v: f64, s: f64;
  do {
    let result = rotl(s1 * 5, 7) * 9;
    let sh = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= sh;
    s3 = rotl(s3, 11);
    u = 2 * (<f64>result * 2.3283064365386963e-10) - 1;
    result = rotl(s1 * 5, 7) * 9;
    sh = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= sh;
    s3 = rotl(s3, 11);
    v = 2 * (<f64>result * 2.3283064365386963e-10) - 1;
    s = u * u + v * v;
  } while (s >= 1 || s == 0);
  storeWords(st, s0, s1, s2, s3);
  const f = Math.sqrt((-2 * fdlog(s)) / s);
  store<f64>(st, v * f, 24);
  store<u32>(st, 1, 16);
  return u * f;
}

/**
 * Natural logarithm, fdlibm's __ieee754_log step for step: the algorithm V8 uses for Math.log, so a draw
 * here equals the one in JavaScript bit for bit (AssemblyScript's own Math.log is musl's, which differs in
 * the last bit now and then). Inputs here are positive and finite.
 */
function fdlog(x: f64): f64 {
  const ln2_hi = 6.93147180369123816490e-01;
  const ln2_lo = 1.90821492927058770002e-10;
  const Lg1 = 6.666666666666735130e-01;
  const Lg2 = 3.999999999940941908e-01;
  const Lg3 = 2.857142874366239149e-01;
  const Lg4 = 2.222219843214978396e-01;
  const Lg5 = 1.818357216161805012e-01;
  const Lg6 = 1.531383769920937332e-01;
  const Lg7 = 1.479819860511658591e-01;
  let bits = reinterpret<u64>(x);
  let hx = <i32>(bits >> 32);
  const lx = <u32>bits;
  let k: i32 = 0;
  if (hx < 0x00100000) {
    if (((hx & 0x7fffffff) | lx) == 0) return -Infinity;
    if (hx < 0) return NaN;
    k -= 54;
    x *= 1.80143985094819840000e+16;
    bits = reinterpret<u64>(x);
    hx = <i32>(bits >> 32);
  }
  if (hx >= 0x7ff00000) return x + x;
  k += (hx >> 20) - 1023;
  hx &= 0x000fffff;
  let i = (hx + 0x95f64) & 0x100000;
  x = reinterpret<f64>((<u64>(<u32>(hx | (i ^ 0x3ff00000))) << 32) | (reinterpret<u64>(x) & 0xffffffff));
  k += i >> 20;
  const f = x - 1.0;
  let dk: f64;
  if ((0x000fffff & (2 + hx)) < 3) {
    if (f == 0) {
      if (k == 0) return 0;
      dk = <f64>k;
      return dk * ln2_hi + dk * ln2_lo;
    }
    const R = f * f * (0.5 - 0.33333333333333333 * f);
    if (k == 0) return f - R;
    dk = <f64>k;
    return dk * ln2_hi - ((R - dk * ln2_lo) - f);
  }
  const s = f / (2.0 + f);
  dk = <f64>k;
  const z = s * s;
  i = hx - 0x6147a;
  const w = z * z;
  const j = 0x6b851 - hx;
  const t1 = w * (Lg2 + w * (Lg4 + w * Lg6));
  const t2 = z * (Lg1 + w * (Lg3 + w * (Lg5 + w * Lg7)));
  i |= j;
  const R = t2 + t1;
  if (i > 0) {
    const hfsq = 0.5 * f * f;
    if (k == 0) return f - (hfsq - s * (hfsq + R));
    return dk * ln2_hi - ((hfsq - (s * (hfsq + R) + dk * ln2_lo)) - f);
  }
  if (k == 0) return f - s * (f - R);
  return dk * ln2_hi - ((s * (f - R) - dk * ln2_lo) - f);
}

/** For the tests: n logarithms of src (f64) into out, so fdlog can be compared with Math.log. */
export function logs(src: usize, out: usize, n: i32): void {
  for (let i = 0; i < n; i++) store<f64>(out + (<usize>i << 3), fdlog(load<f64>(src + (<usize>i << 3))));
}

/** For the tests: n normals from the Rng block, as Rng.fillNormal(out). */
export function normals(st: usize, out: usize, n: i32): void {
  for (let i = 0; i < n; i++) store<f64>(out + (<usize>i << 3), normal(st));
}

// ---- lookup-table device (measured/lut-kernel.ts) ------------------------------------------------------

@inline function f64at(a: usize, i: i32): f64 {
  return load<f64>(a + (<usize>i << 3));
}

/**
 * One cell of lutPulses: nu up and nd down pulses (fractional last ones) from state s through the table of
 * rows first..last; returns the new state, before noise, and leaves the summed variance in `variance`.
 */
let variance: f64 = 0;

@inline function lutCell(s: f64, nu: f64, nd: f64, first: i32, last: i32, knots: usize, dgUp: usize, dgDown: usize,
  sdUp: usize, sdDown: usize, lo: f64, hi: f64, inv: f64): f64 {
  let v: f64 = 0;
  const pairs = Math.floor(nu < nd ? nu : nd);
  const total = <i32>(2 * pairs + Math.ceil(nu - pairs) + Math.ceil(nd - pairs));
  nu -= pairs;
  nd -= pairs;
  const twoPairs = <i32>(2 * pairs);
  for (let t = 0; t < total; t++) {
    let goingUp: bool;
    let f: f64 = 1;
    if (t < twoPairs) goingUp = (t & 1) == 0;
    else {
      // The rest run one way; selects rather than branches (an update's signs are random).
      goingUp = nu > 0;
      const r = select<f64>(nu, nd, goingUp);
      f = r >= 1 ? 1 : r;
      nu = select<f64>(nu - f, nu, goingUp);
      nd = select<f64>(nd, nd - f, goingUp);
    }
    const x = s < lo ? lo : s > hi ? hi : s;
    // Largest a in [first, last − 1] with knots[a] ≤ x: a guess from evenly spaced knots (exact for the
    // usual table), then corrected by comparisons, so the row is the binary search's whatever the spacing.
    let a = first + <i32>((x - lo) * inv);
    if (a > last - 1) a = last - 1;
    if (a < first) a = first;
    while (a > first && f64at(knots, a) > x) a--;
    while (a < last - 1 && f64at(knots, a + 1) <= x) a++;
    const ka = f64at(knots, a);
    const w = (x - ka) / (f64at(knots, a + 1) - ka);
    const mt = select<usize>(dgUp, dgDown, goingUp);
    const st = select<usize>(sdUp, sdDown, goingUp);
    const m0 = f64at(mt, a);
    const mean = m0 + w * (f64at(mt, a + 1) - m0);
    const s0 = f64at(st, a);
    const sd = s0 + w * (f64at(st, a + 1) - s0);
    s += f * mean;
    v += f * sd * sd;
  }
  variance = v;
  return s;
}

/**
 * lutPulses over n cells, with the counts either as float32 arrays (up, down; `delta` 0) or as an analog
 * request (`delta` f64: n = delta/step, up = max(n, 0), down = max(−n, 0), FractionalPulses.split).
 * offsets (i32) delimit each measured device's rows; assign (u16, one per cell) picks one, or is 0 for
 * device 0 everywhere. xi (f64): one standard normal per pulsed cell, in cell order, or 0 without noise.
 */
export function lutPulses(g: usize, up: usize, down: usize, delta: usize, step: f64, dst: usize, n: i32,
  knots: usize, dgUp: usize, dgDown: usize, sdUp: usize, sdDown: usize, offsets: usize, assign: usize,
  xi: usize, noiseScale: f64): void {
  let device = -1;
  let draw = 0;
  let first = 0, last = 0;
  let lo: f64 = 0, hi: f64 = 0, inv: f64 = 0;
  for (let k = 0; k < n; k++) {
    const off = <usize>k << 3;
    let nu: f64, nd: f64;
    if (delta) {
      const dk = load<f64>(delta + off);
      // Most cells of a sparse-input update ask nothing: skip the division (0/step is 0).
      if (dk == 0) {
        store<f64>(dst + off, load<f64>(g + off));
        continue;
      }
      const m = dk / step;
      nu = m > 0 ? m : 0;
      nd = m < 0 ? -m : 0;
    } else {
      nu = <f64>load<f32>(up + (<usize>k << 2));
      nd = <f64>load<f32>(down + (<usize>k << 2));
    }
    if (nu == 0 && nd == 0) {
      store<f64>(dst + off, load<f64>(g + off));
      continue;
    }
    const d = assign ? <i32>load<u16>(assign + (<usize>k << 1)) : 0;
    if (d != device) {
      device = d;
      first = load<i32>(offsets + (<usize>d << 2));
      last = load<i32>(offsets + (<usize>(d + 1) << 2)) - 1;
      lo = f64at(knots, first);
      hi = f64at(knots, last);
      inv = <f64>(last - first) / (hi - lo);
    }
    let s = lutCell(load<f64>(g + off), nu, nd, first, last, knots, dgUp, dgDown, sdUp, sdDown, lo, hi, inv);
    if (xi) s += noiseScale * Math.sqrt(variance) * f64at(xi, draw++);
    store<f64>(dst + off, s < lo ? lo : s > hi ? hi : s);
  }
}

/** pulsedCells() of a request (as lutPulses reads it): the cells with a pulse, i.e. the noise draws a write needs. */
export function lutPulsedCells(up: usize, down: usize, delta: usize, step: f64, factor: f64, n: i32): i32 {
  let count = 0;
  let k = 0;
  if (delta && Math.abs(step) <= 1) {
    // Then delta/step is non-zero exactly when delta is (no underflow), and NaN (no pulse) when delta is:
    // count the (scaled) deltas above or below 0, two at a time.
    const zero = f64x2.splat(0);
    const fv = f64x2.splat(factor);
    for (; k + 2 <= n; k += 2) {
      const dk = f64x2.mul(fv, v128.load(delta + (<usize>k << 3)));
      count += <i32>popcnt(i64x2.bitmask(v128.or(f64x2.gt(dk, zero), f64x2.lt(dk, zero))));
    }
  }
  for (; k < n; k++) {
    if (delta) {
      // Otherwise divide as the reference does.
      const m = factor * load<f64>(delta + (<usize>k << 3)) / step;
      if (m > 0 || m < 0) count++;
    } else if (<f64>load<f32>(up + (<usize>k << 2)) + <f64>load<f32>(down + (<usize>k << 2)) != 0) count++;
  }
  return count;
}

/*
 * lutRespond: lutPulses for an analog request, two cells at a time (f64x2), through a row table the host
 * builds once per measured table (lut-kernel.ts, lutRows). Row a holds 12 f64 (ROW bytes):
 *   0 knots[a], 1 the next knot (+∞ on a device's last row, so the in-row test holds at its top),
 *   2 knots[a+1] − knots[a], 3 unused,
 *   4 dgUp[a], 5 dgUp[a+1] − dgUp[a], 6 sdUp[a], 7 sdUp[a+1] − sdUp[a], 8–11 the same for down.
 * The differences are the ones the reference forms per pulse (the same f64 subtraction, so the same bits),
 * and the lanes do the reference's f64 operations in its order: results agree bit for bit. A pair takes the
 * vector path when its cells ask at most one pulse each (0 < |Δ/step| ≤ 1: the usual analog update, a
 * fraction f of one pulse); a pair with a longer train runs the scalar lutOne. Device parameters (params):
 * 5 f64 per measured device: lo, hi, the row-guess factor, first row, last row.
 */
const ROW: usize = 96;

/** The row of state x: from guess a, the largest a in [first, last − 1] with knots[a] ≤ x (as lutCell). */
@inline function rowOf(x: f64, a: i32, first: i32, last: i32, knots: usize): i32 {
  if (a > last - 1) a = last - 1;
  if (a < first) a = first;
  while (a > first && f64at(knots, a) > x) a--;
  while (a < last - 1 && f64at(knots, a + 1) <= x) a++;
  return a;
}

/** One cell of lutPulses (the scalar path); returns the next draw. */
@inline function lutOne(k: i32, g: usize, nu: f64, nd: f64, dst: usize, knots: usize, dgUp: usize, dgDown: usize,
  sdUp: usize, sdDown: usize, first: i32, last: i32, lo: f64, hi: f64, inv: f64, xi: usize, draw: i32, noiseScale: f64): i32 {
  const off = <usize>k << 3;
  let s = lutCell(load<f64>(g + off), nu, nd, first, last, knots, dgUp, dgDown, sdUp, sdDown, lo, hi, inv);
  if (xi) s += noiseScale * Math.sqrt(variance) * f64at(xi, draw++);
  store<f64>(dst + off, s < lo ? lo : s > hi ? hi : s);
  return draw;
}

/** One pair of lutRespond (cells k, k + 1); returns the next draw. */
@inline function lutPair(k: i32, g: usize, delta: usize, stepV: v128, dst: usize, knots: usize, dgUp: usize, dgDown: usize,
  sdUp: usize, sdDown: usize, assign: usize, rows: usize, params: usize, xi: usize, noiseScale: f64, scaleV: v128,
  lo0: v128, hi0: v128, inv0: v128, fst: i32, lst: i32, draw: i32, factorV: v128): i32 {
  const zero = f64x2.splat(0);
  const one = f64x2.splat(1);
  const off = <usize>k << 3;
  // The request as the tile would have scaled it (factor·Δ, the same product).
  const dk = f64x2.mul(factorV, v128.load(delta + off));
  const s = v128.load(g + off);
  // Most pairs of a sparse-input update ask nothing (whole rows of zeros): a copy.
  if (!v128.any_true(dk)) {
    v128.store(dst + off, s);
    return draw;
  }
  const m = f64x2.div(dk, stepV);
  const goesUp = f64x2.gt(m, zero);
  const pulsed = v128.or(goesUp, f64x2.lt(m, zero));
  const which = i64x2.bitmask(pulsed);
  // Δ/step can still be 0 (−0, underflow) or NaN: no pulse.
  if (!which) {
    v128.store(dst + off, s);
    return draw;
  }
  const f = f64x2.abs(m);
  let lo = lo0, hi = hi0, inv = inv0;
  let first0 = fst, first1 = fst, last0 = lst, last1 = lst;
  if (assign) {
    const d0 = <usize>load<u16>(assign + (<usize>k << 1)) * 40 + params;
    const d1 = <usize>load<u16>(assign + (<usize>k << 1), 2) * 40 + params;
    lo = f64x2.replace_lane(f64x2.splat(load<f64>(d0)), 1, load<f64>(d1));
    hi = f64x2.replace_lane(f64x2.splat(load<f64>(d0, 8)), 1, load<f64>(d1, 8));
    inv = f64x2.replace_lane(f64x2.splat(load<f64>(d0, 16)), 1, load<f64>(d1, 16));
    first0 = <i32>load<f64>(d0, 24);
    first1 = <i32>load<f64>(d1, 24);
    last0 = <i32>load<f64>(d0, 32);
    last1 = <i32>load<f64>(d1, 32);
  }
  if (v128.any_true(f64x2.gt(f, one))) {
    // A train of several pulses in either cell: the scalar path, cell by cell (draws stay in cell order).
    for (let j = 0; j < 2; j++) {
      const c = k + j;
      const mc = j ? f64x2.extract_lane(m, 1) : f64x2.extract_lane(m, 0);
      const nu = mc > 0 ? mc : 0;
      const nd = mc < 0 ? -mc : 0;
      const co = <usize>c << 3;
      if (nu == 0 && nd == 0) {
        store<f64>(dst + co, load<f64>(g + co));
        continue;
      }
      const fi = j ? first1 : first0;
      const la = j ? last1 : last0;
      const l = j ? f64x2.extract_lane(lo, 1) : f64x2.extract_lane(lo, 0);
      const h = j ? f64x2.extract_lane(hi, 1) : f64x2.extract_lane(hi, 0);
      const iv = j ? f64x2.extract_lane(inv, 1) : f64x2.extract_lane(inv, 0);
      draw = lutOne(c, g, nu, nd, dst, knots, dgUp, dgDown, sdUp, sdDown, fi, la, l, h, iv, xi, draw, noiseScale);
    }
    return draw;
  }
  // x: the state held to the table's range for the lookup.
  const x = v128.bitselect(lo, v128.bitselect(hi, s, f64x2.gt(s, hi)), f64x2.lt(s, lo));
  // floor(t) + 2^52 holds floor(t) in its low 32 bits (0 ≤ t < 2^31): no saturating conversion needed. A
  // NaN state leaves its payload's bits there, hence both clamps (rowOf then finds the reference's row).
  const guess = f64x2.add(f64x2.floor(f64x2.mul(f64x2.sub(x, lo), inv)), f64x2.splat(4503599627370496.0));
  let a0 = first0 + i32x4.extract_lane(guess, 0);
  let a1 = first1 + i32x4.extract_lane(guess, 2);
  if (a0 > last0 - 1) a0 = last0 - 1;
  if (a1 > last1 - 1) a1 = last1 - 1;
  if (a0 < first0) a0 = first0;
  if (a1 < first1) a1 = first1;
  let p0 = rows + <usize>a0 * ROW;
  let p1 = rows + <usize>a1 * ROW;
  let r0 = v128.load(p0);
  let r1 = v128.load(p1);
  let ka = v128.shuffle<f64>(r0, r1, 0, 2);
  const inRow = v128.and(f64x2.le(ka, x), f64x2.lt(x, v128.shuffle<f64>(r0, r1, 1, 3)));
  if (!v128.all_true<i64>(inRow)) {
    // The guess missed (uneven knots, rounding at a knot): correct it by comparisons.
    a0 = rowOf(f64x2.extract_lane(x, 0), a0, first0, last0, knots);
    a1 = rowOf(f64x2.extract_lane(x, 1), a1, first1, last1, knots);
    p0 = rows + <usize>a0 * ROW;
    p1 = rows + <usize>a1 * ROW;
    ka = f64x2.replace_lane(f64x2.splat(load<f64>(p0)), 1, load<f64>(p1));
  }
  const span = f64x2.replace_lane(f64x2.splat(load<f64>(p0, 16)), 1, load<f64>(p1, 16));
  // The direction's half of each row: up at +32, down at +64.
  const dir = i64x2.bitmask(goesUp);
  const q0 = p0 + ((dir & 1) ? 32 : 64);
  const q1 = p1 + ((dir & 2) ? 32 : 64);
  const mr0 = v128.load(q0);
  const mr1 = v128.load(q1);
  const sr0 = v128.load(q0, 16);
  const sr1 = v128.load(q1, 16);
  const w = f64x2.div(f64x2.sub(x, ka), span);
  const mean = f64x2.add(v128.shuffle<f64>(mr0, mr1, 0, 2), f64x2.mul(w, v128.shuffle<f64>(mr0, mr1, 1, 3)));
  const sd = f64x2.add(v128.shuffle<f64>(sr0, sr1, 0, 2), f64x2.mul(w, v128.shuffle<f64>(sr0, sr1, 1, 3)));
  let out = f64x2.add(s, f64x2.mul(f, mean));
  if (xi) {
    const variance = f64x2.add(zero, f64x2.mul(f64x2.mul(f, sd), sd));
    // One draw per pulsed cell, in cell order.
    const z = which == 3 ? v128.load(xi + (<usize>draw << 3)) : f64x2.splat(f64at(xi, draw));
    draw += which == 3 ? 2 : 1;
    out = f64x2.add(out, f64x2.mul(f64x2.mul(scaleV, f64x2.sqrt(variance)), z));
  }
  out = v128.bitselect(lo, v128.bitselect(hi, out, f64x2.gt(out, hi)), f64x2.lt(out, lo));
  v128.store(dst + off, v128.bitselect(out, s, pulsed));
  return draw;
}

export function lutRespond(g: usize, delta: usize, step: f64, factor: f64, dst: usize, n: i32, knots: usize, dgUp: usize, dgDown: usize,
  sdUp: usize, sdDown: usize, assign: usize, rows: usize, params: usize, xi: usize, noiseScale: f64): void {
  let draw = 0;
  const factorV = f64x2.splat(factor);
  const stepV = f64x2.splat(step);
  const scaleV = f64x2.splat(noiseScale);
  // Device 0's parameters, for a table without assignment (every cell on device 0).
  const lo = f64x2.splat(load<f64>(params));
  const hi = f64x2.splat(load<f64>(params, 8));
  const inv = f64x2.splat(load<f64>(params, 16));
  const first = <i32>load<f64>(params, 24);
  const last = <i32>load<f64>(params, 32);
  let k = 0;
  // Four cells an iteration: two independent pairs in flight.
  for (; k + 4 <= n; k += 4) {
    draw = lutPair(k, g, delta, stepV, dst, knots, dgUp, dgDown, sdUp, sdDown, assign, rows, params, xi, noiseScale, scaleV, lo, hi, inv, first, last, draw, factorV);
    draw = lutPair(k + 2, g, delta, stepV, dst, knots, dgUp, dgDown, sdUp, sdDown, assign, rows, params, xi, noiseScale, scaleV, lo, hi, inv, first, last, draw, factorV);
  }
  if (k + 2 <= n) {
    draw = lutPair(k, g, delta, stepV, dst, knots, dgUp, dgDown, sdUp, sdDown, assign, rows, params, xi, noiseScale, scaleV, lo, hi, inv, first, last, draw, factorV);
    k += 2;
  }
  for (; k < n; k++) {
    const off = <usize>k << 3;
    const mk = factor * load<f64>(delta + off) / step;
    const nu = mk > 0 ? mk : 0;
    const nd = mk < 0 ? -mk : 0;
    if (nu == 0 && nd == 0) {
      store<f64>(dst + off, load<f64>(g + off));
      continue;
    }
    const d = assign ? <usize>load<u16>(assign + (<usize>k << 1)) * 40 + params : params;
    draw = lutOne(k, g, nu, nd, dst, knots, dgUp, dgDown, sdUp, sdDown, <i32>load<f64>(d, 24), <i32>load<f64>(d, 32),
      load<f64>(d), load<f64>(d, 8), load<f64>(d, 16), xi, draw, noiseScale);
  }
}

// ---- aihwkit pulsed devices (pulsed/engine.ts: gather, pulse rounds, scatter; analog respond) -----------

@inline function i32at(a: usize, i: i32): i32 {
  return load<i32>(a + (<usize>i << 2));
}

@inline function f32at(a: usize, i: i32): f64 {
  return <f64>load<f32>(a + (<usize>i << 2));
}

/**
 * engine.ts gather(), for compiled rounds: the pulsed cells among list[0 .. count) (list 0: cells 0 .. count)
 * into dense slots: touched (cell), cUp/cDown (counts), w (weight clipped to the cell's own bounds, read from
 * packed[cell·F + bminAt], [… + bmaxAt]), idx[slot] = slot. Returns how many. The per-device values stay in
 * `packed` (one cache line per cell), where the rounds read them.
 */
export function pulsedGather(list: usize, count: i32, up: usize, down: usize, g: usize, packed: usize, F: i32,
  bminAt: i32, bmaxAt: i32, cUp: usize, cDown: usize, w: usize, touched: usize, idx: usize, wMin: f64, gmin: f64, invS: f64): i32 {
  let total = 0;
  for (let j = 0; j < count; j++) {
    const k = list ? i32at(list, j) : j;
    const u = load<f32>(up + (<usize>k << 2));
    const d = load<f32>(down + (<usize>k << 2));
    if (<f64>u + <f64>d > 0) {
      store<i32>(touched + (<usize>total << 2), k);
      store<f32>(cUp + (<usize>total << 2), u);
      store<f32>(cDown + (<usize>total << 2), d);
      total++;
    }
  }
  for (let i = 0; i < total; i++) {
    const k = i32at(touched, i);
    const cell = packed + (<usize>(k * F) << 3);
    const v = wMin + (f64at(g, k) - gmin) * invS;
    const l = f64at(cell, bminAt);
    const h = f64at(cell, bmaxAt);
    store<f64>(w + (<usize>i << 3), v < l ? l : v > h ? h : v);
    store<i32>(idx + (<usize>i << 2), i);
  }
  return total;
}

/** engine.ts pulse(), the end: dst[touched[i]] = gmin + (w[i] − wMin)·s. */
export function pulsedScatter(dst: usize, touched: usize, w: usize, total: i32, gmin: f64, wMin: f64, s: f64): void {
  for (let i = 0; i < total; i++) store<f64>(dst + (<usize>i32at(touched, i) << 3), gmin + (f64at(w, i) - wMin) * s);
}

// Device families of pulseRound (the models' `compiled.family`).
const CONSTANT = 0;
const LINEAR_MULT = 1;
const LINEAR_ADD = 2;
const EXP = 4;
const POW = 5;

// V8's own Math.exp and Math.pow (`**`), so exp-step and pow-step steps equal the TypeScript ones bit for bit.
@external("env", "exp") declare function hostExp(x: f64): f64;
@external("env", "pow") declare function hostPow(x: f64, y: f64): f64;

// Set by stepOnce when the device leaves the cell as it is (exp-step: b_max ≤ b_min; pow-step: b_max = b_min).
let unchanged: bool = false;

/**
 * One update-once of a device family (the models' TypeScript `kernel` for one cell): weight x, direction
 * `up`, pulse count nn (1 for a pulse, |request|/step for an analog request), cycle-to-cycle draw xi, so
 * f = nn + σ·xi; returns the new weight held to the cell's bounds, or sets `unchanged`. The per-device
 * values are read from `cell` at aMin, aMax, aUp, aDown and the family's two own fields a0, a1.
 */
@inline function stepOnce(family: i32, up: bool, x: f64, nn: f64, xi: f64, sigma: f64, cell: usize,
  aMin: i32, aMax: i32, aUp: i32, aDown: i32, a0: i32, a1: i32, nodes: usize, m: i32): f64 {
  unchanged = false;
  const f = nn + sigma * xi;
  let v: f64;
  if (family == CONSTANT) {
    v = up ? x + f64at(cell, aUp) * f : x - f64at(cell, aDown) * f;
  } else if (family == LINEAR_MULT) {
    v = up ? x + (f64at(cell, a0) * x + f64at(cell, aUp)) * f : x - (f64at(cell, a1) * x + f64at(cell, aDown)) * f;
  } else if (family == LINEAR_ADD) {
    v = up ? x + f64at(cell, a0) * x * nn + f64at(cell, aUp) * f : x - f64at(cell, a1) * x * nn - f64at(cell, aDown) * f;
  } else if (family == EXP) {
    // nodes: aUp, aDown, gammaUp, gammaDown, a, b, dwMinStdAdd, dwMinStdSlope, complex (0/1).
    const range = f64at(cell, aMax) - f64at(cell, aMin);
    if (!(range > 0)) {
      unchanged = true;
      return x;
    }
    const z = ((2 * f64at(nodes, 4) * x) / range) + f64at(nodes, 5);
    let dw: f64;
    if (up) dw = Math.max(1 - f64at(nodes, 0) * hostExp(f64at(nodes, 2) * z), 0) * f64at(cell, aUp);
    else dw = -Math.max(1 - f64at(nodes, 1) * hostExp(-f64at(nodes, 3) * z), 0) * f64at(cell, aDown);
    v = f64at(nodes, 8) != 0
      ? x + dw * nn + sigma * (Math.abs(dw) + f64at(nodes, 6) + f64at(nodes, 7) * Math.abs(x)) * xi
      : x + dw * f;
  } else if (family == POW) {
    const lo = f64at(cell, aMin);
    const hi = f64at(cell, aMax);
    const range = hi - lo;
    if (range == 0) {
      unchanged = true;
      return x;
    }
    v = up
      ? x + f64at(cell, aUp) * hostPow((hi - x) / range, f64at(cell, a0)) * f
      : x - f64at(cell, aDown) * hostPow((x - lo) / range, f64at(cell, a1)) * f;
  } else {
    const lo = f64at(cell, aMin);
    const range = f64at(cell, aMax) - lo;
    const curve = up ? nodes : nodes + (<usize>(m + 1) << 3);
    let rel: f64;
    if (m <= 0 || !(range > 0)) rel = f64at(curve, 0);
    else {
      // Math.max(·, 0) and Math.min(·, 1) written as comparisons: equal for every number, and a NaN weight
      // passes through as the same NaN (f64.max/min would return a canonical NaN of the other sign).
      const q = ((x - lo) / range) * <f64>m;
      const uu = q > 0 ? q : q != q ? q : 0;
      const jj = <i32>Math.min(Math.floor(uu), <f64>(m - 1));
      const r = uu - <f64>jj;
      const tt = r < 1 ? r : r != r ? r : 1;
      rel = (1 - tt) * f64at(curve, jj) + tt * f64at(curve, jj + 1);
    }
    v = up ? x + f64at(cell, aUp) * rel * f : x - f64at(cell, aDown) * rel * f;
  }
  const l = f64at(cell, aMin);
  const h = f64at(cell, aMax);
  return v < l ? l : v > h ? h : v;
}

/**
 * Pulse index t of engine.ts pulse(): for the `count` remaining slots idx[j], the pulse's direction
 * (pulseSigns), the device's update-once with one pulse (stepOnce, its per-device values read from
 * packed[touched[slot]·F + at[·]]: at = positions of bmin, bmax, dUp, dDown and the family's two own
 * fields, i32), then the slots with a pulse left (survivors) compacted into idx. Returns how many remain.
 * nodes (f64): the piecewise nodes, up then down (m + 1 each), or exp-step's constants.
 */
export function pulseRound(family: i32, t: i32, count: i32, idx: usize, cUp: usize, cDown: usize, w: usize, touched: usize,
  packed: usize, F: i32, at: usize, xi: usize, sigma: f64, nodes: usize, m: i32): i32 {
  const aMin = i32at(at, 0);
  const aMax = i32at(at, 1);
  const aUp = i32at(at, 2);
  const aDown = i32at(at, 3);
  const a0 = i32at(at, 4);
  const a1 = i32at(at, 5);
  const tf = <f64>t;
  const next = tf + 1;
  let kept = 0;
  for (let j = 0; j < count; j++) {
    const i = i32at(idx, j);
    const cell = packed + (<usize>(i32at(touched, i) * F) << 3);
    const u = f32at(cUp, i);
    const d = f32at(cDown, i);
    const up: bool = tf < 2 * Math.min(u, d) ? (t & 1) == 0 : u > d;
    const v = stepOnce(family, up, f64at(w, i), 1, f64at(xi, j), sigma, cell, aMin, aMax, aUp, aDown, a0, a1, nodes, m);
    if (!unchanged) store<f64>(w + (<usize>i << 3), v);
    if (u + d > next) {
      store<i32>(idx + (<usize>kept << 2), i);
      kept++;
    }
  }
  return kept;
}

/**
 * engine.ts respondScaled(), whole: for each cell k of 0 .. n with a request dk = factor·delta[k] ≠ 0 (the
 * product skipped for factor 1, as there), |dk|/pulseStep pulses in dk's direction as ONE update-once
 * (stepOnce) with xi = √(|dk|/pulseStep)·ξ (ξ from the Rng block in cell order, only when `noisy`), from
 * the weight of g[k] held to the cell's bounds, written back to dst[k] as conductance (also when the device
 * leaves the cell as it is, as the reference's store does). Each cell is read before it is written, so dst
 * may be g. Lists the written cells in `touched` (ascending) and returns how many.
 */
export function pulsedRespond(family: i32, g: usize, delta: usize, factor: f64, dst: usize, n: i32, packed: usize, F: i32, at: usize,
  rng: usize, noisy: bool, sigma: f64, pulseStep: f64, nodes: usize, m: i32, wMin: f64, gmin: f64, invS: f64, s: f64, touched: usize): i32 {
  const aMin = i32at(at, 0);
  const aMax = i32at(at, 1);
  const aUp = i32at(at, 2);
  const aDown = i32at(at, 3);
  const a0 = i32at(at, 4);
  const a1 = i32at(at, 5);
  const unit = factor == 1;
  let count = 0;
  for (let k = 0; k < n; k++) {
    const raw = f64at(delta, k);
    const dk = unit ? raw : factor * raw;
    if (dk == 0) continue;
    const mm = Math.abs(dk) / pulseStep;
    const xi: f64 = noisy ? Math.sqrt(mm) * normal(rng) : 0;
    const cell = packed + (<usize>(k * F) << 3);
    const l = f64at(cell, aMin);
    const h = f64at(cell, aMax);
    const v0 = wMin + (f64at(g, k) - gmin) * invS;
    let x = v0 < l ? l : v0 > h ? h : v0;
    const v = stepOnce(family, dk > 0, x, mm, xi, sigma, cell, aMin, aMax, aUp, aDown, a0, a1, nodes, m);
    if (!unchanged) x = v;
    store<f64>(dst + (<usize>k << 3), gmin + (x - wMin) * s);
    store<i32>(touched + (<usize>count << 2), k);
    count++;
  }
  return count;
}

// ---- stochastic pulse trains (rules/coincidences.ts) -----------------------------------------------------

// V8's Math.log1p (fdlibm) from the host: once per line with rare fires, so the call costs little.
@external("env", "log1p") declare function hostLog1p(x: f64): f64;

const PER_SLOT: f64 = 4;

/**
 * Fires.draw() for samples [b0, b1) of values (f32, batch × lines): appends (slot, line, sign) of each fire to
 * drawn* (i32) from position io[0], the samples' slots starting at io[1]. Stops before a sample whose
 * worst case (BL·lines fires) would pass `capacity` and returns its index (b1 when done); io[0] and io[1]
 * then hold the fires and slots so far, so the caller grows the arrays and continues.
 */
export function fireDraw(values: usize, lines: i32, b0: i32, b1: i32, bl: usize, scale: usize, rng: usize,
  drawnSlot: usize, drawnLine: usize, drawnSign: usize, capacity: i32, io: usize): i32 {
  let fired = load<i32>(io, 0);
  let next0 = load<i32>(io, 4);
  for (let b = b0; b < b1; b++) {
    const length = <i32>f64at(bl, b);
    const s = f64at(scale, b);
    if (length == 0 || s == 0) {
      next0 += length;
      continue;
    }
    if (fired + length * lines > capacity) {
      store<i32>(io, fired, 0);
      store<i32>(io, next0, 4);
      return b;
    }
    const r0 = next0;
    next0 += length;
    const lf = <f64>length;
    const base = b * lines;
    for (let i = 0; i < lines; i++) {
      const v = <f64>load<f32>(values + (<usize>(base + i) << 2));
      const p = s * Math.abs(v);
      if (!(p > 0)) continue;
      const sign: i32 = v > 0 ? 1 : -1;
      if (p >= 1) {
        for (let t = 0; t < length; t++) {
          store<i32>(drawnSlot + (<usize>fired << 2), r0 + t);
          store<i32>(drawnLine + (<usize>fired << 2), i);
          store<i32>(drawnSign + (<usize>fired << 2), sign);
          fired++;
        }
        continue;
      }
      if (lf <= PER_SLOT * (1 + lf * p)) {
        // next(rng) per slot with the generator's state in locals (the stores of the fires would otherwise
        // make every draw reload and store it), written back after the line: the same words, in order.
        let s0 = load<u32>(rng, 0);
        let s1 = load<u32>(rng, 4);
        let s2 = load<u32>(rng, 8);
        let s3 = load<u32>(rng, 12);
        for (let t = 0; t < length; t++) {
          const result = rotl(s1 * 5, 7) * 9;
          const sh = s1 << 9;
          s2 ^= s0;
          s3 ^= s1;
          s1 ^= s2;
          s0 ^= s3;
          s2 ^= sh;
          s3 = rotl(s3, 11);
          if (<f64>result * 2.3283064365386963e-10 < p) {
            store<i32>(drawnSlot + (<usize>fired << 2), r0 + t);
            store<i32>(drawnLine + (<usize>fired << 2), i);
            store<i32>(drawnSign + (<usize>fired << 2), sign);
            fired++;
          }
        }
        storeWords(rng, s0, s1, s2, s3);
        continue;
      }
      const logMiss = hostLog1p(-p);
      for (let t = <i32>Math.floor(fdlog(1 - next(rng)) / logMiss); t < length; t += 1 + <i32>Math.floor(fdlog(1 - next(rng)) / logMiss)) {
        store<i32>(drawnSlot + (<usize>fired << 2), r0 + t);
        store<i32>(drawnLine + (<usize>fired << 2), i);
        store<i32>(drawnSign + (<usize>fired << 2), sign);
        fired++;
      }
    }
  }
  store<i32>(io, fired, 0);
  store<i32>(io, next0, 4);
  return b1;
}

/**
 * stochastic-pulses' absMax per row: out[r] (f64) = the largest |values[r·cols + c]| (f32), 0 for an empty
 * or all-zero row; a NaN never wins a comparison, as in the TypeScript loop (`if (v > m) m = v`).
 */
export function rowAbsMaxes(values: usize, rows: i32, cols: i32, out: usize): void {
  const cols4 = cols & ~3;
  for (let r = 0; r < rows; r++) {
    const row = values + (<usize>(r * cols) << 2);
    let mv = f32x4.splat(0);
    for (let c = 0; c < cols4; c += 4) {
      const a = f32x4.abs(v128.load(row + (<usize>c << 2)));
      mv = v128.bitselect(a, mv, f32x4.gt(a, mv));
    }
    let m: f32 = 0;
    for (let l = 0; l < 4; l++) {
      const v = f32x4.extract_lane(mv, 0);
      m = v > m ? v : m;
      mv = i32x4.shuffle(mv, mv, 1, 2, 3, 0);
    }
    for (let c = cols4; c < cols; c++) {
      const v = abs<f32>(load<f32>(row + (<usize>c << 2)));
      m = v > m ? v : m;
    }
    store<f64>(out + (<usize>r << 3), <f64>m);
  }
}

/** Fires.bucket(): counting sort of the drawn fires by slot into start (slots + 1), line and sign; next: slots of work. */
export function fireBucket(fired: i32, slots: i32, start: usize, drawnSlot: usize, drawnLine: usize, drawnSign: usize,
  work: usize, line: usize, sign: usize): void {
  memory.fill(start, 0, <usize>(slots + 1) << 2);
  for (let f = 0; f < fired; f++) {
    const at = start + (<usize>(i32at(drawnSlot, f) + 1) << 2);
    store<i32>(at, load<i32>(at) + 1);
  }
  for (let r = 0; r < slots; r++) store<i32>(start + (<usize>(r + 1) << 2), i32at(start, r + 1) + i32at(start, r));
  memory.copy(work, start, <usize>slots << 2);
  for (let f = 0; f < fired; f++) {
    const slot = work + (<usize>i32at(drawnSlot, f) << 2);
    const at = load<i32>(slot);
    store<i32>(slot, at + 1);
    store<i32>(line + (<usize>at << 2), i32at(drawnLine, f));
    store<i32>(sign + (<usize>at << 2), i32at(drawnSign, f));
  }
}

/** walkCoincidences(): every coincidence of the slots to up/down (f32) of its cell; new cells appended to list. Returns the list's count. */
export function walkCoincidences(slots: i32, xStart: usize, xLine: usize, xSign: usize, dStart: usize, dLine: usize, dSign: usize,
  paddedCols: i32, up: usize, down: usize, list: usize, listed: i32): i32 {
  for (let r = 0; r < slots; r++) {
    const d0 = i32at(dStart, r);
    const d1 = i32at(dStart, r + 1);
    if (d0 == d1) continue;
    const a1 = i32at(xStart, r + 1);
    for (let a = i32at(xStart, r); a < a1; a++) {
      const row = i32at(xLine, a) * paddedCols;
      const sx = i32at(xSign, a);
      for (let c = d0; c < d1; c++) {
        const k = row + i32at(dLine, c);
        const pu = up + (<usize>k << 2);
        const pd = down + (<usize>k << 2);
        const u = load<f32>(pu);
        const dn = load<f32>(pd);
        if (<f64>u + <f64>dn == 0) {
          store<i32>(list + (<usize>listed << 2), k);
          listed++;
        }
        if (sx == i32at(dSign, c)) store<f32>(pd, dn + 1);
        else store<f32>(pu, u + 1);
      }
    }
  }
  return listed;
}

/**
 * addDenseCounts(): the counts of gemmCoincidences' S = down − up and M = down + up (rows × cols, f32 integers
 * of equal parity) added to up/down (f32) of cell i·paddedCols + j, in row order; every cell with a count
 * afterwards is listed. Returns the list's count.
 */
export function addDenseCounts(S: usize, M: usize, rows: i32, cols: i32, paddedCols: i32, up: usize, down: usize, list: usize): i32 {
  let listed = 0;
  for (let i = 0; i < rows; i++) {
    const src = <usize>(i * cols) << 2;
    const row = i * paddedCols;
    for (let j = 0; j < cols; j++) {
      const s = <f64>load<f32>(S + src + (<usize>j << 2));
      const m = <f64>load<f32>(M + src + (<usize>j << 2));
      const k = row + j;
      const pu = up + (<usize>k << 2);
      const pd = down + (<usize>k << 2);
      // The halves are exact; each sum rounds to f32 as `up[k] += …` does.
      const u = <f32>(<f64>load<f32>(pu) + (m - s) / 2);
      const d = <f32>(<f64>load<f32>(pd) + (m + s) / 2);
      store<f32>(pu, u);
      store<f32>(pd, d);
      if (<f64>u + <f64>d > 0) {
        store<i32>(list + (<usize>listed << 2), k);
        listed++;
      }
    }
  }
  return listed;
}

/** sortCells(): LSD radix sort (11-bit digits) of idx[0 .. count) below `limit`; buf: count i32, hist: 2048 i32. */
export function sortCells(idx: usize, count: i32, limit: i32, buf: usize, hist: usize): void {
  if (count < 2) return;
  let from = idx;
  let to = buf;
  for (let shift: u32 = 0; shift < 32 && (shift == 0 || (<u32>(limit - 1)) >>> shift > 0); shift += 11) {
    memory.fill(hist, 0, 2048 << 2);
    for (let i = 0; i < count; i++) {
      const h = hist + (<usize>((<u32>i32at(from, i) >>> shift) & 2047) << 2);
      store<i32>(h, load<i32>(h) + 1);
    }
    let sum = 0;
    for (let b = 0; b < 2048; b++) {
      const h = hist + (<usize>b << 2);
      const c = load<i32>(h);
      store<i32>(h, sum);
      sum += c;
    }
    for (let i = 0; i < count; i++) {
      const v = i32at(from, i);
      const h = hist + (<usize>((<u32>v >>> shift) & 2047) << 2);
      const at = load<i32>(h);
      store<i32>(h, at + 1);
      store<i32>(to + (<usize>at << 2), v);
    }
    const tmp = from;
    from = to;
    to = tmp;
  }
  if (from != idx) memory.copy(idx, from, <usize>count << 2);
}

// ---- NeuroSim device (measured/exp-curve.ts applyPulses + addWriteNoise) ---------------------------------

@external("env", "expm1") declare function hostExpm1(x: f64): f64;

/**
 * applyPulses then addWriteNoise of exp-curve.ts over n cells, counts as f32 arrays (up, down) or an analog
 * request (delta f64, split by step as FractionalPulses does). Curves: kUp, invEUp, mUp, kDown, invEDown,
 * mDown (f64, one per cell, or one shared when `shared`). Noise (rng ≠ 0): σ·R·√(pulses)·ξ per pulsed cell,
 * ξ from the Rng block in cell order (the draws Rng.fillNormal makes), then the state kept in [gmin, gmax].
 */
export function neurosimPulses(g: usize, up: usize, down: usize, delta: usize, step: f64, dst: usize, n: i32,
  kUp: usize, invEUp: usize, mUp: usize, kDown: usize, invEDown: usize, mDown: usize, shared: bool,
  gmin: f64, gmax: f64, range: f64, inv: f64, rng: usize, scale: f64, list: usize, listCount: i32, expUp: usize, expDown: usize, tableLen: i32,
  factor: f64): void {
  // With a list (ascending, a superset of the pulsed cells) only those cells are visited: the others keep
  // their state, which the caller guarantees by passing dst == g. Noise is drawn in the same cell order.
  // An analog request is factor·delta (the product formed first, as a scaled copy would hold it).
  const count = list ? listCount : n;
  for (let i = 0; i < count; i++) {
    const k = list ? load<i32>(list + (<usize>i << 2)) : i;
    neurosimCell(k, g, up, down, delta, step, dst, kUp, invEUp, mUp, kDown, invEDown, mDown, shared, gmin, gmax, range, inv, rng, scale, expUp, expDown, tableLen, factor);
  }
}

/**
 * e^(x) − 1 for the remainder of a write: host expm1 (V8's, so the result equals the TypeScript loop's),
 * or, for a whole count below tableLen on shared curves, the same value precomputed by the host
 * (table[j] = Math.expm1(sign·k·j)), which spares a call out of the module per pulsed cell.
 */
@inline function remainder(x: f64, count: f64, table: usize, tableLen: i32): f64 {
  if (table && count < <f64>tableLen && count == Math.floor(count)) return load<f64>(table + (<usize><i32>count << 3));
  return hostExpm1(x);
}

@inline function neurosimCell(k: i32, g: usize, up: usize, down: usize, delta: usize, step: f64, dst: usize,
  kUp: usize, invEUp: usize, mUp: usize, kDown: usize, invEDown: usize, mDown: usize, shared: bool,
  gmin: f64, gmax: f64, range: f64, inv: f64, rng: usize, scale: f64, expUp: usize, expDown: usize, tableLen: i32, factor: f64): void {
  const off = <usize>k << 3;
  let nu: f64, nd: f64;
  if (delta) {
    const raw = load<f64>(delta + off);
    const dk = factor == 1 ? raw : factor * raw;
    const m = dk / step;
    nu = m > 0 ? m : 0;
    nd = m < 0 ? -m : 0;
  } else {
    nu = <f64>load<f32>(up + (<usize>k << 2));
    nd = <f64>load<f32>(down + (<usize>k << 2));
  }
  if (nu == 0 && nd == 0) {
    if (dst != g) store<f64>(dst + off, load<f64>(g + off));
    return;
  }
  const pulses = nu + nd;
  const d = shared ? 0 : k;
  const eu = f64at(invEUp, d);
  const ed = f64at(invEDown, d);
  let u = (load<f64>(g + off) - gmin) * inv;
  u = u < 0 ? 0 : u > 1 ? 1 : u;
  const pairs = nu < nd ? Math.floor(nu) : Math.floor(nd);
  if (pairs > 0) {
    const mu = f64at(mUp, d);
    const md = f64at(mDown, d);
    for (let j: f64 = 0; j < pairs; j++) {
      u += mu * (u + eu);
      if (u > 1) u = 1;
      u += md * (u + ed);
      if (u < 0) u = 0;
    }
    nu -= pairs;
    nd -= pairs;
  }
  if (nu > 0) {
    u += remainder(-f64at(kUp, d) * nu, nu, expUp, tableLen) * (u + eu);
    if (u > 1) u = 1;
  }
  if (nd > 0) {
    u += remainder(f64at(kDown, d) * nd, nd, expDown, tableLen) * (u + ed);
    if (u < 0) u = 0;
  }
  let v = gmin + range * u;
  if (rng) {
    v = v + scale * Math.sqrt(pulses) * normal(rng);
    v = v < gmin ? gmin : v > gmax ? gmax : v;
  }
  store<f64>(dst + off, v);
}

// ---- pulse-count rule (rules/pulse-count.ts) ------------------------------------------------------------

/**
 * pulse-count's update over n cells: want = f·grad (f32), count = round(|want|) (Math.round, half up) or
 * floor(|want| + u) with u (f64) given, capped at `cap`; up = count where want > 0, down = count elsewhere.
 */
export function pulseCounts(grad: usize, n: i32, f: f64, u: usize, cap: f64, up: usize, down: usize, list: usize): i32 {
  // list ≠ 0: the cells with a non-zero count are written there, ascending; their number is returned.
  let listed = 0;
  const zero = f32x4.splat(0);
  // f·0 is 0 only for a finite f (an infinite one makes NaN counts, which the cell loop writes).
  const skip = Math.abs(f) < Infinity;
  for (let k0 = 0; k0 < n; k0 += 4) {
    // A group of four exact zeros (rows of a zero input: most of a batch-1 step) gets no pulse: written
    // as zeros without the per-cell rounding. Any other bit pattern (−0 included) takes the cell loop.
    if (skip && k0 + 4 <= n && !v128.any_true(v128.load(grad + (<usize>k0 << 2)))) {
      v128.store(up + (<usize>k0 << 2), zero);
      v128.store(down + (<usize>k0 << 2), zero);
      continue;
    }
    const end = k0 + 4 < n ? k0 + 4 : n;
    for (let k = k0; k < end; k++) {
      const want = f * <f64>load<f32>(grad + (<usize>k << 2));
      const a = Math.abs(want);
      // Selects, not branches: whether a cell rounds up, is capped or is listed follows the data.
      let count: f64;
      if (u) count = Math.floor(a + load<f64>(u + (<usize>k << 3)));
      else {
        count = Math.floor(a);
        count = select<f64>(count + 1, count, a - count >= 0.5);
      }
      count = select<f64>(cap, count, count > cap);
      const raise = want > 0;
      store<f32>(up + (<usize>k << 2), <f32>select<f64>(count, 0, raise));
      store<f32>(down + (<usize>k << 2), <f32>select<f64>(0, count, raise));
      if (list) {
        // Written always, kept only when the count is non-zero (the next cell overwrites it otherwise).
        store<i32>(list + (<usize>listed << 2), k);
        listed += <i32>(count != 0);
      }
    }
  }
  return listed;
}

/**
 * pulseCounts for a batch of one, from its operands: grad = x_i·δ_j (one f32 product, as the K = 1 GEMM
 * forms it), cell k = i·paddedCols + j. Rows of a zero input are skipped whole (their counts are zero).
 * up and down must be zero on entry; only the cells with a count are written, and listed, ascending.
 * Returns the count, or −1 (nothing written) when f or an operand is not finite: the caller then forms
 * the gradient and takes pulseCounts, which writes the NaN counts such operands make.
 */
export function pulseCountsOuter(x: usize, rows: i32, d: usize, cols: i32, paddedCols: i32, f: f64, u: usize, cap: f64,
  up: usize, down: usize, list: usize): i32 {
  if (!(Math.abs(f) < Infinity)) return -1;
  for (let i = 0; i < rows; i++) if (!(Math.abs(load<f32>(x + (<usize>i << 2))) < Infinity)) return -1;
  let dMax: f32 = 0;
  for (let j = 0; j < cols; j++) {
    const a = abs<f32>(load<f32>(d + (<usize>j << 2)));
    if (!(a < Infinity)) return -1;
    dMax = a > dMax ? a : dMax;
  }
  let listed = 0;
  // Nearest rounding gives no pulse where |f·g| < 0.5, which holds wherever |g| ≤ limit (a margin of 1e-6
  // over the products' roundings): such cells are passed four at a time by one SIMD product and compare.
  // Stochastic rounding can pulse any non-zero g, so it takes every cell.
  const limit = u ? <f32>-1 : <f32>((0.5 / Math.abs(f)) * (1 - 1e-6));
  const lim = f32x4.splat(limit);
  const cols4 = u ? 0 : cols & ~3;
  for (let i = 0; i < rows; i++) {
    const xi = load<f32>(x + (<usize>i << 2));
    // |x_i·δ_j| ≤ |x_i|·max|δ| in float32 too (rounding is monotone): a row under the limit has no pulse.
    if (xi == 0 || abs<f32>(xi) * dMax <= limit) continue;
    const row = i * paddedCols;
    const xv = f32x4.splat(xi);
    for (let j0 = 0; j0 < cols; j0 += 4) {
      if (j0 < cols4 && !v128.any_true(f32x4.gt(f32x4.abs(f32x4.mul(xv, v128.load(d + (<usize>j0 << 2)))), lim))) continue;
      const end = j0 + 4 < cols ? j0 + 4 : cols;
      for (let j = j0; j < end; j++) {
        const want = f * <f64>(xi * load<f32>(d + (<usize>j << 2)));
        const a = Math.abs(want);
        const k = row + j;
        let count: f64;
        if (u) count = Math.floor(a + load<f64>(u + (<usize>k << 3)));
        else {
          count = Math.floor(a);
          count = select<f64>(count + 1, count, a - count >= 0.5);
        }
        count = select<f64>(cap, count, count > cap);
        if (count == 0) continue;
        const raise = want > 0;
        store<f32>(up + (<usize>k << 2), <f32>select<f64>(count, 0, raise));
        store<f32>(down + (<usize>k << 2), <f32>select<f64>(0, count, raise));
        store<i32>(list + (<usize>listed << 2), k);
        listed++;
      }
    }
  }
  return listed;
}

// ---- aihwkit pulsed devices: write noise, decay and diffusion, reset (pulsed/processes.ts) ----------------

/**
 * Redraws write-noise offsets: off[k] = std·ξ (plusZero: 0 + std·ξ, as Rng.fillNormal writes it) for the
 * cells cells[0 .. count) in list order, or for cells 0 .. count without a list; ξ from the Rng block.
 */
export function pulsedRedraw(cells: usize, count: i32, off: usize, std: f64, rng: usize, plusZero: bool): void {
  for (let i = 0; i < count; i++) {
    const k = cells ? load<i32>(cells + (<usize>i << 2)) : i;
    const x = std * normal(rng);
    store<f64>(off + (<usize>k << 3), plusZero ? 0 + x : x);
  }
}

/**
 * Decay towards each device's reset bias (v = (v − b)·retention + b) and diffusion (v += diffusion·ξ, one
 * ξ per cell whenever `diffuses`), in weight units w = wMin + (g − gmin)·invS, then held to the device's
 * own bounds and written back as g = gmin + (w − wMin)·s, in place.
 */
export function pulsedSettle(g: usize, n: i32, resetBias: usize, retention: usize, diffusion: usize, bmin: usize, bmax: usize,
  decays: bool, diffuses: bool, rng: usize, wMin: f64, gmin: f64, invS: f64, s: f64): void {
  for (let k = 0; k < n; k++) {
    const off = <usize>k << 3;
    let v = wMin + (load<f64>(g + off) - gmin) * invS;
    if (decays) {
      const b = load<f64>(resetBias + off);
      v = (v - b) * load<f64>(retention + off) + b;
    }
    if (diffuses) v += load<f64>(diffusion + off) * normal(rng);
    const lo = load<f64>(bmin + off);
    const hi = load<f64>(bmax + off);
    v = v < lo ? lo : v > hi ? hi : v;
    store<f64>(g + off, gmin + (v - wMin) * s);
  }
}

/** Reset: w = resetBias + resetStd·ξ (no draw when resetStd is 0), held to the device's bounds, as conductance. */
export function pulsedReset(g: usize, n: i32, resetBias: usize, bmin: usize, bmax: usize, resetStd: f64, rng: usize,
  wMin: f64, gmin: f64, s: f64): void {
  for (let k = 0; k < n; k++) {
    const off = <usize>k << 3;
    const v = load<f64>(resetBias + off) + (resetStd > 0 ? resetStd * normal(rng) : 0);
    const lo = load<f64>(bmin + off);
    const hi = load<f64>(bmax + off);
    store<f64>(g + off, gmin + ((v < lo ? lo : v > hi ? hi : v) - wMin) * s);
  }
}

/** dst = src + off over n cells (a read through the write-noise offsets). */
export function addOffsets(src: usize, off: usize, dst: usize, n: i32): void {
  let k = 0;
  for (; k + 2 <= n; k += 2) {
    const o = <usize>k << 3;
    v128.store(dst + o, f64x2.add(v128.load(src + o), v128.load(off + o)));
  }
  if (k < n) {
    const o = <usize>k << 3;
    store<f64>(dst + o, load<f64>(src + o) + load<f64>(off + o));
  }
}

// ---- stochastic-pulses, counting: sampled (rules/stochastic-pulses.ts) ---------------------------------

/**
 * e^x, fdlibm's __ieee754_exp step for step (with V8's exact e for x = 1): the algorithm of V8's Math.exp
 * (src/base/ieee754.cc), so a Poisson draw here inverts the same P(0) as in JavaScript. AssemblyScript's own
 * Math.exp is musl's table-driven one, which differs in the last bit now and then. Any input.
 */
function fdexp(x: f64): f64 {
  const ln2hi = 6.93147180369123816490e-01;
  const ln2lo = 1.90821492927058770002e-10;
  const invln2 = 1.44269504088896338700e+00;
  const P1 = 1.66666666666666019037e-01;
  const P2 = -2.77777777770155933842e-03;
  const P3 = 6.61375632143793436117e-05;
  const P4 = -1.65339022054652515390e-06;
  const P5 = 4.13813679705723846039e-08;
  const huge = 1.0e+300;
  const twom1000 = 9.33263618503218878990e-302; // 2^−1000
  const two1023 = 8.988465674311579539e307; // 2^1023
  const bits = reinterpret<u64>(x);
  const xsb = <i32>(bits >> 63);
  const hx = <u32>(bits >> 32) & 0x7fffffff;
  // Non-finite, overflowing and underflowing arguments.
  if (hx >= 0x40862e42) {
    if (hx >= 0x7ff00000) {
      if (((hx & 0xfffff) | <u32>bits) != 0) return x + x; // NaN
      return xsb == 0 ? x : 0.0; // e^(+∞) = +∞, e^(−∞) = 0
    }
    if (x > 7.09782712893383973096e+02) return huge * huge;
    if (x < -7.45133219101941108420e+02) return twom1000 * twom1000;
  }
  // Argument reduction: x = k·ln2 + (hi − lo), |hi − lo| ≤ ln2/2.
  let hi: f64 = 0;
  let lo: f64 = 0;
  let k: i32 = 0;
  if (hx > 0x3fd62e42) {
    if (hx < 0x3ff0a2b2) {
      if (x == 1.0) return 2.718281828459045; // V8's fix of the last bit of e
      hi = xsb ? x + ln2hi : x - ln2hi;
      lo = xsb ? -ln2lo : ln2lo;
      k = 1 - xsb - xsb;
    } else {
      k = <i32>(invln2 * x + (xsb ? -0.5 : 0.5));
      const t = <f64>k;
      hi = x - t * ln2hi; // exact
      lo = t * ln2lo;
    }
    x = hi - lo;
  } else if (hx < 0x3e300000) {
    // |x| < 2^−28 (huge + x > 1 always holds for these finite x).
    return 1.0 + x;
  }
  const t = x * x;
  const twopk = reinterpret<f64>(<u64>(<u32>(0x3ff00000 + ((k >= -1021 ? k : k + 1000) << 20))) << 32);
  const c = x - t * (P1 + t * (P2 + t * (P3 + t * (P4 + t * P5))));
  if (k == 0) return 1.0 - ((x * c) / (c - 2.0) - x);
  const y = 1.0 - ((lo - (x * c) / (2.0 - c)) - hi);
  if (k >= -1021) {
    if (k == 1024) return y * 2.0 * two1023;
    return y * twopk;
  }
  return y * twopk * twom1000;
}

/** For the tests: n exponentials of src (f64) into out, so fdexp can be compared with Math.exp. */
export function exps(src: usize, out: usize, n: i32): void {
  for (let i = 0; i < n; i++) store<f64>(out + (<usize>i << 3), fdexp(load<f64>(src + (<usize>i << 3))));
}

/** Acklam's standard normal quantile, as inverseNormal() in stochastic-pulses.ts (same operations, same order). */
function inverseNormal(p: f64): f64 {
  if (p <= 0) return -8;
  if (p >= 1) return 8;
  if (p < 0.02425) {
    const q = Math.sqrt(-2 * fdlog(p));
    return (((((-7.784894002430293e-3 * q + -3.223964580411365e-1) * q + -2.400758277161838) * q + -2.549732539343734) * q + 4.374664141464968) * q + 2.938163982698783) /
      ((((7.784695709041462e-3 * q + 3.224671290700398e-1) * q + 2.445134137142996) * q + 3.754408661907416) * q + 1);
  }
  if (p > 1 - 0.02425) return -inverseNormal(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((-3.969683028665376e1 * r + 2.209460984245205e2) * r + -2.759285104469687e2) * r + 1.38357751867269e2) * r + -3.066479806614716e1) * r + 2.506628277459239) * q) /
    (((((-5.447609879822406e1 * r + 1.615858368580409e2) * r + -1.556989798598866e2) * r + 6.680131188771972e1) * r + -1.328068155288572e1) * r + 1);
}

/** One Poisson(λ) draw from one uniform, as poisson() in stochastic-pulses.ts. */
@inline function poisson(lambda: f64, u: f64): f64 {
  // Most cells expect far below one coincidence and end here; the rest call out of the loop.
  return u <= 1 - lambda ? 0 : poissonTail(lambda, u);
}

/** poisson() past its first test (u > 1 − λ). */
function poissonTail(lambda: f64, u: f64): f64 {
  if (lambda < 30) {
    let k: f64 = 0;
    let p = fdexp(-lambda);
    let f = p;
    while (u > f && k < 1000) {
      k++;
      p *= lambda / k;
      f += p;
    }
    return k;
  }
  // Math.round as JavaScript's (halves up) and Math.max(0, ·) as f64.max: the same values, −0 and NaN alike.
  return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * inverseNormal(u)));
}

/** For the tests: n Poisson draws poisson(lambda[i], u[i]) (f64) into out. */
export function poissons(lambda: usize, u: usize, out: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 3;
    store<f64>(out + o, poisson(load<f64>(lambda + o), load<f64>(u + o)));
  }
}

/**
 * probabilities(): per sample row b of values (f32, batch × lines), p = min(1, scale_b·|v|)·slots_b (slots_b =
 * bl[b], or 1 when bl is 0) into mag and ±p by the sign of v into signed (f32, batch × width; all n elements
 * of both are zeroed first).
 */
export function sampledProbabilities(values: usize, lines: i32, width: i32, batch: i32, scale: usize, bl: usize, signed: usize, mag: usize, n: i32): void {
  memory.fill(signed, 0, <usize>n << 2);
  memory.fill(mag, 0, <usize>n << 2);
  for (let b = 0; b < batch; b++) {
    const s = f64at(scale, b);
    const slots = bl ? f64at(bl, b) : 1;
    if (slots == 0 || s == 0) continue;
    const src = values + (<usize>(b * lines) << 2);
    const dst = <usize>(b * width) << 2;
    for (let i = 0; i < lines; i++) {
      const v = <f64>load<f32>(src + (<usize>i << 2));
      const p = Math.min(1, s * Math.abs(v)) * slots;
      store<f32>(mag + dst + (<usize>i << 2), <f32>p);
      store<f32>(signed + dst + (<usize>i << 2), <f32>(v > 0 ? p : v < 0 ? -p : 0));
    }
  }
}

/**
 * sampleCounts()' cell loop: from S = E[down] − E[up] and M = E[down] + E[up] (f32, rows × cols), up and down
 * (f32) of cell i·paddedCols + j are Poisson draws of max(0, (M ∓ S)/2), each from the next uniform of the Rng
 * block (up first: the order of rng.fillUniform(u) and u[2k], u[2k + 1]). Cells with a count are written to
 * list (when not 0), ascending; returns their number.
 */
export function sampledCounts(S: usize, M: usize, rows: i32, cols: i32, paddedCols: i32, rng: usize, up: usize, down: usize, list: usize): i32 {
  // The generator's words stay in locals for the whole loop (written back once), as normal() does.
  let s0 = load<u32>(rng, 0);
  let s1 = load<u32>(rng, 4);
  let s2 = load<u32>(rng, 8);
  let s3 = load<u32>(rng, 12);
  let listed = 0;
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const k = <usize>(i * cols + j) << 2;
      const s = <f64>load<f32>(S + k);
      const m = <f64>load<f32>(M + k);
      let result = rotl(s1 * 5, 7) * 9;
      let sh = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= sh;
      s3 = rotl(s3, 11);
      const uUp = <f64>result * 2.3283064365386963e-10;
      result = rotl(s1 * 5, 7) * 9;
      sh = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= sh;
      s3 = rotl(s3, 11);
      const uDown = <f64>result * 2.3283064365386963e-10;
      const c = i * paddedCols + j;
      const cu = <f32>poisson(Math.max(0, (m - s) / 2), uUp);
      const cd = <f32>poisson(Math.max(0, (m + s) / 2), uDown);
      store<f32>(up + (<usize>c << 2), cu);
      store<f32>(down + (<usize>c << 2), cd);
      if (list && <f64>cu + <f64>cd > 0) {
        store<i32>(list + (<usize>listed << 2), c);
        listed++;
      }
    }
  }
  storeWords(rng, s0, s1, s2, s3);
  return listed;
}
