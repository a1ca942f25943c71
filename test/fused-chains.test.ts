import { join } from 'node:path';
import { readSpecFile } from '@txsim/experiment';
import { loadMnist } from '@txsim/models';
import { describe, expect, it } from 'vitest';
import { ROOT } from './cli.js';
import { differing, trainCrossbars } from './crossbar-runs.js';

// The TxSim example's stack (levels device; device variation and wire resistance on reads; update
// non-linearity and write noise on updates) runs as fused kernels by default. Against every hook called
// in turn (`TiledCrossbar.fused = false`), training must give the same conductances, bit for bit.
const EXAMPLE = join(ROOT, 'examples/mlp-mnist-txsim.yaml');
const { train } = loadMnist({ trainLimit: 256, testLimit: 1 });

type Scheme = 'sign-split' | 'mid-range' | 'reference-column';

function run(fused: boolean, scheme: Scheme, steps: number, example = EXAMPLE, layers = 3) {
  const raw = readSpecFile(example) as { crossbar: { mapping: Record<string, unknown> } };
  raw.crossbar.mapping.scheme = scheme;
  const r = trainCrossbars(raw, example, train, { backend: 'wasm', batch: 32, steps, learningRate: 1, configure: (c) => (c.fused = fused) });
  expect(r.crossbars).toHaveLength(layers);
  return r;
}

describe('fused update and read kernels on the TxSim example stack', () => {
  for (const scheme of ['sign-split', 'mid-range'] as const) {
    it(`train the same conductances and losses as the hooks one by one (${scheme}, 12 steps)`, () => {
      const fused = run(true, scheme, 12);
      const plain = run(false, scheme, 12);
      expect(fused.losses).toEqual(plain.losses);
      expect(differing(fused.state, plain.state)).toBe(0);
      // The update moved the conductances (so the comparison covers the noise and non-linearity).
      expect(new Set(fused.losses).size).toBeGreaterThan(1);
    });
  }
});

// CrossSim's lookup-table recipe: the device scales each analog request itself and writes the state in place
// (`respondScaled`); against the tile's own scale pass, `respond` into a work buffer and the copy back
// (`fused = false`), the same conductances bit for bit under each mapping's factor (±½, 1).
const LUT = join(ROOT, 'examples/peers/crosssim-v2-lut-mlp.yaml');

describe('a device that scales analog requests and writes in place (lookup-table)', () => {
  for (const scheme of ['mid-range', 'sign-split', 'reference-column'] as const) {
    it(`trains the same conductances and losses as scale, respond and copy (${scheme}, 8 steps)`, () => {
      const fused = run(true, scheme, 8, LUT, 2);
      const plain = run(false, scheme, 8, LUT, 2);
      expect(fused.losses).toEqual(plain.losses);
      expect(differing(fused.state, plain.state)).toBe(0);
      expect(new Set(fused.losses).size).toBeGreaterThan(1);
    });
  }
});
