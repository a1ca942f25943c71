// GEMM throughput of the compiled backends (run `pnpm build` first).
//   node scripts/bench-gemm.mjs [MxKxN ...] [--wall] [--threads N] [--json]
// Each WASM build is measured on 1 thread and on N threads (default: TXSIM_THREADS, else every core).
import { spawnSync } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import { realpathSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

/** [M, K, N]: MLP layer (batch 64 × 784 → 256), smaller layers, a large batched layer, and the classic cube. */
export const DEFAULT_SHAPES = [
  [64, 784, 256],
  [784, 64, 256],
  [64, 256, 784],
  [64, 64, 256],
  [256, 1024, 1024],
];
// Plain TS runs at ~1 GFLOP/s, so bigger shapes would take minutes and say nothing new.
const REFERENCE_MAX_FLOP = 2 * 64 * 784 * 256;
const SAMPLE_S = 0.05;
const WARMUP_S = 0.3;

async function loadCore() {
  // The package entry is the intended import; the per-module paths keep this working while index.ts does not
  // yet re-export the matrix backends.
  try {
    const core = await import('../packages/core/dist/index.js');
    if (core.Matrix && core.ReferenceBackend && core.createWasmBackend) return core;
  } catch {
    // fall through
  }
  const [{ Matrix }, { ReferenceBackend }, { createWasmBackend, defaultThreads }] = await Promise.all([
    import('../packages/core/dist/matrix/matrix.js'),
    import('../packages/core/dist/matrix/reference-backend.js'),
    import('../packages/core/dist/matrix/wasm-backend.js'),
  ]);
  return { Matrix, ReferenceBackend, createWasmBackend, defaultThreads };
}

// CPU time by default for 1 thread: the build machines are shared, and for a single-threaded kernel process CPU
// time ignores preemption by other tenants while matching wall time on a quiet machine. Several threads can
// only be timed by the wall clock (process CPU time adds the threads up), so those rows need a quiet machine.
const clocks = {
  cpu: () => {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1e6;
  },
  wall: () => performance.now() / 1e3,
};

/** Seconds per call: median over `samples`, each sample repeating the call until it covers SAMPLE_S. */
function timeCall(fn, now, samples) {
  const warmEnd = now() + WARMUP_S;
  for (let i = 0; i < 2 || now() < warmEnd; i++) fn();
  const perCall = [];
  for (let s = 0; s < samples; s++) {
    const start = now();
    let reps = 0;
    let elapsed = 0;
    do {
      fn();
      reps++;
      elapsed = now() - start;
    } while (elapsed < SAMPLE_S);
    perCall.push(elapsed / reps);
  }
  perCall.sort((x, y) => x - y);
  return perCall[perCall.length >> 1];
}

/**
 * Measures every kernel on every shape. Returns `{ kernel, shape: 'MxKxN', threads, gflops, clock }` rows: the
 * reference on 1 thread, each WASM build on 1 thread and on `threads` threads (when more than 1).
 * `clock` is 'cpu' (process CPU time, default; multi-thread rows always use 'wall') or 'wall'.
 */
export async function benchGemm({ shapes = DEFAULT_SHAPES, log = () => {}, samples = 5, clock = 'cpu', threads } = {}) {
  const { Matrix, ReferenceBackend, createWasmBackend, defaultThreads } = await loadCore();
  const all = threads ?? (defaultThreads ? defaultThreads() : availableParallelism());
  if (!clocks[clock]) throw new Error(`benchGemm: unknown clock ${clock}`);
  const kernels = [{ be: new ReferenceBackend(), threads: 1 }];
  const builds = [createWasmBackend({ relaxed: false, threads: 1 })];
  const relaxed = createWasmBackend({ relaxed: true, threads: 1 });
  if (relaxed.name === 'wasm-relaxed-simd') builds.push(relaxed);
  else log('relaxed SIMD is not available in this runtime; skipping wasm-relaxed-simd');
  for (const be of builds) {
    kernels.push({ be, threads: 1 });
    if (all > 1) {
      const multi = createWasmBackend({ relaxed: be.name === 'wasm-relaxed-simd', threads: all });
      // Workers boot in the background; timing before they are up would measure one thread.
      const active = multi.waitForThreads();
      if (active < all) log(`${be.name}: only ${active} of ${all} threads started`);
      kernels.push({ be: multi, threads: active });
    }
  }

  // The optional native kernel (packages/native), when it built at install.
  try {
    const native = await import('../packages/native/dist/index.js');
    if (native.nativeAvailable()) {
      kernels.push({ be: new native.NativeBackend({ threads: 1 }), threads: 1 });
      if (all > 1) kernels.push({ be: new native.NativeBackend({ threads: all }), threads: all });
    } else log(`native kernel unavailable: ${native.nativeUnavailableReason()}`);
  } catch (e) {
    log(`native kernel not loadable: ${e instanceof Error ? e.message : e}`);
  }

  const random = (rows, cols) => new Matrix(rows, cols, Float32Array.from({ length: rows * cols }, () => Math.random() * 2 - 1));
  const rows = [];
  for (const [m, k, n] of shapes) {
    const shape = `${m}x${k}x${n}`;
    const flop = 2 * m * n * k;
    const a = random(m, k);
    const b = random(k, n);
    const c = new Matrix(m, n);
    for (const { be, threads: t } of kernels) {
      if (be.name === 'reference' && flop > REFERENCE_MAX_FLOP) continue;
      const used = t > 1 ? 'wall' : clock;
      const sec = timeCall(() => be.gemm(a, b, c), clocks[used], samples);
      const gflops = flop / sec / 1e9;
      rows.push({ kernel: be.name, shape, threads: t, gflops, clock: used });
      log(`${be.name.padEnd(18)} ${String(t).padStart(2)} thr ${shape.padEnd(14)} ${gflops.toFixed(2)} GFLOP/s (${used})`);
    }
  }
  for (const { be } of kernels) be.dispose?.();
  rows.push(...numpyRows(shapes, all, samples, log));
  return rows;
}

/**
 * Each core's multiply-add ceiling with no memory traffic, measured in this run: each WASM build's f32x4
 * loop (`fmaPeak` in assembly/gemm.ts: FMA in the relaxed build, mul+add in the other) and the native
 * addon's widest-vector loop. Process CPU time, the best of `samples`: a ceiling is what the core can do,
 * and on a shared machine a disturbance only lowers a sample, so a kernel's share of the best is
 * conservative. Rows `{ kernel, gflops }`.
 */
export async function benchCeilings({ samples = 9, log = () => {} } = {}) {
  const { readFileSync, existsSync } = await import('node:fs');
  const rows = [];
  const time = (run) => {
    run(1e5);
    const rates = [];
    for (let s = 0; s < samples; s++) {
      const t0 = clocks.cpu();
      let flops = 0;
      do flops += run(2e6);
      while (clocks.cpu() - t0 < SAMPLE_S * 2);
      rates.push(flops / (clocks.cpu() - t0) / 1e9);
    }
    return Math.max(...rates);
  };
  for (const [kernel, file] of [['wasm-simd', 'gemm-simd.wasm'], ['wasm-relaxed-simd', 'gemm-relaxed.wasm']]) {
    const url = new URL(`../packages/core/build/${file}`, import.meta.url);
    if (!existsSync(url)) continue;
    try {
      // createWasmBackend has already enabled relaxed SIMD where the runtime needs a flag for it.
      const memory = new WebAssembly.Memory({ initial: 1, maximum: 65536, shared: true });
      const { fmaPeak } = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(url)), { env: { memory } }).exports;
      rows.push({ kernel, gflops: time((it) => (fmaPeak(it, 0.999), 2 * 4 * 12 * it)) });
    } catch (e) {
      log(`${kernel} ceiling skipped: ${e instanceof Error ? e.message : e}`);
    }
  }
  try {
    const native = await import('../packages/native/dist/index.js');
    if (native.nativeAvailable()) rows.push({ kernel: 'native', gflops: time((it) => native.nativeFmaPeak(it)) });
  } catch {
    // no native kernel: no native ceiling
  }
  return rows;
}

/**
 * One line per ceiling: the kernel's best single-thread GEMM in `rows` as a share of its core's ceiling
 * (numpy is set against the native ceiling, the same vector width).
 */
export function formatCeilings(rows, ceilings) {
  const best = (kernel) => Math.max(0, ...rows.filter((r) => r.kernel === kernel && r.threads === 1).map((r) => r.gflops));
  return ceilings.map((c) => {
    const own = best(c.kernel);
    const share = (g) => `${((100 * g) / c.gflops).toFixed(0)} %`;
    const numpy = c.kernel === 'native' && best('numpy') > 0 ? `; numpy ${best('numpy').toFixed(1)} = ${share(best('numpy'))}` : '';
    return `${c.kernel.padEnd(18)} ceiling ${c.gflops.toFixed(1).padStart(6)} GFLOP/s per core; best 1-thread GEMM ${own.toFixed(1)} = ${share(own)}${numpy}`;
  }).join('\n');
}

/**
 * numpy's matmul (OpenBLAS on Debian) on the same shapes as an outside reference, 1 thread (process
 * time) and all threads (wall time); none when python3 or numpy is missing.
 */
function numpyRows(shapes, all, samples, log) {
  const script = `
import json, sys, time, numpy as np
shapes, samples, clock = json.loads(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
timer = time.process_time if clock == 'cpu' else time.perf_counter
out = []
for m, k, n in shapes:
    a = np.random.rand(m, k).astype(np.float32); b = np.random.rand(k, n).astype(np.float32)
    a @ b
    best = []
    for _ in range(samples):
        reps, t0 = 0, timer()
        while True:
            a @ b; reps += 1
            if timer() - t0 > 0.05: break
        best.append((timer() - t0) / reps)
    best.sort()
    out.append({'shape': f'{m}x{k}x{n}', 'gflops': 2 * m * n * k / best[len(best) // 2] / 1e9})
print(json.dumps(out))`;
  const rows = [];
  for (const threads of all > 1 ? [1, all] : [1]) {
    const env = { ...process.env, OPENBLAS_NUM_THREADS: String(threads), OMP_NUM_THREADS: String(threads), MKL_NUM_THREADS: String(threads) };
    const clock = threads > 1 ? 'wall' : 'cpu';
    const r = spawnSync('python3', ['-c', script, JSON.stringify(shapes), String(samples), clock], { env, encoding: 'utf8', timeout: 120_000 });
    if (r.status !== 0) {
      log(`numpy reference skipped (${(r.stderr || r.error?.message || '').trim().split('\n').pop()})`);
      return rows;
    }
    for (const x of JSON.parse(r.stdout)) rows.push({ kernel: 'numpy', shape: x.shape, threads, gflops: x.gflops, clock });
  }
  return rows;
}

/**
 * A warning when other processes keep the cores busy (1-minute load average above half the cores): the
 * wall-clock multi-thread figures then measure the competition more than the kernel. Empty when quiet.
 */
export function busyNote() {
  const load = loadavg()[0];
  const cores = availableParallelism();
  return load > cores / 2
    ? `note: load average ${load.toFixed(1)} on ${cores} cores; multi-thread (wall-clock) figures are not representative`
    : '';
}

/** Column label of a row: kernel name, plus the thread count when it is above 1. */
export const columnOf = (r) => (r.threads > 1 ? `${r.kernel} ×${r.threads}` : r.kernel);

/** The rows as a text table: one line per shape, one column per kernel and thread count. */
export function formatTable(rows) {
  const columns = [...new Set(rows.map(columnOf))];
  const shapes = [...new Set(rows.map((r) => r.shape))];
  const get = (col, shape) => rows.find((r) => columnOf(r) === col && r.shape === shape)?.gflops;
  const header = ['shape (MxKxN)', ...columns];
  const body = shapes.map((shape) => [shape, ...columns.map((col) => get(col, shape)?.toFixed(1) ?? '–')]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (cells) => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
  return `${line(header)}\n${body.map(line).join('\n')}`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) {
  const args = process.argv.slice(2);
  const shapes = args.filter((a) => /^\d+x\d+x\d+$/.test(a)).map((a) => a.split('x').map(Number));
  const t = args.indexOf('--threads');
  const rows = await benchGemm({
    shapes: shapes.length > 0 ? shapes : DEFAULT_SHAPES,
    clock: args.includes('--wall') ? 'wall' : 'cpu',
    threads: t >= 0 ? Number(args[t + 1]) : undefined,
    log: (msg) => process.stderr.write(`${msg}\n`),
  });
  const ceilings = await benchCeilings({ log: (msg) => process.stderr.write(`${msg}\n`) });
  if (args.includes('--json')) {
    for (const r of rows) console.log(JSON.stringify({ kind: 'gemm', ...r }));
    for (const c of ceilings) console.log(JSON.stringify({ kind: 'ceiling', ...c }));
  } else {
    console.log(`GEMM GFLOP/s (1 thread: ${args.includes('--wall') ? 'wall' : 'CPU'} time; more threads: wall time)\n${formatTable(rows)}`);
    console.log(`Multiply-add ceiling (no memory traffic; best of 9 CPU-time samples):\n${formatCeilings(rows, ceilings)}`);
    if (busyNote()) console.log(busyNote());
  }
}
