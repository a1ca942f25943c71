import { specIssues } from '../testing/fixtures.js';
import { describe, expect, it } from 'vitest';
import { container } from '../di.js';
import { defineNonideality } from '../plugin/define.js';
import { params, quantity } from '../plugin/params.js';
import { registerPlugins } from '../plugin/registry.js';
import type { AnyPlugin } from '../plugin/types.js';
import { testAdc, testDac, testDevice, testScale, testSenseAmp, testUpdate } from '../tile/test-components.js';
import { resolveSpec } from './resolve.js';

const wire = defineNonideality({
  meta: {
    name: 'test-wire',
    description: 'Series resistance for spec tests.',
    phases: ['forward', 'backward'],
    params: params({ rRow: quantity('ohm', { description: 'Row wire.', default: 1, neutral: 0, min: 0 }) }),
  },
  create: () => ({ conductance: (src, dst) => dst.set(src) }),
});

/** Declares that it models the same wires as test-wire, so the two must not share a stack. */
const circuit = defineNonideality({
  meta: { name: 'test-circuit', description: 'Wires as a network, for spec tests.', phases: ['forward'], excludes: ['test-wire'], params: params({}) },
  create: () => ({}),
});

const scope = container.createChildContainer();
registerPlugins(scope, [testDevice, testDac, testSenseAmp, testAdc, testUpdate, testScale, wire, circuit] as unknown as AnyPlugin[]);

const crossbar = {
  device: 'test-device', dac: 'test-dac', senseAmp: 'test-sense-amp', adc: 'test-adc', updateRule: 'test-update',
  nonidealities: [{ name: 'test-wire', params: { rRow: '2.5 ohm' } }],
};

const issues = (raw: unknown) => specIssues(raw, scope);

describe('resolveSpec', () => {
  it('fills defaults, parses units into SI and plans every layer', () => {
    const r = resolveSpec({ model: { hidden: [32] }, crossbar }, scope);
    expect(r.layers.map((l) => [l.name, l.inputs, l.outputs])).toEqual([['fc1', 784, 32], ['fc2', 32, 10]]);
    expect(r.layers[0]!.crossbar!.nonidealities[0]!.params.rRow).toBe(2.5);
    expect(r.layers[0]!.crossbar!.tile).toEqual({ rows: 64, cols: 64, fit: false });
    expect(r.spec.training.batchSize).toBe(64);
  });

  it('plans plain digital layers when there is no crossbar section', () => {
    expect(resolveSpec({}, scope).layers.every((l) => l.crossbar === null)).toBe(true);
  });

  it('merges per-layer overrides and per-phase converters', () => {
    const r = resolveSpec({
      model: { hidden: [32] },
      crossbar: { ...crossbar, backward: { adc: 'test-adc' } },
      layers: { fc2: { crossbar: { tile: { rows: 16 }, nonidealities: [] } }, fc1: { digital: false } },
    }, scope);
    expect(r.layers[1]!.crossbar!.tile).toEqual({ rows: 16, cols: 64, fit: false });
    expect(r.layers[1]!.crossbar!.nonidealities).toEqual([]);
    expect(r.layers[0]!.crossbar!.nonidealities).toHaveLength(1);
  });

  it('rejects every problem at once, each with the path of its field', () => {
    const found = issues({
      seed: 'x',
      trainig: {},
      model: { hidden: [32] },
      crossbar: { ...crossbar, device: 'test-devise', nonidealities: [{ name: 'test-wire', params: { rRow: '-3 ohm' } }, { name: 'test-wire', params: { rRow: '10 uS' } }] },
      layers: { fc9: { digital: true } },
    });
    const byPath = Object.fromEntries(found.map((i) => [i.path, i.message]));
    expect(Object.keys(byPath)).toEqual(expect.arrayContaining(['seed', 'trainig', 'crossbar.device.name', 'crossbar.nonidealities[1].params.rRow']));
    expect(byPath.trainig).toMatch(/did you mean "training"/);
  });

  it('names unknown plugins with a suggestion, bad units and negative values, and unknown layers', () => {
    const found = issues({
      model: { hidden: [32] },
      crossbar: { ...crossbar, device: 'test-devise', nonidealities: [{ name: 'test-wire', params: { rRow: '-3 ohm' } }, { name: 'test-wire', params: { rRow: '10 uS' } }, { name: 'test-wire', params: { rCol: 1 } }] },
      layers: { fc9: { digital: true }, fc2: { crossbar: { tile: { rows: -4 } } } },
    });
    const byPath = Object.fromEntries(found.map((i) => [i.path, i.message]));
    expect(byPath['crossbar.device.name']).toMatch(/unknown device plugin "test-devise" \(did you mean "test-device"\?\)/);
    expect(byPath['crossbar.nonidealities[0].params.rRow']).toMatch(/≥ 0 ohm/);
    expect(byPath['crossbar.nonidealities[1].params.rRow']).toMatch(/not a resistance/);
    expect(byPath['crossbar.nonidealities[2].params.rCol']).toMatch(/unknown field \(did you mean "rRow"\?\)/);
    expect(byPath['layers.fc9']).toMatch(/no layer named "fc9"; this model's layers are fc1, fc2/);
    expect(byPath['layers.fc2.crossbar.tile.rows']).toMatch(/> 0/);
  });

  it('reports __proto__, constructor and prototype layer overrides as unknown layers, not silently dropped', () => {
    for (const key of ['__proto__', 'constructor', 'prototype']) {
      const raw = JSON.parse(`{"model": {"hidden": [32]}, "layers": {"${key}": {"digital": true}}}`) as unknown;
      const byPath = Object.fromEntries(issues(raw).map((i) => [i.path, i.message]));
      expect(byPath[`layers.${key}`], key).toMatch(new RegExp(`no layer named "${key}"; this model's layers are fc1, fc2`));
    }
  });

  it('reports an own "__proto__" field anywhere in the spec', () => {
    const raw = JSON.parse('{"model": {"hidden": [32]}, "crossbar": {"__proto__": {"tile": {"rows": 8}}}, "training": {"__proto__": {"epochs": 9}}}') as unknown;
    const byPath = Object.fromEntries(issues(raw).map((i) => [i.path, i.message]));
    expect(byPath['crossbar.__proto__']).toMatch(/unknown field/);
    expect(byPath['training.__proto__']).toMatch(/unknown field/);
    expect(({} as Record<string, unknown>).epochs).toBeUndefined();
  });

  it('rejects plugins that exclude each other in one stack, naming both entries, experiment-wide and per layer', () => {
    const both = issues({ model: { hidden: [32] }, crossbar: { ...crossbar, nonidealities: [{ name: 'test-wire' }, { name: 'test-circuit' }] } });
    expect(both).toEqual([{
      path: 'crossbar.nonidealities[1]',
      message: expect.stringMatching(/^"test-circuit" cannot be combined with "test-wire" \(at crossbar\.nonidealities\[0\]\) in one stack/) as string,
    }]);
    // Declared on one side only, it applies in either order.
    expect(issues({ model: { hidden: [32] }, crossbar: { ...crossbar, nonidealities: [{ name: 'test-circuit' }, { name: 'test-wire' }] } })[0]?.path).toBe('crossbar.nonidealities[1]');
    // A layer adding one to an inherited stack holding the other: reported at the layer's entry.
    const layer = issues({ model: { hidden: [32] }, crossbar, layers: { fc2: { crossbar: { nonidealities: { add: [{ name: 'test-circuit' }] } } } } });
    expect(layer.map((i) => i.path)).toEqual(['layers.fc2.crossbar.nonidealities.add[0]']);
    expect(layer[0]!.message).toContain('(at crossbar.nonidealities[0])');
    // Inherited whole by every layer, the pair is reported once, at the experiment-wide stack.
    const inherited = issues({ model: { hidden: [32] }, crossbar: { ...crossbar, nonidealities: [{ name: 'test-wire' }, { name: 'test-circuit' }] }, layers: { fc2: { crossbar: { tile: { rows: 32 } } } } });
    expect(inherited.map((i) => i.path)).toEqual(['crossbar.nonidealities[1]']);
  });

  it('rejects phases a plugin does not act in, and empty specs', () => {
    const found = issues({ crossbar: { ...crossbar, nonidealities: [{ name: 'test-wire', phases: ['update'] }] } });
    expect(found[0]!.path).toBe('crossbar.nonidealities[0].phases');
    expect(issues(null)[0]!.message).toMatch(/empty/);
  });

  it('lays presets in order under the spec, and reports unknown presets with a suggestion', () => {
    const presets = { small: { model: { hidden: [16] }, crossbar: { ...crossbar, tile: { rows: 8, cols: 8 } } }, wide: { crossbar: { tile: { cols: 32 } } } };
    const r = resolveSpec({ preset: ['small', 'wide'], crossbar: { tile: { rows: 4 } } }, scope, undefined, { presets });
    expect(r.spec.model.hidden).toEqual([16]);
    expect(r.spec.crossbar!.tile).toEqual({ rows: 4, cols: 32, fit: false });
    expect(r.spec).not.toHaveProperty('preset');
    expect(issues({ preset: 'smal' })[0]).toEqual({ path: 'preset', message: 'unknown preset "smal"; known presets: none' });
    expect(() => resolveSpec({ preset: ['small', 'smal'] }, scope, undefined, { presets })).toThrow(/preset\[1\]: unknown preset "smal" \(did you mean "small"\?\); known presets: small, wide/);
  });

  it('suggests the nearest enum value', () => {
    expect(issues({ model: { activation: 'sigmod' } })[0]!.message).toBe('expected one of "sigmoid", "relu", got "sigmod" (did you mean "sigmoid"?)');
  });

  it('rejects crossbar state over the memory budget, naming the field to change', () => {
    expect(issues({ model: { hidden: [60_000, 60_000] }, crossbar })[0]!.path).toBe('model.hidden');
    expect(issues({ model: { hidden: Array(30).fill(8) }, crossbar: { ...crossbar, tile: { rows: 4096, cols: 4096 } } })[0]!.path).toBe('crossbar.tile');
  });

  it('rejects crossbars over the 4 GiB of WebAssembly kernel memory (train ran out at 64 M cells)', () => {
    const synthetic = { dataset: 'synthetic', shape: [1, 1000, 1000], classes: 3, trainSize: 32, testSize: 16 };
    const [issue] = issues({ data: synthetic, model: { hidden: [64] }, crossbar });
    expect(issue).toMatchObject({ path: 'model.hidden', message: expect.stringMatching(/WebAssembly limit/) });
    expect(issues({ data: { ...synthetic, shape: [1, 500, 500] }, model: { hidden: [64] }, crossbar })).toEqual([]);
  });

  it('bounds every count, each message naming its limit', () => {
    const cases: Array<[Record<string, unknown>, string, RegExp]> = [
      [{ model: { hidden: Array(200_000).fill(1) } }, 'model.hidden', /at most 64 hidden layers/],
      [{ model: { hidden: [1e9] } }, 'model.hidden[0]', /≤ 65,536/],
      [{ data: { dataset: 'synthetic', classes: 1000 } }, 'data.classes', /≤ 256/],
      [{ data: { dataset: 'synthetic', shape: [1, 1e6, 1e6] } }, 'data.shape[1]', /≤ 4,096/],
      [{ data: { dataset: 'synthetic', trainSize: 1e9 } }, 'data.trainSize', /≤ 10,000,000/],
      [{ training: { epochs: 1e9 } }, 'training.epochs', /≤ 100,000/],
      [{ crossbar: { ...crossbar, mapping: { calibrate: { batches: 1e8 } } } }, 'crossbar.mapping.calibrate.batches', /≤ 1,000,000/],
      [{ seed: 2 ** 60 }, 'seed', /integer/],
    ];
    for (const [spec, path, message] of cases) {
      const found = issues(spec).find((i) => i.path === path);
      expect(found?.message, path).toMatch(message);
    }
  });

  it('rejects data and activations over the whole-run memory budget, naming the field', () => {
    const data = { dataset: 'synthetic', shape: [3, 1024, 1024], classes: 3, trainSize: 1000, testSize: 16 };
    expect(issues({ data, model: { hidden: [4] } })[0]).toMatchObject({ path: 'data.trainSize', message: expect.stringMatching(/over the 16.0 GiB budget|more than one array holds/) });
    expect(issues({ data: { ...data, trainSize: 32 }, model: { hidden: [4] }, training: { batchSize: 8 } })).toEqual([]);
  });

  it('refuses run names that cannot be a directory name', () => {
    expect(issues({ name: 'x'.repeat(201) })[0]).toMatchObject({ path: 'name', message: expect.stringMatching(/201 bytes long; at most 200/) });
    expect(issues({ name: 'a/b' })[0]!.path).toBe('name');
    expect(issues({ name: '' })[0]!.path).toBe('name');
    expect(issues({ name: 'é'.repeat(100) })).toEqual([]);
  });
});
