import { describe, expect, it } from 'vitest';
import {
  BACKEND, container, createWasmBackend, defineUpdateRule, Matrix, MASTER_SEED, networkServices, params, registerPlugins, resolveSpec, Rng, softmaxCrossEntropy,
  type AnyPlugin, type Dataset, type SpecInput,
} from '@txsim/core';
import { registerDevices } from '@txsim/devices';
import { loadMnist } from '../data/mnist.js';
import { AnalogConv2dLayer } from '../layers/analog-conv2d.js';
import { buildNetwork } from './mlp.js';
import { stepLosses } from './test-steps.js';

const { train } = loadMnist({ trainLimit: 64, testLimit: 1 });

function scope(seed: number, extra: AnyPlugin[] = []) {
  const c = container.createChildContainer();
  registerDevices(c);
  registerPlugins(c, extra);
  c.register(BACKEND, { useValue: createWasmBackend() });
  c.register(MASTER_SEED, { useValue: seed });
  return c;
}

/** Per-step losses of `steps` SGD steps over consecutive batches of `data`. */
function losses(spec: SpecInput, data: Dataset, steps: number, batch: number): number[] {
  const c = scope(spec.seed ?? 1);
  return stepLosses(buildNetwork(resolveSpec(spec, c), networkServices(c)), data, steps, batch, spec.training?.learningRate ?? 0.1);
}

const idealCrossbar = {
  tile: { rows: 64, cols: 32 },
  device: 'ideal',
  mapping: { autoScale: 100 },
  dac: { name: 'dac', params: { bits: 0 } },
  adc: { name: 'adc', params: { bits: 0 } },
};

function worstRelative(a: number[], b: number[]): number {
  return Math.max(...a.map((v, i) => Math.abs(b[i]! - v) / v));
}

function synthetic(n: number, shape: [number, number, number], seed: string): Dataset {
  const inputs = new Matrix(n, shape[0] * shape[1] * shape[2]);
  new Rng(seed).fillUniform(inputs.data, 0, 1);
  return { inputs, labels: Uint8Array.from({ length: n }, (_, i) => i % 10) };
}

describe('conv networks on an ideal crossbar reproduce plain float training', () => {
  it('LeNet-5: the same loss at every one of 6 steps within 1e-5 relative', () => {
    const base: SpecInput = { seed: 3, model: { type: 'lenet5', activation: 'relu' }, training: { learningRate: 0.1 } };
    const digital = losses(base, train, 6, 8);
    const ideal = losses({ ...base, crossbar: idealCrossbar }, train, 6, 8);
    expect(worstRelative(digital, ideal)).toBeLessThan(1e-5);
    // Training moved the weights (otherwise equal losses would prove little).
    expect(new Set(digital.map((l) => l.toFixed(4))).size).toBe(6);
    // Quantising converters break the equality: the comparison can fail.
    const coarse = losses({ ...base, crossbar: { ...idealCrossbar, dac: { name: 'dac', params: { bits: 3 } } } }, train, 6, 8);
    expect(worstRelative(digital, coarse)).toBeGreaterThan(1e-3);
  });

  it('ResNet-20 (batch norm, option-A shortcuts): the same loss over 2 steps within 1e-5 relative', () => {
    const base: SpecInput = { seed: 5, data: { dataset: 'synthetic', shape: [3, 32, 32] }, model: { type: 'resnet20' }, training: { learningRate: 0.05 } };
    const data = synthetic(8, [3, 32, 32], 'cifar-like');
    const digital = losses(base, data, 2, 4);
    const ideal = losses({ ...base, crossbar: idealCrossbar }, data, 2, 4);
    expect(worstRelative(digital, ideal)).toBeLessThan(1e-5);
  });
});

describe('network structure', () => {
  it('ResNet-20 plans conv1…conv19 and fc1 on crossbars and exposes every leaf by name', () => {
    const c = scope(1);
    const net = buildNetwork(resolveSpec({ data: { dataset: 'synthetic', shape: [3, 32, 32] }, model: { type: 'resnet20' }, crossbar: idealCrossbar }, c), networkServices(c));
    const analog = net.layers.filter((l) => l.kind === 'analog').map((l) => l.name);
    expect(analog).toEqual([...Array.from({ length: 19 }, (_, i) => `conv${i + 1}`), 'fc1']);
    expect(Object.keys(net.activity())).toEqual(analog);
    const state = net.state();
    expect(Object.keys(state)).toContain('conv12.bn');
    expect(state['conv12.bn']!.runningVar!.length).toBe(32);
  });

  it('a small VGG builds, with per-layer overrides by name', () => {
    const c = scope(1);
    const resolved = resolveSpec({ data: { dataset: 'synthetic', shape: [3, 16, 16] }, model: { type: 'vgg', activation: 'relu' }, crossbar: idealCrossbar, layers: { conv2: { digital: true } } }, c);
    expect(resolved.layers.map((l) => [l.name, l.inputs, l.outputs])).toEqual([
      ['conv1', 27, 32], ['conv2', 288, 32], ['conv3', 288, 64], ['conv4', 576, 64], ['fc1', 64 * 4 * 4, 128], ['fc2', 128, 10],
    ]);
    const net = buildNetwork(resolved, networkServices(c));
    expect(net.layers.filter((l) => l.kind === 'analog').map((l) => l.name)).toEqual(['conv1', 'conv3', 'conv4', 'fc1', 'fc2']);
    const y = net.forward(synthetic(2, [3, 16, 16], 'v').inputs, false);
    expect([y.rows, y.cols]).toEqual([2, 10]);
  });
});

describe('an analog conv hands pulse-train update rules one x/δ pair per output position', () => {
  it('x holds the im2col patches and δ the output error rows, with xᵀ·δ the gradient', () => {
    const seen: Array<{ layer: string; x: Matrix; d: Matrix; grad: Float32Array; paddedCols: number }> = [];
    const record = defineUpdateRule({
      meta: { name: 'test-record', description: 'Records its inputs and asks for no pulses.', phases: ['update'], params: params({}) },
      create: (ctx) => ({
        update({ x, d, grad, geometry }, { up, down }) {
          seen.push({ layer: ctx.layer, x: x.clone(), d: d.clone(), grad: grad.slice(), paddedCols: geometry.paddedCols });
          up.fill(0);
          down.fill(0);
          return 'pulses';
        },
      }),
    });
    const c = scope(2, [record as unknown as AnyPlugin]);
    const spec: SpecInput = { model: { type: 'lenet5' }, crossbar: { ...idealCrossbar, updateRule: 'test-record' }, layers: { fc1: { digital: true }, fc2: { digital: true }, fc3: { digital: true } } };
    const net = buildNetwork(resolveSpec(spec, c), networkServices(c));
    const batch = 3;
    const x = train.inputs.rowSlice(0, batch).clone();
    const r = softmaxCrossEntropy(net.forward(x, true), train.labels.subarray(0, batch));
    net.backward(r.grad);
    net.update(0.1);
    expect(seen.map((s) => s.layer)).toEqual(['conv1', 'conv2']);
    const [c1, c2] = seen as [typeof seen[0], typeof seen[0]];
    expect([c1.x.rows, c1.x.cols, c1.d.rows, c1.d.cols]).toEqual([batch * 28 * 28, 25, batch * 28 * 28, 6]);
    expect([c2.x.rows, c2.x.cols, c2.d.rows, c2.d.cols]).toEqual([batch * 10 * 10, 6 * 25, batch * 10 * 10, 16]);
    // conv1's patch of image n at output (i, j), kernel offset (u, v): pixel (i+u−2, j+v−2), zero outside.
    for (const [n, i, j] of [[0, 0, 0], [1, 13, 7], [2, 27, 27], [2, 1, 26]] as const) {
      for (let u = 0; u < 5; u++) {
        for (let v = 0; v < 5; v++) {
          const yy = i + u - 2;
          const xx = j + v - 2;
          const want = yy < 0 || yy > 27 || xx < 0 || xx > 27 ? 0 : x.data[n * 784 + yy * 28 + xx]!;
          expect(c1.x.data[(n * 784 + i * 28 + j) * 25 + u * 5 + v]).toBe(want);
        }
      }
    }
    // The gradient the rule gets is Σ over all patch rows of x·δ, for both convs.
    for (const s of [c1, c2]) {
      for (const [k, o] of [[0, 0], [s.x.cols - 1, s.d.cols - 1], [7, 3]] as const) {
        let sum = 0;
        for (let row = 0; row < s.x.rows; row++) sum += s.x.data[row * s.x.cols + k]! * s.d.data[row * s.d.cols + o]!;
        expect(s.grad[k * s.paddedCols + o]).toBeCloseTo(sum, 5);
      }
    }
    expect(net.layers.filter((l) => l instanceof AnalogConv2dLayer).length).toBe(2);
  });
});
