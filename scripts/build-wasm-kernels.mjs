// Compiles the kernel modules plugin packages ship (each package's assembly/*.ts → build/*.wasm) with the flags
// every module registered on core's shared kernel memory needs (see packages/core/src/kernels/registry.ts):
// imported shared memory, SIMD, no runtime, no static data. Usage: node scripts/build-wasm-kernels.mjs
// [SOURCE OUT]... (no arguments: the repository's own modules). Skips work when an output is current.
import { mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import asc from 'assemblyscript/asc';

export const KERNEL_FLAGS = [
  '-O3', '--runtime', 'stub', '--noAssert', '--enable', 'simd', '--enable', 'threads', '--use', 'abort=',
  '--importMemory', '--sharedMemory', '--initialMemory', '1', '--maximumMemory', '65536',
];

const repo = fileURLToPath(new URL('../', import.meta.url));
const own = [
  ['packages/core/assembly/tile.ts', 'packages/core/build/tile.wasm'],
  ['packages/devices/assembly/pulsed.ts', 'packages/devices/build/pulsed.wasm'],
  ['packages/devices/assembly/converters.ts', 'packages/devices/build/converters.wasm'],
  ['packages/models/assembly/cnn.ts', 'packages/models/build/cnn.wasm'],
  ['packages/nonidealities/assembly/output-noise.ts', 'packages/nonidealities/build/output-noise.wasm'],
  ['examples/plugin-pack/assembly/arrhenius.ts', 'examples/plugin-pack/build/arrhenius.wasm'],
];

const mtime = (path) => {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return -Infinity;
  }
};

/** Builds each [source, out] pair that is older than its source (or than this script); returns the names built. */
export async function buildKernels(pairs) {
  const self = mtime(fileURLToPath(import.meta.url));
  const stale = pairs.filter(([src, out]) => mtime(out) <= Math.max(mtime(src), self));
  const built = await Promise.all(stale.map(async ([src, out]) => {
    mkdirSync(dirname(out), { recursive: true });
    const stderr = asc.createMemoryStream();
    const { error } = await asc.main([src, ...KERNEL_FLAGS, '--outFile', out], { stdout: asc.createMemoryStream(), stderr });
    if (error) throw new Error(`${stderr.toString()}\nwasm: ${out}: ${error.message}`);
    return `${out.split('/').pop()} (${(statSync(out).size / 1024).toFixed(1)} KiB)`;
  }));
  return built;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url) && process.argv.length > 2) {
  const args = process.argv.slice(2);
  const pairs = [];
  for (let i = 0; i + 1 < args.length; i += 2) pairs.push([resolve(args[i]), resolve(args[i + 1])]);
  const built = await buildKernels(pairs);
  console.log(built.length ? `wasm: built ${built.join(', ')}` : 'wasm: kernels up to date');
} else {
  const pairs = own.map(([s, o]) => [resolve(repo, s), resolve(repo, o)]).filter(([s]) => mtime(s) > -Infinity);
  const started = performance.now();
  try {
    const built = await buildKernels(pairs);
    console.log(built.length ? `wasm: built ${built.join(', ')} in ${((performance.now() - started) / 1000).toFixed(1)} s` : 'wasm: plugin kernels up to date');
  } catch (e) {
    process.stderr.write(`${e.message}\n`);
    process.exit(1);
  }
}
