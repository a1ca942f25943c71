import { describe, expect, it } from 'vitest';
import { diffTable, flattenSpec, specDiff } from './diff.js';
import type { ParamUnits } from './units.js';

const base = () => ({
  name: 'mlp',
  seed: 1,
  model: { type: 'mlp', hidden: [256, 128] },
  training: { epochs: 3, learningRate: 1 },
  crossbar: {
    device: { name: 'levels', params: { rmin: 100_000, rmax: 1e6 } },
    nonidealities: [{ name: 'device-variation', params: { sigma: 0.1 } }, { name: 'write-noise', params: { gamma: 5 } }],
  },
  layers: {},
});

describe('flattenSpec', () => {
  it('gives dotted paths, arrays of plain values as one leaf, named entries by name', () => {
    const flat = flattenSpec(base());
    expect(flat.get('crossbar.device.params.rmin')).toBe(100_000);
    expect(flat.get('model.hidden')).toEqual([256, 128]);
    expect(flat.get('crossbar.nonidealities.write-noise.params.gamma')).toBe(5);
    expect(flat.get('layers')).toEqual({});
    expect(flattenSpec({ a: [{ x: 1 }, { x: 2 }] }).get('a[1].x')).toBe(2);
  });
});

describe('specDiff', () => {
  it('finds exactly the two fields that differ', () => {
    const a = base();
    const b = base();
    b.training.learningRate = 0.5;
    b.crossbar.device.params.rmin = 50_000;
    expect(specDiff([a, b])).toEqual([
      { path: 'training.learningRate', values: [1, 0.5] },
      { path: 'crossbar.device.params.rmin', values: [100_000, 50_000] },
    ]);
  });

  it('finds no differences between identical specs, however their keys are ordered', () => {
    const b = base();
    const reordered = { layers: b.layers, crossbar: b.crossbar, training: b.training, model: b.model, seed: b.seed, name: b.name };
    expect(specDiff([base(), reordered, base()])).toEqual([]);
    expect(diffTable([base(), base()], ['a', 'b'], () => undefined)).toContain('No differences');
  });

  it('shows a field one run lacks as absent, and an added layer override by its own fields', () => {
    const b = { ...base(), layers: { fc2: { digital: true } } };
    const c = base();
    c.crossbar.nonidealities.splice(0, 1);
    expect(specDiff([base(), b, c])).toEqual([
      { path: 'crossbar.nonidealities.device-variation.name', values: ['device-variation', 'device-variation', undefined] },
      { path: 'crossbar.nonidealities.device-variation.params.sigma', values: [0.1, 0.1, undefined] },
      { path: 'layers.fc2.digital', values: [undefined, true, undefined] },
    ]);
  });

  it('renders one row per difference with each run’s value in its unit', () => {
    const b = base();
    b.crossbar.device.params.rmin = 50_000;
    const units: ParamUnits = (kind, plugin, param) => (kind === 'device' && plugin === 'levels' && param === 'rmin' ? 'ohm' : undefined);
    const html = diffTable([base(), b], ['run a', 'run b'], units);
    expect(html.match(/<tr data-path=/g)).toHaveLength(1);
    expect(html).toContain('<tr data-path="crossbar.device.params.rmin"><td><code>crossbar.device.params.rmin</code></td><td>100 kohm</td><td>50 kohm</td></tr>');
    expect(html).toContain('<th>run a</th><th>run b</th>');
  });
});

describe('specDiff of fully resolved layers', () => {
  const crossbar = { device: { name: 'levels', params: { bits: 2 } }, adc: { name: 'adc', params: { bits: 8 } } };
  it('leaves out layer fields equal to the experiment-wide ones', () => {
    const a = { crossbar, layers: {} };
    const b = { crossbar, layers: { fc2: { crossbar: { ...crossbar, adc: { name: 'adc', params: { bits: 6 } } } } } };
    expect(specDiff([a, b]).map((r) => [r.path, ...r.values])).toEqual([['layers.fc2.crossbar.adc.params.bits', undefined, 6]]);
  });
});
