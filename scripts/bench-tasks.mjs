// Peer training tasks for `pnpm bench`: each crossbar recipe beside `--digital` of the same recipe, interleaved
// in one run, one row {kind: "task", task, seconds, digitalSeconds, ratio} per task (medians; seconds of one
// pass over `examples` MNIST images, also scaled to a 60k epoch). Imported by bench.mjs; on its own:
//   node scripts/bench-tasks.mjs [--json] [--train-limit N] [--reps N] [--tasks aihwkit-03,lenet5-txsim,crosssim-lut,neurosim-mlp]
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadMnist } from '../packages/models/dist/index.js';
import { createPluginContainer } from '../packages/experiment/dist/index.js';
import { timeTraining } from './time-training.mjs';

const repo = fileURLToPath(new URL('../', import.meta.url));

/**
 * A synthetic measured table of CrossSim's lookup-table shape: 1,000 rows over 1–10 µS, potentiating steps
 * falling and depressing steps growing towards the top of the range (saturating, as measured devices do),
 * with a 20 % per-pulse spread; written once per run.
 */
function syntheticLut(dir) {
  const rows = ['g,dg_up,dg_down,sd_up,sd_down'];
  const gmin = 1e-6;
  const gmax = 1e-5;
  for (let i = 0; i < 1000; i++) {
    const x = i / 999;
    const up = ((gmax - gmin) / 200) * Math.exp(-2 * x);
    const down = (-(gmax - gmin) / 200) * Math.exp(-2 * (1 - x));
    rows.push([gmin + (gmax - gmin) * x, up, down, 0.2 * up, -0.2 * down].map((v) => v.toExponential(6)).join(','));
  }
  const file = join(dir, 'synthetic-lut.csv');
  writeFileSync(file, `${rows.join('\n')}\n`);
  return file;
}

/** The task specs: aihwkit example 3 as shipped; LeNet-5 with TxSim's crossbars; CrossSim's LUT MNIST recipe; MLP_NeuroSim's 400-100-10 pulse-count task. */
export function taskSpecs() {
  const dir = mkdtempSync(join(tmpdir(), 'txsim-tasks-'));
  const spec = (name, body) => {
    const file = join(dir, `${name}.json`);
    writeFileSync(file, JSON.stringify({ name, seed: 1, data: { dataset: 'mnist' }, ...body }));
    return file;
  };
  const lut = syntheticLut(dir);
  return {
    'aihwkit-03': { file: resolve(repo, 'examples/mlp-mnist-aihwkit.yaml'), batch: 64 },
    // The TxSim paper's LeNet-5 with its default crossbars (examples/txsim/): convolutions as im2col GEMMs on tiles.
    'lenet5-txsim': { file: resolve(repo, 'examples/txsim/lenet5-mnist-txsim.yaml'), batch: 64 },
    // CrossSim v2's MNIST LUT task: 784-300-10, batch 10, every cell updated each step by fractional LUT pulses.
    'crosssim-lut': {
      batch: 10,
      file: spec('crosssim-lut', {
        model: { type: 'mlp', hidden: [300], activation: 'sigmoid' },
        training: { epochs: 1, batchSize: 10, learningRate: 0.1 },
        crossbar: { tile: { rows: 1024, cols: 1024, fit: true }, device: { name: 'lookup-table', params: { file: lut } }, mapping: { scheme: 'mid-range' }, updateRule: 'txsim-update' },
      }),
    },
    // MLP_NeuroSim V3.0: 400-100-10 (MNIST cropped there; full 784 inputs here), batch 1, rounded pulse counts.
    'neurosim-mlp': {
      batch: 1,
      file: spec('neurosim-mlp', {
        model: { type: 'mlp', hidden: [100], activation: 'sigmoid' },
        training: { epochs: 1, batchSize: 1, learningRate: 0.1 },
        crossbar: { tile: { rows: 1024, cols: 1024, fit: true }, device: 'neurosim', mapping: { scheme: 'mid-range' }, updateRule: 'pulse-count' },
      }),
    },
  };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * Times each task and its digital twin `reps` times, interleaved, on the first `trainLimit` MNIST images
 * (batch-1 tasks on a tenth of them); returns the rows.
 */
export async function benchTasks({ trainLimit = 6400, reps = 3, backend = 'auto', tasks } = {}) {
  const specs = taskSpecs();
  const names = tasks ?? Object.keys(specs);
  const plugins = createPluginContainer();
  const data = new Map();
  const slice = (n) => {
    if (!data.has(n)) data.set(n, loadMnist({ trainLimit: n, testLimit: 1 }));
    return data.get(n);
  };
  // CPU seconds too (process.cpuUsage): on a shared machine they are the steadier figure.
  const times = Object.fromEntries(names.map((t) => [t, { crossbar: [], digital: [], crossbarCpu: [], digitalCpu: [] }]));
  for (let r = 0; r < reps; r++) {
    for (const task of names) {
      const { file, batch } = specs[task];
      const sets = slice(batch === 1 ? Math.max(100, Math.floor(trainLimit / 10)) : trainLimit);
      for (const digital of [false, true]) {
        const t = await timeTraining(file, { plugins, backend, digital, data: sets });
        times[task][digital ? 'digital' : 'crossbar'].push(t.seconds);
        // The training's own CPU time (timeTraining's): a clock around the whole call also counted loading
        // the spec and building the network, which dwarfs a short digital pass.
        times[task][digital ? 'digitalCpu' : 'crossbarCpu'].push(t.cpuSeconds);
        times[task].examples = t.examples;
      }
    }
  }
  return names.map((task) => {
    const seconds = median(times[task].crossbar);
    const digitalSeconds = median(times[task].digital);
    const examples = times[task].examples;
    return {
      kind: 'task', task, examples, seconds, digitalSeconds, ratio: seconds / digitalSeconds,
      secondsPer60k: (seconds * 60000) / examples, digitalSecondsPer60k: (digitalSeconds * 60000) / examples,
      range: [Math.min(...times[task].crossbar), Math.max(...times[task].crossbar)],
      cpuSeconds: median(times[task].crossbarCpu), digitalCpuSeconds: median(times[task].digitalCpu),
      cpuRatio: median(times[task].crossbarCpu) / median(times[task].digitalCpu),
    };
  });
}

/** The rows as text lines. */
export function formatTasks(rows) {
  return rows.map((r) => `  ${r.task.padEnd(14)} ${r.secondsPer60k.toFixed(1).padStart(7)} s/60k crossbar  ${r.digitalSecondsPer60k.toFixed(1).padStart(6)} s/60k digital  ${r.ratio.toFixed(2)}× (CPU time ${r.cpuRatio.toFixed(2)}×)  (${r.examples} images per pass)`).join('\n');
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const option = (name, fallback) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : fallback;
  };
  const rows = await benchTasks({
    trainLimit: Number(option('--train-limit', 6400)), reps: Number(option('--reps', 3)), backend: option('--backend', 'auto'),
    tasks: option('--tasks', undefined)?.split(','),
  });
  if (args.includes('--json')) for (const r of rows) console.log(JSON.stringify(r));
  else console.log(`Peer tasks, crossbar vs --digital of the same recipe (medians of interleaved runs)\n${formatTasks(rows)}`);
}
