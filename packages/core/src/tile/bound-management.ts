import { Matrix } from '../matrix/matrix.js';
import type { ReadOptions } from './read-pipeline.js';
import type { Scratch } from './scratch.js';

/**
 * aihwkit's iterative bound management (rpu_forward_backward_pass.cpp): a batch row any of whose
 * outputs the ADC reports at full scale is read again with its drive voltages halved (the digital scale
 * doubled, so the result keeps its units), then quartered, … until no output of the row saturates or
 * `maxHalvings` re-reads are spent; the row keeps the result of its last read. Only the rows concerned
 * are re-read, each re-read a full read of the layer for those rows (so the activity counters count it).
 *
 * The result goes into `out` when given (else a fresh matrix); the flags, the re-read rows and their
 * results live in `scratch` (the tile's own), each used only within this call.
 */
export function readWithBoundManagement(read: (x: Matrix, options: ReadOptions) => Matrix, x: Matrix, maxHalvings: number, scratch: Scratch, out?: Matrix): Matrix {
  const hit = scratch.bytes('bm-hit', x.rows).fill(0);
  const y = read(x, out ? { saturated: hit, out } : { saturated: hit });
  let rows = saturatedRows(hit, null);
  for (let h = 1; h <= maxHalvings && rows.length; h++) {
    const sub = new Matrix(rows.length, x.cols, scratch.float32('bm-rows', rows.length * x.cols));
    rows.forEach((r, i) => sub.data.set(x.data.subarray(r * x.cols, (r + 1) * x.cols), i * x.cols));
    const subHit = scratch.bytes('bm-sub-hit', rows.length).fill(0);
    const ys = read(sub, { driveScale: 2 ** -h, saturated: subHit, out: new Matrix(rows.length, y.cols, scratch.float32('bm-out', rows.length * y.cols)) });
    rows.forEach((r, i) => y.data.set(ys.data.subarray(i * y.cols, (i + 1) * y.cols), r * y.cols));
    rows = saturatedRows(subHit, rows);
  }
  return y;
}

/** The rows flagged in `hit`: its indices, or the entries of `rows` at the flagged indices. */
function saturatedRows(hit: Uint8Array, rows: number[] | null): number[] {
  const out: number[] = [];
  for (let i = 0; i < hit.length; i++) if (hit[i]) out.push(rows ? rows[i]! : i);
  return out;
}
