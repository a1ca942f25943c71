// Element-wise crossbar kernels (WASM SIMD128): the per-cell work of reads and updates (write noise, update
// non-linearity, add + clip, level quantisation, G+ − G−) and a 4-lane xoshiro128** normal
// generator. Float64 data stays f64 (f64x2); only the normals are generated in f32.
// All addresses are byte offsets into the (imported, shared) memory; JS owns everything above arenaBase().
// Kernels store exactly n elements (tails go through a lane store or the 64-byte temp below the arena), so
// operands may be any views into the memory; they may *load* up to 64 bytes past an operand, which the JS
// allocator keeps inside the memory.

@inline function base(): usize {
  return (__heap_base + 63) & ~(63 as usize);
}

/** 64 bytes of temp space for partial vectors, then the JS arena. */
export function arenaBase(): usize {
  return base() + 64;
}

// ---- 4-lane xoshiro128** + Box–Muller -------------------------------------------------------------------
// State: 16 u32 words at `state`, word-major (s0 of lanes 0–3, then s1, s2, s3), so one v128 load gives one
// state word of all four lanes. Each round steps every lane twice: the first word gives u1 ∈ (0, 1] (24 bits),
// the second the angle: 2 bits pick the quadrant, 24 bits the offset within it. The 8 normals of a round are
// r·x of lanes 0–3 followed by r·y of lanes 0–3. A call of n normals runs ceil(n/8) rounds.

const TWO_M24: f32 = 5.9604644775390625e-8; // 2^-24
const HALF_PI: f32 = 1.5707963267948966;
const LN2: f32 = 0.6931471805599453;
const SQRT2: f32 = 1.4142135623730951;

let s0: v128 = i32x4.splat(0);
let s1: v128 = i32x4.splat(0);
let s2: v128 = i32x4.splat(0);
let s3: v128 = i32x4.splat(0);

@inline function rotl(x: v128, k: i32): v128 {
  return v128.or(i32x4.shl(x, k), i32x4.shr_u(x, 32 - k));
}

/** One xoshiro128** step of all four lanes: returns the output words and advances s0–s3. */
@inline function nextWords(): v128 {
  // s1·5 and ·9 as shift-and-add (the same words mod 2³²): V8 emits i32x4.mul as pmulld, 2 uops with a 10-cycle
  // latency on Intel cores; this made the normals 6–10 % faster (2.50 → 2.31 ns each as f64, on a Xeon).
  const x5 = i32x4.add(i32x4.shl(s1, 2), s1);
  const r = rotl(x5, 7);
  const result = i32x4.add(i32x4.shl(r, 3), r);
  stepState();
  return result;
}

@inline function loadState(state: usize): void {
  s0 = v128.load(state, 0);
  s1 = v128.load(state, 16);
  s2 = v128.load(state, 32);
  s3 = v128.load(state, 48);
}

@inline function storeState(state: usize): void {
  v128.store(state, s0, 0);
  v128.store(state, s1, 16);
  v128.store(state, s2, 32);
  v128.store(state, s3, 48);
}

/** ln(x) for x in (0, 1] (f32x4): exponent split, mantissa in [√½, √2), atanh series to s⁹ (error < 3e-9 relative). */
@inline function logf4(x: v128): v128 {
  const bits = x;
  let e = i32x4.sub(i32x4.shr_u(bits, 23), i32x4.splat(127));
  let m = v128.or(v128.and(bits, i32x4.splat(0x007fffff)), i32x4.splat(0x3f800000));
  const big = f32x4.gt(m, f32x4.splat(SQRT2));
  m = v128.bitselect(f32x4.mul(m, f32x4.splat(0.5)), m, big);
  e = i32x4.sub(e, big); // a true mask is −1, so this adds 1 where m was halved
  const s = f32x4.div(f32x4.sub(m, f32x4.splat(1)), f32x4.add(m, f32x4.splat(1)));
  const z = f32x4.mul(s, s);
  let p = f32x4.add(f32x4.splat(1.0 / 7.0), f32x4.mul(z, f32x4.splat(1.0 / 9.0)));
  p = f32x4.add(f32x4.splat(1.0 / 5.0), f32x4.mul(z, p));
  p = f32x4.add(f32x4.splat(1.0 / 3.0), f32x4.mul(z, p));
  p = f32x4.add(f32x4.splat(1), f32x4.mul(z, p));
  const lnm = f32x4.mul(f32x4.mul(f32x4.splat(2), s), p);
  return f32x4.add(f32x4.mul(f32x4.convert_i32x4_s(e), f32x4.splat(LN2)), lnm);
}

/** r·y of the last round (a round returns r·x). */
let lastY: v128 = f32x4.splat(0);

@inline function round(): v128 {
  const wa = nextWords();
  const wb = nextWords();
  return transform(wa, wb);
}

/** The Box–Muller transform of one round's two words: returns r·x and leaves r·y in lastY. */
@inline function transform(wa: v128, wb: v128): v128 {
  const u1 = f32x4.mul(f32x4.convert_i32x4_u(i32x4.add(i32x4.shr_u(wa, 8), i32x4.splat(1))), f32x4.splat(TWO_M24));
  const r = f32x4.sqrt(f32x4.mul(f32x4.splat(-2), logf4(u1)));
  // Angle a ∈ [−π/4, π/4) within the quadrant; the rotation by the quadrant is exact (swaps and signs).
  const f = f32x4.mul(f32x4.convert_i32x4_u(v128.and(wb, i32x4.splat(0x00ffffff))), f32x4.splat(TWO_M24));
  const a = f32x4.mul(f32x4.sub(f, f32x4.splat(0.5)), f32x4.splat(HALF_PI));
  const a2 = f32x4.mul(a, a);
  // Taylor series on |a| ≤ π/4: sin to a⁹ (error < 2e-9), cos to a⁸ (error < 3e-8).
  let sp = f32x4.sub(f32x4.splat(1.0 / 120.0), f32x4.mul(a2, f32x4.sub(f32x4.splat(1.0 / 5040.0), f32x4.mul(a2, f32x4.splat(1.0 / 362880.0)))));
  sp = f32x4.sub(f32x4.splat(1.0 / 6.0), f32x4.mul(a2, sp));
  const sn = f32x4.mul(a, f32x4.sub(f32x4.splat(1), f32x4.mul(a2, sp)));
  let cp = f32x4.sub(f32x4.splat(1.0 / 720.0), f32x4.mul(a2, f32x4.splat(1.0 / 40320.0)));
  cp = f32x4.sub(f32x4.splat(1.0 / 24.0), f32x4.mul(a2, cp));
  cp = f32x4.sub(f32x4.splat(0.5), f32x4.mul(a2, cp));
  const cs = f32x4.sub(f32x4.splat(1), f32x4.mul(a2, cp));
  const q = i32x4.shr_u(wb, 30);
  const odd = i32x4.ne(v128.and(q, i32x4.splat(1)), i32x4.splat(0));
  const sign = i32x4.shl(i32x4.shr_u(q, 1), 31);
  // Odd quadrants: (x, y) = (−sin, cos); then quadrants 2 and 3 negate both.
  const x = v128.xor(v128.bitselect(f32x4.neg(sn), cs, odd), sign);
  const y = v128.xor(v128.bitselect(cs, sn, odd), sign);
  lastY = f32x4.mul(r, y);
  return f32x4.mul(r, x);
}

/** n standard normals (f32) into `out`, advancing the state at `state`. */
export function normalsF32(state: usize, out: usize, n: i32): void {
  loadState(state);
  let i = 0;
  // Two rounds an iteration: both rounds' words first, then the two transforms, which are independent, so
  // the CPU overlaps them; the same words in the same order as two round() calls (3.13 → 2.72 ns per normal
  // in NormalStream.fill on Zen 4).
  for (; i + 16 <= n; i += 16) {
    const wa = nextWords();
    const wb = nextWords();
    const wc = nextWords();
    const wd = nextWords();
    v128.store(out, transform(wa, wb), 0);
    v128.store(out, lastY, 16);
    v128.store(out, transform(wc, wd), 32);
    v128.store(out, lastY, 48);
    out += 64;
  }
  for (; i < n; i += 8) {
    const x = round();
    const o = i + 8 <= n ? out : base();
    v128.store(o, x, 0);
    v128.store(o, lastY, 16);
    if (o != out) memory.copy(out, o, ((n - i) as usize) << 2);
    out += 32;
  }
  storeState(state);
}

/** n normals with the given mean and standard deviation (f64) into `out`. */
export function fillNormal(state: usize, out: usize, n: i32, mean: f64, std: f64): void {
  loadState(state);
  const m = f64x2.splat(mean);
  const sd = f64x2.splat(std);
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    // Two rounds an iteration, as in normalsF32.
    const wa = nextWords();
    const wb = nextWords();
    const wc = nextWords();
    const wd = nextWords();
    const x = transform(wa, wb);
    const y = lastY;
    const x2 = transform(wc, wd);
    storeScaled(out, x, y, m, sd);
    storeScaled(out + 64, x2, lastY, m, sd);
    out += 128;
  }
  for (; i < n; i += 8) {
    const x = round();
    const o = i + 8 <= n ? out : base();
    storeScaled(o, x, lastY, m, sd);
    if (o != out) memory.copy(out, o, ((n - i) as usize) << 3);
    out += 64;
  }
  storeState(state);
}

/** A round's 8 normals (r·x, then r·y, f32) as mean + std·z in f64 at o. */
@inline function storeScaled(o: usize, x: v128, y: v128, m: v128, sd: v128): void {
  v128.store(o, f64x2.add(m, f64x2.mul(sd, f64x2.promote_low_f32x4(x))), 0);
  v128.store(o, f64x2.add(m, f64x2.mul(sd, f64x2.promote_low_f32x4(i32x4.shuffle(x, x, 2, 3, 0, 1)))), 16);
  v128.store(o, f64x2.add(m, f64x2.mul(sd, f64x2.promote_low_f32x4(y))), 32);
  v128.store(o, f64x2.add(m, f64x2.mul(sd, f64x2.promote_low_f32x4(i32x4.shuffle(y, y, 2, 3, 0, 1)))), 48);
}

/** Write noise: out = d = 0 ? d : d + scale·√(range·|d|)·ξ, one normal per cell (zero cells too, discarded). */
export function writeNoise(state: usize, d: usize, out: usize, n: i32, scale: f64, range: f64, tmp: usize): void {
  // One normal per non-zero change, in cell order (a zero change gets no pulse, so no noise and no draw):
  // the stream advances ceil(nonzero/8) rounds. The normals are drawn first, in whole SIMD rounds, into
  // `tmp` (room for n + 8 f32); the pass then takes them in order at the non-zero lanes, without branches.
  normalsF32(state, tmp, countNonzero(d, n));
  const sc = f64x2.splat(scale);
  const rg = f64x2.splat(range);
  const zero = f64x2.splat(0);
  let xi = tmp;
  const end = wholeEnd(out, n);
  while (out < end) {
    const v = v128.load(d);
    const isZero = f64x2.eq(v, zero);
    const x0 = <f64>load<f32>(xi);
    xi += <usize>(1 + <i32>i64x2.extract_lane(isZero, 0)) << 2; // a zero lane's mask is −1: no step
    const x1 = <f64>load<f32>(xi);
    xi += <usize>(1 + <i32>i64x2.extract_lane(isZero, 1)) << 2;
    v128.store(out, withNoise(v, isZero, x0, x1, sc, rg));
    d += 16;
    out += 16;
  }
  if (n & 1) {
    const v = v128.load(d);
    const isZero = f64x2.eq(v, zero);
    put2(out, withNoise(v, isZero, <f64>load<f32>(xi), 0, sc, rg), false);
  }
}

/** v + scale·√(range·|v|)·ξ per lane (ξ = x0, x1), v where v = 0. */
@inline function withNoise(v: v128, isZero: v128, x0: f64, x1: f64, sc: v128, rg: v128): v128 {
  return withNoiseVec(v, isZero, f64x2.replace_lane(f64x2.splat(x0), 1, x1), sc, rg);
}

/** withNoise with ξ already in a vector. */
@inline function withNoiseVec(v: v128, isZero: v128, xi: v128, sc: v128, rg: v128): v128 {
  return v128.bitselect(v, addNoise(v, xi, sc, rg), isZero);
}

/** v + scale·√(range·|v|)·ξ: write noise on a change v, in the one order every kernel rounds it in. */
@inline function addNoise(v: v128, xi: v128, sc: v128, rg: v128): v128 {
  return f64x2.add(v, f64x2.mul(f64x2.mul(sc, f64x2.sqrt(f64x2.mul(rg, f64x2.abs(v)))), xi));
}

/**
 * The update chain update-nonlinearity → write noise → add and clip in one pass, in place on g: per cell
 * u = f·d; u = nonlinear(u, g) when `nonlinear`; u += scale·√(range·|u|)·ξ when `noise` and u ≠ 0 (one
 * normal per such cell, in order, as writeNoise draws them); g = clip(g + u, lo, hi). Each step rounds as
 * its separate kernel does (scale, updateNonlinearity, writeNoise, addClip), so the result is bit-identical.
 * `tmp` holds n + 8 f32 normals.
 */
export function updateChain(state: usize, d: usize, g: usize, n: i32, f: f64, nonlinear: bool, gmin: f64, gmax: f64, w0: f64, k: f64,
  noise: bool, scale: f64, range: f64, lo: f64, hi: f64, tmp: usize): void {
  // Draws for every cell with d ≠ 0 (u = 0 wherever d = 0; the non-linearity could in principle round a
  // tiny u to 0, so this is an upper bound, and the stream is re-advanced below to what the cells took).
  const q0 = v128.load(state, 0);
  const q1 = v128.load(state, 16);
  const q2 = v128.load(state, 32);
  const q3 = v128.load(state, 48);
  const bound = noise ? countNonzero(d, n) : 0;
  if (noise) normalsF32(state, tmp, bound);
  const used = <i32>((chainPass(d, g, n, f, nonlinear, gmin, gmax, w0, k, noise, scale, range, lo, hi, tmp) - tmp) >> 2);
  if (noise && (used + 7) >> 3 != (bound + 7) >> 3) {
    // Fewer cells took a normal than had a request: restart the stream and advance it by their rounds.
    v128.store(state, q0, 0);
    v128.store(state, q1, 16);
    v128.store(state, q2, 32);
    v128.store(state, q3, 48);
    normalsF32(state, tmp, used);
  }
}


/**
 * The per-cell pass of updateChain from normals already at `xi` (one per cell whose u ≠ 0, in order);
 * returns the address past the last normal taken. Shared by updateChain and its chunks (updateChunk), so both
 * round identically.
 */
@inline function chainPass(d: usize, g: usize, n: i32, f: f64, nonlinear: bool, gmin: f64, gmax: f64, w0: f64, k: f64,
  noise: bool, scale: f64, range: f64, lo: f64, hi: f64, xi: usize): usize {
  // One loop per stage combination (type markers, as the converters' kernels do): with the flags tested per
  // cell pair, V8 keeps both branches in the loop body, which cost ~1 ns a pair even when both were off.
  if (nonlinear) {
    return noise ? chainLoop<On, On>(d, g, n, f, gmin, gmax, w0, k, scale, range, lo, hi, xi)
      : chainLoop<On, Off>(d, g, n, f, gmin, gmax, w0, k, scale, range, lo, hi, xi);
  }
  return noise ? chainLoop<Off, On>(d, g, n, f, gmin, gmax, w0, k, scale, range, lo, hi, xi)
    : chainLoop<Off, Off>(d, g, n, f, gmin, gmax, w0, k, scale, range, lo, hi, xi);
}

// Compile-time stage markers (sizeof tells them apart): a stage always runs, never runs, or is decided at run time.
type On = u8;
type Off = u16;
type Dyn = u32;

/** chainPass for one combination of the non-linearity (NL) and write noise (NZ) stages. */
function chainLoop<NL, NZ>(d: usize, g: usize, n: i32, f: f64, gmin: f64, gmax: f64, w0: f64, k: f64,
  scale: f64, range: f64, lo: f64, hi: f64, xi: usize): usize {
  const nonlinear = sizeof<NL>() == sizeof<On>();
  const noise = sizeof<NZ>() == sizeof<On>();
  const fv = f64x2.splat(f);
  const up = f64x2.splat(gmin + w0);
  const down = f64x2.splat(gmax - w0);
  const kv = f64x2.splat(k);
  const zero = f64x2.splat(0);
  const small = f64x2.splat(1e-3);
  const sc = f64x2.splat(scale);
  const rg = f64x2.splat(range);
  const l = f64x2.splat(lo);
  const h = f64x2.splat(hi);
  const end = wholeEnd(g, n);
  while (g < end) {
    let u = f64x2.mul(fv, v128.load(d));
    const gv = v128.load(g);
    if (nonlinear) u = nonlinearVec(u, gv, up, down, kv, zero, small);
    if (noise) {
      const isZero = f64x2.eq(u, zero);
      const x0 = <f64>load<f32>(xi);
      xi += <usize>(1 + <i32>i64x2.extract_lane(isZero, 0)) << 2;
      const x1 = <f64>load<f32>(xi);
      xi += <usize>(1 + <i32>i64x2.extract_lane(isZero, 1)) << 2;
      u = withNoise(u, isZero, x0, x1, sc, rg);
    }
    v128.store(g, f64x2.pmin(f64x2.pmax(f64x2.add(gv, u), l), h));
    d += 16;
    g += 16;
  }
  if (n & 1) {
    let u = f64x2.mul(fv, v128.load(d));
    const gv = v128.load(g);
    if (nonlinear) u = nonlinearVec(u, gv, up, down, kv, zero, small);
    if (noise) {
      const isZero = f64x2.eq(u, zero);
      const x0 = <f64>load<f32>(xi);
      xi += <usize>(1 + <i32>i64x2.extract_lane(isZero, 0)) << 2;
      u = withNoise(u, isZero, x0, 0, sc, rg);
    }
    put2(g, f64x2.pmin(f64x2.pmax(f64x2.add(gv, u), l), h), false);
  }
  return xi;
}

// ---- Chunks of updateChain for the worker pool (src/kernels/threads.ts) ---------------------------------
// A chunk of cells [c0, c1) takes the normals updateChain would give it: those from position P (the number of
// cells before c0 whose u ≠ 0) of the call's stream. Each chunk computes and stores its u and counts the
// non-zero ones (updatePrepare); once the chunk before it has published P, it publishes P + its count, jumps its
// own copy of the stream state to round ⌊P/8⌋ (jumpRounds), skips P mod 8 normals of that round and finishes
// its cells (updateApply). The bits are those of one updateChain call over all cells.

/** u = nonlinear(f·d, g) (just f·d without `nonlinear`) into `u`, as updateChain's pass computes it; returns how many u ≠ 0. */
export function updatePrepare(d: usize, g: usize, u: usize, n: i32, f: f64, nonlinear: bool, gmin: f64, gmax: f64, w0: f64, k: f64): i32 {
  return nonlinear ? prepareLoop<On>(d, g, u, n, f, gmin, gmax, w0, k) : prepareLoop<Off>(d, g, u, n, f, gmin, gmax, w0, k);
}

/** updatePrepare with or without the non-linearity (NL), one loop each (see chainPass). */
function prepareLoop<NL>(d: usize, g: usize, u: usize, n: i32, f: f64, gmin: f64, gmax: f64, w0: f64, k: f64): i32 {
  const nonlinear = sizeof<NL>() == sizeof<On>();
  const fv = f64x2.splat(f);
  const up = f64x2.splat(gmin + w0);
  const down = f64x2.splat(gmax - w0);
  const kv = f64x2.splat(k);
  const zero = f64x2.splat(0);
  const small = f64x2.splat(1e-3);
  let cnt = i64x2.splat(0);
  const end = wholeEnd(g, n);
  while (g < end) {
    let v = f64x2.mul(fv, v128.load(d));
    if (nonlinear) v = nonlinearVec(v, v128.load(g), up, down, kv, zero, small);
    v128.store(u, v);
    cnt = i64x2.sub(cnt, f64x2.ne(v, zero));
    d += 16;
    g += 16;
    u += 16;
  }
  let c = <i32>(i64x2.extract_lane(cnt, 0) + i64x2.extract_lane(cnt, 1));
  if (n & 1) {
    let v = f64x2.mul(fv, v128.load(d));
    if (nonlinear) v = nonlinearVec(v, v128.load(g), up, down, kv, zero, small);
    put2(u, v, false);
    if (f64x2.extract_lane(v, 0) != 0) c++;
  }
  return c;
}

/** One xoshiro128** step of the four lanes' state, output not computed. */
@inline function stepState(): void {
  const t = i32x4.shl(s1, 9);
  s2 = v128.xor(s2, s0);
  s3 = v128.xor(s3, s1);
  s1 = v128.xor(s1, s2);
  s0 = v128.xor(s0, s3);
  s2 = v128.xor(s2, t);
  s3 = rotl(s3, 11);
}

/**
 * Advances the state at `state` by `rounds` rounds (2·rounds steps of every lane) in O(log rounds) work:
 * `table` holds, for each bit i, the jump polynomial x^(2^(i+1)) mod p(x) of xoshiro128**'s characteristic
 * polynomial p (128 coefficients, 4 u32 words, x^0 the lowest bit). Applying a polynomial r to a state is
 * XOR of the states after b steps for every b with r_b = 1 (Cayley–Hamilton: p(M) = 0).
 */
export function jumpRounds(state: usize, table: usize, rounds: i32): void {
  loadState(state);
  for (let i = 0; rounds != 0; i++, rounds >>>= 1) {
    if (!(rounds & 1)) continue;
    let a0 = i32x4.splat(0);
    let a1 = a0;
    let a2 = a0;
    let a3 = a0;
    for (let w = 0; w < 4; w++) {
      const word = load<u32>(table + ((i * 4 + w) << 2));
      for (let b = 0; b < 32; b++) {
        if ((word >>> b) & 1) {
          a0 = v128.xor(a0, s0);
          a1 = v128.xor(a1, s1);
          a2 = v128.xor(a2, s2);
          a3 = v128.xor(a3, s3);
        }
        stepState();
      }
    }
    s0 = a0;
    s1 = a1;
    s2 = a2;
    s3 = a3;
  }
  storeState(state);
}

/**
 * The rest of one chunk of updateChain from its u (updatePrepare): `state` is this chunk's own copy of the
 * call's stream state (consumed), `prefix` the normals earlier chunks take and `used` this chunk's; write noise
 * on every u ≠ 0, then g = clip(g + u, lo, hi), rounding as updateChain's pass. `tmp` holds used + 16 f32.
 */
export function updateApply(state: usize, table: usize, prefix: i32, used: i32, u: usize, g: usize, n: i32, scale: f64, range: f64,
  lo: f64, hi: f64, tmp: usize): void {
  jumpRounds(state, table, prefix >> 3);
  const skip = prefix & 7;
  // Whole rounds straight into tmp (no partial stores, so no shared temp space: chunks run side by side).
  loadState(state);
  let out = tmp;
  for (let i = 0; i < skip + used; i += 8) {
    const x = round();
    v128.store(out, x, 0);
    v128.store(out, lastY, 16);
    out += 32;
  }
  let xi = tmp + (<usize>skip << 2);
  const zero = f64x2.splat(0);
  const sc = f64x2.splat(scale);
  const rg = f64x2.splat(range);
  const l = f64x2.splat(lo);
  const h = f64x2.splat(hi);
  const end = wholeEnd(g, n);
  while (g < end) {
    let v = v128.load(u);
    const isZero = f64x2.eq(v, zero);
    const x0 = <f64>load<f32>(xi);
    xi += <usize>(1 + <i32>i64x2.extract_lane(isZero, 0)) << 2;
    const x1 = <f64>load<f32>(xi);
    xi += <usize>(1 + <i32>i64x2.extract_lane(isZero, 1)) << 2;
    v = withNoise(v, isZero, x0, x1, sc, rg);
    v128.store(g, f64x2.pmin(f64x2.pmax(f64x2.add(v128.load(g), v), l), h));
    u += 16;
    g += 16;
  }
  if (n & 1) {
    let v = v128.load(u);
    const isZero = f64x2.eq(v, zero);
    v = withNoise(v, isZero, <f64>load<f32>(xi), 0, sc, rg);
    put2(g, f64x2.pmin(f64x2.pmax(f64x2.add(v128.load(g), v), l), h), false);
  }
}

// ---- Sign-split update of both devices of a pair in two passes ---------------------------------------------
// Under sign-split a weight's change goes to the device of its sign, so of the two cells of a pair at most one
// changes, except where the weight crosses zero. signSplit followed by one updateChain per polarity ran the
// non-linearity and the write noise's square root on every cell of both arrays, half of them on a zero change.
// These two passes compute the split in registers and run each stage once per weight, on the cell that
// changes (both cells where both change), with the operations and rounding of those kernels, so the bits are
// the same: splitPrepare stores each polarity's u and counts the cells that draw; the caller draws the plus
// cells' normals, then the minus cells' (NormalStream order: the plus call, then the minus call); splitApply
// adds the noise and clips. Both run on chunks of cells with no coupling but the normals' offsets.

/**
 * For weights v = p − m changed by `want`: cP = max(v + w, 0) − max(v, 0), cM = max(−v − w, 0) − max(−v, 0)
 * (signSplit), uP = nonlinear(f·cP, p), uM = nonlinear(f·cM, m) (just f·c without `nonlinear`), as
 * updatePrepare computes them. Stores uP and uM; counts[0], counts[1] (i32) = how many are ≠ 0, counts[2] = how many
 * requests are ≠ 0 (countNonzero(want), the update's activity count).
 */
export function splitPrepare(p: usize, m: usize, want: usize, uP: usize, uM: usize, n: i32, f: f64, nonlinear: bool, gmin: f64, gmax: f64,
  w0: f64, k: f64, counts: usize): void {
  if (nonlinear) splitPrepareLoop<On>(p, m, want, uP, uM, n, f, gmin, gmax, w0, k, counts);
  else splitPrepareLoop<Off>(p, m, want, uP, uM, n, f, gmin, gmax, w0, k, counts);
}

function splitPrepareLoop<NL>(p: usize, m: usize, want: usize, uP: usize, uM: usize, n: i32, f: f64, gmin: f64, gmax: f64,
  w0: f64, k: f64, counts: usize): void {
  const fv = f64x2.splat(f);
  const up = f64x2.splat(gmin + w0);
  const down = f64x2.splat(gmax - w0);
  const kv = f64x2.splat(k);
  const zero = f64x2.splat(0);
  const small = f64x2.splat(1e-3);
  let cntP = i64x2.splat(0);
  let cntM = i64x2.splat(0);
  let cntW = i64x2.splat(0);
  const end = wholeEnd(uP, n);
  while (uP < end) {
    splitStep<NL>(p, m, want, uP, uM, fv, up, down, kv, zero, small, true);
    cntP = i64x2.sub(cntP, f64x2.ne(v128.load(uP), zero));
    cntM = i64x2.sub(cntM, f64x2.ne(v128.load(uM), zero));
    cntW = i64x2.sub(cntW, f64x2.ne(v128.load(want), zero));
    p += 16;
    m += 16;
    want += 16;
    uP += 16;
    uM += 16;
  }
  let cp = <i32>(i64x2.extract_lane(cntP, 0) + i64x2.extract_lane(cntP, 1));
  let cm = <i32>(i64x2.extract_lane(cntM, 0) + i64x2.extract_lane(cntM, 1));
  let cw = <i32>(i64x2.extract_lane(cntW, 0) + i64x2.extract_lane(cntW, 1));
  if (n & 1) {
    splitStep<NL>(p, m, want, uP, uM, fv, up, down, kv, zero, small, false);
    if (load<f64>(uP) != 0) cp++;
    if (load<f64>(uM) != 0) cm++;
    if (load<f64>(want) != 0) cw++;
  }
  store<i32>(counts, cp, 0);
  store<i32>(counts, cm, 4);
  store<i32>(counts, cw, 8);
}

/** One f64x2 of splitPrepare: stores uP and uM (lane 0 only when not `whole`). */
@inline function splitStep<NL>(p: usize, m: usize, want: usize, uP: usize, uM: usize, fv: v128, up: v128, down: v128, kv: v128, zero: v128,
  small: v128, whole: bool): void {
  const pv = v128.load(p);
  const mv = v128.load(m);
  const v = f64x2.sub(pv, mv);
  const next = f64x2.add(v, v128.load(want));
  const cP = f64x2.mul(fv, f64x2.sub(f64x2.pmax(next, zero), f64x2.pmax(v, zero)));
  const cM = f64x2.mul(fv, f64x2.sub(f64x2.pmax(f64x2.neg(next), zero), f64x2.pmax(f64x2.neg(v), zero)));
  if (sizeof<NL>() != sizeof<On>()) {
    put2(uP, cP, whole);
    put2(uM, cM, whole);
    return;
  }
  const nzP = f64x2.ne(cP, zero);
  if (v128.any_true(v128.and(nzP, f64x2.ne(cM, zero)))) {
    // A weight crossing zero changes both devices (or a NaN): each its own non-linearity.
    put2(uP, nonlinearVec(cP, pv, up, down, kv, zero, small), whole);
    put2(uM, nonlinearVec(cM, mv, up, down, kv, zero, small), whole);
    return;
  }
  // At most one device of each lane changes: the non-linearity once, on that device's change and state
  // (nonlinearVec is a function of each lane alone and gives +0 for a zero change, as the unchanged device gets).
  const u = nonlinearVec(v128.bitselect(cP, cM, nzP), v128.bitselect(pv, mv, nzP), up, down, kv, zero, small);
  put2(uP, v128.and(u, nzP), whole);
  put2(uM, v128.andnot(u, nzP), whole);
}

/**
 * p = clip(p + uP + noise, lo, hi) and m likewise from splitPrepare's u (noise = scale·√(range·|u|)·ξ on each
 * u ≠ 0 when `noise`, as updateChain's pass adds it). ξ (f32): the plus cells' from xiP + offsets[0], the minus
 * cells' from xiM + offsets[1] (i32 counts of normals), each in cell order; both are read up to one past their last.
 */
export function splitApply(p: usize, m: usize, uP: usize, uM: usize, n: i32, noise: bool, scale: f64, range: f64, lo: f64, hi: f64,
  xiP: usize, xiM: usize, offsets: usize): void {
  xiP += <usize>load<i32>(offsets, 0) << 2;
  xiM += <usize>load<i32>(offsets, 4) << 2;
  if (noise) splitApplyLoop<On>(p, m, uP, uM, n, scale, range, lo, hi, xiP, xiM);
  else splitApplyLoop<Off>(p, m, uP, uM, n, scale, range, lo, hi, xiP, xiM);
}

function splitApplyLoop<NZ>(p: usize, m: usize, uP: usize, uM: usize, n: i32, scale: f64, range: f64, lo: f64, hi: f64,
  xiP: usize, xiM: usize): void {
  const zero = f64x2.splat(0);
  const sc = f64x2.splat(scale);
  const rg = f64x2.splat(range);
  const l = f64x2.splat(lo);
  const h = f64x2.splat(hi);
  const end = wholeEnd(p, n);
  while (p < end) {
    applyStep<NZ>(p, m, uP, uM, zero, sc, rg, l, h, xiP, xiM, true);
    xiP = applyXiP;
    xiM = applyXiM;
    p += 16;
    m += 16;
    uP += 16;
    uM += 16;
  }
  if (n & 1) applyStep<NZ>(p, m, uP, uM, zero, sc, rg, l, h, xiP, xiM, false);
}

/** applyStep's normal pointers after it. */
let applyXiP: usize = 0;
let applyXiM: usize = 0;

/** One f64x2 of splitApply (lane 0 only when not `whole`). */
@inline function applyStep<NZ>(p: usize, m: usize, uP: usize, uM: usize, zero: v128, sc: v128, rg: v128, l: v128, h: v128,
  xiP: usize, xiM: usize, whole: bool): void {
  let a = v128.load(uP);
  let b = v128.load(uM);
  if (sizeof<NZ>() == sizeof<On>()) {
    const zP = f64x2.eq(a, zero);
    const zM = f64x2.eq(b, zero);
    // Per lane, −1 where that device's u is 0 (it takes no normal), 0 where it draws.
    const eP0 = <i32>i64x2.extract_lane(zP, 0);
    const eM0 = <i32>i64x2.extract_lane(zM, 0);
    const eP1 = <i32>i64x2.extract_lane(zP, 1);
    const eM1 = <i32>i64x2.extract_lane(zM, 1);
    if ((eP0 | eM0) & (eP1 | eM1)) {
      // Neither lane changes both devices: one square root per lane, on the u that is not 0 (if any).
      const x0 = <f64>load<f32>(eP0 ? xiM : xiP);
      xiP += <usize>(1 + eP0) << 2;
      xiM += <usize>((1 + eM0) & ~(1 + eP0)) << 2;
      const x1 = <f64>load<f32>(eP1 ? xiM : xiP);
      xiP += <usize>(1 + eP1) << 2;
      xiM += <usize>((1 + eM1) & ~(1 + eP1)) << 2;
      const xi = f64x2.replace_lane(f64x2.splat(x0), 1, x1);
      const s = v128.bitselect(b, a, zP);
      const noisy = addNoise(s, xi, sc, rg);
      a = v128.bitselect(a, noisy, zP);
      b = v128.bitselect(b, noisy, zM);
    } else {
      // A lane whose weight crossed zero: both devices draw, the plus cell from xiP, the minus cell from xiM.
      const xp0 = <f64>load<f32>(xiP);
      xiP += <usize>(1 + eP0) << 2;
      const xp1 = <f64>load<f32>(xiP);
      xiP += <usize>(1 + eP1) << 2;
      const xm0 = <f64>load<f32>(xiM);
      xiM += <usize>(1 + eM0) << 2;
      const xm1 = <f64>load<f32>(xiM);
      xiM += <usize>(1 + eM1) << 2;
      a = withNoiseVec(a, zP, f64x2.replace_lane(f64x2.splat(xp0), 1, xp1), sc, rg);
      b = withNoiseVec(b, zM, f64x2.replace_lane(f64x2.splat(xm0), 1, xm1), sc, rg);
    }
  }
  put2(p, f64x2.pmin(f64x2.pmax(f64x2.add(v128.load(p), a), l), h), whole);
  put2(m, f64x2.pmin(f64x2.pmax(f64x2.add(v128.load(m), b), l), h), whole);
  applyXiP = xiP;
  applyXiM = xiM;
}

/**
 * The read chain of the effective conductance in one pass: levels (when `quantise`) → ×factors (when
 * f ≠ 0) → series resistance (when r ≠ 0), each step rounding as its separate kernel does (levels,
 * multiply, series), so the result is bit-identical.
 */
export function readChain(src: usize, out: usize, n: i32, quantise: bool, gmin: f64, step: f64, inv: f64, steps: f64, f: usize, r: usize): void {
  const lo = f64x2.splat(gmin);
  const st = f64x2.splat(step);
  const iv = f64x2.splat(inv);
  const top = f64x2.splat(steps);
  const zero = f64x2.splat(0);
  const half = f64x2.splat(0.5);
  const one = f64x2.splat(1);
  const end = wholeEnd(out, n);
  while (out < end) {
    readChainStep(src, out, quantise, lo, st, iv, top, zero, half, one, f, r, true);
    src += 16;
    out += 16;
    if (f) f += 16;
    if (r) r += 16;
  }
  if (n & 1) readChainStep(src, out, quantise, lo, st, iv, top, zero, half, one, f, r, false);
}

@inline function readChainStep(src: usize, out: usize, quantise: bool, lo: v128, st: v128, iv: v128, top: v128, zero: v128, half: v128, one: v128,
  f: usize, r: usize, whole: bool): void {
  put2(out, chainValueT<Dyn, Dyn, Dyn>(v128.load(src), quantise, lo, st, iv, top, zero, half, one, f, r), whole);
}

/**
 * The read chain of two cells' stored conductances v: levels → ×factors at f → series resistance at r. Each
 * stage is On or Off at compile time, or Dyn: on when `quantise` (levels) or the address (f, r) is not 0.
 */
@inline function chainValueT<Q, F, R>(v: v128, quantise: bool, lo: v128, st: v128, iv: v128, top: v128, zero: v128, half: v128, one: v128,
  f: usize, r: usize): v128 {
  if (stage<Q>(quantise)) {
    const l = f64x2.floor(f64x2.add(f64x2.mul(f64x2.sub(v, lo), iv), half));
    v = f64x2.add(lo, f64x2.mul(f64x2.pmin(f64x2.pmax(l, zero), top), st));
  }
  if (stage<F>(f != 0)) v = f64x2.mul(v, v128.load(f));
  if (stage<R>(r != 0)) v = v128.bitselect(f64x2.div(v, f64x2.add(one, f64x2.mul(v, v128.load(r)))), v, f64x2.gt(v, zero));
  return v;
}

/** Whether a stage marked T runs: always (On), never (Off), or when `flag` (Dyn). */
@inline function stage<T>(flag: bool): bool {
  return sizeof<T>() == sizeof<On>() || (sizeof<T>() == sizeof<Dyn>() && flag);
}

/** p + k for a stage's array; a Dyn stage's absent array (0) stays 0. */
@inline function advance<T>(p: usize, k: usize): usize {
  if (sizeof<T>() == sizeof<On>()) return p + k;
  if (sizeof<T>() == sizeof<Dyn>()) return p ? p + k : 0;
  return p;
}

/** readCombine's loop for one stage combination (Dyn stages decided per polarity, as readCombine's contract says). */
function combineLoop<Q, F, R>(plus: usize, minus: usize, out: usize, n: i32, quantise: bool, gmin: f64, step: f64, inv: f64, steps: f64,
  fp: usize, fm: usize, rp: usize, rm: usize): void {
  const lo = f64x2.splat(gmin);
  const st = f64x2.splat(step);
  const iv = f64x2.splat(inv);
  const top = f64x2.splat(steps);
  const zero = f64x2.splat(0);
  const half = f64x2.splat(0.5);
  const one = f64x2.splat(1);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const a = f64x2.sub(chainValueT<Q, F, R>(v128.load(plus), quantise, lo, st, iv, top, zero, half, one, fp, rp),
      chainValueT<Q, F, R>(v128.load(minus), quantise, lo, st, iv, top, zero, half, one, fm, rm));
    const b = f64x2.sub(chainValueT<Q, F, R>(v128.load(plus, 16), quantise, lo, st, iv, top, zero, half, one, advance<F>(fp, 16), advance<R>(rp, 16)),
      chainValueT<Q, F, R>(v128.load(minus, 16), quantise, lo, st, iv, top, zero, half, one, advance<F>(fm, 16), advance<R>(rm, 16)));
    v128.store(out, i32x4.shuffle(f32x4.demote_f64x2_zero(a), f32x4.demote_f64x2_zero(b), 0, 1, 4, 5));
    plus += 32;
    minus += 32;
    out += 16;
    fp = advance<F>(fp, 32);
    fm = advance<F>(fm, 32);
    rp = advance<R>(rp, 32);
    rm = advance<R>(rm, 32);
  }
  for (; i < n; i += 2) {
    const a = f64x2.sub(chainValueT<Q, F, R>(v128.load(plus), quantise, lo, st, iv, top, zero, half, one, fp, rp),
      chainValueT<Q, F, R>(v128.load(minus), quantise, lo, st, iv, top, zero, half, one, fm, rm));
    store<f32>(out, <f32>f64x2.extract_lane(a, 0));
    if (i + 1 < n) store<f32>(out, <f32>f64x2.extract_lane(a, 1), 4);
    plus += 16;
    minus += 16;
    out += 8;
    fp = advance<F>(fp, 16);
    fm = advance<F>(fm, 16);
    rp = advance<R>(rp, 16);
    rm = advance<R>(rm, 16);
  }
}

/**
 * out (f32) = readChain(plus) − readChain(minus) per cell, each polarity with its own factors (fp, fm) and
 * series resistance (rp, rm; 0 = none), in one pass: the effective conductances are never stored. Each
 * stage rounds as readChain's does and the difference narrows as combine's untransposed path does, so
 * the result is readChain twice then combine, bit for bit. Like readChain, an odd last cell reads one f64
 * past the arrays' end (kernel memory, never at its end).
 */
export function readCombine(plus: usize, minus: usize, out: usize, n: i32, quantise: bool, gmin: f64, step: f64, inv: f64, steps: f64,
  fp: usize, fm: usize, rp: usize, rm: usize): void {
  // One loop per stage combination when both polarities have the same stages (type markers, as chainPass):
  // stage tests per cell pair cost more than the levels stage itself. Otherwise the loop that tests them.
  if ((fp == 0) != (fm == 0) || (rp == 0) != (rm == 0)) {
    combineLoop<Dyn, Dyn, Dyn>(plus, minus, out, n, quantise, gmin, step, inv, steps, fp, fm, rp, rm);
  } else if (quantise) {
    if (fp) {
      if (rp) combineLoop<On, On, On>(plus, minus, out, n, quantise, gmin, step, inv, steps, fp, fm, rp, rm);
      else combineLoop<On, On, Off>(plus, minus, out, n, quantise, gmin, step, inv, steps, fp, fm, rp, rm);
    } else if (rp) combineLoop<On, Off, On>(plus, minus, out, n, quantise, gmin, step, inv, steps, fp, fm, rp, rm);
    else combineLoop<On, Off, Off>(plus, minus, out, n, quantise, gmin, step, inv, steps, fp, fm, rp, rm);
  } else if (fp) {
    if (rp) combineLoop<Off, On, On>(plus, minus, out, n, quantise, gmin, step, inv, steps, fp, fm, rp, rm);
    else combineLoop<Off, On, Off>(plus, minus, out, n, quantise, gmin, step, inv, steps, fp, fm, rp, rm);
  } else if (rp) combineLoop<Off, Off, On>(plus, minus, out, n, quantise, gmin, step, inv, steps, fp, fm, rp, rm);
  else combineLoop<Off, Off, Off>(plus, minus, out, n, quantise, gmin, step, inv, steps, fp, fm, rp, rm);
}

/** Stores the 4×4 block of f32 rows r0..r3 transposed: column c of the block at o + c·outRow. */
@inline function storeTransposed(o: usize, outRow: usize, r0: v128, r1: v128, r2: v128, r3: v128): void {
  const t0 = i32x4.shuffle(r0, r1, 0, 4, 1, 5);
  const t1 = i32x4.shuffle(r0, r1, 2, 6, 3, 7);
  const t2 = i32x4.shuffle(r2, r3, 0, 4, 1, 5);
  const t3 = i32x4.shuffle(r2, r3, 2, 6, 3, 7);
  v128.store(o, i64x2.shuffle(t0, t2, 0, 2));
  v128.store(o + outRow, i64x2.shuffle(t0, t2, 1, 3));
  v128.store(o + 2 * outRow, i64x2.shuffle(t1, t3, 0, 2));
  v128.store(o + 3 * outRow, i64x2.shuffle(t1, t3, 1, 3));
}

/** dst (cols × rows, f32) = the transpose of src (rows × cols), rows [i0, i1) of src: 4×4 blocks in registers. */
export function transposeRows(src: usize, dst: usize, rows: i32, cols: i32, i0: i32, i1: i32): void {
  const rows4 = i0 + ((i1 - i0) & ~3);
  const cols4 = cols & ~3;
  const inRow = <usize>cols << 2;
  const outRow = <usize>rows << 2;
  for (let i = i0; i < rows4; i += 4) {
    for (let j = 0; j < cols4; j += 4) {
      const p = src + ((<usize>i * <usize>cols + <usize>j) << 2);
      const r0 = v128.load(p);
      const r1 = v128.load(p + inRow);
      const r2 = v128.load(p + 2 * inRow);
      const r3 = v128.load(p + 3 * inRow);
      storeTransposed(dst + ((<usize>j * <usize>rows + <usize>i) << 2), outRow, r0, r1, r2, r3);
    }
    for (let r = i; r < i + 4; r++) {
      for (let j = cols4; j < cols; j++) store<f32>(dst + ((<usize>j * <usize>rows + <usize>r) << 2), load<f32>(src + ((<usize>r * <usize>cols + <usize>j) << 2)));
    }
  }
  for (let r = rows4; r < i1; r++) {
    for (let j = 0; j < cols; j++) store<f32>(dst + ((<usize>j * <usize>rows + <usize>r) << 2), load<f32>(src + ((<usize>r * <usize>cols + <usize>j) << 2)));
  }
}

/** Stores a whole f64x2 (`whole`, a constant at each inlined call) or only lane 0 (an odd last element). */
@inline function put2(p: usize, v: v128, whole: bool): void {
  if (whole) v128.store(p, v);
  else v128.store64_lane(p, v, 0);
}

// The f64 kernels below run whole vectors in the loop and an odd last element once after it, through the
// same inlined step (so it rounds identically). Deciding whole-or-lane inside the loop cost ~1.8× on the
// memory-light kernels (multiply: 0.85 → 0.44 ns per element, V8 11.3).
/** Address one past the last whole f64x2 of n elements starting at p. */
@inline function wholeEnd(p: usize, n: i32): usize {
  return p + (<usize>(n & ~1) << 3);
}

// ---- Update -----------------------------------------------------------------------------------------------

/** out = f·src. */
export function scale(src: usize, out: usize, n: i32, f: f64): void {
  const fv = f64x2.splat(f);
  const end = wholeEnd(out, n);
  while (out < end) {
    v128.store(out, f64x2.mul(fv, v128.load(src)));
    src += 16;
    out += 16;
  }
  if (n & 1) put2(out, f64x2.mul(fv, v128.load(src)), false);
}

/** out = clip(g + d, lo, hi); NaN-compatible with `v < lo ? lo : v > hi ? hi : v`. */
export function addClip(g: usize, d: usize, out: usize, n: i32, lo: f64, hi: f64): void {
  const l = f64x2.splat(lo);
  const h = f64x2.splat(hi);
  const end = wholeEnd(out, n);
  while (out < end) {
    addClipStep(g, d, out, l, h, true);
    g += 16;
    d += 16;
    out += 16;
  }
  if (n & 1) addClipStep(g, d, out, l, h, false);
}

@inline function addClipStep(g: usize, d: usize, out: usize, l: v128, h: v128, whole: bool): void {
  put2(out, f64x2.pmin(f64x2.pmax(f64x2.add(v128.load(g), v128.load(d)), l), h), whole);
}

/** g = clip(g + f·want, lo, hi), in place. */
export function stepClip(g: usize, want: usize, n: i32, f: f64, lo: f64, hi: f64): void {
  const fv = f64x2.splat(f);
  const l = f64x2.splat(lo);
  const h = f64x2.splat(hi);
  const end = wholeEnd(g, n);
  while (g < end) {
    stepClipStep(g, want, fv, l, h, true);
    g += 16;
    want += 16;
  }
  if (n & 1) stepClipStep(g, want, fv, l, h, false);
}

@inline function stepClipStep(g: usize, want: usize, fv: v128, l: v128, h: v128, whole: bool): void {
  const v = f64x2.add(v128.load(g), f64x2.mul(fv, v128.load(want)));
  put2(g, f64x2.pmin(f64x2.pmax(v, l), h), whole);
}

/**
 * Sign-split routing of a differential change w on weights v = p − m: the positive device takes
 * max(v + w, 0) − max(v, 0), the negative one max(−v − w, 0) − max(−v, 0).
 */
export function signSplit(p: usize, m: usize, want: usize, outP: usize, outM: usize, n: i32): void {
  const zero = f64x2.splat(0);
  const end = wholeEnd(outP, n);
  while (outP < end) {
    signSplitStep(p, m, want, outP, outM, zero, true);
    p += 16;
    m += 16;
    want += 16;
    outP += 16;
    outM += 16;
  }
  if (n & 1) signSplitStep(p, m, want, outP, outM, zero, false);
}

@inline function signSplitStep(p: usize, m: usize, want: usize, outP: usize, outM: usize, zero: v128, whole: bool): void {
  const v = f64x2.sub(v128.load(p), v128.load(m));
  const next = f64x2.add(v, v128.load(want));
  put2(outP, f64x2.sub(f64x2.pmax(next, zero), f64x2.pmax(v, zero)), whole);
  put2(outM, f64x2.sub(f64x2.pmax(f64x2.neg(next), zero), f64x2.pmax(f64x2.neg(v), zero)), whole);
}

/**
 * Update non-linearity (TxSim Eq. 1, CrossSim's asymmetric model): out = (d > 0 ? gmin + w0 − g : gmax − w0 − g)
 * · (1 − e^(−k·|d|)), 0 where d = 0. 1 − e^(−x) is the x⁴ Taylor polynomial below 1e-3; a vector with a
 * larger x falls back to expm1 per lane.
 */
export function updateNonlinearity(d: usize, g: usize, out: usize, n: i32, gmin: f64, gmax: f64, w0: f64, k: f64): void {
  const up = f64x2.splat(gmin + w0);
  const down = f64x2.splat(gmax - w0);
  const kv = f64x2.splat(k);
  const zero = f64x2.splat(0);
  const small = f64x2.splat(1e-3);
  const end = wholeEnd(out, n);
  while (out < end) {
    nonlinearStep(d, g, out, up, down, kv, zero, small, true);
    d += 16;
    g += 16;
    out += 16;
  }
  if (n & 1) nonlinearStep(d, g, out, up, down, kv, zero, small, false);
}

@inline function nonlinearStep(d: usize, g: usize, out: usize, up: v128, down: v128, kv: v128, zero: v128, small: v128, whole: bool): void {
  put2(out, nonlinearVec(v128.load(d), v128.load(g), up, down, kv, zero, small), whole);
}

@inline function nonlinearVec(dv: v128, gv: v128, up: v128, down: v128, kv: v128, zero: v128, small: v128): v128 {
  const pos = f64x2.gt(dv, zero);
  const x = f64x2.mul(kv, f64x2.abs(dv));
  let ome: v128;
  if (v128.any_true(f64x2.ge(x, small))) {
    ome = f64x2.splat(oneMinusExp(f64x2.extract_lane(x, 0)));
    ome = f64x2.replace_lane(ome, 1, oneMinusExp(f64x2.extract_lane(x, 1)));
  } else {
    let p = f64x2.sub(f64x2.splat(1.0 / 6.0), f64x2.mul(x, f64x2.splat(1.0 / 24.0)));
    p = f64x2.sub(f64x2.splat(0.5), f64x2.mul(x, p));
    ome = f64x2.mul(x, f64x2.sub(f64x2.splat(1), f64x2.mul(x, p)));
  }
  const room = f64x2.sub(v128.bitselect(up, down, pos), gv);
  return v128.and(f64x2.mul(room, ome), f64x2.ne(dv, zero));
}

@inline function oneMinusExp(x: f64): f64 {
  if (x < 1e-3) return x * (1 - x * (0.5 - x * (1.0 / 6.0 - x * (1.0 / 24.0))));
  return -Math.expm1(-x);
}

// ---- Effective conductance --------------------------------------------------------------------------------

/** Nearest of `steps + 1` levels gmin + l·step: l = clamp(floor((g − gmin)·inv + 0.5), 0, steps). */
export function levels(src: usize, out: usize, n: i32, gmin: f64, step: f64, inv: f64, steps: f64): void {
  const lo = f64x2.splat(gmin);
  const st = f64x2.splat(step);
  const iv = f64x2.splat(inv);
  const top = f64x2.splat(steps);
  const zero = f64x2.splat(0);
  const half = f64x2.splat(0.5);
  const end = wholeEnd(out, n);
  while (out < end) {
    levelStep(src, out, lo, st, iv, top, zero, half, true);
    src += 16;
    out += 16;
  }
  if (n & 1) levelStep(src, out, lo, st, iv, top, zero, half, false);
}

@inline function levelStep(src: usize, out: usize, lo: v128, st: v128, iv: v128, top: v128, zero: v128, half: v128, whole: bool): void {
  const l = f64x2.floor(f64x2.add(f64x2.mul(f64x2.sub(v128.load(src), lo), iv), half));
  const c = f64x2.pmin(f64x2.pmax(l, zero), top);
  put2(out, f64x2.add(lo, f64x2.mul(c, st)), whole);
}

/** out = src·f (per-device factors). */
export function multiply(src: usize, f: usize, out: usize, n: i32): void {
  const end = wholeEnd(out, n);
  while (out < end) {
    v128.store(out, f64x2.mul(v128.load(src), v128.load(f)));
    src += 16;
    f += 16;
    out += 16;
  }
  if (n & 1) put2(out, f64x2.mul(v128.load(src), v128.load(f)), false);
}

/** Series resistance: out = g > 0 ? g / (1 + g·r) : g. */
export function series(src: usize, r: usize, out: usize, n: i32): void {
  const one = f64x2.splat(1);
  const zero = f64x2.splat(0);
  const end = wholeEnd(out, n);
  while (out < end) {
    seriesStep(src, r, out, one, zero, true);
    src += 16;
    r += 16;
    out += 16;
  }
  if (n & 1) seriesStep(src, r, out, one, zero, false);
}

@inline function seriesStep(src: usize, r: usize, out: usize, one: v128, zero: v128, whole: bool): void {
  const g = v128.load(src);
  const e = f64x2.div(g, f64x2.add(one, f64x2.mul(g, v128.load(r))));
  put2(out, v128.bitselect(e, g, f64x2.gt(g, zero)), whole);
}

/** out (f32, R×C or its transpose C×R) = plus − minus, or plus² + minus² when `squared`. */
export function combine(plus: usize, minus: usize, out: usize, rows: i32, cols: i32, transposed: bool, squared: bool): void {
  combineRows(plus, minus, out, rows, cols, transposed, squared, 0, rows);
}

/**
 * Rows [i0, i1) of combine (the output still laid out for all `rows`): a worker thread's chunk. Every cell is
 * combined and narrowed on its own, so the cut never changes a bit.
 */
export function combineRows(plus: usize, minus: usize, out: usize, rows: i32, cols: i32, transposed: bool, squared: bool, i0: i32, i1: i32): void {
  if (!transposed) {
    const skip = <usize>i0 * <usize>cols;
    plus += skip << 3;
    minus += skip << 3;
    out += skip << 2;
    const n = (i1 - i0) * cols;
    let i = 0;
    for (; i + 4 <= n; i += 4) {
      const p0 = v128.load(plus), p1 = v128.load(plus, 16);
      const m0 = v128.load(minus), m1 = v128.load(minus, 16);
      const a = squared ? f64x2.add(f64x2.mul(p0, p0), f64x2.mul(m0, m0)) : f64x2.sub(p0, m0);
      const b = squared ? f64x2.add(f64x2.mul(p1, p1), f64x2.mul(m1, m1)) : f64x2.sub(p1, m1);
      v128.store(out, i32x4.shuffle(f32x4.demote_f64x2_zero(a), f32x4.demote_f64x2_zero(b), 0, 1, 4, 5));
      plus += 32;
      minus += 32;
      out += 16;
    }
    for (; i < n; i++) {
      const p = load<f64>(plus);
      const m = load<f64>(minus);
      store<f32>(out, <f32>(squared ? p * p + m * m : p - m));
      plus += 8;
      minus += 8;
      out += 4;
    }
    return;
  }
  // Transposed: 4×4 blocks, each row of four combined and narrowed like the untransposed path, then
  // transposed in registers so the output is written as whole f32x4 columns (a scalar loop with strided
  // stores took ~3× as long). Edge rows and columns go through the scalar loop.
  // Whole 4-row blocks from i0 (chunk starts are multiples of 4 except where a chunk is cut unevenly).
  const rows4 = i0 + ((i1 - i0) & ~3);
  const cols4 = cols & ~3;
  const rowBytes = <usize>cols << 3;
  const outRow = <usize>rows << 2;
  for (let i = i0; i < rows4; i += 4) {
    for (let j = 0; j < cols4; j += 4) {
      const src = ((<usize>i * <usize>cols + <usize>j) << 3);
      const r0 = combine4(plus + src, minus + src, squared);
      const r1 = combine4(plus + src + rowBytes, minus + src + rowBytes, squared);
      const r2 = combine4(plus + src + 2 * rowBytes, minus + src + 2 * rowBytes, squared);
      const r3 = combine4(plus + src + 3 * rowBytes, minus + src + 3 * rowBytes, squared);
      storeTransposed(out + ((<usize>j * <usize>rows + <usize>i) << 2), outRow, r0, r1, r2, r3);
    }
  }
  for (let i = i0; i < i1; i++) {
    for (let j = i < rows4 ? cols4 : 0; j < cols; j++) {
      const k = ((i * cols + j) as usize) << 3;
      const p = load<f64>(plus + k);
      const m = load<f64>(minus + k);
      store<f32>(out + (((j * rows + i) as usize) << 2), <f32>(squared ? p * p + m * m : p - m));
    }
  }
}

/** Four consecutive cells of one row, combined (p − m or p² + m²) in f64 and narrowed to f32x4. */
@inline function combine4(p: usize, m: usize, squared: bool): v128 {
  const p0 = v128.load(p), p1 = v128.load(p, 16);
  const m0 = v128.load(m), m1 = v128.load(m, 16);
  const a = squared ? f64x2.add(f64x2.mul(p0, p0), f64x2.mul(m0, m0)) : f64x2.sub(p0, m0);
  const b = squared ? f64x2.add(f64x2.mul(p1, p1), f64x2.mul(m1, m1)) : f64x2.sub(p1, m1);
  return i32x4.shuffle(f32x4.demote_f64x2_zero(a), f32x4.demote_f64x2_zero(b), 0, 1, 4, 5);
}

// ---- Read input ----------------------------------------------------------------------------------------------

/** dst[b, i] = src[b, start + i] for i < used, 0 for used ≤ i < lines: one block's slice of a read's inputs. */
export function gather(src: usize, dst: usize, batch: i32, srcWidth: i32, start: i32, used: i32, lines: i32): void {
  const zero = f32x4.splat(0);
  for (let b = 0; b < batch; b++) {
    let s = src + (((b * srcWidth + start) as usize) << 2);
    let d = dst + (((b * lines) as usize) << 2);
    let i = 0;
    for (; i + 4 <= used; i += 4) {
      v128.store(d, v128.load(s));
      s += 16;
      d += 16;
    }
    for (; i < used; i++) {
      store<f32>(d, load<f32>(s));
      s += 4;
      d += 4;
    }
    for (; i + 4 <= lines; i += 4) {
      v128.store(d, zero);
      d += 16;
    }
    for (; i < lines; i++) {
      store<f32>(d, 0);
      d += 4;
    }
  }
}

// ---- Convolution layout (im2col / col2im) -----------------------------------------------------------------
// Same traversal as the TypeScript loops in src/kernels/im2col.ts: patch rows image by image, output row,
// output column; within a row channel, kernel row, kernel column. col2im adds in the same order (an f32
// add equals JavaScript's f64 add rounded to f32), so both match their reference bit for bit.

/** k floats from src to dst (a kernel row of a window inside the image). */
@inline function copyFloats(dst: usize, src: usize, k: i32): void {
  if (k == 3) {
    store<u64>(dst, load<u64>(src));
    store<u32>(dst, load<u32>(src, 8), 8);
    return;
  }
  let i = 0;
  for (; i + 4 <= k; i += 4) v128.store(dst + (<usize>i << 2), v128.load(src + (<usize>i << 2)));
  for (; i < k; i++) store<u32>(dst + (<usize>i << 2), load<u32>(src + (<usize>i << 2)));
}

export function im2col(x: usize, out: usize, batch: i32, channels: i32, height: i32, width: i32, k: i32, stride: i32, pad: i32, outH: i32, outW: i32): void {
  const plane = height * width;
  const image = channels * plane;
  const rowBytes = <usize>width << 2;
  const kBytes = <usize>k << 2;
  let o = out;
  for (let n = 0; n < batch; n++) {
    const base = x + (<usize>(n * image) << 2);
    for (let oy = 0; oy < outH; oy++) {
      const y0 = oy * stride - pad;
      const rowsInside = y0 >= 0 && y0 + k <= height;
      for (let ox = 0; ox < outW; ox++) {
        const x0 = ox * stride - pad;
        if (rowsInside && x0 >= 0 && x0 + k <= width) {
          for (let c = 0; c < channels; c++) {
            let src = base + (<usize>(c * plane + y0 * width + x0) << 2);
            for (let ky = 0; ky < k; ky++) {
              copyFloats(o, src, k);
              o += kBytes;
              src += rowBytes;
            }
          }
          continue;
        }
        for (let c = 0; c < channels; c++) {
          const cBase = c * plane;
          for (let ky = 0; ky < k; ky++) {
            const iy = y0 + ky;
            for (let kx = 0; kx < k; kx++) {
              const ix = x0 + kx;
              const inside = iy >= 0 && iy < height && ix >= 0 && ix < width;
              store<u32>(o, inside ? load<u32>(base + (<usize>(cBase + iy * width + ix) << 2)) : 0);
              o += 4;
            }
          }
        }
      }
    }
  }
}

export function col2im(cols: usize, out: usize, batch: i32, channels: i32, height: i32, width: i32, k: i32, stride: i32, pad: i32, outH: i32, outW: i32): void {
  const plane = height * width;
  const image = channels * plane;
  const rowBytes = <usize>width << 2;
  memory.fill(out, 0, <usize>(batch * image) << 2);
  let o = cols;
  for (let n = 0; n < batch; n++) {
    const base = out + (<usize>(n * image) << 2);
    for (let oy = 0; oy < outH; oy++) {
      const y0 = oy * stride - pad;
      const rowsInside = y0 >= 0 && y0 + k <= height;
      for (let ox = 0; ox < outW; ox++) {
        const x0 = ox * stride - pad;
        if (rowsInside && x0 >= 0 && x0 + k <= width) {
          for (let c = 0; c < channels; c++) {
            let dst = base + (<usize>(c * plane + y0 * width + x0) << 2);
            for (let ky = 0; ky < k; ky++) {
              for (let kx = 0; kx < k; kx++) {
                const d = dst + (<usize>kx << 2);
                store<f32>(d, load<f32>(d) + load<f32>(o));
                o += 4;
              }
              dst += rowBytes;
            }
          }
          continue;
        }
        for (let c = 0; c < channels; c++) {
          const cBase = c * plane;
          for (let ky = 0; ky < k; ky++) {
            const iy = y0 + ky;
            for (let kx = 0; kx < k; kx++) {
              const ix = x0 + kx;
              if (iy >= 0 && iy < height && ix >= 0 && ix < width) {
                const d = base + (<usize>(cBase + iy * width + ix) << 2);
                store<f32>(d, load<f32>(d) + load<f32>(o));
              }
              o += 4;
            }
          }
        }
      }
    }
  }
}

// ---- Read accumulation --------------------------------------------------------------------------------------

/** acc[b, j] += cur[b, j]·scales[b] (f32 operands, exact product in f64) for j < accWidth: cur rows hold width (≥ accWidth). */
export function accumulate(acc: usize, cur: usize, scales: usize, batch: i32, width: i32, accWidth: i32, fresh: bool): void {
  if (fresh) accumulateRows(acc, cur, scales, batch, width, accWidth, true);
  else accumulateRows(acc, cur, scales, batch, width, accWidth, false);
}

/**
 * The rows of `accumulate`. `fresh` (a constant at each inlined call) adds to +0 instead of loading acc: the
 * same bits as zero-filling acc first (0 + x is x, and +0 for x = −0) without that pass over acc.
 */
@inline function accumulateRows(acc: usize, cur: usize, scales: usize, batch: i32, width: i32, accWidth: i32, fresh: bool): void {
  const zero = f64x2.splat(0);
  for (let b = 0; b < batch; b++) {
    const s = f64x2.splat(<f64>load<f32>(scales + ((b as usize) << 2)));
    let a = acc + (((b * accWidth) as usize) << 3);
    let c = cur + (((b * width) as usize) << 2);
    let j = 0;
    for (; j + 4 <= accWidth; j += 4) {
      const v = v128.load(c);
      v128.store(a, f64x2.add(fresh ? zero : v128.load(a), f64x2.mul(f64x2.promote_low_f32x4(v), s)));
      v128.store(a, f64x2.add(fresh ? zero : v128.load(a, 16), f64x2.mul(f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1)), s)), 16);
      a += 32;
      c += 16;
    }
    for (; j < accWidth; j++) {
      store<f64>(a, (fresh ? 0 : load<f64>(a)) + <f64>load<f32>(c) * f64x2.extract_lane(s, 0));
      a += 8;
      c += 4;
    }
  }
}

/** out[k] = f·src[k], f32 to f64 (an update rule's change from a float32 gradient). */
export function widen(src: usize, out: usize, n: i32, f: f64): void {
  const fv = f64x2.splat(f);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const x = v128.load(src);
    v128.store(out, f64x2.mul(f64x2.promote_low_f32x4(x), fv));
    v128.store(out, f64x2.mul(f64x2.promote_low_f32x4(i32x4.shuffle(x, x, 2, 3, 0, 1)), fv), 16);
    src += 16;
    out += 32;
  }
  for (; i < n; i++) {
    store<f64>(out, <f64>load<f32>(src) * f);
    src += 4;
    out += 8;
  }
}

/** out[b, j] = f32(acc[b, j]·f) for j < outWidth, from rows of `width` (≥ outWidth) accumulators. */
export function narrow(acc: usize, out: usize, batch: i32, width: i32, outWidth: i32, f: f64): void {
  const fv = f64x2.splat(f);
  for (let b = 0; b < batch; b++) {
    let a = acc + (((b * width) as usize) << 3);
    let o = out + (((b * outWidth) as usize) << 2);
    let j = 0;
    for (; j + 4 <= outWidth; j += 4) {
      const x = f32x4.demote_f64x2_zero(f64x2.mul(v128.load(a), fv));
      const y = f32x4.demote_f64x2_zero(f64x2.mul(v128.load(a, 16), fv));
      v128.store(o, i32x4.shuffle(x, y, 0, 1, 4, 5));
      a += 32;
      o += 16;
    }
    for (; j < outWidth; j++) {
      store<f32>(o, <f32>(load<f64>(a) * f));
      a += 8;
      o += 4;
    }
  }
}

/**
 * A read of one block and one pass in one step: out[b, j] = f32((0 + cur[b, j]·scales[b])·f) for j < outWidth,
 * cur rows `width` apart. Exactly accumulate (fresh) then narrow, without the f64 sum between them.
 */
export function accumulateNarrow(cur: usize, scales: usize, out: usize, batch: i32, width: i32, outWidth: i32, f: f64): void {
  const fv = f64x2.splat(f);
  const zero = f64x2.splat(0);
  for (let b = 0; b < batch; b++) {
    const s = f64x2.splat(<f64>load<f32>(scales + ((b as usize) << 2)));
    let c = cur + (((b * width) as usize) << 2);
    let o = out + (((b * outWidth) as usize) << 2);
    let j = 0;
    for (; j + 4 <= outWidth; j += 4) {
      const v = v128.load(c);
      const x = f32x4.demote_f64x2_zero(f64x2.mul(f64x2.add(zero, f64x2.mul(f64x2.promote_low_f32x4(v), s)), fv));
      const y = f32x4.demote_f64x2_zero(f64x2.mul(f64x2.add(zero, f64x2.mul(f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1)), s)), fv));
      v128.store(o, i32x4.shuffle(x, y, 0, 1, 4, 5));
      c += 16;
      o += 16;
    }
    for (; j < outWidth; j++) {
      store<f32>(o, <f32>((0 + <f64>load<f32>(c) * f64x2.extract_lane(s, 0)) * f));
      c += 4;
      o += 4;
    }
  }
}

/** Number of non-zero elements (update pulse counts). */
export function countNonzero(src: usize, n: i32): i32 {
  const zero = f64x2.splat(0);
  let cnt = i64x2.splat(0);
  let i = 0;
  for (; i + 2 <= n; i += 2) {
    cnt = i64x2.sub(cnt, f64x2.ne(v128.load(src), zero));
    src += 16;
  }
  if (i < n) cnt = i64x2.sub(cnt, f64x2.ne(v128.load64_zero(src), zero));
  return <i32>(i64x2.extract_lane(cnt, 0) + i64x2.extract_lane(cnt, 1));
}

// Generic kernels of the digital training step (bias, activations, SGD, loss) live in their own file.
export { biasAdd, columnSums, sgdStep, sigmoid, sigmoidBackward, relu, reluBackward, softmaxCrossEntropy } from './training';
