import { describe, expect, it } from 'vitest';
import {
  BACKEND, container, createWasmBackend, MASTER_SEED, networkServices, resolveSpec, softmaxCrossEntropy, type Dataset, type SpecInput,
} from '@txsim/core';
import { registerDevices } from '@txsim/devices';
import { loadMnist } from '../data/mnist.js';
import { buildNetwork } from './mlp.js';

const { train } = loadMnist({ trainLimit: 2048, testLimit: 1 });

function scope(seed: number) {
  const c = container.createChildContainer();
  registerDevices(c);
  c.register(BACKEND, { useValue: createWasmBackend() });
  c.register(MASTER_SEED, { useValue: seed });
  return c;
}

/** Per-step losses of `steps` SGD steps over consecutive batches of `data`. */
function losses(spec: SpecInput, data: Dataset, steps: number, batch: number): number[] {
  const c = scope(spec.seed ?? 1);
  const net = buildNetwork(resolveSpec(spec, c), networkServices(c));
  const out: number[] = [];
  const cols = data.inputs.cols;
  const n = data.labels.length;
  for (let s = 0; s < steps; s++) {
    const start = (s * batch) % n;
    const x = data.inputs.rowSlice(start, start + batch);
    const y = data.labels.subarray(start, start + batch);
    const r = softmaxCrossEntropy(net.forward(x.clone(), true), y);
    net.backward(r.grad);
    net.update(spec.training?.learningRate ?? 0.1);
    out.push(r.loss);
  }
  expect(cols).toBe(784);
  return out;
}

const base: SpecInput = { seed: 7, model: { hidden: [48], activation: 'sigmoid' }, training: { learningRate: 0.5 } };

describe('an ideal crossbar reproduces plain float training', () => {
  it('gives the same loss at every one of 300 steps within 1e-5 relative', () => {
    const digital = losses(base, train, 300, 16);
    const ideal = losses({
      ...base,
      crossbar: {
        tile: { rows: 64, cols: 32 },
        device: 'ideal',
        mapping: { autoScale: 100 },
        dac: { name: 'dac', params: { bits: 0 } },
        adc: { name: 'adc', params: { bits: 0 } },
      },
    }, train, 300, 16);
    let worst = 0;
    for (let i = 0; i < digital.length; i++) worst = Math.max(worst, Math.abs(ideal[i]! - digital[i]!) / digital[i]!);
    expect(worst).toBeLessThan(1e-5);
    // The comparison is only meaningful if training actually moved: the loss must have dropped.
    expect(digital.slice(-20).reduce((a, b) => a + b) / 20).toBeLessThan(digital[0]! * 0.6);
  });

  it('departs from float training once converters quantise (the comparison can fail)', () => {
    const digital = losses(base, train, 50, 16);
    const coarse = losses({
      ...base,
      crossbar: { device: 'ideal', mapping: { autoScale: 100 }, dac: { name: 'dac', params: { bits: 4 } }, adc: { name: 'adc', params: { bits: 4 } } },
    }, train, 50, 16);
    const worst = Math.max(...digital.map((d, i) => Math.abs(coarse[i]! - d) / d));
    expect(worst).toBeGreaterThan(1e-3);
  });
});
