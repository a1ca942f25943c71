import { describe, expect, it } from 'vitest';
import { Matrix, ReferenceBackend, Rng, TiledCrossbar, tileGeometry, type CrossbarComponents, type DeviceModel, type UpdateRuleModel } from '@txsim/core';
import { pluginContext } from '@txsim/core/testing';
import { adc } from '../adc.js';
import { dac } from '../dac.js';
import { ideal } from '../ideal.js';
import { senseAmp } from '../sense-amp.js';
import { pulseCount } from './pulse-count.js';
import { stochasticPulses } from './stochastic-pulses.js';
import { constantStep } from '../pulsed/constant-step.js';

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

describe('listed pulse updates through the tile', () => {
  // The rule lists the cells it pulses; the tile routes (sign-split) and the device pulses only those,
  // in place. Hiding the list must not change a thing: the same seeds give the same weights.
  it.each([
    ['mid-range', true], ['sign-split', true], ['sign-split', false],
  ] as const)('give the weights of unlisted ones over many steps (%s; device uses the list: %s)', (scheme, deviceUsesList) => {
    const run = (listed: boolean) => {
      const ctx = pluginContext('listed', geometry);
      const rule = stochasticPulses.create(ctx, stochasticPulses.meta.params.parse({}));
      const hidden: UpdateRuleModel = { update: (inputs, out) => rule.update(inputs, { want: out.want, up: out.up, down: out.down }) };
      const peripherals = { dac: dac.create(ctx, dac.meta.params.parse({ bits: 0 })), senseAmp: senseAmp.create(ctx, senseAmp.meta.params.parse({})), adc: adc.create(ctx, adc.meta.params.parse({ bits: 0 })) };
      const components: CrossbarComponents = {
        device: withList(constantStep.create(ctx, constantStep.meta.params.parse({ dwMin: 0.02 })), deviceUsesList),
        updateRule: listed ? rule : hidden,
        read: { forward: peripherals, backward: peripherals },
        stack: [],
        wMax: 1,
        scheme,
      };
      const init = new Matrix(7, 5);
      new Rng('listed/w').fillUniform(init.data, -0.3, 0.3);
      const tile = new TiledCrossbar('fc', geometry, components, new ReferenceBackend(), init);
      const before = Array.from(tile.weights().data);
      for (let step = 0; step < 12; step++) {
        const { x, d, grad } = batch(`listed/${step}`, 4);
        tile.update(grad, 0.05, x, d);
      }
      const after = Array.from(tile.weights().data);
      return { after, moved: after.filter((v, k) => v !== before[k]).length };
    };
    const listed = run(true);
    expect(listed.after).toEqual(run(false).after);
    expect(listed.moved).toBeGreaterThan(20); // of 35 weights

  });
});

/** The device as is, or one that scans every cell (sees no list; the tile must then keep the routed counts exact everywhere). */
function withList(device: DeviceModel, uses: boolean): DeviceModel {
  if (uses) return device;
  return { ...device, pulsesInPlace: false, pulse: (g, up, down, dst, ctx) => device.pulse!(g, up, down, dst, { ...ctx, active: undefined }) };
}

describe('the gradient of an update', () => {
  it('is formed only when the rule reads it: never for pulse trains, once for a gradient rule', () => {
    const { x, d, grad } = batch('lazy', 3);
    let calls = 0;
    const lazy = () => {
      calls++;
      return grad;
    };
    crossbar(stochasticPulses.create(pluginContext('lazy', geometry), stochasticPulses.meta.params.parse({}))).update(lazy, 0.01, x, d);
    expect(calls).toBe(0);
    const counted = crossbar(pulseCount.create(pluginContext('lazy', geometry), pulseCount.meta.params.parse({})));
    counted.update(lazy, 0.01, x, d);
    expect(calls).toBe(1);
    // The same step with the gradient given directly lands on the same weights.
    const direct = crossbar(pulseCount.create(pluginContext('lazy', geometry), pulseCount.meta.params.parse({})));
    direct.update(grad, 0.01, x, d);
    expect(Array.from(counted.weights().data)).toEqual(Array.from(direct.weights().data));
  });
});
