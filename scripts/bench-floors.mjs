// Lower bounds on the crossbar / digital ratio of the per-cell training tasks, measured on this machine:
// the digital step of each recipe (timed training, --digital) beside the least per-step work its crossbar
// model cannot avoid, each part timed with the cheapest kernel there is for it. A ratio target under a task's
// bound cannot be met by faster code for this model on this machine, only by changing the model.
//   node scripts/bench-floors.mjs [--json] [--train-limit N] [--reps N]
// The bound counts, per training step:
//   state      one read-modify-write pass over the f64 state of every cell the step changes (kernels.stepClip,
//              g = clip(g + f·d): no non-linearity, no device physics);
//   noise      one standard normal per changed cell, where the model draws write noise per cell (NormalStream.fillCountF32,
//              the generator every noise plugin uses, in the f32 it makes them in: its cheapest form);
//   weights    G+ − G− narrowed to f32 once per weight, the least any read needs after the weights changed
//              (kernels.combine, no levels, variation or series resistance).
// It leaves out everything else a crossbar step does (DAC, ADC, per-tile GEMMs, the update rule's physics, the
// device's own write), so the true floor is higher.
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { kernels, NormalStream, Rng } from '../packages/core/dist/index.js';
import { loadMnist } from '../packages/models/dist/index.js';
import { createPluginContainer } from '../packages/experiment/dist/index.js';
import { taskSpecs } from './bench-tasks.mjs';
import { timeTraining } from './time-training.mjs';

const repo = fileURLToPath(new URL('../', import.meta.url));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * Per task: the recipe file, its batch, its target and its weights. A step changes one cell per weight: TxSim's
 * sign-split update moves one device per weight (the other rests at gmin) and every weight has a gradient at
 * batch 64; the CrossSim LUT task's mid-range update pulses about half of its 2 × 238,200 devices (counted in
 * the fourth round's profile), and its LUT device draws a normal per pulsed cell.
 */
function floorTasks() {
  const specs = taskSpecs();
  const weights = (sizes) => sizes.slice(1).reduce((s, n, i) => s + n * sizes[i], 0);
  return {
    'txsim-mlp': { file: resolve(repo, 'examples/mlp-mnist-txsim.yaml'), batch: 64, target: 1.5, weights: weights([784, 256, 128, 10]) },
    'crosssim-lut': { file: specs['crosssim-lut'].file, batch: 10, target: 3, weights: weights([784, 300, 10]) },
  };
}

/** Median microseconds of `f` over 5 timed rounds of `reps` calls, after a warm-up. */
function micros(f, reps = 100) {
  for (let i = 0; i < 10; i++) f();
  const xs = [];
  for (let r = 0; r < 5; r++) {
    const t = performance.now();
    for (let i = 0; i < reps; i++) f();
    xs.push(((performance.now() - t) / reps) * 1000);
  }
  return median(xs);
}

/** The three parts of the bound for `weights` weights (one changed cell each), in microseconds per step. */
function floorParts(weights) {
  const g = kernels.float64(weights);
  const d = kernels.float64(weights);
  for (let i = 0; i < weights; i++) {
    g[i] = 1e-6 + ((i % 97) / 97) * 9e-6;
    d[i] = (((i * 2654435761) % 1000) - 500) * 1e-9;
  }
  const plus = kernels.float64(weights);
  const minus = kernels.float64(weights);
  plus.set(g);
  minus.fill(1e-6);
  const out = kernels.float32(weights);
  const z = kernels.float32(weights);
  const stream = new NormalStream(new Rng('bench-floors'));
  return {
    state: micros(() => kernels.stepClip(g, d, 1e-3, 1e-6, 1e-5)),
    noise: micros(() => stream.fillCountF32(z, weights)),
    weights: micros(() => kernels.combine(out, plus, minus, 1, weights, false, false)),
  };
}

/** One row per task: its digital step, the bound's parts and the bound on the ratio (timed on `backend`). */
export async function benchFloors({ trainLimit = 6400, reps = 3, backend = 'auto' } = {}) {
  const plugins = createPluginContainer();
  const data = loadMnist({ trainLimit, testLimit: 1 });
  const rows = [];
  for (const [task, t] of Object.entries(floorTasks())) {
    const digital = [];
    for (let r = 0; r < reps; r++) digital.push((await timeTraining(t.file, { plugins, backend, digital: true, data })).seconds);
    const steps = Math.ceil(trainLimit / t.batch);
    const digitalStep = (median(digital) / steps) * 1e6;
    const parts = floorParts(t.weights);
    const extra = parts.state + parts.noise + parts.weights;
    // The bound without the normals too: how much of it rests on the generator's speed.
    const noNoise = (digitalStep + parts.state + parts.weights) / digitalStep;
    rows.push({ kind: 'floor', task, backend, digitalStepMicros: digitalStep, parts, floorExtraMicros: extra, floorRatio: (digitalStep + extra) / digitalStep, floorRatioWithoutNoise: noNoise, target: t.target, weights: t.weights });
  }
  return rows;
}

/** The rows as text lines. */
export function formatFloors(rows) {
  const f = (x) => x.toFixed(0).padStart(5);
  return rows.map((r) => `  ${r.task.padEnd(13)} digital step ${f(r.digitalStepMicros)} µs; least extra ${f(r.floorExtraMicros)} µs (state ${f(r.parts.state)}, noise ${f(r.parts.noise)}, weights ${f(r.parts.weights)}) → ratio ≥ ${r.floorRatio.toFixed(2)}× (${r.floorRatioWithoutNoise.toFixed(2)}× without the normals; target ≤ ${r.target}×)`).join('\n');
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const option = (name, fallback) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback);
  const rows = await benchFloors({ trainLimit: option('--train-limit', 6400), reps: option('--reps', 3) });
  if (args.includes('--json')) for (const r of rows) console.log(JSON.stringify(r));
  else {
    console.log('Lower bounds on crossbar / digital (one thread: run with TXSIM_THREADS=1; the bound leaves out converters, GEMMs and device physics)');
    console.log(formatFloors(rows));
  }
}
