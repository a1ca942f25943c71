import { describe, expect, it } from 'vitest';
import {
  BACKEND, CLOCK, container, lossOf, Matrix, MASTER_SEED, networkServices, ReferenceBackend, resolveSpec, RngFactory, Trainer,
  type Dataset, type EpochMetrics, type SpecInput,
} from '@txsim/core';
import { registerDevices } from '@txsim/devices';
import { DenseLayer } from '../layers/dense.js';
import { SigmoidLayer } from '../layers/activations.js';
import { buildNetwork } from './mlp.js';

function scope(seed = 1) {
  const c = container.createChildContainer();
  registerDevices(c);
  c.register(BACKEND, { useValue: new ReferenceBackend() });
  c.register(MASTER_SEED, { useValue: seed });
  c.register(RngFactory, { useValue: new RngFactory(seed) });
  c.register(CLOCK, { useValue: { now: () => 0 } });
  return c;
}

const data: SpecInput['data'] = { dataset: 'synthetic', shape: [1, 3, 2], classes: 3 };
const build = (spec: SpecInput) => {
  const c = scope();
  const resolved = resolveSpec({ data, ...spec }, c);
  return { net: buildNetwork(resolved, networkServices(c)), resolved, c };
};

/** A small batch of inputs in [0, 1) and labels, from a fixed stream. */
function batch(rows: number, cols: number, classes: number): { x: Matrix; y: Uint8Array } {
  const r = new RngFactory(11).stream('batch');
  const x = new Matrix(rows, cols);
  r.fillUniform(x.data, 0, 1);
  return { x, y: Uint8Array.from({ length: rows }, (_, i) => i % classes) };
}

const dense = (net: ReturnType<typeof build>['net']) => net.layers.filter((l): l is DenseLayer => l instanceof DenseLayer);

describe('squared-error loss', () => {
  it('is Σ (y − onehot)² averaged over the batch, gradient 2(y − t)/B (hand computation)', () => {
    const y = new Matrix(2, 3, Float32Array.from([0.2, 0.7, 0.1, 0.5, 0.5, 0.9]));
    const out = lossOf({ name: 'squared-error', outputs: 'linear' }).evaluate(y, [1, 0]);
    const l0 = 0.2 ** 2 + 0.3 ** 2 + 0.1 ** 2;
    const l1 = 0.5 ** 2 + 0.5 ** 2 + 0.9 ** 2;
    expect(out.loss).toBeCloseTo((l0 + l1) / 2, 6);
    expect([...out.grad.data].map((g) => +g.toFixed(6))).toEqual([0.2, -0.3, 0.1, -0.5, 0.5, 0.9]);
    expect(out.correct).toBe(1); // row 0 picks class 1 (right), row 1 class 2 (wrong)
  });

  it('with sigmoid outputs the network ends in a sigmoid; with linear outputs it does not', () => {
    expect(build({ model: { hidden: [4] }, training: { loss: 'squared-error' } }).net.layers.at(-1)).toBeInstanceOf(SigmoidLayer);
    expect(build({ model: { hidden: [4] }, training: { loss: { name: 'squared-error', outputs: 'linear' } } }).net.layers.at(-1)).toBeInstanceOf(DenseLayer);
    expect(build({ model: { hidden: [4] } }).net.layers.at(-1)).toBeInstanceOf(DenseLayer);
  });

  // The analytic weight gradient read back from one SGD step, W − η·g, against central differences of the loss.
  for (const loss of ['cross-entropy', 'squared-error', { name: 'squared-error', outputs: 'linear' }] as const) {
    it(`backward gives the loss's gradient: ${JSON.stringify(loss)}, by central differences`, () => {
      const spec: SpecInput = { model: { hidden: [4], init: { weights: { name: 'normal', std: 0.8 }, bias: { name: 'uniform', limit: 0.5 } } }, training: { loss } };
      const { net, resolved } = build(spec);
      const L = lossOf(resolved.spec.training.loss);
      const { x, y } = batch(5, 6, 3);
      const lossAt = () => L.evaluate(net.forward(x, false), y).loss;
      const layers = dense(net);
      const saved = net.state();
      const numeric = layers.map((l) => Float64Array.from(l.weights.data, (_, k) => {
        const w = l.weights.data;
        const w0 = w[k]!;
        const h = 1e-2;
        w[k] = w0 + h;
        const up = lossAt();
        w[k] = w0 - h;
        const down = lossAt();
        w[k] = w0;
        return (up - down) / (2 * h);
      }));
      const eta = 1e-3;
      net.backward(L.evaluate(net.forward(x, true), y).grad);
      net.update(eta);
      const after = net.state();
      let worst = 0;
      let scale = 0;
      layers.forEach((l, i) => {
        const w0 = saved[l.name]!.weights!;
        const w1 = after[l.name]!.weights!;
        for (let k = 0; k < w0.length; k++) {
          const analytic = (w0[k]! - w1[k]!) / eta;
          worst = Math.max(worst, Math.abs(analytic - numeric[i]![k]!));
          scale = Math.max(scale, Math.abs(numeric[i]![k]!));
        }
      });
      expect(scale).toBeGreaterThan(1e-2); // the gradients are not all vanishing
      expect(worst / scale).toBeLessThan(2e-3);
    });
  }

  it('gives MLP_NeuroSim V3\'s output delta −2·a·(1 − a)·(t − a) at batch 1 (Train.cpp s2), the SGD step −η·s2', () => {
    const { net } = build({ model: { hidden: [4] }, training: { loss: 'squared-error' } });
    const { x, y } = batch(1, 6, 3);
    const out = dense(net).at(-1)!;
    const b0 = out.bias!.slice();
    const a = net.forward(x, true);
    net.backward(lossOf({ name: 'squared-error', outputs: 'sigmoid' }).evaluate(a, y).grad);
    const eta = 0.4;
    net.update(eta);
    for (let j = 0; j < 3; j++) {
      const aj = a.data[j]!;
      const s2 = -2 * aj * (1 - aj) * ((j === y[0] ? 1 : 0) - aj);
      expect(out.bias![j]! - b0[j]!).toBeCloseTo(-eta * s2, 6);
    }
  });
});

describe('divergence under squared error', () => {
  it('measures against (C − 1)/C, the best constant output\'s loss, and stops exploding linear outputs', async () => {
    expect(lossOf({ name: 'squared-error', outputs: 'linear' }).chance(10)).toBeCloseTo(0.9, 12);
    // Constant outputs 1/C: (1 − 1/C)² + (C − 1)·(1/C)², checked on a batch.
    const flat = new Matrix(1, 10, new Float32Array(10).fill(0.1));
    expect(lossOf({ name: 'squared-error', outputs: 'linear' }).evaluate(flat, [3]).loss).toBeCloseTo(0.9, 6);
    const c = scope();
    const resolved = resolveSpec({ data, model: { hidden: [4] }, training: { learningRate: 50, loss: { name: 'squared-error', outputs: 'linear' } } }, c);
    const { trainingRecipe } = await import('@txsim/core');
    const { x, y } = batch(64, 6, 3);
    const sets: Dataset = { inputs: x, labels: y };
    await expect(c.resolve(Trainer).train(buildNetwork(resolved, networkServices(c)), sets, sets, { epochs: 3, batchSize: 8, ...trainingRecipe(resolved.spec) }))
      .rejects.toThrow(/training diverged: loss is .* \(100 × \(3 − 1\)\/3, the loss of a network that knows nothing\)|non-finite/);
  });
});

describe('learning rates', () => {
  it('a layer with its own rate moves that much further in one step; the others move as before', () => {
    const { x, y } = batch(8, 6, 3);
    const step = (rates?: Record<string, number>) => {
      const { net } = build({ model: { hidden: [5] } });
      const before = net.state();
      net.backward(lossOf(undefined).evaluate(net.forward(x, true), y).grad);
      net.update(0.1, rates);
      const after = net.state();
      return Object.fromEntries(Object.keys(before).map((k) => [k, Float64Array.from(after[k]!.weights!, (w, i) => w - before[k]!.weights![i]!)]));
    };
    const base = step();
    const doubled = step({ fc1: 0.2 });
    // Each difference of float32 weights (|w| < 1) is exact to an ulp, 6e-8; the steps are ~1e-2.
    for (let i = 0; i < base.fc1!.length; i++) expect(Math.abs(doubled.fc1![i]! - 2 * base.fc1![i]!)).toBeLessThan(3e-7);
    expect(doubled.fc2).toEqual(base.fc2);
    expect(base.fc1!.some((d) => Math.abs(d) > 1e-5)).toBe(true);
  });

  it('reaches a conv inside a ResNet-20 residual block by its name', () => {
    const x = new Matrix(4, 3 * 8 * 8);
    new RngFactory(5).stream('x').fillUniform(x.data, 0, 1);
    const y = Uint8Array.from([0, 1, 2, 0]);
    const step = (rates?: Record<string, number>) => {
      const { net } = build({ data: { dataset: 'synthetic', shape: [3, 8, 8], classes: 3 }, model: { type: 'resnet20' } });
      const before = net.state();
      net.backward(lossOf(undefined).evaluate(net.forward(x, true), y).grad);
      net.update(0.1, rates);
      const after = net.state();
      return (name: string) => Float64Array.from(after[name]!.weights!, (w, i) => w - before[name]!.weights![i]!);
    };
    const base = step();
    const faster = step({ conv5: 0.3 });
    const [b5, f5] = [base('conv5'), faster('conv5')];
    for (let i = 0; i < b5.length; i++) expect(Math.abs(f5[i]! - 3 * b5[i]!)).toBeLessThan(3e-7);
    expect(b5.some((d) => Math.abs(d) > 1e-5)).toBe(true);
    expect(faster('conv4')).toEqual(base('conv4'));
  });

  it('the trainer records each epoch\'s scheduled rate, and each own-rate layer\'s, in the epoch metrics; a resumed run continues the schedule', async () => {
    const spec: SpecInput = {
      data: { ...data, trainSize: 64, testSize: 16 },
      model: { hidden: [4] },
      training: { epochs: 4, batchSize: 16, learningRate: 0.4, schedule: { name: 'step', stepSize: 2, gamma: 0.5 } },
      layers: { fc2: { learningRate: 0.2 } },
    };
    const c = scope();
    const resolved = resolveSpec(spec, c);
    const { trainingRecipe } = await import('@txsim/core');
    const sets: Dataset = { inputs: batch(64, 6, 3).x, labels: batch(64, 6, 3).y };
    const run = async (startEpoch?: number) => c.resolve(Trainer).train(buildNetwork(resolved, networkServices(c)), sets, sets, { epochs: 4, batchSize: 16, ...trainingRecipe(resolved.spec), ...(startEpoch ? { startEpoch } : {}) });
    const all: EpochMetrics[] = await run();
    expect(all.map((m) => m.learningRate)).toEqual([0.4, 0.4, 0.2, 0.2]);
    expect(all.map((m) => m.learningRates)).toEqual([{ fc2: 0.2 }, { fc2: 0.2 }, { fc2: 0.1 }, { fc2: 0.1 }]);
    const resumed = await run(3);
    expect(resumed.map((m) => [m.epoch, m.learningRate])).toEqual([[3, 0.2], [4, 0.2]]);
  });
});
