import { Matrix, type ComputeBackend, type GemmOptions } from '@txsim/core';

/**
 * How `backend: auto` chooses between the native and the WASM kernel when both load: it times one
 * thread of each on the GEMMs training issues and keeps the native kernel unless WASM is clearly faster.
 *
 * Why measure instead of "native when it built": which kernel wins depends on how the addon was built
 * (`-march=native` on the build machine; a baseline x86-64 build runs ~33 GFLOP/s, below WASM
 * relaxed-SIMD's ~49) and on the runtime, not on the spec. Measured on the 2-core Zen 4 build VM
 * (AVX-512 build, CPU time, 1 thread), native took 0.42–0.62× WASM's time on every shape below, from
 * a batch-1 tile read (1×64×64) to a layer-sized GEMM (64×784×256); whole passes: digital MLP 0.58×,
 * TxSim crossbar example 0.85×.
 *
 * Why a margin: two kernels sum in different orders, so the choice changes a run's low bits. WASM is
 * taken only when the native kernel is more than MARGIN slower, so that a machine where the two are
 * close does not flip between runs on timing noise. The choice is made once per process and recorded
 * (as the backend's name) in every run's environment.json.
 */
export const AUTO_MARGIN = 1.25;

/**
 * M×K×N and options of the GEMMs timed: a crossbar tile's forward, backward and gradient reads at
 * batch 64 (64×64 tiles, the TxSim default), a batch-1 read of a 400-input layer (the NeuroSim task)
 * and a 784→256 layer's forward and weight gradient at batch 64 (the digital MLP).
 */
export const AUTO_SHAPES: ReadonlyArray<readonly [number, number, number, GemmOptions]> = [
  [64, 64, 64, {}],
  [64, 64, 64, { transB: true }],
  [64, 64, 64, { transA: true }],
  [1, 400, 100, {}],
  [64, 784, 256, {}],
  [784, 64, 256, { transA: true }],
];

/** Seconds of CPU time each candidate took for one round of AUTO_SHAPES (best of `rounds`). */
export function timeBackends(candidates: readonly ComputeBackend[], rounds = 3): number[] {
  const cases = AUTO_SHAPES.map(([m, k, n, o]) => {
    const a = filled(o.transA ? k : m, o.transA ? m : k);
    const b = filled(o.transB ? n : k, o.transB ? k : n);
    return { a, b, c: new Matrix(m, n), o };
  });
  const best = candidates.map(() => Infinity);
  for (let r = 0; r < rounds; r++) {
    // Interleaved, so a burst of load on a shared machine hits both candidates alike.
    candidates.forEach((be, i) => {
      for (const t of cases) be.gemm(t.a, t.b, t.c, t.o); // warm: first-call packing buffers, JIT
      const t0 = process.cpuUsage();
      for (const t of cases) be.gemm(t.a, t.b, t.c, t.o);
      const u = process.cpuUsage(t0);
      best[i] = Math.min(best[i]!, (u.user + u.system) / 1e6);
    });
  }
  return best;
}

/** Deterministic values in [−1, 1): the timing must not depend on the data, and NaN-free. */
function filled(rows: number, cols: number): Matrix {
  const m = new Matrix(rows, cols);
  for (let i = 0; i < m.data.length; i++) m.data[i] = ((i * 7919) % 2000) / 1000 - 1;
  return m;
}

/**
 * Index 0 (native) unless candidate 1 (WASM) took less than 1/AUTO_MARGIN of its time.
 * `seconds` is what timeBackends returned.
 */
export function pickFaster(seconds: readonly [number, number]): 0 | 1 {
  return seconds[1] * AUTO_MARGIN < seconds[0] ? 1 : 0;
}
