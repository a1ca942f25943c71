// GEMM throughput of the compiled backends (run `pnpm build` first).
//   node scripts/bench-gemm.mjs [MxKxN ...] [--wall]
import { realpathSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

/** [M, K, N]: MLP layer (batch 64 × 784 → 256), smaller layers, a large batched layer, and the classic cube. */
export const DEFAULT_SHAPES = [
  [64, 784, 256],
  [64, 256, 128],
  [64, 128, 10],
  [256, 1024, 1024],
  [128, 128, 128],
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
  const [{ Matrix }, { ReferenceBackend }, { createWasmBackend }] = await Promise.all([
    import('../packages/core/dist/matrix/matrix.js'),
    import('../packages/core/dist/matrix/reference-backend.js'),
    import('../packages/core/dist/matrix/wasm-backend.js'),
  ]);
  return { Matrix, ReferenceBackend, createWasmBackend };
}

// CPU time by default: the build machines are shared, and for a single-threaded kernel process CPU time
// ignores preemption by other tenants while matching wall time on a quiet machine.
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
 * Measures every kernel on every shape. Returns `{ kernel, shape: 'MxKxN', threads: 1, gflops }` rows.
 * `clock` is 'cpu' (process CPU time, default) or 'wall'.
 */
export async function benchGemm({ shapes = DEFAULT_SHAPES, log = () => {}, samples = 5, clock = 'cpu' } = {}) {
  const { Matrix, ReferenceBackend, createWasmBackend } = await loadCore();
  const now = clocks[clock];
  if (!now) throw new Error(`benchGemm: unknown clock ${clock}`);
  const kernels = [new ReferenceBackend(), createWasmBackend({ relaxed: false })];
  const relaxed = createWasmBackend({ relaxed: true });
  if (relaxed.name === 'wasm-relaxed-simd') kernels.push(relaxed);
  else log('relaxed SIMD is not available in this runtime; skipping wasm-relaxed-simd');

  const random = (rows, cols) => new Matrix(rows, cols, Float32Array.from({ length: rows * cols }, () => Math.random() * 2 - 1));
  const rows = [];
  for (const [m, k, n] of shapes) {
    const shape = `${m}x${k}x${n}`;
    const flop = 2 * m * n * k;
    const a = random(m, k);
    const b = random(k, n);
    const c = new Matrix(m, n);
    for (const be of kernels) {
      if (be.name === 'reference' && flop > REFERENCE_MAX_FLOP) continue;
      const t = timeCall(() => be.gemm(a, b, c), now, samples);
      const gflops = flop / t / 1e9;
      rows.push({ kernel: be.name, shape, threads: 1, gflops });
      log(`${be.name.padEnd(18)} ${shape.padEnd(14)} ${gflops.toFixed(2)} GFLOP/s`);
    }
  }
  return rows;
}

function printTable(rows) {
  const kernels = [...new Set(rows.map((r) => r.kernel))];
  const shapes = [...new Set(rows.map((r) => r.shape))];
  const get = (kernel, shape) => rows.find((r) => r.kernel === kernel && r.shape === shape)?.gflops;
  const wasm = kernels.filter((k) => k !== 'reference');
  const header = ['shape (MxKxN)', ...kernels, ...wasm.map((k) => `${k}/ref`)];
  const body = shapes.map((shape) => {
    const ref = get('reference', shape);
    return [
      shape,
      ...kernels.map((k) => get(k, shape)?.toFixed(1) ?? '–'),
      ...wasm.map((k) => (ref ? `${(get(k, shape) / ref).toFixed(1)}×` : '–')),
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (cells) => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
  console.log(`GEMM GFLOP/s, 1 thread\n${line(header)}\n${body.map(line).join('\n')}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) {
  const args = process.argv.slice(2);
  const shapes = args.filter((a) => /^\d+x\d+x\d+$/.test(a)).map((a) => a.split('x').map(Number));
  const rows = await benchGemm({
    shapes: shapes.length > 0 ? shapes : DEFAULT_SHAPES,
    clock: args.includes('--wall') ? 'wall' : 'cpu',
    log: (msg) => process.stderr.write(`${msg}\n`),
  });
  printTable(rows);
}
