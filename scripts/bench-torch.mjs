// The PyTorch side of `pnpm bench`'s digital-MLP row: starts scripts/bench-torch.py once, hands it the
// training images, and times passes on request, so that PyTorch and txsim passes can be interleaved.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const SCRIPT = new URL('./bench-torch.py', import.meta.url).pathname;

/**
 * The first Python that imports torch: TXSIM_TORCH_PYTHON, python3 on PATH, then Debian's /usr/bin/python3
 * (python3-torch installs there, which a pyenv or venv python3 earlier on PATH does not see). Null if none.
 */
export function findTorchPython() {
  const candidates = [process.env.TXSIM_TORCH_PYTHON, 'python3', '/usr/bin/python3'].filter(Boolean);
  for (const py of candidates) {
    const r = spawnSync(py, ['-c', 'import torch'], { stdio: 'ignore' });
    if (r.status === 0) return py;
  }
  return null;
}

/**
 * Starts the PyTorch trainer on `data` (a txsim Dataset: inputs count×784 float32, labels uint8). Resolves to
 * `{ version, blas, pass(threads, learningRate, batch) → Promise<{ seconds, cpuSeconds }>, close() }`, or null without torch.
 */
export async function startTorch(data) {
  const python = findTorchPython();
  if (!python) return null;
  const dir = mkdtempSync(join(tmpdir(), 'txsim-torch-'));
  const inputs = join(dir, 'inputs.f32');
  const labels = join(dir, 'labels.u8');
  const x = data.inputs.data;
  writeFileSync(inputs, new Uint8Array(x.buffer, x.byteOffset, x.byteLength));
  writeFileSync(labels, Uint8Array.from(data.labels));
  const child = spawn(python, [SCRIPT, inputs, labels, String(data.labels.length)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async () => {
    const { value, done } = await lines.next();
    if (done) throw new Error('bench-torch.py exited early');
    return value;
  };
  const ready = await next();
  if (!ready.startsWith('ready ')) throw new Error(`bench-torch.py: unexpected "${ready}"`);
  const [, version, blas] = ready.split(' ');
  return {
    version,
    blas,
    async pass(threads, learningRate, batch) {
      child.stdin.write(`${threads} ${learningRate} ${batch}\n`);
      const [seconds, cpuSeconds] = (await next()).split(' ').map(Number);
      return { seconds, cpuSeconds };
    },
    close() {
      child.stdin.end('\n');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The `{kind: "torch", task: "digital-mlp"}` rows: one pass of the digital MLP of `file` (784-256-128-10
 * sigmoid, batch 64) in txsim and in PyTorch on the same images, interleaved `reps` times per thread count
 * (txsim through TXSIM_THREADS, PyTorch through set_num_threads and OpenBLAS's own count). `timeTxsim()`
 * runs one txsim pass and returns `{ seconds, cpuSeconds }`. Medians; `ratio` = txsim / PyTorch wall time,
 * `cpuRatio` the same in CPU time (steadier on a busy machine). Null without torch.
 */
export async function benchTorch({ data, reps, threadCounts, timeTxsim, learningRate = 1, batch = 64 }) {
  const torch = await startTorch(data);
  if (!torch) return null;
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const rows = [];
  try {
    for (const threads of threadCounts) {
      const tx = [];
      const pt = [];
      for (let r = 0; r < reps; r++) {
        tx.push(await withThreads(threads, timeTxsim));
        pt.push(await torch.pass(threads, learningRate, batch));
      }
      const m = (xs, key) => median(xs.map((x) => x[key]));
      rows.push({
        kind: 'torch', task: 'digital-mlp', threads, examples: data.labels.length, batch, reps,
        seconds: m(pt, 'seconds'), txsimSeconds: m(tx, 'seconds'), ratio: median(tx.map((t, i) => t.seconds / pt[i].seconds)),
        cpuSeconds: m(pt, 'cpuSeconds'), txsimCpuSeconds: m(tx, 'cpuSeconds'), cpuRatio: median(tx.map((t, i) => t.cpuSeconds / pt[i].cpuSeconds)),
        torch: torch.version, blas: torch.blas,
      });
    }
  } finally {
    torch.close();
  }
  return rows;
}

/** Runs `fn` with TXSIM_THREADS set to `threads` (backends read it when they are created). */
async function withThreads(threads, fn) {
  const saved = process.env.TXSIM_THREADS;
  process.env.TXSIM_THREADS = String(threads);
  try {
    return await fn();
  } finally {
    if (saved === undefined) delete process.env.TXSIM_THREADS;
    else process.env.TXSIM_THREADS = saved;
  }
}
