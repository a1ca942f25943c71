// Output noise's compiled kernels (WASM SIMD128), registered on core's shared kernel memory by
// src/output-noise-kernels.ts: the largest |drive| of each input row and the row-scaled additive noise.
// Addresses are byte offsets into the shared memory. Built by scripts/build-wasm-kernels.mjs.

/** out[b] = max_i |src[b, i]| over each row of `cols` (f32). */
export function rowAbsMax(src: usize, out: usize, batch: i32, cols: i32): void {
  for (let b = 0; b < batch; b++) {
    let m = f32x4.splat(0);
    let i = 0;
    for (; i + 4 <= cols; i += 4) {
      m = f32x4.max(m, f32x4.abs(v128.load(src)));
      src += 16;
    }
    let r = max(max(f32x4.extract_lane(m, 0), f32x4.extract_lane(m, 1)), max(f32x4.extract_lane(m, 2), f32x4.extract_lane(m, 3)));
    for (; i < cols; i++) {
      r = max(r, abs(load<f32>(src)));
      src += 4;
    }
    store<f32>(out + ((b as usize) << 2), r);
  }
}

/** dst[b, j] = f32(src[b, j] + scales[b]·z[b, j]) (f64 arithmetic, as the TypeScript loop does). */
export function addRowNoise(src: usize, z: usize, dst: usize, scales: usize, batch: i32, width: i32): void {
  for (let b = 0; b < batch; b++) {
    const s = f64x2.splat(load<f64>(scales + ((b as usize) << 3)));
    let j = 0;
    for (; j + 4 <= width; j += 4) {
      const x = v128.load(src);
      const lo = f64x2.add(f64x2.promote_low_f32x4(x), f64x2.mul(s, v128.load(z)));
      const hi = f64x2.add(f64x2.promote_low_f32x4(i32x4.shuffle(x, x, 2, 3, 0, 1)), f64x2.mul(s, v128.load(z, 16)));
      v128.store(dst, i32x4.shuffle(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5));
      src += 16;
      z += 32;
      dst += 16;
    }
    for (; j < width; j++) {
      store<f32>(dst, <f32>(<f64>load<f32>(src) + f64x2.extract_lane(s, 0) * load<f64>(z)));
      src += 4;
      z += 8;
      dst += 4;
    }
  }
}
