// `pnpm bench`: speed figures measured side by side in one run, never part of the tests.
//   node scripts/bench.mjs [--json] [--train-limit N] [--reps N] [--threads N] [--no-gemm] [--backend B] [--cnn]
// 1. GEMM GFLOP/s of each kernel on the MLP's training shapes: reference TypeScript, and each WASM SIMD build
//    on 1 thread and on every thread (TXSIM_THREADS or the core count; --threads N overrides), numpy's
//    matmul, and each core's multiply-add ceiling (WASM f32x4, native widest vector) with the best
//    1-thread GEMM as a share of it.
// 2. Training time of the examples on the same kernels (--backend, default auto: native if built, else
//    WASM): plain digital, ideal crossbar, TxSim crossbar, aihwkit's example 3 (exact and sampled pulse
//    trains), and with --cnn LeNet-5 digital / TxSim, as medians over interleaved repetitions, and their
//    ratios to digital training of the same network.
import { performance } from 'node:perf_hooks';
import { benchCeilings, benchGemm, busyNote, formatCeilings, formatTable } from './bench-gemm.mjs';
import { Trainer } from '../packages/core/dist/index.js';
import { buildNetwork, loadMnist } from '../packages/models/dist/index.js';
import { createPluginContainer, createRunContainer, loadSpec } from '../packages/cli/dist/index.js';

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
const data = loadMnist({ trainLimit, testLimit: 1 });
const plugins = createPluginContainer();

/** Seconds to train one pass over `trainLimit` examples (the one-example evaluation is negligible). */
async function timeEpoch(config) {
  const resolved = loadSpec(config.file, plugins, { digital: config.digital, overrides: { epochs: 1 } });
  if (config.counting) {
    for (const plan of resolved.layers) if (plan.crossbar) plan.crossbar.updateRule.params.counting = config.counting;
  }
  const run = createRunContainer({ seed: resolved.spec.seed, backend });
  const net = buildNetwork(run, resolved);
  const { batchSize, learningRate } = resolved.spec.training;
  const t0 = performance.now();
  await run.resolve(Trainer).train(net, data.train, data.test, { epochs: 1, batchSize, learningRate });
  return (performance.now() - t0) / 1000;
}

const times = Object.fromEntries(configs.map((c) => [c.name, []]));
for (let r = 0; r < reps; r++) for (const c of configs) times[c.name].push(await timeEpoch(c));
say(`\nTraining time (backend ${backend}), ${trainLimit} examples per pass, batch 64, median of ${reps} interleaved runs`);
for (const c of configs) {
  const s = median(times[c.name]);
  const digital = median(times[c.baseline]);
  const perEpoch = (s * 60000) / trainLimit;
  say(`  ${c.name.padEnd(20)} ${s.toFixed(2).padStart(7)} s   ≈ ${perEpoch.toFixed(1).padStart(6)} s per 60k epoch   ${(s / digital).toFixed(2)}× ${c.baseline}`);
  emit({ kind: 'epoch', config: c.name, backend, examples: trainLimit, seconds: s, secondsPer60k: perEpoch, baseline: c.baseline, ratioToDigital: s / digital });
}
