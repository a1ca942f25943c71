import { describe, expect, it } from 'vitest';
import {
  BACKEND, container, createWasmBackend, Matrix, MASTER_SEED, networkServices, resolveSpec, softmaxCrossEntropy, type Dataset, type SpecInput,
} from '@txsim/core';
import { registerDevices } from '@txsim/devices';
import { loadMnist } from '../data/mnist.js';
import { AnalogConv2dLayer } from '../layers/analog-conv2d.js';
import { AnalogLinearLayer } from '../layers/analog-linear.js';
import { Conv2dLayer } from '../layers/conv2d.js';
import { DenseLayer } from '../layers/dense.js';
import { buildNetwork } from './mlp.js';
import { stepLosses } from './test-steps.js';

const { train } = loadMnist({ trainLimit: 1024, testLimit: 1 });

function build(spec: SpecInput) {
  const c = container.createChildContainer();
  registerDevices(c);
  c.register(BACKEND, { useValue: createWasmBackend() });
  c.register(MASTER_SEED, { useValue: spec.seed ?? 1 });
  return buildNetwork(resolveSpec(spec, c), networkServices(c));
}

/** Per-step losses of `steps` SGD steps over consecutive batches of `data`. */
function losses(spec: SpecInput, data: Dataset, steps: number, batch: number): number[] {
  return stepLosses(build(spec), data, steps, batch, spec.training?.learningRate ?? 0.1);
}

const worstRelative = (a: number[], b: number[]) => Math.max(...a.map((v, i) => Math.abs(b[i]! - v) / v));

const base: SpecInput = { seed: 7, model: { hidden: [48], activation: 'sigmoid' }, training: { learningRate: 0.5 } };
const ideal = {
  tile: { rows: 64, cols: 32 },
  device: 'ideal',
  mapping: { autoScale: 100 },
  dac: { name: 'dac', params: { bits: 0 } },
  adc: { name: 'adc', params: { bits: 0 } },
};

describe('reference-column mapping on an ideal crossbar reproduces plain float training', () => {
  const digital = losses(base, train, 150, 16);
  for (const subtract of ['analog', 'digital'] as const) {
    // autoScale 10: digital subtraction takes the difference of two float32 currents of size gref·Σx, so a
    // weight range far below gref (autoScale 100) would lose its digits to the cancellation (6e-5 measured).
    it(`${subtract} subtraction: the same loss at every one of 150 steps within 1e-5 relative`, () => {
      const xbar = losses({ ...base, crossbar: { ...ideal, mapping: { autoScale: 10, scheme: 'reference-column', reference: { subtract, conductance: '7 uS' } } } }, train, 150, 16);
      expect(worstRelative(digital, xbar)).toBeLessThan(1e-5);
      expect(digital.slice(-20).reduce((a, b) => a + b) / 20).toBeLessThan(digital[0]! * 0.7);
    });
  }
});

describe('bias placement', () => {
  it('analog: an ideal crossbar with the bias as an always-on row trains as float training with a digital bias', () => {
    // A large learning rate on few inputs makes the bias matter: it moves well away from 0.
    const digital = losses(base, train, 150, 16);
    const analog = losses({ ...base, model: { ...base.model, bias: 'analog' }, crossbar: ideal }, train, 150, 16);
    expect(worstRelative(digital, analog)).toBeLessThan(1e-5);
    // Without any bias the losses differ: the comparison can fail.
    const none = losses({ ...base, model: { ...base.model, bias: 'none' } }, train, 150, 16);
    expect(worstRelative(digital, none)).toBeGreaterThan(1e-3);
  });

  it('analog: LeNet-5 convolutions and fc layers carry the bias row, and train as float training', () => {
    const lenet: SpecInput = { seed: 3, model: { type: 'lenet5', activation: 'relu' }, training: { learningRate: 0.1 } };
    const digital = losses(lenet, train, 4, 8);
    const analog = losses({ ...lenet, model: { ...lenet.model, bias: 'analog' }, crossbar: ideal }, train, 4, 8);
    expect(worstRelative(digital, analog)).toBeLessThan(1e-5);
  });

  it('analog: the array has one more row, and tiling counts it (64 inputs on 64-row tiles take two tile rows)', () => {
    const net = build({ model: { hidden: [32], bias: 'analog' }, data: { dataset: 'synthetic', shape: [1, 8, 8], classes: 10 }, crossbar: ideal });
    const [fc1] = net.layers.filter((l): l is AnalogLinearLayer => l instanceof AnalogLinearLayer);
    expect(fc1!.crossbar.geometry).toMatchObject({ rows: 65, cols: 32, gridRows: 2 });
    expect(fc1!.bias).toBeNull();
    expect(Object.keys(fc1!.state())).toEqual(['plus', 'minus']);
    // The bias row starts at the initial bias (zero) and reads as the array's last row.
    const w = fc1!.crossbar.weights();
    expect(Array.from(w.data.subarray(64 * 32))).toEqual(new Array(32).fill(0));
  });

  it('none: no bias parameter at all (layers, checkpoints), digital and analog', () => {
    const net = build({ ...base, model: { ...base.model, bias: 'none' }, layers: { fc2: { crossbar: ideal } } });
    const dense = net.layers.find((l): l is DenseLayer => l instanceof DenseLayer)!;
    const analog = net.layers.find((l): l is AnalogLinearLayer => l instanceof AnalogLinearLayer)!;
    expect(dense.bias).toBeNull();
    expect(analog.bias).toBeNull();
    expect(Object.keys(dense.state())).toEqual(['weights']);
    expect(Object.keys(analog.state())).toEqual(['plus', 'minus']);
    // A zero input gives a zero pre-activation in the first layer: nothing is added.
    expect(Array.from(dense.forward(new Matrix(1, 784), false).data).every((v) => v === 0)).toBe(true);
  });

  it('checkpoints: an analog-bias, reference-column network restores to the same reads', () => {
    const spec: SpecInput = {
      ...base, model: { ...base.model, bias: 'analog' },
      crossbar: { ...ideal, mapping: { autoScale: 10, scheme: 'reference-column', reference: { subtract: 'digital' } } },
      layers: { fc2: { bias: 'none', digital: true } },
    };
    const net = build(spec);
    const x = train.inputs.rowSlice(0, 16).clone();
    for (let s = 0; s < 3; s++) {
      const r = softmaxCrossEntropy(net.forward(x.clone(), true), train.labels.subarray(0, 16));
      net.backward(r.grad);
      net.update(0.5);
    }
    const fresh = build(spec);
    // Training moved the network away from its start (so the comparison below can fail).
    expect(Array.from(fresh.forward(x.clone(), false).data)).not.toEqual(Array.from(net.forward(x.clone(), false).data));
    net.layers.forEach((l, i) => l.state && fresh.layers[i]!.restore!(l.state()));
    expect(Array.from(fresh.forward(x.clone(), false).data)).toEqual(Array.from(net.forward(x.clone(), false).data));
  });

  it('a layer override wins over model.bias', () => {
    const net = build({ ...base, model: { ...base.model, bias: 'none' }, layers: { fc2: { bias: 'digital' } } });
    const [fc1, fc2] = net.layers.filter((l): l is DenseLayer => l instanceof DenseLayer);
    expect(fc1!.bias).toBeNull();
    expect(fc2!.bias).toBeInstanceOf(Float32Array);
  });
});

describe('weight clipping', () => {
  it('digital layers clip |w| to max after each update (hand computation of one step)', () => {
    const spec: SpecInput = { ...base, model: { ...base.model, weightClip: { max: 0.05 } } };
    const net = build(spec);
    const free = build(base);
    const x = train.inputs.rowSlice(0, 16).clone();
    for (const n of [net, free]) {
      const r = softmaxCrossEntropy(n.forward(x.clone(), true), train.labels.subarray(0, 16));
      n.backward(r.grad);
      n.update(0.5);
    }
    // The unclipped step from the same start, clipped by hand, equals the clipped layer's weights.
    const [clipped] = net.layers.filter((l): l is DenseLayer => l instanceof DenseLayer);
    const [plain] = free.layers.filter((l): l is DenseLayer => l instanceof DenseLayer);
    const byHand = plain!.weights.data.map((v) => Math.max(-0.05, Math.min(0.05, v)));
    expect(Array.from(clipped!.weights.data)).toEqual(Array.from(byHand));
    expect(byHand.some((v, i) => v !== plain!.weights.data[i])).toBe(true);
  });

  it('relative: × CrossSim\'s baseline 4·√(6/(rows + cols)); on a crossbar it is the mapped range wMax', () => {
    const spec: SpecInput = { ...base, model: { ...base.model, weightClip: { relative: 1.5 }, bias: 'analog' }, layers: { fc2: { crossbar: ideal } } };
    const net = build(spec);
    const fc1 = net.layers.find((l): l is DenseLayer => l instanceof DenseLayer)!;
    const fc2 = net.layers.find((l): l is AnalogLinearLayer => l instanceof AnalogLinearLayer)!;
    // fc2 is 48 → 10 with its analog bias row: 49 rows.
    expect(fc2.crossbar.components.wMax).toBeCloseTo(1.5 * 4 * Math.sqrt(6 / (49 + 10)), 12);
    // fc1 is digital (its bias too): 784 + 48.
    const limit = 1.5 * 4 * Math.sqrt(6 / (784 + 48));
    const x = train.inputs.rowSlice(0, 16).clone();
    for (let s = 0; s < 5; s++) {
      const r = softmaxCrossEntropy(net.forward(x.clone(), true), train.labels.subarray(0, 16));
      net.backward(r.grad);
      net.update(50);
    }
    const max = fc1.weights.data.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    expect(max).toBeCloseTo(limit, 6);
  });
});

describe('iterative bound management through the spec (adc plugin, fixed full scale)', () => {
  it('re-reads the rows whose currents pass full scale at half drive, within the ADC step of the ideal read, counting the re-reads', () => {
    const spec = (fullScale: number, bm: boolean): SpecInput => ({
      ...base, model: { hidden: [8] }, layers: { fc1: { digital: true } },
      crossbar: { ...ideal, adc: { name: 'adc', params: { bits: 8, fullScale } }, ...(bm ? { boundManagement: { name: 'iterative', maxHalvings: 3 } } : {}) },
    });
    const probe = build(spec(1, false)).layers.find((l): l is AnalogLinearLayer => l instanceof AnalogLinearLayer)!;
    const x = new Matrix(6, 8, Float32Array.from({ length: 48 }, (_, i) => Math.cos(i * 1.7) * (1 + (i % 5))));
    const w = probe.crossbar.weights();
    const yIdeal = new Matrix(6, 10);
    createWasmBackend().gemm(x, w, yIdeal);
    // The DAC drives max|x| of a row at 0.2 V, so a result y (weight units) is the current y·s·0.2/max|x|.
    const s = probe.crossbar.siemensPerWeight;
    const rowMax = Array.from({ length: 6 }, (_, b) => Math.max(...x.data.subarray(b * 8, b * 8 + 8).map(Math.abs)));
    const peak = rowMax.map((m, b) => Math.max(...yIdeal.data.subarray(b * 10, b * 10 + 10).map(Math.abs)) * s * 0.2 / m);
    const full = 0.6 * Math.max(...peak);
    const saturating = peak.filter((p) => p >= full * (1 - 0.5 / 127)).length;
    expect(saturating).toBeGreaterThan(0);
    expect(saturating).toBeLessThan(6);
    const layer = (bm: boolean) => build(spec(full, bm)).layers.find((l): l is AnalogLinearLayer => l instanceof AnalogLinearLayer)!;
    const managed = layer(true);
    const yBm = managed.forward(x, false);
    const yClip = layer(false).forward(x, false);
    const err = (y: Matrix, b: number) => Math.max(...Array.from({ length: 10 }, (_, j) => Math.abs(y.data[b * 10 + j]! - yIdeal.data[b * 10 + j]!)));
    for (let b = 0; b < 6; b++) {
      // One halving suffices (peak < 2·full); the code step in weight units, doubled by the halving.
      const step = (full / 127) * (rowMax[b]! / 0.2) / s;
      expect(err(yBm, b)).toBeLessThanOrEqual(2 * step * 0.5 + 1e-6);
      if (peak[b]! > full * 1.05) expect(err(yClip, b)).toBeGreaterThan(5 * step);
    }
    expect(managed.crossbar.activity.forward.tileReads).toBe(6 + saturating);
  });
});

describe('threshold-dac', () => {
  it('the read sees x ≥ threshold as 1, the update uses the analog x', () => {
    const net = build({
      ...base,
      model: { hidden: [8], activation: 'sigmoid' },
      crossbar: { ...ideal, dac: { name: 'threshold-dac', params: { threshold: 0.5 } } },
      layers: { fc1: { digital: true } },
    });
    const fc2 = net.layers.find((l): l is AnalogLinearLayer => l instanceof AnalogLinearLayer)!;
    const x = new Matrix(3, 8, Float32Array.from({ length: 24 }, (_, i) => ((i * 37) % 11) / 10));
    const w0 = fc2.crossbar.weights();
    const y = fc2.forward(x, true);
    // The read by hand: binarise, then multiply (the digital bias is zero at the start).
    const bin = new Matrix(3, 8, x.data.map((v) => (v >= 0.5 ? 1 : 0)));
    for (let b = 0; b < 3; b++) {
      for (let j = 0; j < 10; j++) {
        let s = 0;
        for (let i = 0; i < 8; i++) s += bin.data[b * 8 + i]! * w0.data[i * 10 + j]!;
        expect(y.data[b * 10 + j]).toBeCloseTo(s, 5);
      }
    }
    const dy = new Matrix(3, 10, Float32Array.from({ length: 30 }, (_, i) => Math.sin(i)));
    fc2.backward(dy, false);
    fc2.update(0.1);
    // W ← W − η·xᵀ·δ with the analog x (the binary x would give a different step).
    const w1 = fc2.crossbar.weights();
    let worst = 0;
    let binaryGap = 0;
    for (let i = 0; i < 8; i++) {
      for (let j = 0; j < 10; j++) {
        let g = 0;
        let gb = 0;
        for (let b = 0; b < 3; b++) {
          g += x.data[b * 8 + i]! * dy.data[b * 10 + j]!;
          gb += bin.data[b * 8 + i]! * dy.data[b * 10 + j]!;
        }
        const k = i * 10 + j;
        worst = Math.max(worst, Math.abs(w1.data[k]! - (w0.data[k]! - 0.1 * g)));
        binaryGap = Math.max(binaryGap, Math.abs(w1.data[k]! - (w0.data[k]! - 0.1 * gb)));
      }
    }
    expect(worst).toBeLessThan(1e-6);
    expect(binaryGap).toBeGreaterThan(1e-3);
  });
});

describe('the layers built for conv nets follow the plan too', () => {
  it('LeNet-5 with bias none on a crossbar and digital conv2: no bias anywhere', () => {
    const net = build({ model: { type: 'lenet5', bias: 'none' }, crossbar: ideal, layers: { conv2: { digital: true } } });
    const conv1 = net.layers.find((l): l is AnalogConv2dLayer => l instanceof AnalogConv2dLayer)!;
    const conv2 = net.layers.find((l): l is Conv2dLayer => l instanceof Conv2dLayer)!;
    expect(conv1.bias).toBeNull();
    expect(conv2.bias).toBeNull();
  });
});
