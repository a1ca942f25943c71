// `pnpm bench`: speed figures measured side by side in one run, never part of the tests.
//   node scripts/bench.mjs [--json] [--train-limit N] [--reps N] [--threads N] [--no-gemm] [--no-torch] [--backend B] [--cnn] [--resnet]
//                          [--configs NAME,NAME] (only these training configurations; digital and txsim-crossbar stay for the task row)
//                          [--no-floors]
// 1. GEMM GFLOP/s of each kernel on the MLP's training shapes: reference TypeScript, and each WASM SIMD build
//    on 1 thread and on every thread (TXSIM_THREADS or the core count; --threads N overrides), numpy's
//    matmul, and each core's multiply-add ceiling (WASM f32x4, native widest vector) with the best
//    1-thread GEMM as a share of it.
// 2. Training time of the examples on the same kernels (--backend, default auto: native if built, else
//    WASM): plain digital, ideal crossbar, TxSim crossbar, aihwkit's example 3 (exact and sampled pulse
//    trains), with --cnn LeNet-5 digital / TxSim, and with --resnet ResNet-20 digital / TxSim preset on
//    synthetic 3×32×32 images (batch 32, 320 images per pass, reported per 1,000), as medians over
//    interleaved repetitions, and their ratios to digital training of the same network. The TxSim
//    example's crossbar / digital ratio is also emitted as `{kind: "task", task: "txsim-mlp", ...}`.
// 3. When a Python with torch is found (TXSIM_TORCH_PYTHON, python3, /usr/bin/python3; see bench-torch.mjs),
//    `{kind: "torch", task: "digital-mlp", seconds, txsimSeconds, ratio, ...}` per thread count (1 and all):
//    the same digital MLP trained one pass over the same --train-limit images in PyTorch and in txsim,
//    interleaved. Debian's python3-torch uses the system libblas.so.3: with the reference libblas3 its GEMMs
//    run ~20× slower than with OpenBLAS, so the row names the BLAS it loaded (point LD_LIBRARY_PATH at an
//    OpenBLAS directory to compare against a real BLAS).
// 4. The peer tasks beside their digital twins (bench-tasks.mjs), then `{kind: "floor", ...}` per per-cell task
//    (bench-floors.mjs, skipped by --no-floors): a lower bound on its crossbar / digital ratio.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchCeilings, benchGemm, busyNote, formatCeilings, formatTable } from './bench-gemm.mjs';
import { loadMnist } from '../packages/models/dist/index.js';
import { createPluginContainer } from '../packages/experiment/dist/index.js';
import { timeTraining } from './time-training.mjs';
import { benchTorch } from './bench-torch.mjs';
import { availableParallelism } from 'node:os';
import { benchTasks, formatTasks } from './bench-tasks.mjs';
import { benchFloors, formatFloors } from './bench-floors.mjs';

const args = process.argv.slice(2);
const json = args.includes('--json');
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const trainLimit = option('--train-limit', 6400);
const reps = option('--reps', 3);
const emit = (row) => (json ? console.log(JSON.stringify(row)) : undefined);
const say = (text) => (json ? undefined : console.log(text));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

if (!args.includes('--no-gemm')) {
  // Forward (X·W), backward (dY·Wᵀ) and weight-gradient (Xᵀ·dY) shapes of the 784-256-…-10 MLP at batch 64,
  // a small hidden layer, and one large batched layer.
  const shapes = [[64, 784, 256], [784, 64, 256], [64, 256, 784], [64, 256, 128], [64, 64, 256], [256, 1024, 1024]];
  const rows = await benchGemm({ shapes, threads: args.includes('--threads') ? option('--threads', undefined) : undefined });
  say('GEMM GFLOP/s (1 thread: median of CPU-time samples; ×N threads: median of wall-time samples)');
  say(formatTable(rows).replace(/^/gm, '  '));
  if (busyNote()) say(`  ${busyNote()}`);
  for (const r of rows) emit({ kind: 'gemm', ...r });
  // Each core's multiply-add ceiling, measured now: how close the kernels run to the hardware limit.
  const ceilings = await benchCeilings();
  say('Multiply-add ceiling per core (no memory traffic; best of 9 CPU-time samples) and the best 1-thread GEMM against it');
  say(formatCeilings(rows, ceilings).replace(/^/gm, '  '));
  for (const c of ceilings) emit({ kind: 'ceiling', ...c });
}

const backend = (() => {
  const i = args.indexOf('--backend');
  return i >= 0 ? args[i + 1] : 'auto';
})();
const configs = [
  { name: 'digital', file: 'examples/mlp-mnist-txsim.yaml', digital: true, baseline: 'digital' },
  { name: 'ideal-crossbar', file: 'examples/mlp-mnist-ideal.yaml', digital: false, baseline: 'digital' },
  { name: 'txsim-crossbar', file: 'examples/mlp-mnist-txsim.yaml', digital: false, baseline: 'digital' },
  { name: 'aihwkit-ex3', file: 'examples/mlp-mnist-aihwkit.yaml', digital: false, baseline: 'digital' },
  { name: 'aihwkit-ex3-sampled', file: 'examples/mlp-mnist-aihwkit.yaml', digital: false, baseline: 'digital', counting: 'sampled' },
];
if (args.includes('--cnn')) {
  configs.push(
    { name: 'lenet5-digital', file: 'examples/txsim/lenet5-mnist-txsim.yaml', digital: true, baseline: 'lenet5-digital' },
    { name: 'lenet5-txsim', file: 'examples/txsim/lenet5-mnist-txsim.yaml', digital: false, baseline: 'lenet5-digital' },
  );
}
if (args.includes('--resnet')) {
  // A spec file for the run: ResNet-20 with the TxSim preset's crossbars on seeded synthetic CIFAR-shaped data.
  const file = join(mkdtempSync(join(tmpdir(), 'txsim-bench-')), 'resnet20.json');
  writeFileSync(file, JSON.stringify({
    name: 'resnet20-bench', preset: 'txsim-agsi-reram', seed: 1,
    data: { dataset: 'synthetic', shape: [3, 32, 32], classes: 10, trainSize: 320, testSize: 1 },
    model: { type: 'resnet20' },
    training: { epochs: 1, batchSize: 32, learningRate: 0.1 },
  }));
  configs.push(
    { name: 'resnet20-digital', file, digital: true, baseline: 'resnet20-digital', own: true },
    { name: 'resnet20-txsim', file, digital: false, baseline: 'resnet20-digital', own: true },
  );
}
{
  const i = args.indexOf('--configs');
  if (i >= 0) {
    const keep = new Set([...args[i + 1].split(','), 'digital', 'txsim-crossbar']);
    configs.splice(0, configs.length, ...configs.filter((c) => keep.has(c.name)));
  }
}
const data = loadMnist({ trainLimit, testLimit: 1 });
const plugins = createPluginContainer();

/** One pass of a configuration: MNIST's `trainLimit` examples, or the spec's own data set (loaded untimed). */
const timeEpoch = (config) => timeTraining(config.file, {
  plugins, backend, digital: config.digital, counting: config.counting, data: config.own ? undefined : data,
});

const times = Object.fromEntries(configs.map((c) => [c.name, []]));
const examples = {};
for (let r = 0; r < reps; r++) {
  for (const c of configs) {
    const t = await timeEpoch(c);
    times[c.name].push(t.seconds);
    examples[c.name] = t.examples;
  }
}
say(`\nTraining time (backend ${backend}), ${trainLimit} MNIST examples per pass (batch 64), median of ${reps} interleaved runs`);
for (const c of configs) {
  const s = median(times[c.name]);
  const digital = median(times[c.baseline]);
  const n = examples[c.name];
  // MNIST runs as a 60k epoch; ResNet-20's synthetic set per 1,000 images.
  const [per, unit] = c.own ? [1000, 'per 1,000 images'] : [60000, 'per 60k epoch'];
  const scaled = (s * per) / n;
  say(`  ${c.name.padEnd(20)} ${s.toFixed(2).padStart(7)} s   ≈ ${scaled.toFixed(1).padStart(6)} s ${unit.padEnd(16)} ${(s / digital).toFixed(2)}× ${c.baseline}`);
  emit({ kind: 'epoch', config: c.name, backend, examples: n, seconds: s, ...(c.own ? { secondsPer1000: scaled } : { secondsPer60k: scaled }), baseline: c.baseline, ratioToDigital: s / digital });
}

const txsimTask = { name: 'txsim-mlp', crossbar: 'txsim-crossbar', digital: 'digital' };
{
  const s = median(times[txsimTask.crossbar]);
  const d = median(times[txsimTask.digital]);
  say(`  ${txsimTask.name}: crossbar / digital ${(s / d).toFixed(2)}× (examples/mlp-mnist-txsim.yaml, ${trainLimit} images)`);
  emit({ kind: 'task', task: txsimTask.name, spec: 'examples/mlp-mnist-txsim.yaml', backend, examples: examples[txsimTask.crossbar], trainLimit, seconds: s, digitalSeconds: d, ratio: s / d });
}

if (!args.includes('--no-torch')) {
  const all = Number(process.env.TXSIM_THREADS) >= 1 ? Number(process.env.TXSIM_THREADS) : availableParallelism();
  const rows = await benchTorch({
    data: data.train, reps, threadCounts: [...new Set([1, all])],
    timeTxsim: () => timeTraining('examples/mlp-mnist-txsim.yaml', { plugins, backend, digital: true, data }),
  });
  if (!rows) say('\nPyTorch: no Python with torch found (TXSIM_TORCH_PYTHON, python3, /usr/bin/python3); no torch rows');
  for (const r of rows ?? []) {
    say(`\nDigital MLP, txsim (backend ${backend}) vs PyTorch ${r.torch} (${r.blas}), ${r.threads} thread(s), ${r.examples} images, median of ${r.reps}:`);
    say(`  PyTorch ${r.seconds.toFixed(3)} s (CPU ${r.cpuSeconds.toFixed(3)} s)   txsim ${r.txsimSeconds.toFixed(3)} s (CPU ${r.txsimCpuSeconds.toFixed(3)} s)   txsim/PyTorch ${r.ratio.toFixed(2)}× (CPU ${r.cpuRatio.toFixed(2)}×)`);
    emit({ ...r, backend, trainLimit });
  }
}
// Peer tasks (aihwkit-03, crosssim-lut, neurosim-mlp), each beside its digital twin: scripts/bench-tasks.mjs.
for (const row of await benchTasks({ trainLimit, reps, backend })) (json ? emit(row) : say(formatTasks([row])));
// Lower bounds on the per-cell tasks' ratios (scripts/bench-floors.mjs): digital step + the least per-step work
// of the crossbar model, each part on its cheapest kernel.
if (!args.includes('--no-floors')) {
  const rows = await benchFloors({ trainLimit, reps, backend });
  say('\nLower bounds on crossbar / digital (the least per-step work of each model; converters, GEMMs and device physics left out)');
  say(formatFloors(rows));
  for (const r of rows) emit(r);
}
