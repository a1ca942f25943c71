import { join } from 'node:path';
import { readSpecFile, type BackendChoice } from '@txsim/experiment';
import { loadMnist } from '@txsim/models';
import { nativeAvailable } from '@txsim/native';
import { describe, expect, it } from 'vitest';
import { ROOT } from './cli.js';
import { differing, trainCrossbars } from './crossbar-runs.js';

// Sparse pulse updates (issue 16): the rule writes only the cells it lists on targets the tile keeps zero,
// pulse-count at batch 1 counts from x and δ without forming the gradient, and the reads are patched at
// the changed cells instead of rebuilt. Against the whole-array path (`TiledCrossbar.sparse = false`),
// training must give the same conductances and losses, bit for bit, on every backend.
const { train } = loadMnist({ trainLimit: 384, testLimit: 1 });
const AIHWKIT = join(ROOT, 'examples/mlp-mnist-aihwkit.yaml');

const neurosim = (scheme: string) => ({
  name: 'neurosim-mlp', seed: 1, data: { dataset: 'mnist' },
  model: { type: 'mlp', hidden: [100], activation: 'sigmoid' },
  training: { epochs: 1, batchSize: 1, learningRate: 0.1 },
  crossbar: { tile: { rows: 1024, cols: 1024, fit: true }, device: 'neurosim', mapping: { scheme }, updateRule: 'pulse-count' },
});

function run(raw: object, file: string, backend: BackendChoice, sparse: boolean, batch: number, steps: number) {
  const r = trainCrossbars(raw, file, train, { backend, batch, steps, configure: (c) => (c.sparse = sparse) });
  expect(r.crossbars.length).toBeGreaterThan(1);
  return r;
}

function same(a: ReturnType<typeof run>, b: ReturnType<typeof run>) {
  expect(a.losses).toEqual(b.losses);
  expect(differing(a.state, b.state)).toBe(0);
  expect(new Set(a.losses).size).toBeGreaterThan(1);
}

const backends: BackendChoice[] = nativeAvailable() ? ['wasm', 'native'] : ['wasm'];

describe('sparse pulse updates train as the whole-array path', () => {
  for (const backend of backends) {
    for (const scheme of ['mid-range', 'sign-split']) {
      it(`NeuroSim's task, batch 1, ${scheme}, ${backend} (60 steps)`, () => {
        const spec = neurosim(scheme);
        const sparse = run(spec, join(ROOT, 'neurosim.json'), backend, true, 1, 60);
        const plain = run(spec, join(ROOT, 'neurosim.json'), backend, false, 1, 60);
        same(sparse, plain);
        // The update moved the conductances.
        const fresh = run(spec, join(ROOT, 'neurosim.json'), backend, true, 1, 0);
        expect(differing(sparse.state, fresh.state)).toBeGreaterThan(100);
      });
    }
    it(`aihwkit example 3 (stochastic pulse trains, constant-step), ${backend} (5 steps of 64)`, () => {
      const raw = readSpecFile(AIHWKIT) as object;
      same(run(raw, AIHWKIT, backend, true, 64, 5), run(raw, AIHWKIT, backend, false, 64, 5));
    });
    it(`aihwkit example 3 with counting: sampled, ${backend} (3 steps of 64)`, () => {
      const raw = readSpecFile(AIHWKIT) as { crossbar: { updateRule: { params: Record<string, unknown> } } };
      raw.crossbar.updateRule.params.counting = 'sampled';
      same(run(raw, AIHWKIT, backend, true, 64, 3), run(raw, AIHWKIT, backend, false, 64, 3));
    });
  }
});
