import { describe, expect, it } from 'vitest';
import {
  BACKEND, container, crossbarFactory, defineDevice, findPlugin, LAYER_CONFIGURATORS, Matrix, ReferenceBackend, registerPlugins, resolveSpec, RngFactory,
  networkServices, type AnyPlugin, type CrossbarFactory, type NetworkServices, type SpecInput,
} from '@txsim/core';
import { registerDevices } from '@txsim/devices';
import { AnalogLinearLayer } from '../layers/analog-linear.js';
import { DenseLayer } from '../layers/dense.js';
import { buildNetwork, initialWeights } from './mlp.js';

const data: SpecInput['data'] = { dataset: 'synthetic', shape: [1, 4, 4] };
const analog: SpecInput = { data, model: { hidden: [8] }, crossbar: { device: 'ideal', tile: { rows: 8, cols: 8 } } };

/** A composition root: the devices, a reference backend, one random-stream factory. */
function root(seed = 1) {
  const c = container.createChildContainer();
  registerDevices(c);
  c.register(BACKEND, { useValue: new ReferenceBackend() });
  c.register(RngFactory, { useValue: new RngFactory(seed) });
  return c;
}

const noCrossbar: CrossbarFactory = (plan) => {
  throw new Error(`digital network asked for a crossbar for ${plan.name}`);
};

describe('buildNetwork', () => {
  it('builds a digital MLP from the services it is handed, weights from each layer\'s init stream', () => {
    const resolved = resolveSpec({ data, model: { hidden: [8] } }, root());
    const backend = new ReferenceBackend();
    const net = buildNetwork(resolved, { backend, rngs: new RngFactory(3), crossbar: noCrossbar });
    const dense = net.layers.filter((l): l is DenseLayer => l instanceof DenseLayer);
    expect(dense.map((l) => l.name)).toEqual(['fc1', 'fc2']);
    const expected = new RngFactory(3);
    for (const [i, plan] of resolved.layers.entries()) expect(dense[i]!.weights.data).toEqual(initialWeights(expected, plan).data);
    expect(net.forward(new Matrix(2, 16), false).cols).toBe(10);
  });

  it('takes each analog layer\'s crossbar from the handed factory, with the layer\'s plan and initial weights', () => {
    const c = root();
    const resolved = resolveSpec(analog, c);
    const rngs = new RngFactory(5);
    const calls: Array<[string, Float32Array]> = [];
    const make = crossbarFactory(c);
    const services: NetworkServices = {
      backend: new ReferenceBackend(),
      rngs,
      crossbar: (plan, w) => {
        calls.push([plan.name, w.data.slice()]);
        return make(plan, w);
      },
    };
    const net = buildNetwork(resolved, services);
    expect(calls.map(([name]) => name)).toEqual(['fc1', 'fc2']);
    const expected = new RngFactory(5);
    for (const [i, plan] of resolved.layers.entries()) expect(calls[i]![1]).toEqual(initialWeights(expected, plan).data);
    expect(net.layers.filter((l) => l instanceof AnalogLinearLayer).map((l) => l.name)).toEqual(['fc1', 'fc2']);
  });

  it('a layer configurator registered at the composition root reaches one layer of the built network', () => {
    const c = root();
    const ideal = findPlugin(c, 'device', 'ideal');
    // Same name, same parameters, twice the conductance range: only fc2 should see it.
    const wide = defineDevice({
      meta: ideal.meta,
      create: (ctx, p) => {
        const d = ideal.create(ctx, p);
        return { ...d, gmax: 2 * d.gmax };
      },
    }) as unknown as AnyPlugin;
    c.register(LAYER_CONFIGURATORS, {
      useValue: (layer, scope) => {
        if (layer.name === 'fc2') registerPlugins(scope, [wide], { override: true });
      },
    });
    const resolved = resolveSpec(analog, c);
    const net = buildNetwork(resolved, networkServices(c));
    const [fc1, fc2] = net.layers.filter((l): l is AnalogLinearLayer => l instanceof AnalogLinearLayer);
    expect(fc1!.crossbar.components.device.gmax).toBe(1e-5);
    expect(fc2!.crossbar.components.device.gmax).toBe(2e-5);
  });
});
