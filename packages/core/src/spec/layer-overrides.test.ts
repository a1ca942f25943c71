import { specIssues } from '../testing/fixtures.js';
import { describe, expect, it } from 'vitest';
import { container } from '../di.js';
import { defineDevice, defineNonideality } from '../plugin/define.js';
import { params, quantity, real } from '../plugin/params.js';
import { registerPlugins } from '../plugin/registry.js';
import type { AnyPlugin } from '../plugin/types.js';
import { testAdc, testDac, testSenseAmp, testUpdate } from '../tile/test-components.js';
import { resolveSpec } from './resolve.js';

const device = (name: string, shape: Parameters<typeof params>[0]) => defineDevice({
  meta: { name, description: `Device ${name} for layer tests.`, phases: ['update'], params: params(shape) },
  create: () => ({ gmin: 0, gmax: 1 }),
});
const nonideality = (name: string, shape: Parameters<typeof params>[0]) => defineNonideality({
  meta: { name, description: `Non-ideality ${name} for layer tests.`, phases: ['forward', 'backward'], params: params(shape) },
  create: () => ({ conductance: (src, dst) => dst.set(src) }),
});

const soft = device('soft', {
  rmin: quantity('ohm', { description: 'Low resistance.', default: 100, min: 0, exclusiveMin: true }),
  rmax: quantity('ohm', { description: 'High resistance.', default: 1000, min: 0, exclusiveMin: true }),
});
const step = device('step', { dwMin: real({ description: 'Step.', default: 0.01, min: 0 }) });
const wire = nonideality('wire', { rRow: quantity('ohm', { description: 'Row wire.', default: 1, min: 0 }) });
const noise = nonideality('noise', { sigma: real({ description: 'Spread.', default: 0, min: 0 }) });
const drift = nonideality('drift', { nu: real({ description: 'Exponent.', default: 0.1, min: 0 }) });
const clip = nonideality('clip', { level: real({ description: 'Level.', default: 1, min: 0 }) });

const scope = container.createChildContainer();
registerPlugins(scope, [soft, step, wire, noise, drift, clip, testDac, testSenseAmp, testAdc, testUpdate] as unknown as AnyPlugin[]);

const crossbar = {
  device: { name: 'soft', params: { rmin: '200 ohm' } },
  dac: 'test-dac', senseAmp: 'test-sense-amp', adc: 'test-adc', updateRule: 'test-update',
  nonidealities: [{ name: 'wire', params: { rRow: '2 ohm' } }, { name: 'noise', params: { sigma: 0.1 } }, { name: 'drift' }],
};
const spec = (layers: Record<string, unknown>, cb: Record<string, unknown> = crossbar) => ({ model: { hidden: [32, 16] }, crossbar: cb, layers });
const layer = (r: ReturnType<typeof resolveSpec>, name: string) => r.layers.find((l) => l.name === name)!.crossbar!;
const stackOf = (r: ReturnType<typeof resolveSpec>, name: string) => layer(r, name).nonidealities.map((p) => [p.name, p.params]);

const issues = (raw: unknown) => specIssues(raw, scope);

describe('per-layer plugin slots', () => {
  it('a layer naming another device starts from that device\'s defaults', () => {
    for (const swap of ['step', { name: 'step' }]) {
      const r = resolveSpec(spec({ fc2: { crossbar: { device: swap } } }), scope);
      expect(layer(r, 'fc2').device).toEqual({ name: 'step', params: { dwMin: 0.01 }, phases: ['update'] });
      expect(layer(r, 'fc1').device).toEqual({ name: 'soft', params: { rmin: 200, rmax: 1000 }, phases: ['update'] });
    }
    const own = resolveSpec(spec({ fc2: { crossbar: { device: { name: 'step', params: { dwMin: 0.5 } } } } }), scope);
    expect(layer(own, 'fc2').device.params).toEqual({ dwMin: 0.5 });
  });

  it('a layer naming the same device, or none, merges its params over the inherited ones', () => {
    for (const same of [{ name: 'soft', params: { rmax: '2 kohm' } }, { params: { rmax: 2000 } }]) {
      const r = resolveSpec(spec({ fc2: { crossbar: { device: same } } }), scope);
      expect(layer(r, 'fc2').device.params).toEqual({ rmin: 200, rmax: 2000 });
    }
    const bare = resolveSpec(spec({ fc2: { crossbar: { device: 'soft' } } }), scope);
    expect(layer(bare, 'fc2').device.params).toEqual({ rmin: 200, rmax: 1000 });
  });

  it('a backward converter set on a layer alone continues the forward one', () => {
    const r = resolveSpec(spec({ fc1: { crossbar: { backward: { adc: 'test-adc' }, tile: { rows: 8 } } } }), scope);
    expect(layer(r, 'fc1').read.backward.adc.name).toBe('test-adc');
    expect(layer(r, 'fc1').tile).toEqual({ rows: 8, cols: 64, fit: false });
  });
});

describe('per-layer non-ideality stacks', () => {
  it('a list replaces the inherited stack', () => {
    const r = resolveSpec(spec({ fc2: { crossbar: { nonidealities: [{ name: 'clip' }] } } }), scope);
    expect(stackOf(r, 'fc2')).toEqual([['clip', { level: 1 }]]);
    expect(stackOf(r, 'fc3')).toEqual([['wire', { rRow: 2 }], ['noise', { sigma: 0.1 }], ['drift', { nu: 0.1 }]]);
  });

  it('an object adds, removes and re-parameterises entries by name', () => {
    const r = resolveSpec(spec({
      fc2: { crossbar: { nonidealities: { add: [{ name: 'clip', params: { level: 2 }, before: 'noise' }], remove: ['drift'], set: { noise: { params: { sigma: 0.3 } } } } } },
      fc3: { crossbar: { nonidealities: { add: [{ name: 'clip' }, { name: 'drift', params: { nu: 0.5 }, after: 'wire' }] } } },
    }), scope);
    expect(stackOf(r, 'fc2')).toEqual([['wire', { rRow: 2 }], ['clip', { level: 2 }], ['noise', { sigma: 0.3 }]]);
    expect(stackOf(r, 'fc3')).toEqual([['wire', { rRow: 2 }], ['drift', { nu: 0.5 }], ['noise', { sigma: 0.1 }], ['drift', { nu: 0.1 }], ['clip', { level: 1 }]]);
    expect(stackOf(r, 'fc1')).toEqual([['wire', { rRow: 2 }], ['noise', { sigma: 0.1 }], ['drift', { nu: 0.1 }]]);
  });

  it('set merges params over the inherited entry\'s and replaces its phases', () => {
    const cb = { ...crossbar, nonidealities: [{ name: 'wire', params: { rRow: 3 } }, { name: 'clip', params: { level: 4 } }] };
    const r = resolveSpec(spec({ fc1: { crossbar: { nonidealities: { set: { clip: { phases: ['forward'] }, wire: { params: {} } } } } } }, cb), scope);
    expect(layer(r, 'fc1').nonidealities).toEqual([
      { name: 'wire', params: { rRow: 3 }, phases: ['forward', 'backward'] },
      { name: 'clip', params: { level: 4 }, phases: ['forward'] },
    ]);
  });

  it('names the entry an edit cannot find, with the closest name and the known ones', () => {
    const found = issues(spec({
      fc2: { crossbar: { nonidealities: { set: { nosie: { params: { sigma: 1 } } }, remove: ['clip'], add: [{ name: 'clip', after: 'drfit' }] } } },
    }));
    expect(found).toEqual([
      { path: 'layers.fc2.crossbar.nonidealities.set.nosie', message: 'the inherited stack has no entry named "nosie" (did you mean "noise"?); its entries are wire, noise, drift' },
      { path: 'layers.fc2.crossbar.nonidealities.remove[0]', message: 'the inherited stack has no entry named "clip"; its entries are wire, noise, drift' },
      { path: 'layers.fc2.crossbar.nonidealities.add[0].after', message: 'the stack has no entry named "drfit" (did you mean "drift"?); its entries are wire, noise, drift' },
    ]);
  });

  it('rejects editing a name the inherited stack holds twice, and malformed edits', () => {
    const twice = { ...crossbar, nonidealities: [{ name: 'noise' }, { name: 'wire' }, { name: 'noise' }] };
    expect(issues(spec({ fc1: { crossbar: { nonidealities: { remove: ['noise'] } } } }, twice))).toEqual([
      { path: 'layers.fc1.crossbar.nonidealities.remove[0]', message: 'the inherited stack has 2 entries named "noise"; edit them by replacing the whole list' },
    ]);
    const bad = issues(spec({ fc1: { crossbar: { nonidealities: { remvoe: [], add: [{ name: 'clip', before: 'wire', after: 'wire' }] } } } }));
    expect(bad.map((i) => i.path).sort()).toEqual(['layers.fc1.crossbar.nonidealities.add[0]', 'layers.fc1.crossbar.nonidealities.remvoe']);
    expect(bad.find((i) => i.path.endsWith('remvoe'))!.message).toMatch(/did you mean "remove"/);
  });
});

describe('problems of overridden layers', () => {
  it('reports an inherited problem once, at the experiment-wide crossbar, and a layer\'s own at the layer', () => {
    const cb = { ...crossbar, device: { name: 'soft', params: { rmin: '-3 ohm' } }, nonidealities: [{ name: 'wire', params: { rRow: '10 uS' } }, { name: 'noise', params: { sigma: 0.1 } }] };
    const found = issues(spec({
      fc1: { crossbar: { tile: { rows: 16 }, nonidealities: { add: [{ name: 'clip', params: { level: -1 } }] } } },
      fc2: { crossbar: { device: { params: { rmax: '5 kohm' } }, nonidealities: { set: { noise: { params: { sigma: -2 } } } } } },
    }, cb));
    expect(found.map((i) => i.path)).toEqual([
      'crossbar.device.params.rmin',
      'crossbar.nonidealities[0].params.rRow',
      'layers.fc1.crossbar.nonidealities.add[0].params.level',
      'layers.fc2.crossbar.nonidealities.set.noise.params.sigma',
    ]);
  });

  it('reports a layer\'s copy of a bad entry at the layer: it wrote it there', () => {
    const cb = { ...crossbar, nonidealities: [{ name: 'noise', params: { sigma: -1 } }] };
    expect(issues(spec({ fc3: { crossbar: { nonidealities: [{ name: 'noise', params: { sigma: -1 } }] } } }, cb)).map((i) => i.path))
      .toEqual(['crossbar.nonidealities[0].params.sigma', 'layers.fc3.crossbar.nonidealities[0].params.sigma']);
  });
});

describe('the resolved spec', () => {
  const raw = spec({
    fc1: { digital: true },
    fc2: { crossbar: { device: 'step', nonidealities: { add: [{ name: 'clip', before: 'drift' }], remove: ['wire'], set: { noise: { params: { sigma: 0.2 } } } } } },
    fc3: { crossbar: { device: { params: { rmax: '3 kohm' } }, tile: { cols: 32 } } },
  });

  it('writes every overridden layer in full, with its stack as a list', () => {
    const r = resolveSpec(raw, scope);
    const fc2 = r.spec.layers.fc2!.crossbar as Record<string, unknown>;
    expect(fc2.device).toEqual({ name: 'step', params: { dwMin: 0.01 }, phases: ['update'] });
    expect(fc2.nonidealities).toEqual([
      { name: 'noise', params: { sigma: 0.2 }, phases: ['forward', 'backward'] },
      { name: 'clip', params: { level: 1 }, phases: ['forward', 'backward'] },
      { name: 'drift', params: { nu: 0.1 }, phases: ['forward', 'backward'] },
    ]);
    expect(fc2.tile).toEqual({ rows: 64, cols: 64, fit: false });
    expect((fc2.backward as Record<string, { name: string }>).adc.name).toBe('test-adc');
    expect((r.spec.layers.fc3!.crossbar as { device: unknown }).device).toEqual({ name: 'soft', params: { rmin: 200, rmax: 3000 }, phases: ['update'] });
    expect(r.spec.layers.fc1).toEqual({ digital: true });
  });

  it('resolves again, as JSON, to an identical ResolvedSpec', () => {
    const r = resolveSpec(raw, scope);
    const again = resolveSpec(JSON.parse(JSON.stringify(r.spec)), scope);
    expect(again).toEqual(r);
    expect(layer(again, 'fc2').nonidealities.map((p) => p.name)).toEqual(['noise', 'clip', 'drift']);
    expect(again.layers.find((l) => l.name === 'fc1')!.crossbar).toBeNull();
  });
});
