import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gemmShape, type ComputeBackend, type GemmOptions, type Matrix } from '@txsim/core';

interface Addon {
  gemm(a: Float32Array, b: Float32Array, c: Float32Array, m: number, n: number, k: number, transA: boolean, transB: boolean, alpha: number, beta: number, threads: number, gemvMaxRows: number): void;
  fmaPeak(iterations: number): number;
}

// src/ and dist/ both sit one level below the package root, next to build/.
const ADDON = join(dirname(fileURLToPath(import.meta.url)), '..', 'build', 'Release', 'txsim_native.node');

let cached: Addon | null | undefined;
let loadError = '';

function addon(): Addon | null {
  if (cached !== undefined) return cached;
  if (!existsSync(ADDON)) {
    loadError = `${ADDON} was not built (the install step needs python3, make and a C++ compiler)`;
    return (cached = null);
  }
  try {
    cached = createRequire(import.meta.url)(ADDON) as Addon;
  } catch (e) {
    loadError = e instanceof Error ? e.message : String(e);
    cached = null;
  }
  return cached;
}

/** True when the native kernel built at install and loads in this process. */
export function nativeAvailable(): boolean {
  return addon() !== null;
}

/** Why the native kernel is unavailable ('' when it is available). */
export function nativeUnavailableReason(): string {
  addon();
  return loadError;
}

/**
 * Runs the addon's FMA-throughput loop (`iterations` steps of ten independent vector multiply-adds at the
 * widest width the build targets, no memory traffic) and returns the flops it did: divided by the time
 * taken, the core's ceiling a GEMM is compared with in `pnpm bench`.
 */
export function nativeFmaPeak(iterations: number): number {
  const a = addon();
  if (!a) throw new Error(`native kernel unavailable: ${loadError}`);
  return a.fmaPeak(iterations);
}

export interface NativeBackendOptions {
  /** Threads per GEMM; default: TXSIM_THREADS or every core. Results are identical for any count. */
  readonly threads?: number;
  /**
   * Products whose C has at most this many rows (per thread's block) skip packing and read A and B in place
   * (the batch-1 and small-batch crossbar reads); default 4, 0 always packs. The two paths give the same bits.
   */
  readonly gemvMaxRows?: number;
}

/** Default `gemvMaxRows`: up to 4 rows the unpacked path was faster on every shape timed (docs/performance.md). */
export const NATIVE_GEMV_MAX_ROWS = 4;

/**
 * GEMM through the optional C++ addon (packed 6×16 AVX2/FMA or NEON micro-kernel, columns split over
 * threads). Same contract as every backend: C ← alpha·op(A)·op(B) + beta·C.
 */
export class NativeBackend implements ComputeBackend {
  readonly name: string;
  private readonly kernels: Addon;
  readonly threads: number;
  readonly gemvMaxRows: number;

  constructor(options: NativeBackendOptions = {}) {
    const a = addon();
    if (!a) throw new Error(`native kernel unavailable: ${loadError}`);
    this.kernels = a;
    const env = Number(process.env.TXSIM_THREADS);
    this.threads = Math.max(1, Math.floor(options.threads ?? (env > 0 ? env : availableParallelism())));
    this.gemvMaxRows = Math.max(0, Math.floor(options.gemvMaxRows ?? NATIVE_GEMV_MAX_ROWS));
    this.name = 'native';
  }

  gemm(a: Matrix, b: Matrix, c: Matrix, options: GemmOptions = {}): void {
    const { m, n, k } = gemmShape(a, b, c, options);
    this.kernels.gemm(a.data, b.data, c.data, m, n, k, !!options.transA, !!options.transB, options.alpha ?? 1, options.beta ?? 0, this.threads, this.gemvMaxRows);
  }
}
