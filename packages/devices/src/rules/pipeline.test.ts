import { describe, expect, it } from 'vitest';
import { Matrix, ReferenceBackend, Rng, TiledCrossbar, tileGeometry, type CrossbarComponents, type UpdateRuleModel } from '@txsim/core';
import { pluginContext } from '@txsim/core/testing';
import { adc } from '../adc.js';
import { dac } from '../dac.js';
import { ideal } from '../ideal.js';
import { senseAmp } from '../sense-amp.js';
import { pulseCount } from './pulse-count.js';
import { stochasticPulses } from './stochastic-pulses.js';

// Through the real tile: an ideal device on [0, 10 µS] has the default 1000 steps, pulseStep 10 nS;
// with wMax = 1, s = 10 µS per weight, so one pulse pair moves a weight by dw_min = 2·10 nS / 10 µS = 0.002.
const geometry = tileGeometry(7, 5, 4, 4);
const DW_MIN = 0.002;

function crossbar(rule: UpdateRuleModel): TiledCrossbar {
  const ctx = pluginContext('tile', geometry);
  const peripherals = { dac: dac.create(ctx, dac.meta.params.parse({ bits: 0 })), senseAmp: senseAmp.create(ctx, senseAmp.meta.params.parse({})), adc: adc.create(ctx, adc.meta.params.parse({ bits: 0 })) };
  const components: CrossbarComponents = {
    device: ideal.create(ctx, ideal.meta.params.parse({})),
    updateRule: rule,
    read: { forward: peripherals, backward: peripherals },
    stack: [],
    wMax: 1,
    scheme: 'mid-range',
  };
  return new TiledCrossbar('fc', geometry, components, new ReferenceBackend(), new Matrix(7, 5));
}

function batch(seed: string, n: number) {
  const x = new Matrix(n, 7);
  const d = new Matrix(n, 5);
  new Rng(`${seed}/x`).fillUniform(x.data, -1, 1);
  new Rng(`${seed}/d`).fillUniform(d.data, -0.5, 0.5);
  const grad = new Matrix(7, 5);
  for (let b = 0; b < n; b++) for (let i = 0; i < 7; i++) for (let j = 0; j < 5; j++) grad.data[i * 5 + j]! += x.get(b, i) * d.get(b, j);
  return { x, d, grad };
}

describe('pulse rules through the tile', () => {
  it('pulse-count moves each weight by the rounded number of dw_min steps of −η·∇W', () => {
    const rule = pulseCount.create(pluginContext('pc', geometry), pulseCount.meta.params.parse({}));
    const tile = crossbar(rule);
    const { x, d, grad } = batch('pc', 4);
    const eta = 0.01;
    tile.update(grad, eta, x, d);
    const w = tile.weights();
    for (let k = 0; k < grad.data.length; k++) {
      const steps = Math.round(Math.abs((-eta * grad.data[k]!) / DW_MIN)) * Math.sign(-grad.data[k]!);
      expect(w.data[k]).toBeCloseTo(steps * DW_MIN, 9);
    }
  });

  it('stochastic-pulses moves weights by whole dw_min steps whose mean is −η·∇W', () => {
    const { x, d, grad } = batch('sp', 3);
    const eta = 0.01; // η/dw_min = 5, k ≤ 2.5: nothing clips
    const reps = 600;
    const sum = new Float64Array(grad.data.length);
    const rule = stochasticPulses.create(pluginContext('sp', geometry), stochasticPulses.meta.params.parse({}));
    for (let t = 0; t < reps; t++) {
      const tile = crossbar(rule);
      tile.update(grad, eta, x, d);
      const w = tile.weights();
      for (let k = 0; k < w.data.length; k++) {
        const steps = w.data[k]! / DW_MIN;
        expect(Math.abs(steps - Math.round(steps))).toBeLessThan(1e-6);
        sum[k]! += w.data[k]!;
      }
    }
    let err = 0;
    let scale = 0;
    for (let k = 0; k < sum.length; k++) {
      err += (sum[k]! / reps + eta * grad.data[k]!) ** 2;
      scale += (eta * grad.data[k]!) ** 2;
    }
    // Coincidence counts per sample are near-Poisson with mean ≤ 2.5, so 600 runs leave ~4 % noise.
    expect(Math.sqrt(err / scale)).toBeLessThan(0.1);
  });
});
