// Generic kernels of a digital training step (WASM SIMD128), compiled into the element-wise module:
// bias add and bias gradient, sigmoid and ReLU with their gradients, an SGD step, and mean softmax
// cross-entropy with its gradient and correct count. Addresses are byte offsets into the shared memory.
//
// Rounding, against the TypeScript loops in src/kernels/training.ts (JavaScript computes in f64 and rounds
// once when it stores into a Float32Array):
// - one f32 add or multiply rounds exactly as f64-then-f32 does (double rounding is innocuous for a single
//   +, −, ×, ÷ when 53 ≥ 2·24 + 2), so bias add, bias gradient and ReLU are bit-exact in f32x4;
// - expressions of several operations (sigmoid gradient, SGD step) are evaluated in f64x2 in the loop's
//   order and rounded once, so they are bit-exact too;
// - the sigmoid uses a polynomial e^x in f32 (Cephes expf, ≤ 2 ulp), so it agrees with JavaScript's
//   1/(1 + Math.exp(−x)) to a few float32 ulps, not bit for bit;
// - the loss uses f64 Math.exp/Math.log of AssemblyScript's standard library, which may differ from V8's
//   in the last bit of a double.
// Vector loops may load up to 16 bytes past an operand (the JS allocator keeps 64 bytes of slack) but
// never store past it.

/** out[i, j] = x[i, j] + bias[j] over rows × cols (out may be x). */
export function biasAdd(x: usize, bias: usize, out: usize, rows: i32, cols: i32): void {
  const whole = cols & ~3;
  for (let i = 0; i < rows; i++) {
    const row = <usize>(i * cols) << 2;
    let j = 0;
    for (; j < whole; j += 4) {
      const o = row + (<usize>j << 2);
      v128.store(out + o, f32x4.add(v128.load(x + o), v128.load(bias + (<usize>j << 2))));
    }
    for (; j < cols; j++) {
      const o = row + (<usize>j << 2);
      store<f32>(out + o, load<f32>(x + o) + load<f32>(bias + (<usize>j << 2)));
    }
  }
}

/**
 * out[j] = Σ_i src[i, j] (the bias gradient of a batch), summed row by row in f32 like the reference loop.
 * Columns [j0, j1) only, so threads can split the columns without changing any sum's order.
 */
export function columnSums(src: usize, out: usize, rows: i32, cols: i32, j0: i32, j1: i32): void {
  let j = j0;
  for (; j + 4 <= j1; j += 4) {
    let acc = f32x4.splat(0);
    let p = src + (<usize>j << 2);
    for (let i = 0; i < rows; i++) {
      acc = f32x4.add(acc, v128.load(p));
      p += <usize>cols << 2;
    }
    v128.store(out + (<usize>j << 2), acc);
  }
  for (; j < j1; j++) {
    let acc: f32 = 0;
    let p = src + (<usize>j << 2);
    for (let i = 0; i < rows; i++) {
      acc += load<f32>(p);
      p += <usize>cols << 2;
    }
    store<f32>(out + (<usize>j << 2), acc);
  }
}

/** w[k] = w[k] − lr·g[k] over n floats, in f64 and rounded once (the plain SGD step). */
export function sgdStep(w: usize, g: usize, n: i32, lr: f64): void {
  const l = f64x2.splat(lr);
  let k = 0;
  for (; k + 4 <= n; k += 4) {
    const o = <usize>k << 2;
    const wv = v128.load(w + o);
    const gv = v128.load(g + o);
    const lo = f64x2.sub(f64x2.promote_low_f32x4(wv), f64x2.mul(l, f64x2.promote_low_f32x4(gv)));
    const hi = f64x2.sub(
      f64x2.promote_low_f32x4(i32x4.shuffle(wv, wv, 2, 3, 0, 1)),
      f64x2.mul(l, f64x2.promote_low_f32x4(i32x4.shuffle(gv, gv, 2, 3, 0, 1))),
    );
    v128.store(w + o, i32x4.shuffle(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5));
  }
  for (; k < n; k++) {
    const o = <usize>k << 2;
    store<f32>(w + o, <f32>(<f64>load<f32>(w + o) - lr * <f64>load<f32>(g + o)));
  }
}

// ---- Activations ----------------------------------------------------------------------------------------

const LOG2E: f32 = 1.44269504088896341;
const LN2_HI: f32 = 0.693359375; // ln 2 split so that n·LN2_HI is exact for |n| < 2^9
const LN2_LO: f32 = -2.12194440e-4;
const EXP_HI: f32 = 88.3762626647949; // e^x overflows float32 above this
const EXP_LO: f32 = -87.3365447504; // and turns subnormal below it (2^-126)

/**
 * 1/(1 + e^(−x)) of four lanes, e^x by Cephes expf (x = n·ln 2 + r, |r| ≤ ln2/2, degree-6 polynomial;
 * ≤ 2 ulp) clamped to float32's normal range. pmin/pmax (one instruction each, unlike min/max) keep a NaN
 * x: pmin(x, hi) is `hi < x ? hi : x`. The constants come in as arguments because V8 (11.3) does not
 * hoist a splat of a constant out of a loop; with them inline the sigmoid ran at ~2.2 ns per element.
 */
@inline function sigmoid4(
  x: v128, hi: v128, lo: v128, log2e: v128, ln2hi: v128, ln2lo: v128,
  c0: v128, c1: v128, c2: v128, c3: v128, c4: v128, c5: v128, one: v128, bias: v128,
): v128 {
  let t = f32x4.pmax(f32x4.pmin(f32x4.neg(x), hi), lo);
  const n = f32x4.nearest(f32x4.mul(t, log2e));
  const r = f32x4.sub(f32x4.sub(t, f32x4.mul(n, ln2hi)), f32x4.mul(n, ln2lo));
  let p = f32x4.add(f32x4.mul(c0, r), c1);
  p = f32x4.add(f32x4.mul(p, r), c2);
  p = f32x4.add(f32x4.mul(p, r), c3);
  p = f32x4.add(f32x4.mul(p, r), c4);
  p = f32x4.add(f32x4.mul(p, r), c5);
  const y = f32x4.add(f32x4.add(f32x4.mul(f32x4.mul(p, r), r), r), one);
  // 2^n built in the exponent field; n ∈ [−126, 128) after the clamp (t = 88.38 gives n = 127).
  const pow2 = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(n), bias), 23);
  return f32x4.div(one, f32x4.add(one, f32x4.mul(y, pow2)));
}

/** out = 1/(1 + e^(−x)) over n floats (out may be x). */
export function sigmoid(x: usize, out: usize, n: i32): void {
  const hi = f32x4.splat(EXP_HI);
  const lo = f32x4.splat(EXP_LO);
  const log2e = f32x4.splat(LOG2E);
  const ln2hi = f32x4.splat(LN2_HI);
  const ln2lo = f32x4.splat(LN2_LO);
  const c0 = f32x4.splat(1.9875691500e-4);
  const c1 = f32x4.splat(1.3981999507e-3);
  const c2 = f32x4.splat(8.3334519073e-3);
  const c3 = f32x4.splat(4.1665795894e-2);
  const c4 = f32x4.splat(1.6666665459e-1);
  const c5 = f32x4.splat(5.0000001201e-1);
  const one = f32x4.splat(1);
  const bias = i32x4.splat(127);
  let k = 0;
  for (; k + 4 <= n; k += 4) {
    const o = <usize>k << 2;
    v128.store(out + o, sigmoid4(v128.load(x + o), hi, lo, log2e, ln2hi, ln2lo, c0, c1, c2, c3, c4, c5, one, bias));
  }
  // The tail lane by lane through the same vector code, so it rounds exactly like the body.
  for (; k < n; k++) {
    const o = <usize>k << 2;
    const v = sigmoid4(f32x4.splat(load<f32>(x + o)), hi, lo, log2e, ln2hi, ln2lo, c0, c1, c2, c3, c4, c5, one, bias);
    store<f32>(out + o, f32x4.extract_lane(v, 0));
  }
}

/** dx = dy·y·(1 − y) from the sigmoid's output y, in f64 and rounded once (dx may be dy). */
export function sigmoidBackward(y: usize, dy: usize, dx: usize, n: i32): void {
  const one = f64x2.splat(1);
  let k = 0;
  for (; k + 2 <= n; k += 2) {
    const o = <usize>k << 2;
    const s = f64x2.promote_low_f32x4(v128.load64_zero(y + o));
    const d = f64x2.promote_low_f32x4(v128.load64_zero(dy + o));
    v128.store64_lane(dx + o, f32x4.demote_f64x2_zero(f64x2.mul(f64x2.mul(d, s), f64x2.sub(one, s))), 0);
  }
  if (k < n) {
    const o = <usize>k << 2;
    const s = <f64>load<f32>(y + o);
    store<f32>(dx + o, <f32>(<f64>load<f32>(dy + o) * s * (1 - s)));
  }
}

/** out = max(x, 0) (out may be x); −0 and NaN give 0, as `x > 0 ? x : 0` does. */
export function relu(x: usize, out: usize, n: i32): void {
  const zero = f32x4.splat(0);
  let k = 0;
  for (; k + 4 <= n; k += 4) {
    const o = <usize>k << 2;
    const v = v128.load(x + o);
    v128.store(out + o, v128.and(v, f32x4.gt(v, zero)));
  }
  for (; k < n; k++) {
    const o = <usize>k << 2;
    const v = load<f32>(x + o);
    store<f32>(out + o, v > 0 ? v : 0);
  }
}

/** dx = x > 0 ? dy : 0, from the ReLU's input x (dx may be dy). */
export function reluBackward(x: usize, dy: usize, dx: usize, n: i32): void {
  const zero = f32x4.splat(0);
  let k = 0;
  for (; k + 4 <= n; k += 4) {
    const o = <usize>k << 2;
    v128.store(dx + o, v128.and(v128.load(dy + o), f32x4.gt(v128.load(x + o), zero)));
  }
  for (; k < n; k++) {
    const o = <usize>k << 2;
    store<f32>(dx + o, load<f32>(x + o) > 0 ? load<f32>(dy + o) : 0);
  }
}

// ---- Loss -----------------------------------------------------------------------------------------------

/**
 * Mean softmax cross-entropy of rows × cols logits against `labels` (u32 class indexes), in f64 with each
 * row's maximum subtracted: grad = (softmax − onehot)/rows (may be the logits), out[0] = mean loss,
 * out[1] = rows whose arg-max (first maximum) is the label. Returns −1 − i for a label of row i that is not
 * a class index (nothing useful is written then), else 0.
 */
export function softmaxCrossEntropy(logits: usize, labels: usize, grad: usize, out: usize, rows: i32, cols: i32): i32 {
  for (let i = 0; i < rows; i++) if (load<u32>(labels + (<usize>i << 2)) >= <u32>cols) return -1 - i;
  let loss: f64 = 0;
  let correct = 0;
  for (let i = 0; i < rows; i++) {
    const row = logits + (<usize>(i * cols) << 2);
    const g = grad + (<usize>(i * cols) << 2);
    let max = -Infinity;
    let arg = 0;
    for (let j = 0; j < cols; j++) {
      const v = <f64>load<f32>(row + (<usize>j << 2));
      if (v > max) {
        max = v;
        arg = j;
      }
    }
    let sum: f64 = 0;
    for (let j = 0; j < cols; j++) sum += Math.exp(<f64>load<f32>(row + (<usize>j << 2)) - max);
    const label = <i32>load<u32>(labels + (<usize>i << 2));
    if (arg == label) correct++;
    loss += Math.log(sum) - (<f64>load<f32>(row + (<usize>label << 2)) - max);
    for (let j = 0; j < cols; j++) {
      const p = Math.exp(<f64>load<f32>(row + (<usize>j << 2)) - max) / sum;
      store<f32>(g + (<usize>j << 2), <f32>((p - (j == label ? 1 : 0)) / <f64>rows));
    }
  }
  store<f64>(out, loss / <f64>rows);
  store<f64>(out, <f64>correct, 8);
  return 0;
}
