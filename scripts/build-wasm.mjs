// Compiles packages/core/assembly/gemm.ts into the two .wasm builds the WASM backend loads.
// Runs first in `pnpm build`, so it stays quiet (one line) and skips work when the outputs are current.
import { mkdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import asc from 'assemblyscript/asc';
// The element-wise kernels (issue 7 part C) build separately; importing runs that script first.
import './build-wasm-elementwise.mjs';
// The kernels plugin packages ship (devices, models, the example pack) build the same way, on the same memory.
import './build-wasm-kernels.mjs';

const root = new URL('../packages/core/', import.meta.url);
const source = fileURLToPath(new URL('assembly/gemm.ts', root));
const outDir = fileURLToPath(new URL('build/', root));

// The memory is imported and shared so worker threads can run the same module on the same operands; the
// maximum (in 64 KiB pages, 4 GiB) is what wasm32 can address, and a shared memory must declare one.
const common = [
  '-O3', '--runtime', 'stub', '--noAssert', '--enable', 'simd', '--use', 'abort=',
  '--importMemory', '--sharedMemory', '--maximumMemory', '65536', '--enable', 'threads',
];
const targets = [
  { out: `${outDir}gemm-simd.wasm`, flags: common },
  { out: `${outDir}gemm-relaxed.wasm`, flags: [...common, '--enable', 'relaxed-simd'] },
];

const mtime = (path) => {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return -Infinity;
  }
};

// Compiler flags live in this file, so editing it must also trigger a rebuild.
const inputsTime = Math.max(mtime(source), mtime(fileURLToPath(import.meta.url)));
const stale = targets.filter((t) => mtime(t.out) <= inputsTime);
if (stale.length === 0) {
  console.log('wasm: up to date');
  process.exit(0);
}

mkdirSync(outDir, { recursive: true });
const started = performance.now();
const results = await Promise.all(
  stale.map(async (t) => {
    const stderr = asc.createMemoryStream();
    const { error } = await asc.main([source, ...t.flags, '--outFile', t.out], { stdout: asc.createMemoryStream(), stderr });
    return { ...t, error, log: stderr.toString() };
  }),
);
const failed = results.filter((r) => r.error);
if (failed.length > 0) {
  for (const r of failed) process.stderr.write(`${r.log}\nwasm: ${r.out}: ${r.error.message}\n`);
  process.exit(1);
}
const names = results.map((r) => `${r.out.slice(outDir.length)} (${(statSync(r.out).size / 1024).toFixed(1)} KiB)`);
console.log(`wasm: built ${names.join(', ')} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
