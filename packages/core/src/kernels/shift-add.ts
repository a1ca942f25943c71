import { kernels } from './elementwise.js';

/**
 * The digital shift-and-add of one read's separately converted partial outputs:
 *
 *   acc[b, j] += scales[b] · Σ_p passWeights[p] · Σ_s sliceWeights[s] · cur[p·batch + b, s·width + j]
 *
 * `cur` holds passes·batch rows (pass-major, as a streaming DAC drives them), each row the slices' outputs
 * side by side. `acc` rows hold the first accWidth (≤ width) columns only: the padding columns of the tile
 * grid are never summed. `fresh` sums into zeros instead of acc's contents (the first sum of a read).
 * Without slices every pass is the plain accumulate kernel (a pass weight of 1 leaves the row scales
 * untouched, so reads without streams or slices stay exactly as they were).
 */
export function shiftAdd(
  acc: Float64Array, cur: Float32Array, scales: Float32Array, batch: number, width: number,
  passWeights: readonly number[], sliceWeights: readonly number[], accWidth = width, fresh = false,
): void {
  const slices = sliceWeights.length;
  if (slices === 1) {
    // One slice: each pass is the accumulate kernel with its weight folded into the row scales.
    const w = sliceWeights[0]!;
    const passes = passWeights.length;
    for (let p = 0; p < passes; p++) {
      const f = passWeights[p]! * w;
      // A plain read (one pass of weight 1, operands of exactly its size) passes them as they are: no copy
      // of the scales and no views, which were allocations on every read.
      const rows = passes === 1 && cur.length === batch * width ? cur : cur.subarray(p * batch * width, (p + 1) * batch * width);
      let rowScales: Float32Array;
      if (f === 1 && scales.length === batch) rowScales = scales;
      else {
        rowScales = passScaleView(batch);
        if (f === 1) rowScales.set(scales.subarray(0, batch));
        else for (let b = 0; b < batch; b++) rowScales[b] = f * scales[b]!;
      }
      kernels.accumulate(acc, rows, rowScales, batch, width, accWidth, fresh && p === 0);
    }
    return;
  }
  if (fresh) acc.fill(0, 0, batch * accWidth);
  const stride = slices * width;
  for (let p = 0; p < passWeights.length; p++) {
    const wp = passWeights[p]!;
    for (let b = 0; b < batch; b++) {
      const row = (p * batch + b) * stride;
      const out = b * accWidth;
      const sb = wp * scales[b]!;
      for (let s = 0; s < slices; s++) {
        const f = sb * sliceWeights[s]!;
        if (f === 0) continue;
        for (let j = 0, k = row + s * width; j < accWidth; j++, k++) acc[out + j]! += cur[k]! * f;
      }
    }
  }
}

/** dst[b, i] = Σ_p passWeights[p]·src[p·batch + b, i]: a streaming DAC's passes merged into one drive. */
export function mergePasses(src: Float32Array, dst: Float32Array, batch: number, lines: number, passWeights: readonly number[]): void {
  const n = batch * lines;
  if (sum.length < n) sum = new Float64Array(n);
  sum.fill(0, 0, n);
  passWeights.forEach((w, p) => {
    for (let k = 0, q = p * n; k < n; k++, q++) sum[k]! += w * src[q]!;
  });
  for (let k = 0; k < n; k++) dst[k] = sum[k]!;
}

/** mergePasses' float64 sums, reused across reads. */
let sum = new Float64Array(0);

/** Row scales of one pass, in the kernels' memory. */
let passScales: Float32Array = new Float32Array(0);
let passScalesView: Float32Array = passScales;
let passScalesViewOf: Float32Array = passScales;

/** The first n of the pass scales (grown on demand), the view kept while n stays the same. */
function passScaleView(n: number): Float32Array {
  if (passScales.length < n) passScales = kernels.float32(n);
  if (passScalesView.length !== n || passScalesViewOf !== passScales) {
    passScalesView = passScales.subarray(0, n);
    passScalesViewOf = passScales;
  }
  return passScalesView;
}
