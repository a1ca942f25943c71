// Compiles packages/core/assembly/elementwise.ts (element-wise crossbar kernels and the SIMD normal generator)
// into build/elementwise-simd.wasm. Imported first by build-wasm.mjs; skips work when the output is current.
import { mkdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import asc from 'assemblyscript/asc';

const root = new URL('../packages/core/', import.meta.url);
const source = fileURLToPath(new URL('assembly/elementwise.ts', root));
const out = fileURLToPath(new URL('build/elementwise-simd.wasm', root));
// Files elementwise.ts re-exports from: a change to any of them rebuilds the module.
const parts = ['assembly/training.ts'].map((p) => fileURLToPath(new URL(p, root)));
// Shared, imported memory: growing it keeps existing views valid, so arrays can live in it for good.
const flags = [
  '-O3', '--runtime', 'stub', '--noAssert', '--enable', 'simd', '--enable', 'threads', '--use', 'abort=',
  '--importMemory', '--sharedMemory', '--initialMemory', '1', '--maximumMemory', '65536',
];

const mtime = (path) => {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return -Infinity;
  }
};

if (mtime(out) > Math.max(mtime(source), ...parts.map(mtime), mtime(fileURLToPath(import.meta.url)))) {
  console.log('wasm: elementwise up to date');
} else {
  mkdirSync(fileURLToPath(new URL('build/', root)), { recursive: true });
  const started = performance.now();
  const stderr = asc.createMemoryStream();
  const { error } = await asc.main([source, ...flags, '--outFile', out], { stdout: asc.createMemoryStream(), stderr });
  if (error) {
    process.stderr.write(`${stderr.toString()}\nwasm: ${out}: ${error.message}\n`);
    process.exit(1);
  }
  console.log(`wasm: built elementwise-simd.wasm (${(statSync(out).size / 1024).toFixed(1)} KiB) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}
