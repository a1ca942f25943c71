import { join } from 'node:path';
import { Matrix, networkServices, softmaxCrossEntropy, type TiledCrossbar } from '@txsim/core';
import { createRunContainer, readSpecFile, resolveSpecData } from '@txsim/experiment';
import { buildNetwork, loadMnist } from '@txsim/models';
import { describe, expect, it } from 'vitest';
import { ROOT } from './cli.js';

// The TxSim example's stack (levels device; device variation and wire resistance on reads; update
// non-linearity and write noise on updates) runs as fused kernels by default. Against every hook called
// in turn (`TiledCrossbar.fused = false`), training must give the same conductances, bit for bit.
const EXAMPLE = join(ROOT, 'examples/mlp-mnist-txsim.yaml');
const { train } = loadMnist({ trainLimit: 256, testLimit: 1 });

function run(fused: boolean, scheme: 'sign-split' | 'mid-range', steps: number) {
  const raw = readSpecFile(EXAMPLE) as { crossbar: { mapping: Record<string, unknown> } };
  raw.crossbar.mapping.scheme = scheme;
  const resolved = resolveSpecData(raw, EXAMPLE, createRunContainer({ seed: 1, backend: 'wasm' }));
  const run = createRunContainer({ seed: 1, backend: 'wasm' });
  const net = buildNetwork(resolved, networkServices(run));
  const crossbars = (net as unknown as { layers: Array<{ crossbar?: TiledCrossbar }> }).layers.flatMap((l) => (l.crossbar ? [l.crossbar] : []));
  expect(crossbars).toHaveLength(3);
  for (const c of crossbars) c.fused = fused;
  const batch = 32;
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) {
    const start = (s * batch) % train.labels.length;
    const x = new Matrix(batch, train.inputs.cols, train.inputs.data.slice(start * train.inputs.cols, (start + batch) * train.inputs.cols));
    const r = softmaxCrossEntropy(net.forward(x, true), train.labels.subarray(start, start + batch));
    net.backward(r.grad);
    net.update(1);
    losses.push(r.loss);
  }
  return { losses, state: crossbars.flatMap((c) => [c.conductances('plus').slice(), c.conductances('minus').slice()]) };
}

/** Cells that differ in any bit (not toEqual: its diff of 400k numbers takes minutes when they do). */
function differing(a: Float64Array[], b: Float64Array[]): number {
  let n = 0;
  a.forEach((x, i) => x.forEach((v, k) => {
    if (!Object.is(v, b[i]![k])) n++;
  }));
  return n;
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
