import type { InjectionToken } from '../di.js';
import type { Matrix } from './matrix.js';

export interface GemmOptions {
  /** Use Aᵀ instead of A (A is stored K×M). */
  transA?: boolean;
  /** Use Bᵀ instead of B (B is stored N×K). */
  transB?: boolean;
  /** Scale of the product; default 1. */
  alpha?: number;
  /** Scale of the existing C added to the product; default 0 (C is overwritten). */
  beta?: number;
}

/**
 * The dense kernels training needs. Every crossbar read and every digital layer funnels its
 * arithmetic through one backend, so a faster backend speeds up the whole simulator.
 */
export interface ComputeBackend {
  /** Short name shown in run summaries and benchmarks, e.g. "wasm-simd". */
  readonly name: string;
  /** C ← alpha·op(A)·op(B) + beta·C, with op(X) = X or Xᵀ. C must already have the result's shape. */
  gemm(a: Matrix, b: Matrix, c: Matrix, options?: GemmOptions): void;
}

export const BACKEND: InjectionToken<ComputeBackend> = Symbol.for('txsim.backend');

/** The logical shape of op(A)·op(B), checked against C. */
export function gemmShape(a: Matrix, b: Matrix, c: Matrix, options: GemmOptions = {}): { m: number; n: number; k: number } {
  const m = options.transA ? a.cols : a.rows;
  const k = options.transA ? a.rows : a.cols;
  const kb = options.transB ? b.cols : b.rows;
  const n = options.transB ? b.rows : b.cols;
  if (k !== kb) throw new RangeError(`gemm: inner dimensions differ (${k} vs ${kb})`);
  if (c.rows !== m || c.cols !== n) throw new RangeError(`gemm: C is ${c.rows}x${c.cols}, expected ${m}x${n}`);
  return { m, n, k };
}
