import { defineKernel, defineKernels } from '../kernels/registry.js';
import type { ActiveCells } from '../plugin/types.js';

/** The exports of packages/core/assembly/tile.ts (addresses are byte offsets into the kernel memory). */
interface TileExports {
  listedSum(up: number, down: number, list: number, count: number): number;
  listedClear(up: number, down: number, list: number, count: number): void;
  listedCombine(out: number, plus: number, minus: number, list: number, count: number, R: number, C: number, transposed: boolean, squared: boolean): void;
}

/** The tile's compiled loops over listed cells, on the shared kernel memory (built by `pnpm build`). */
const tileKernels = defineKernels<TileExports>('@txsim/core/tile', new URL('../../build/tile.wasm', import.meta.url));

/**
 * Σ (up[k] + down[k]) over the listed cells (the pulses a step sends). Compiled in assembly/tile.ts
 * (listedSum), bit for bit this loop; compiled only when every operand lives in kernel memory.
 */
export const listedSum = defineKernel(
  tileKernels,
  (api, memory, up: Float32Array, down: Float32Array, cells: ActiveCells): number => {
    if (!memory.resident(up) || !memory.resident(down) || !memory.resident(cells.idx)) return listedSum.reference(up, down, cells);
    return api.listedSum(up.byteOffset, down.byteOffset, cells.idx.byteOffset, cells.count);
  },
  (up: Float32Array, down: Float32Array, cells: ActiveCells): number => {
    let s = 0;
    for (let i = 0; i < cells.count; i++) {
      const k = cells.idx[i]!;
      s += up[k]! + down[k]!;
    }
    return s;
  },
);

/** Zeroes up and down at the listed cells. Compiled in assembly/tile.ts (listedClear). */
export const listedClear = defineKernel(
  tileKernels,
  (api, memory, up: Float32Array, down: Float32Array, cells: ActiveCells): void => {
    if (!memory.resident(up) || !memory.resident(down) || !memory.resident(cells.idx)) return listedClear.reference(up, down, cells);
    api.listedClear(up.byteOffset, down.byteOffset, cells.idx.byteOffset, cells.count);
  },
  (up: Float32Array, down: Float32Array, cells: ActiveCells): void => {
    for (let i = 0; i < cells.count; i++) {
      const k = cells.idx[i]!;
      up[k] = 0;
      down[k] = 0;
    }
  },
);

/**
 * kernels.combine at the listed cells only (k = i·C + j of an R × C pair; out is C × R when transposed):
 * the same f64 difference or sum of squares, narrowed to f32. Compiled in assembly/tile.ts (listedCombine).
 */
export const listedCombine = defineKernel(
  tileKernels,
  (api, memory, out: Float32Array, plus: Float64Array, minus: Float64Array, cells: ActiveCells, R: number, C: number, transposed: boolean, squared: boolean): void => {
    if (!memory.resident(out) || !memory.resident(plus) || !memory.resident(minus) || !memory.resident(cells.idx)) return listedCombine.reference(out, plus, minus, cells, R, C, transposed, squared);
    api.listedCombine(out.byteOffset, plus.byteOffset, minus.byteOffset, cells.idx.byteOffset, cells.count, R, C, transposed, squared);
  },
  (out: Float32Array, plus: Float64Array, minus: Float64Array, cells: ActiveCells, R: number, C: number, transposed: boolean, squared: boolean): void => {
    const idx = cells.idx;
    for (let c = 0; c < cells.count; c++) {
      const k = idx[c]!;
      const p = plus[k]!;
      const m = minus[k]!;
      const v = squared ? p * p + m * m : p - m;
      if (!transposed) out[k] = v;
      else {
        const i = Math.floor(k / C);
        out[(k - i * C) * R + i] = v;
      }
    }
  },
);
