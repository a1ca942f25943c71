import { describe, expect, it } from 'vitest';
import { BACKEND, container, initRefSchema, ReferenceBackend, resolveSpec, RngFactory, networkServices, type InitRef, type SpecInput } from '@txsim/core';
import { registerDevices } from '@txsim/devices';
import { Conv2dLayer } from '../layers/conv2d.js';
import { DenseLayer } from '../layers/dense.js';
import { buildNetwork } from '../networks/mlp.js';
import { fillInit } from './initializers.js';

const N = 200_000;

function draw(ref: string | Record<string, unknown>, fanIn: number, fanOut: number, n = N): Float32Array {
  const out = new Float32Array(n);
  fillInit(initRefSchema.parse(ref) as InitRef, out, { fanIn, fanOut }, 'weights', () => new RngFactory(7).stream('t'));
  return out;
}

function moments(x: Float32Array): { mean: number; variance: number; min: number; max: number } {
  let s = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const v of x) {
    s += v;
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  const mean = s / x.length;
  let q = 0;
  for (const v of x) q += (v - mean) ** 2;
  return { mean, variance: q / x.length, min, max };
}

/** Mean 0, variance `variance` (within 5 standard errors and 2 %), and, for a uniform, inside ±limit and reaching near it. */
function expectDistribution(x: Float32Array, variance: number, limit?: number): void {
  const m = moments(x);
  expect(Math.abs(m.mean)).toBeLessThan(5 * Math.sqrt(variance / x.length));
  expect(m.variance / variance).toBeGreaterThan(0.98);
  expect(m.variance / variance).toBeLessThan(1.02);
  if (limit !== undefined) {
    expect(m.min).toBeGreaterThanOrEqual(-limit);
    expect(m.max).toBeLessThanOrEqual(limit);
    expect(m.max).toBeGreaterThan(limit * 0.999);
    expect(m.min).toBeLessThan(-limit * 0.999);
  }
}

describe('init distributions against their closed forms', () => {
  const fanIn = 300;
  const fanOut = 100;
  it('glorot-uniform and glorot-normal, with gain', () => {
    const L = Math.sqrt(6 / (fanIn + fanOut));
    expectDistribution(draw('glorot-uniform', fanIn, fanOut), L * L / 3, L);
    expectDistribution(draw({ name: 'glorot-uniform', gain: 2 }, fanIn, fanOut), 4 * L * L / 3, 2 * L);
    expectDistribution(draw('glorot-normal', fanIn, fanOut), 2 / (fanIn + fanOut));
    expectDistribution(draw({ name: 'glorot-normal', gain: 3 }, fanIn, fanOut), 9 * 2 / (fanIn + fanOut));
  });

  it('kaiming-uniform and kaiming-normal on fan_in, with a', () => {
    // Var = gain²/fan_in, gain² = 2/(1 + a²); the uniform's limit is √3 standard deviations.
    for (const a of [0, 1, Math.sqrt(5)]) {
      const v = 2 / (1 + a * a) / fanIn;
      expectDistribution(draw({ name: 'kaiming-uniform', a }, fanIn, fanOut), v, Math.sqrt(3 * v) * (1 + 1e-6));
      expectDistribution(draw({ name: 'kaiming-normal', a }, fanIn, fanOut), v);
    }
  });

  it('pytorch-default is kaiming-uniform with a = √5: U(±1/√fan_in)', () => {
    const L = 1 / Math.sqrt(fanIn);
    expectDistribution(draw('pytorch-default', fanIn, fanOut), L * L / 3, L);
  });

  it('uniform, normal, bengio', () => {
    expectDistribution(draw({ name: 'uniform', limit: 0.3 }, fanIn, fanOut), 0.09 / 3, 0.3);
    expectDistribution(draw({ name: 'normal', std: 0.05 }, fanIn, fanOut), 0.0025);
    const L = 4 * Math.sqrt(6 / (fanIn + fanOut));
    expectDistribution(draw('bengio', fanIn, fanOut), L * L / 3, L);
  });

  it('discrete: NeuroSim\'s (rand() % 7 − 3)/3, each of the seven values a seventh of the time', () => {
    const values = [-1, -2 / 3, -1 / 3, 0, 1 / 3, 2 / 3, 1];
    const x = draw({ name: 'discrete', values }, fanIn, fanOut, 70_000);
    const counts = new Map<number, number>();
    for (const v of x) counts.set(v, (counts.get(v) ?? 0) + 1);
    expect([...counts.keys()].sort((a, b) => a - b)).toEqual(values.map((v) => Math.fround(v)));
    // Binomial(70000, 1/7): sd ≈ 92.6; 5 sd.
    for (const c of counts.values()) expect(Math.abs(c - 10_000)).toBeLessThan(463);
  });

  it('zeros and constant draw nothing', () => {
    let asked = 0;
    const out = new Float32Array(5).fill(9);
    fillInit({ name: 'zeros' }, out, { fanIn, fanOut }, 'bias', () => (asked++, new RngFactory(1).stream('x')));
    expect([...out]).toEqual([0, 0, 0, 0, 0]);
    fillInit({ name: 'constant', value: 0.25 }, out, { fanIn, fanOut }, 'bias', () => (asked++, new RngFactory(1).stream('x')));
    expect([...out]).toEqual([0.25, 0.25, 0.25, 0.25, 0.25]);
    expect(asked).toBe(0);
  });
});

function root() {
  const c = container.createChildContainer();
  registerDevices(c);
  c.register(BACKEND, { useValue: new ReferenceBackend() });
  c.register(RngFactory, { useValue: new RngFactory(1) });
  return c;
}

const net = (spec: SpecInput, seed = 3) => {
  const c = root();
  c.register(RngFactory, { useValue: new RngFactory(seed) });
  return buildNetwork(resolveSpec(spec, c), networkServices(c));
};

describe('init in the networks', () => {
  const data: SpecInput['data'] = { dataset: 'synthetic', shape: [1, 28, 28] };

  it('model.init applies to every layer, a layer\'s init overrides it field by field, and the bias has its own stream', () => {
    const plain = net({ data, model: { hidden: [64] } }).layers.filter((l): l is DenseLayer => l instanceof DenseLayer);
    const withBias = net({ data, model: { hidden: [64], init: { bias: 'pytorch-default' } } }).layers.filter((l): l is DenseLayer => l instanceof DenseLayer);
    // Choosing a bias init leaves the weights bit for bit as they were.
    expect(withBias[0]!.weights.data).toEqual(plain[0]!.weights.data);
    expect(plain[0]!.bias!.every((b) => b === 0)).toBe(true);
    const b = moments(withBias[0]!.bias!);
    expect(b.max).toBeLessThanOrEqual(1 / Math.sqrt(784));
    expect(b.min).toBeGreaterThanOrEqual(-1 / Math.sqrt(784));
    expect(b.max - b.min).toBeGreaterThan(1 / Math.sqrt(784)); // drawn, spread over the range

    const mixed = net({ data, model: { hidden: [64], init: { weights: { name: 'constant', value: 0.5 } } }, layers: { fc2: { init: { weights: 'zeros', bias: { name: 'constant', value: 2 } } } } })
      .layers.filter((l): l is DenseLayer => l instanceof DenseLayer);
    expect(mixed[0]!.weights.data.every((w) => w === 0.5)).toBe(true);
    expect(mixed[1]!.weights.data.every((w) => w === 0)).toBe(true);
    expect(mixed[1]!.bias!.every((v) => v === 2)).toBe(true);
  });

  it('a conv\'s fan_in is in_channels·k²: pytorch-default in LeNet-5 gives U(±1/5) on conv1 and U(±1/√150) on conv2', () => {
    const convs = net({ data, model: { type: 'lenet5', activation: 'relu', init: { weights: 'pytorch-default', bias: 'pytorch-default' } } })
      .layers.filter((l): l is Conv2dLayer => l instanceof Conv2dLayer);
    for (const [conv, fanIn] of [[convs[0]!, 25], [convs[1]!, 6 * 25]] as const) {
      const w = moments(conv.weights.data);
      expect(w.max).toBeLessThanOrEqual(1 / Math.sqrt(fanIn));
      expect(w.min).toBeGreaterThanOrEqual(-1 / Math.sqrt(fanIn));
      // conv2 has 2400 weights: its variance within 10 % of (1/√fan_in)²/3.
      if (fanIn === 150) expect(Math.abs(w.variance / (1 / fanIn / 3) - 1)).toBeLessThan(0.1);
      const b = moments(conv.bias!);
      expect(Math.max(Math.abs(b.min), Math.abs(b.max))).toBeLessThanOrEqual(1 / Math.sqrt(fanIn));
    }
  });

  it('the conv nets\' default stays He-uniform before ReLU: equal to an explicit kaiming-uniform, unlike glorot', () => {
    const spec = (init?: SpecInput['model']) => ({ data, model: { type: 'lenet5' as const, activation: 'relu' as const, ...init } });
    const w = (s: SpecInput) => net(s).layers.filter((l): l is Conv2dLayer => l instanceof Conv2dLayer)[1]!.weights.data;
    expect(w(spec({ init: { weights: 'kaiming-uniform' } }))).toEqual(w(spec()));
    expect(w(spec({ init: { weights: 'glorot-uniform' } }))).not.toEqual(w(spec()));
  });

  it('names every valid init when a name is wrong, with the field path', () => {
    expect(() => resolveSpec({ data, model: { init: { weights: 'xavier' } } }, root())).toThrow(/model\.init\.weights.*glorot-uniform/);
    expect(() => resolveSpec({ data, layers: { fc1: { init: { bias: { name: 'uniform' } } } } }, root())).toThrow(/layers\.fc1\.init\.bias\.limit/);
    expect(() => resolveSpec({ data, model: { init: { weights: { name: 'discrete', values: [] } } } }, root())).toThrow(/values.*at least one/);
  });
});
