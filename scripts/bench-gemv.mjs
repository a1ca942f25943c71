// Per-call time of the small-M GEMMs a batch-1 run issues (crossbar reads, digital backward, outer-product
// updates), per backend, one thread, CPU time (the build machines are shared).
//   node scripts/bench-gemv.mjs [--root DIR] [--json]
// --root points at another checkout's built packages, to time it side by side with this one.
import { performance } from 'node:perf_hooks';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const args = process.argv.slice(2);
const at = args.indexOf('--root');
const root = resolve(at >= 0 ? args[at + 1] : new URL('..', import.meta.url).pathname);
const core = await import(pathToFileURL(`${root}/packages/core/dist/index.js`).href);
const { Matrix, createWasmBackend } = core;

/** [M, K, N, options, what]. */
const SHAPES = [
  [1, 784, 100, {}, 'neurosim fc1 forward read'],
  [1, 100, 10, {}, 'neurosim fc2 forward read'],
  [1, 10, 100, {}, 'neurosim fc2 backward read'],
  [1, 400, 100, {}, 'read 400→100'],
  [1, 100, 400, {}, 'read 100→400'],
  [4, 400, 100, {}, 'read 400→100, 4 rows'],
  [1, 100, 400, { transB: true }, 'digital dx, B stored n×k'],
  [1, 400, 100, { transA: true }, 'A stored k×m'],
  [2, 400, 100, { transA: true, transB: true }, 'both stored transposed'],
  [784, 1, 100, { transA: true, beta: 1 }, 'digital batch-1 update (packed path)'],
];

const backends = [];
backends.push(['wasm-relaxed', createWasmBackend({ threads: 1 })]);
backends.push(['wasm-simd', createWasmBackend({ threads: 1, relaxed: false })]);
try {
  const nat = await import(pathToFileURL(`${root}/packages/native/dist/index.js`).href);
  if (nat.nativeAvailable()) backends.push(['native', new nat.NativeBackend({ threads: 1 })]);
} catch {
  // no native build
}

function filled(rows, cols, seed) {
  const m = new Matrix(rows, cols);
  for (let i = 0; i < m.data.length; i++) m.data[i] = (((i + seed) * 7919) % 2000) / 1000 - 1;
  return m;
}

const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e3; };
const rows = [];
for (const [m, k, n, o, what] of SHAPES) {
  const a = filled(o.transA ? k : m, o.transA ? m : k, 1);
  const b = filled(o.transB ? n : k, o.transB ? k : n, 2);
  const c = new Matrix(m, n);
  const row = { shape: `${m}×${k}×${n}${o.transA ? ' Aᵀ' : ''}${o.transB ? ' Bᵀ' : ''}`, what };
  for (const [name, be] of backends) {
    for (let i = 0; i < 200; i++) be.gemm(a, b, c, o);
    const samples = [];
    for (let s = 0; s < 15; s++) {
      const t0 = cpu();
      let calls = 0;
      const w0 = performance.now();
      while (performance.now() - w0 < 10) { be.gemm(a, b, c, o); calls++; }
      samples.push(((cpu() - t0) * 1e3) / calls);
    }
    samples.sort((x, y) => x - y);
    row[name] = +samples[7].toFixed(2);
  }
  rows.push(row);
}
if (args.includes('--json')) console.log(JSON.stringify(rows));
else console.table(rows);
