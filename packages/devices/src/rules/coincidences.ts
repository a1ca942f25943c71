import { defineKernel, kernels, Matrix, type ActiveCells, type ComputeBackend, type Rng, type Scratch } from '@txsim/core';
import { pulsedKernels, rngBlock } from '../kernels.js';

/** A logarithm costs about this many uniforms; see Fires. */
const PER_SLOT = 4;

/**
 * The fires of one side's stochastic trains (rows: layer inputs x; columns: errors δ) for a chunk of
 * samples, slot by slot: slot r's fired lines are line[start[r] .. start[r+1]), ascending, with their
 * signs. Sample b owns BL_b consecutive slots; line i of sample b fires in each of them independently
 * with probability p = min(1, scale_b·|v_bi|).
 *
 * A line with p = 0 (a zero pixel, most of MNIST) costs nothing and one with p ≥ 1 fires in every slot
 * without a draw. Otherwise a long train of rare fires is drawn by geometric skipping: the gap before the
 * line's next fire is ⌊ln u / ln(1 − p)⌋ slots (u uniform on (0, 1]), exactly the law of independent
 * Bernoulli(p) slots, at one draw (and one logarithm) per fire plus one. Where that would cost more than
 * one uniform per slot (BL ≤ PER_SLOT·(1 + BL·p); BL management often makes BL 1) each slot draws
 * its own uniform and fires below p. Draws come from the rule's stream, sample by sample, line by line.
 */
export class Fires {
  // In kernel memory (where the compiled draw writes them); signs as i32 for the kernels.
  start = kernels.int32(1);
  line = kernels.int32(0);
  sign = kernels.int32(0);
  /** Fires in the order drawn (sample, line, slot); bucketed by slot into `line`/`sign`. */
  private drawnSlot = kernels.int32(0);
  private drawnLine = kernels.int32(0);
  private drawnSign = kernels.int32(0);

  /** Draws the trains of samples [b0, b1) of `values` (batch × lines); returns this. */
  draw(values: Float32Array, lines: number, b0: number, b1: number, bl: Float64Array, scale: Float64Array, rng: Rng): this {
    const api = pulsedKernels.api;
    if (api && kernels.resident(bl) && kernels.resident(scale)) return this.drawCompiled(values, lines, b0, b1, bl, scale, rng);
    return this.drawReference(values, lines, b0, b1, bl, scale, rng);
  }

  /** The compiled draw and bucket (assembly/pulsed.ts fireDraw, fireBucket): the same fires from the same draws. */
  private drawCompiled(values: Float32Array, lines: number, b0: number, b1: number, bl: Float64Array, scale: Float64Array, rng: Rng): this {
    const api = pulsedKernels.api!;
    const memory = pulsedKernels.memory!;
    let slots = 0;
    for (let b = b0; b < b1; b++) slots += bl[b]!;
    if (this.start.length < slots + 1) this.start = kernels.int32(slots + 1);
    const block = rngBlock(memory);
    this.io[0] = 0;
    this.io[1] = 0;
    for (let b = b0; b < b1;) {
      const m = memory.begin();
      const st = block.enter(rng);
      b = api.fireDraw(m.in(values), lines, b, b1, bl.byteOffset, scale.byteOffset, st, this.drawnSlot.byteOffset,
        this.drawnLine.byteOffset, this.drawnSign.byteOffset, this.drawnSlot.length, this.io.byteOffset);
      block.leave(rng);
      if (b < b1) this.reserve(this.io[0]! + bl[b]! * lines);
    }
    const fired = this.io[0]!;
    this.slotCount = slots;
    if (this.line.length < fired) {
      this.line = kernels.int32(Math.max(fired, 2 * this.line.length));
      this.sign = kernels.int32(this.line.length);
    }
    const work = this.nextBuffer(slots);
    api.fireBucket(fired, slots, this.start.byteOffset, this.drawnSlot.byteOffset, this.drawnLine.byteOffset, this.drawnSign.byteOffset,
      work.byteOffset, this.line.byteOffset, this.sign.byteOffset);
    return this;
  }

  private readonly io = kernels.int32(2);

  /** The TypeScript draw: the fallback and the reference of the compiled one. */
  drawReference(values: Float32Array, lines: number, b0: number, b1: number, bl: Float64Array, scale: Float64Array, rng: Rng): this {
    let slots = 0;
    for (let b = b0; b < b1; b++) slots += bl[b]!;
    if (this.start.length < slots + 1) this.start = kernels.int32(slots + 1);
    let fired = 0;
    let next0 = 0;
    for (let b = b0; b < b1; b++) {
      const length = bl[b]!;
      const s = scale[b]!;
      // Sample b's slots are r0 .. r0 + length.
      const r0 = next0;
      next0 += length;
      if (length === 0 || s === 0) continue;
      const base = b * lines;
      // At most length·lines fires for this sample.
      this.reserve(fired + length * lines);
      const { drawnSlot, drawnLine, drawnSign } = this;
      for (let i = 0; i < lines; i++) {
        const v = values[base + i]!;
        const p = s * Math.abs(v);
        if (!(p > 0)) continue;
        const sign = v > 0 ? 1 : -1;
        if (p >= 1) {
          for (let t = 0; t < length; t++, fired++) {
            drawnSlot[fired] = r0 + t;
            drawnLine[fired] = i;
            drawnSign[fired] = sign;
          }
          continue;
        }
        if (length <= PER_SLOT * (1 + length * p)) {
          // Short trains or likely fires: one uniform per slot is cheaper than a logarithm per fire.
          for (let t = 0; t < length; t++) {
            if (rng.next() < p) {
              drawnSlot[fired] = r0 + t;
              drawnLine[fired] = i;
              drawnSign[fired++] = sign;
            }
          }
          continue;
        }
        const logMiss = Math.log1p(-p);
        for (let t = gap(rng, logMiss); t < length; t += 1 + gap(rng, logMiss), fired++) {
          drawnSlot[fired] = r0 + t;
          drawnLine[fired] = i;
          drawnSign[fired] = sign;
        }
      }
    }
    this.bucket(fired, slots);
    return this;
  }

  /** Number of slots of the last draw. */
  get slots(): number {
    return this.slotCount;
  }

  private slotCount = 0;

  /** Counting sort of the drawn fires by slot (stable, so each slot's lines stay ascending). */
  private bucket(fired: number, slots: number): void {
    this.slotCount = slots;
    const { start, drawnSlot, drawnLine, drawnSign } = this;
    if (this.line.length < fired) {
      this.line = kernels.int32(Math.max(fired, 2 * this.line.length));
      this.sign = kernels.int32(this.line.length);
    }
    start.fill(0, 0, slots + 1);
    for (let f = 0; f < fired; f++) start[drawnSlot[f]! + 1]!++;
    for (let r = 0; r < slots; r++) start[r + 1]! += start[r]!;
    // start[r] is now slot r's first position; `next` walks them while placing.
    const next = this.nextBuffer(slots);
    next.set(start.subarray(0, slots));
    for (let f = 0; f < fired; f++) {
      const at = next[drawnSlot[f]!]!++;
      this.line[at] = drawnLine[f]!;
      this.sign[at] = drawnSign[f]!;
    }
  }

  private next = kernels.int32(0);

  private nextBuffer(slots: number): Int32Array {
    if (this.next.length < slots) this.next = kernels.int32(slots);
    return this.next;
  }

  private reserve(n: number): void {
    if (this.drawnSlot.length >= n) return;
    const size = Math.max(n, 2 * this.drawnSlot.length, 4096);
    const grow = (a: Int32Array): Int32Array => {
      const b = kernels.int32(size);
      b.set(a);
      return b;
    };
    this.drawnSlot = grow(this.drawnSlot);
    this.drawnLine = grow(this.drawnLine);
    this.drawnSign = grow(this.drawnSign);
  }

  /** Dense trains (slots × width): `signed` carries sign(v) on a fire, `mag` carries 1. */
  toTrains(width: number, signed: Float32Array, mag: Float32Array): void {
    const slots = this.slotCount;
    signed.fill(0, 0, slots * width);
    mag.fill(0, 0, slots * width);
    for (let r = 0; r < slots; r++) {
      for (let f = this.start[r]!; f < this.start[r + 1]!; f++) {
        signed[r * width + this.line[f]!] = this.sign[f]!;
        mag[r * width + this.line[f]!] = 1;
      }
    }
  }
}

/** Slots before the next fire of a line with ln(1 − p) = logMiss: geometric on {0, 1, …}. */
function gap(rng: Rng, logMiss: number): number {
  // 1 − next() lies in (0, 1], so the log is finite.
  return Math.floor(Math.log(1 - rng.next()) / logMiss);
}

/** Σ over slots of (rows fired) × (columns fired): the coincidences of a chunk. */
export function coincidences(x: Fires, d: Fires): number {
  let total = 0;
  for (let r = 0; r < x.slots; r++) total += (x.start[r + 1]! - x.start[r]!) * (d.start[r + 1]! - d.start[r]!);
  return total;
}

/**
 * Adds every coincidence of a chunk to the counts of cell (row, col) at row·paddedCols + col: equal
 * signs lower the weight (down), opposite ones raise it (up). Cells reaching their first count are
 * appended to `list` (unordered).
 */
export const walkCoincidences = defineKernel(
  pulsedKernels,
  (api, _memory, x: Fires, d: Fires, paddedCols: number, up: Float32Array, down: Float32Array, list: ActiveCells): void => {
    if (!kernels.resident(up) || !kernels.resident(down) || !kernels.resident(list.idx)) return walkReference(x, d, paddedCols, up, down, list);
    list.count = api.walkCoincidences(x.slots, x.start.byteOffset, x.line.byteOffset, x.sign.byteOffset, d.start.byteOffset, d.line.byteOffset,
      d.sign.byteOffset, paddedCols, up.byteOffset, down.byteOffset, list.idx.byteOffset, list.count);
  },
  walkReference,
);

function walkReference(x: Fires, d: Fires, paddedCols: number, up: Float32Array, down: Float32Array, list: ActiveCells): void {
  const { idx } = list;
  let listed = list.count;
  for (let r = 0; r < x.slots; r++) {
    const d0 = d.start[r]!;
    const d1 = d.start[r + 1]!;
    if (d0 === d1) continue;
    for (let a = x.start[r]!; a < x.start[r + 1]!; a++) {
      const row = x.line[a]! * paddedCols;
      const sx = x.sign[a]!;
      for (let c = d0; c < d1; c++) {
        const k = row + d.line[c]!;
        if (up[k]! + down[k]! === 0) idx[listed++] = k;
        if (sx === d.sign[c]!) down[k]!++;
        else up[k]!++;
      }
    }
  }
  list.count = listed;
}

/**
 * Adds the counts gemmCoincidences formed (S = down − up, M = down + up per cell of the layer's rows × cols) to
 * up/down at row·paddedCols + col, and lists every cell that has a count (in cell order: `list` is replaced).
 */
export const addDenseCounts = defineKernel(
  pulsedKernels,
  (api, _memory, S: Matrix, M: Matrix, paddedCols: number, up: Float32Array, down: Float32Array, list: ActiveCells): void => {
    const resident = [S.data, M.data, up, down, list.idx].every((a) => kernels.resident(a));
    if (!resident) return denseReference(S, M, paddedCols, up, down, list);
    list.count = api.addDenseCounts(S.data.byteOffset, M.data.byteOffset, S.rows, S.cols, paddedCols, up.byteOffset, down.byteOffset, list.idx.byteOffset);
  },
  denseReference,
);

function denseReference(S: Matrix, M: Matrix, paddedCols: number, up: Float32Array, down: Float32Array, list: ActiveCells): void {
  const { rows, cols } = S;
  list.count = 0;
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const s = S.data[i * cols + j]!;
      const m = M.data[i * cols + j]!;
      const k = i * paddedCols + j;
      // m and s are integers of equal parity, so the halves are exact.
      up[k]! += (m - s) / 2;
      down[k]! += (m + s) / 2;
      if (up[k]! + down[k]! > 0) list.idx[list.count++] = k;
    }
  }
}

/**
 * The same counts by two GEMMs over the dense trains (slots × lines): signed trains give down − up,
 * magnitude trains down + up, accumulated into S and M (rows × cols) when `accumulate`.
 */
export function gemmCoincidences(x: Fires, d: Fires, rows: number, cols: number, backend: ComputeBackend, scratch: Scratch,
  S: Matrix, M: Matrix, accumulate: boolean): void {
  const slots = x.slots;
  const xs = scratch.float32('xs', slots * rows);
  const xm = scratch.float32('xm', slots * rows);
  const ds = scratch.float32('ds', slots * cols);
  const dm = scratch.float32('dm', slots * cols);
  x.toTrains(rows, xs, xm);
  d.toTrains(cols, ds, dm);
  const beta = accumulate ? 1 : 0;
  backend.gemm(new Matrix(slots, rows, xs), new Matrix(slots, cols, ds), S, { transA: true, beta });
  backend.gemm(new Matrix(slots, rows, xm), new Matrix(slots, cols, dm), M, { transA: true, beta });
}

/**
 * Sorts idx[0 .. count) ascending (non-negative cell indices below `limit`): a least-significant-digit
 * radix sort on 11-bit digits, two passes for arrays of up to 4M cells. A few thousand listed cells
 * sort in a fraction of what a comparison sort takes, and the pulsed devices then visit memory in order.
 */
export const sortCells = defineKernel(
  pulsedKernels,
  (api, _memory, idx: Int32Array, count: number, limit: number, work: { buf: Int32Array }): void => {
    if (count < 2) return;
    if (!kernels.resident(idx)) return sortReference(idx, count, limit, work);
    if (work.buf.length < count || !kernels.resident(work.buf)) work.buf = kernels.int32(Math.max(count, 2 * work.buf.length));
    api.sortCells(idx.byteOffset, count, limit, work.buf.byteOffset, (residentHist ??= kernels.int32(RADIX)).byteOffset);
  },
  sortReference,
);
let residentHist: Int32Array | undefined;

function sortReference(idx: Int32Array, count: number, limit: number, work: { buf: Int32Array }): void {
  if (count < 2) return;
  if (work.buf.length < count) work.buf = new Int32Array(Math.max(count, 2 * work.buf.length));
  let from = idx;
  let to = work.buf;
  for (let shift = 0; shift < 32 && (shift === 0 || (limit - 1) >>> shift > 0); shift += RADIX_BITS) {
    hist.fill(0);
    for (let i = 0; i < count; i++) hist[(from[i]! >>> shift) & RADIX_MASK]!++;
    for (let b = 0, sum = 0; b < RADIX; b++) {
      const c = hist[b]!;
      hist[b] = sum;
      sum += c;
    }
    for (let i = 0; i < count; i++) {
      const v = from[i]!;
      to[hist[(v >>> shift) & RADIX_MASK]!++] = v;
    }
    [from, to] = [to, from];
  }
  if (from !== idx) idx.set(from.subarray(0, count));
}

const RADIX_BITS = 11;
const RADIX = 1 << RADIX_BITS;
const RADIX_MASK = RADIX - 1;
/** sortCells' digit histogram, reused (a sort runs per layer and step, and never nests). */
const hist = new Int32Array(RADIX);
