// The convolutional layers' compiled kernels (WASM SIMD128), registered on core's shared kernel memory by
// src/layers/cnn-kernels.ts: max and average pooling with their gradients, the layout changes between a
// convolution's product rows and its images, and the conv bias gradient. Each reproduces its TypeScript
// reference bit for bit (the tests compare them):
// - max pooling compares with `v > best` from −∞ in window order, so the first largest wins, NaNs never win,
//   and a window of NaNs and −∞ gives −∞ with index 0 (as the loop leaves `at`);
// - a single f32 add rounds as JavaScript's f64 add then f32 store does (53 ≥ 2·24 + 2), so the bias add and
//   the max-pool scatter run in f32; sums of several terms (average pooling, the bias gradient) run in f64 in
//   the loop's order and round once where the loop stores;
// - the layout changes only move values (plus one add), so any order of work gives the same bits.
// Vector loops may load up to 16 bytes past an operand (the allocator keeps 64 bytes of slack) but never
// store past it. Addresses are byte offsets into the shared memory; no static data.

@inline function f32At(base: usize, i: i32): usize {
  return base + ((<usize>i) << 2);
}

/**
 * Max pooling over `planes` images of H × W (one channel each) into oh × ow windows of k × k moved by s:
 * y gets each window's largest value, arg (when `keep`) its index into x.
 */
export function maxPoolForward(x: usize, y: usize, arg: usize, planes: i32, H: i32, W: i32, oh: i32, ow: i32, k: i32, s: i32, keep: bool): void {
  // Four neighbouring windows at once where their inputs load as one vector (s = 1) or two (s = 2); a row's
  // last four windows overlap the four before when ow is not a multiple of 4 (recomputed, the same values).
  const lanes = s == 1 ? i32x4(0, 1, 2, 3) : i32x4(0, 2, 4, 6);
  const vector = s <= 2 && ow >= 4;
  let o = 0;
  for (let plane = 0; plane < planes; plane++) {
    const base = plane * H * W;
    for (let oy = 0; oy < oh; oy++, o += ow) {
      if (vector && k == 2 && s == 2) {
        // LeNet's and VGG's pools: the two rows' 8 inputs load once, as even (kx = 0) and odd (kx = 1) lanes.
        const r0 = base + 2 * oy * W;
        const r1 = r0 + W;
        for (let ob = 0; ob < ow; ob += 4) {
          const ox = min(ob, ow - 4);
          const i0 = r0 + 2 * ox;
          const i1 = r1 + 2 * ox;
          const a0 = v128.load(f32At(x, i0));
          const b0 = v128.load(f32At(x, i0 + 4));
          const a1 = v128.load(f32At(x, i1));
          const b1 = v128.load(f32At(x, i1 + 4));
          const e0 = i32x4.shuffle(a0, b0, 0, 2, 4, 6);
          const o0 = i32x4.shuffle(a0, b0, 1, 3, 5, 7);
          const e1 = i32x4.shuffle(a1, b1, 0, 2, 4, 6);
          const o1 = i32x4.shuffle(a1, b1, 1, 3, 5, 7);
          const j0 = i32x4.add(i32x4.splat(i0), lanes);
          const j1 = i32x4.add(i32x4.splat(i1), lanes);
          const one = i32x4.splat(1);
          // −∞ < e0 unless e0 is NaN or −∞, so the first step is the same compare as the general loop's.
          let wins = f32x4.gt(e0, f32x4.splat(-Infinity));
          let best = v128.bitselect(e0, f32x4.splat(-Infinity), wins);
          let at = v128.and(j0, wins);
          wins = f32x4.gt(o0, best);
          best = v128.bitselect(o0, best, wins);
          at = v128.bitselect(i32x4.add(j0, one), at, wins);
          wins = f32x4.gt(e1, best);
          best = v128.bitselect(e1, best, wins);
          at = v128.bitselect(j1, at, wins);
          wins = f32x4.gt(o1, best);
          best = v128.bitselect(o1, best, wins);
          at = v128.bitselect(i32x4.add(j1, one), at, wins);
          v128.store(f32At(y, o + ox), best);
          if (keep) v128.store(f32At(arg, o + ox), at);
        }
        continue;
      }
      if (vector) {
        for (let ob = 0; ob < ow; ob += 4) {
          const ox = min(ob, ow - 4);
          let best = f32x4.splat(-Infinity);
          let at = i32x4.splat(0);
          for (let ky = 0; ky < k; ky++) {
            const row = base + (oy * s + ky) * W + ox * s;
            for (let kx = 0; kx < k; kx++) {
              const i = row + kx;
              let v = v128.load(f32At(x, i));
              if (s == 2) v = i32x4.shuffle(v, v128.load(f32At(x, i + 4)), 0, 2, 4, 6);
              const wins = f32x4.gt(v, best);
              best = v128.bitselect(v, best, wins);
              at = v128.bitselect(i32x4.add(i32x4.splat(i), lanes), at, wins);
            }
          }
          v128.store(f32At(y, o + ox), best);
          if (keep) v128.store(f32At(arg, o + ox), at);
        }
        continue;
      }
      for (let ox = 0; ox < ow; ox++) {
        let best: f32 = -Infinity;
        let at = 0;
        for (let ky = 0; ky < k; ky++) {
          const row = base + (oy * s + ky) * W + ox * s;
          for (let kx = 0; kx < k; kx++) {
            const v = load<f32>(f32At(x, row + kx));
            if (v > best) {
              best = v;
              at = row + kx;
            }
          }
        }
        store<f32>(f32At(y, o + ox), best);
        if (keep) store<i32>(f32At(arg, o + ox), at);
      }
    }
  }
}

/**
 * dx = 0, then dx[arg[o]] += dy[o] for o = 0 … n−1 in order (nx values of dx). 2 × 2 windows that tile the
 * planes exactly (stride 2, even sizes, ow ≥ 4) take a faster path with the same result: each input is in one
 * window, so it gets 0 + dy[o] (a masked copy, +0 elsewhere) without a fill and a scatter; the only index
 * outside its window is 0, kept by windows of NaN and −∞ alone, added in order afterwards.
 */
export function maxPoolBackward(dy: usize, arg: usize, dx: usize, n: i32, nx: i32, H: i32, W: i32, oh: i32, ow: i32, k: i32, s: i32): void {
  if (k == 2 && s == 2 && H == 2 * oh && W == 2 * ow && ow >= 4) {
    const lanes = i32x4(0, 2, 4, 6);
    const zero = f32x4.splat(0);
    const planes = n / (oh * ow);
    let o = 0;
    for (let plane = 0; plane < planes; plane++) {
      const base = plane * H * W;
      for (let oy = 0; oy < oh; oy++, o += ow) {
        for (let ob = 0; ob < ow; ob += 4) {
          const ox = min(ob, ow - 4);
          const a = v128.load(f32At(arg, o + ox));
          const d = f32x4.add(zero, v128.load(f32At(dy, o + ox)));
          for (let ky = 0; ky < 2; ky++) {
            const i = base + (2 * oy + ky) * W + 2 * ox;
            const idx = i32x4.add(i32x4.splat(i), lanes);
            const even = v128.and(d, i32x4.eq(a, idx));
            const odd = v128.and(d, i32x4.eq(a, i32x4.add(idx, i32x4.splat(1))));
            v128.store(f32At(dx, i), i32x4.shuffle(even, odd, 0, 4, 1, 5));
            v128.store(f32At(dx, i + 4), i32x4.shuffle(even, odd, 2, 6, 3, 7));
          }
        }
      }
    }
    // Windows 1, 2, … (in order) whose index is 0; window 0's own is the masked copy's.
    let j = 0;
    for (; j + 4 <= n; j += 4) {
      if (!v128.any_true(i32x4.eq(v128.load(f32At(arg, j)), i32x4.splat(0)))) continue;
      for (let t = max(j, 1); t < j + 4; t++) {
        if (load<i32>(f32At(arg, t)) == 0) store<f32>(dx, load<f32>(dx) + load<f32>(f32At(dy, t)));
      }
    }
    for (; j < n; j++) {
      if (j > 0 && load<i32>(f32At(arg, j)) == 0) store<f32>(dx, load<f32>(dx) + load<f32>(f32At(dy, j)));
    }
    return;
  }
  memory.fill(dx, 0, (<usize>nx) << 2);
  for (let o = 0; o < n; o++) {
    const p = f32At(dx, load<i32>(f32At(arg, o)));
    store<f32>(p, load<f32>(p) + load<f32>(f32At(dy, o)));
  }
}

/** Average pooling: y = (Σ of the window in f64, in window order)·scale, rounded once. */
export function avgPoolForward(x: usize, y: usize, planes: i32, H: i32, W: i32, oh: i32, ow: i32, k: i32, s: i32, scale: f64): void {
  let o = 0;
  for (let plane = 0; plane < planes; plane++) {
    const base = plane * H * W;
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++, o++) {
        let sum: f64 = 0;
        for (let ky = 0; ky < k; ky++) {
          const row = base + (oy * s + ky) * W + ox * s;
          for (let kx = 0; kx < k; kx++) sum += <f64>load<f32>(f32At(x, row + kx));
        }
        store<f32>(f32At(y, o), <f32>(sum * scale));
      }
    }
  }
}

/** dx = 0, then every input of window o gets dy[o]·scale (in f64, added to the f32 value and rounded). */
export function avgPoolBackward(dy: usize, dx: usize, planes: i32, H: i32, W: i32, oh: i32, ow: i32, k: i32, s: i32, scale: f64): void {
  memory.fill(dx, 0, (<usize>(planes * H * W)) << 2);
  let o = 0;
  for (let plane = 0; plane < planes; plane++) {
    const base = plane * H * W;
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++, o++) {
        const g = <f64>load<f32>(f32At(dy, o)) * scale;
        for (let ky = 0; ky < k; ky++) {
          const row = base + (oy * s + ky) * W + ox * s;
          for (let kx = 0; kx < k; kx++) {
            const p = f32At(dx, row + kx);
            store<f32>(p, <f32>(<f64>load<f32>(p) + g));
          }
        }
      }
    }
  }
}

/** The 4 × 4 transpose of rows a, b, c, d (lane j of the result i is lane i of row j). */
@inline function t0(a: v128, b: v128, c: v128, d: v128): v128 {
  return i32x4.shuffle(i32x4.shuffle(a, b, 0, 4, 1, 5), i32x4.shuffle(c, d, 0, 4, 1, 5), 0, 1, 4, 5);
}
@inline function t1(a: v128, b: v128, c: v128, d: v128): v128 {
  return i32x4.shuffle(i32x4.shuffle(a, b, 0, 4, 1, 5), i32x4.shuffle(c, d, 0, 4, 1, 5), 2, 3, 6, 7);
}
@inline function t2(a: v128, b: v128, c: v128, d: v128): v128 {
  return i32x4.shuffle(i32x4.shuffle(a, b, 2, 6, 3, 7), i32x4.shuffle(c, d, 2, 6, 3, 7), 0, 1, 4, 5);
}
@inline function t3(a: v128, b: v128, c: v128, d: v128): v128 {
  return i32x4.shuffle(i32x4.shuffle(a, b, 2, 6, 3, 7), i32x4.shuffle(c, d, 2, 6, 3, 7), 2, 3, 6, 7);
}

/**
 * Per image, rows P × C (one row per output position) → images C × P, adding bias[c] to channel c. Blocks of
 * 4 positions × 4 channels are transposed in registers; when P or C is not a multiple of 4 the last block
 * overlaps the one before and writes some values twice, the same values (out never aliases rows).
 */
export function rowsToImages(rows: usize, bias: usize, out: usize, batch: i32, P: i32, C: i32): void {
  for (let n = 0; n < batch; n++) {
    const img = n * P * C;
    if (P < 4 || C < 4) {
      for (let c = 0; c < C; c++) {
        const b = load<f32>(f32At(bias, c));
        for (let p = 0; p < P; p++) store<f32>(f32At(out, img + c * P + p), load<f32>(f32At(rows, img + p * C + c)) + b);
      }
      continue;
    }
    for (let cb = 0; cb < C; cb += 4) {
      const c = min(cb, C - 4);
      const b0 = f32x4.splat(load<f32>(f32At(bias, c)));
      const b1 = f32x4.splat(load<f32>(f32At(bias, c + 1)));
      const b2 = f32x4.splat(load<f32>(f32At(bias, c + 2)));
      const b3 = f32x4.splat(load<f32>(f32At(bias, c + 3)));
      for (let pb = 0; pb < P; pb += 4) {
        const p = min(pb, P - 4);
        const src = img + p * C + c;
        const r0 = v128.load(f32At(rows, src));
        const r1 = v128.load(f32At(rows, src + C));
        const r2 = v128.load(f32At(rows, src + 2 * C));
        const r3 = v128.load(f32At(rows, src + 3 * C));
        const dst = img + c * P + p;
        v128.store(f32At(out, dst), f32x4.add(t0(r0, r1, r2, r3), b0));
        v128.store(f32At(out, dst + P), f32x4.add(t1(r0, r1, r2, r3), b1));
        v128.store(f32At(out, dst + 2 * P), f32x4.add(t2(r0, r1, r2, r3), b2));
        v128.store(f32At(out, dst + 3 * P), f32x4.add(t3(r0, r1, r2, r3), b3));
      }
    }
  }
}

/** Per image, images C × P → rows P × C (the inverse layout change, no bias); blocks as in rowsToImages. */
export function imagesToRows(images: usize, out: usize, batch: i32, P: i32, C: i32): void {
  for (let n = 0; n < batch; n++) {
    const img = n * P * C;
    if (P < 4 || C < 4) {
      for (let c = 0; c < C; c++) {
        for (let p = 0; p < P; p++) store<f32>(f32At(out, img + p * C + c), load<f32>(f32At(images, img + c * P + p)));
      }
      continue;
    }
    for (let cb = 0; cb < C; cb += 4) {
      const c = min(cb, C - 4);
      for (let pb = 0; pb < P; pb += 4) {
        const p = min(pb, P - 4);
        const src = img + c * P + p;
        const r0 = v128.load(f32At(images, src));
        const r1 = v128.load(f32At(images, src + P));
        const r2 = v128.load(f32At(images, src + 2 * P));
        const r3 = v128.load(f32At(images, src + 3 * P));
        const dst = img + p * C + c;
        v128.store(f32At(out, dst), t0(r0, r1, r2, r3));
        v128.store(f32At(out, dst + C), t1(r0, r1, r2, r3));
        v128.store(f32At(out, dst + 2 * C), t2(r0, r1, r2, r3));
        v128.store(f32At(out, dst + 3 * C), t3(r0, r1, r2, r3));
      }
    }
  }
}

/**
 * out[c] = Σ over rows r of src[r, c] (rows × C), each channel summed in f64 in row order and rounded once:
 * groups of four channels in two f64x2 accumulators each; the last group overlaps the one before when C is
 * not a multiple of 4 (recomputing a sum gives the same bits).
 */
export function channelSums(src: usize, out: usize, rows: i32, C: i32): void {
  if (C < 4) {
    for (let c = 0; c < C; c++) {
      let sum: f64 = 0;
      for (let r = 0; r < rows; r++) sum += <f64>load<f32>(f32At(src, r * C + c));
      store<f32>(f32At(out, c), <f32>sum);
    }
    return;
  }
  // Two groups of four channels per pass where there are two: four independent sums hide the add latency.
  const stride = (<usize>C) << 2;
  for (let cb = 0; cb < C; cb += 8) {
    const c = min(cb, C - 4);
    const c2 = min(cb + 4, C - 4);
    let lo = f64x2.splat(0);
    let hi = f64x2.splat(0);
    let lo2 = f64x2.splat(0);
    let hi2 = f64x2.splat(0);
    let p = f32At(src, c);
    const q = (<usize>(c2 - c)) << 2;
    for (let r = 0; r < rows; r++) {
      const v = v128.load(p);
      const w = v128.load(p + q);
      lo = f64x2.add(lo, f64x2.promote_low_f32x4(v));
      hi = f64x2.add(hi, f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1)));
      lo2 = f64x2.add(lo2, f64x2.promote_low_f32x4(w));
      hi2 = f64x2.add(hi2, f64x2.promote_low_f32x4(i32x4.shuffle(w, w, 2, 3, 0, 1)));
      p += stride;
    }
    v128.store(f32At(out, c), i32x4.shuffle(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5));
    v128.store(f32At(out, c2), i32x4.shuffle(f32x4.demote_f64x2_zero(lo2), f32x4.demote_f64x2_zero(hi2), 0, 1, 4, 5));
  }
}
