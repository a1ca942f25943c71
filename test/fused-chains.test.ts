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

function run(fused: boolean, scheme: 'sign-split' | 'mid-range', steps: number) {
  const raw = readSpecFile(EXAMPLE) as { crossbar: { mapping: Record<string, unknown> } };
  raw.crossbar.mapping.scheme = scheme;
  const r = trainCrossbars(raw, EXAMPLE, train, { backend: 'wasm', batch: 32, steps, learningRate: 1, configure: (c) => (c.fused = fused) });
  expect(r.crossbars).toHaveLength(3);
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
