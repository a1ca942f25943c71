import { describe, expect, it } from 'vitest';
import { container } from '../di.js';
import { BACKEND, type ComputeBackend } from '../matrix/backend.js';
import { ReferenceBackend } from '../matrix/reference-backend.js';
import { defineDevice } from '../plugin/define.js';
import { params } from '../plugin/params.js';
import { findPlugin, registerPlugins } from '../plugin/registry.js';
import type { AnyPlugin } from '../plugin/types.js';
import { RngFactory } from '../random/rng-factory.js';
import { resolveSpec } from '../spec/resolve.js';
import { randomMatrix } from '../testing/fixtures.js';
import { buildCrossbar, crossbarFactory, LAYER_CONFIGURATORS, networkServices, type LayerConfigurator } from './compose.js';
import { testAdc, testDac, testDevice, testSenseAmp, testUpdate } from './test-components.js';

const crossbar = { device: 'test-device', dac: 'test-dac', senseAmp: 'test-sense-amp', adc: 'test-adc', updateRule: 'test-update' };

/** The experiment-wide container: test plugins, a reference backend, one random-stream factory. */
function experiment(backend: ComputeBackend = new ReferenceBackend()) {
  const c = container.createChildContainer();
  registerPlugins(c, [testDevice, testDac, testSenseAmp, testAdc, testUpdate] as unknown as AnyPlugin[]);
  c.register(BACKEND, { useValue: backend });
  c.register(RngFactory, { useValue: new RngFactory(7) });
  const { layers } = resolveSpec({ model: { hidden: [8] }, data: { dataset: 'synthetic', shape: [1, 4, 4] }, crossbar }, c);
  return { c, fc1: layers[0]!, fc2: layers[1]! };
}

/** Same name as the spec's device, twice its conductance range. */
const widerDevice = defineDevice({
  meta: { name: 'test-device', description: 'Lossless device on [0, 2] S.', phases: ['update'], params: params({}) },
  create: () => ({ gmin: 0, gmax: 2 }),
}) as unknown as AnyPlugin;

/** A reference backend that counts its GEMMs. */
function countingBackend() {
  const inner = new ReferenceBackend();
  const counter = { gemms: 0 };
  const backend = new Proxy(inner, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver) as unknown;
      if (key !== 'gemm' || typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        counter.gemms++;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { backend, counter };
}

describe('buildCrossbar: per-layer scope', () => {
  it('builds every layer from the experiment-wide plugins when no configurator is registered', () => {
    const { c, fc1, fc2 } = experiment();
    const make = crossbarFactory(c);
    expect(make(fc1, randomMatrix(16, 8)).components.device.gmax).toBe(1);
    expect(make(fc2, randomMatrix(8, 10)).components.device.gmax).toBe(1);
  });

  it('a configurator overrides a same-named device plugin for one layer only', () => {
    const { c, fc1, fc2 } = experiment();
    const seen: string[] = [];
    c.register(LAYER_CONFIGURATORS, {
      useValue: (layer, scope) => {
        seen.push(layer.name);
        if (layer.name === 'fc2') registerPlugins(scope, [widerDevice], { override: true });
      },
    });
    const make = crossbarFactory(c);
    const a = make(fc1, randomMatrix(16, 8));
    const b = make(fc2, randomMatrix(8, 10));
    expect(seen).toEqual(['fc1', 'fc2']);
    expect(a.components.device.gmax).toBe(1);
    expect(b.components.device.gmax).toBe(2);
    // The override lives in fc2's scope only; the experiment-wide registration is untouched.
    expect(findPlugin(c, 'device', 'test-device')).toBe(testDevice);
  });

  it('a configurator swaps the compute backend for one layer', () => {
    const { c, fc1, fc2 } = experiment();
    const { backend, counter } = countingBackend();
    const swap: LayerConfigurator = (layer, scope) => {
      if (layer.name === 'fc2') scope.register(BACKEND, { useValue: backend });
    };
    c.register(LAYER_CONFIGURATORS, { useValue: swap });
    const { crossbar: make } = networkServices(c);
    const a = make(fc1, randomMatrix(16, 8));
    const b = make(fc2, randomMatrix(8, 10));
    a.forward(randomMatrix(3, 16, 'x'));
    expect(counter.gemms).toBe(0);
    b.forward(randomMatrix(3, 8, 'x'));
    expect(counter.gemms).toBeGreaterThan(0);
  });

  it('runs the configurators of parent containers, in registration order', () => {
    const { c, fc1 } = experiment();
    const order: string[] = [];
    c.register(LAYER_CONFIGURATORS, { useValue: () => order.push('first') });
    c.register(LAYER_CONFIGURATORS, { useValue: () => order.push('second') });
    buildCrossbar(c.createChildContainer(), fc1, randomMatrix(16, 8));
    expect(order).toEqual(['first', 'second']);
  });
});

describe('networkServices', () => {
  it('hands out the container\'s backend and random streams, and a crossbar factory over it', () => {
    const backend = new ReferenceBackend();
    const { c, fc1 } = experiment(backend);
    const services = networkServices(c);
    expect(services.backend).toBe(backend);
    expect(services.rngs).toBe(c.resolve(RngFactory));
    expect(services.crossbar(fc1, randomMatrix(16, 8)).name).toBe('fc1');
  });
});
