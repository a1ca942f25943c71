// Builds the optional native GEMM at install. It must never fail the install: txsim falls back to the
// WASM kernel when the addon is missing, so any problem here is a warning, not an error.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const warn = (why) => {
  console.warn(`@txsim/native: native GEMM not built (${why}); txsim will use the WASM kernel.`);
  process.exit(0);
};

if (process.env.TXSIM_SKIP_NATIVE) warn('TXSIM_SKIP_NATIVE is set');
let gyp;
try {
  gyp = createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js');
} catch {
  warn('node-gyp is not installed');
}
const args = [gyp, 'rebuild', '--silent'];
// Use the headers of the running Node when they are installed next to it (Debian, nvm, official
// tarballs), so no download from nodejs.org is needed; otherwise node-gyp's own configuration decides.
const prefix = join(dirname(process.execPath), '..');
if (!process.env.npm_config_nodedir && existsSync(join(prefix, 'include/node/node_api.h'))) args.push(`--nodedir=${prefix}`);
const run = spawnSync(process.execPath, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'], timeout: 300_000 });
if (run.error) warn(run.error.message);
if (run.status !== 0) warn(`node-gyp exited with ${run.status ?? run.signal}`);
console.log('@txsim/native: built the native GEMM kernel');
