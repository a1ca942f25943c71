import { describe, expect, it } from 'vitest';
import { createPluginContainer } from '../composition.js';
import type { RunSummary } from '../run-dir.js';
import { configTable, layerConfigs, layerCrossbar, packsLine } from './config.js';
import type { RunData } from './load.js';
import { paramUnits, type ParamUnits } from './units.js';

const ref = (name: string, params: Record<string, unknown>, phases?: string[]) => ({ name, params, ...(phases ? { phases } : {}) });
const adc = (bits: number) => ref('adc', { bits, fullScale: 0 });

/** A resolved spec as a run records it: every slot filled, backward converters copied from the forward ones. */
const crossbar = {
  tile: { rows: 64, cols: 32, fit: false },
  device: ref('levels', { rmin: 100_000, rmax: 1e6, bits: 2 }),
  mapping: { autoScale: 10, scheme: 'sign-split' },
  dac: ref('dac', { bits: 8, vRead: 0.2 }),
  senseAmp: ref('sense-amp', { gain: 1 }),
  adc: adc(8),
  updateRule: ref('txsim-update', { gain: 1 }),
  nonidealities: [ref('device-variation', { sigma: 0.1 }, ['forward', 'backward']), ref('wire-resistance', { rRow: 1, rCol: 4.6 }, ['forward', 'backward'])],
  backward: { dac: ref('dac', { bits: 8, vRead: 0.2 }), senseAmp: ref('sense-amp', { gain: 1 }), adc: adc(8) },
};

const layers = [
  { name: 'fc1', kind: 'analog', inputs: 784, outputs: 256, tiles: { rows: 64, cols: 32, grid: [13, 8] } },
  { name: 'fc2', kind: 'analog', inputs: 256, outputs: 128, tiles: { rows: 64, cols: 32, grid: [4, 4] } },
  { name: 'fc3', kind: 'digital', inputs: 128, outputs: 10 },
] as const;

const run: RunData = {
  dir: 'runs/x',
  epochs: [],
  summary: { name: 'x', layers } as unknown as RunSummary,
  spec: { name: 'x', crossbar, layers: { fc2: { crossbar: { adc: { name: 'adc', params: { bits: 6 } } } }, fc3: { digital: true } } },
  calibration: {
    version: 1,
    layers: {
      fc1: { mapping: { wMax: 0.75956, siemensPerWeight: 1e-5, source: 'autoScale', autoScale: 10 }, adc: { forward: { plugin: 'adc', source: 'calibrated' }, backward: { plugin: 'adc', source: 'calibrated' } } },
      fc2: { mapping: { wMax: 1.5, siemensPerWeight: 1e-5, source: 'native-run', nativeMaxAbs: 0.75, batches: 300, headroom: 2 }, adc: { forward: { plugin: 'adc', source: 'given' }, backward: { plugin: 'adc', source: 'calibrated' } } },
    },
  },
  environment: { packs: [{ name: 'my-pack', version: '1.2.0', path: '/p/index.js', hash: 'abcdef0123456789abcdef' }] },
};

const UNITS: Record<string, string> = { rmin: 'ohm', rmax: 'ohm', vRead: 'V', rRow: 'ohm', rCol: 'ohm', fullScale: 'A' };
const units: ParamUnits = (_kind, _plugin, param) => UNITS[param] as ReturnType<ParamUnits>;

/** The text of one row's cells, tags stripped, one per layer. */
function row(html: string, setting: string): string[] {
  const tr = new RegExp(`<tr data-setting="${setting}">(.*?)</tr>`).exec(html)?.[1] ?? '';
  return [...tr.matchAll(/<td data-layer="[^"]*">(.*?)<\/td>/g)].map((m) => m[1]!.replace(/<\/li>/g, '; ').replace(/<br>/g, ' | ').replace(/<[^>]+>/g, '').trim());
}

describe('configTable', () => {
  const html = configTable(run, units);

  it('has one column per layer and marks a digital layer digital in every hardware row', () => {
    expect(row(html, 'kind')).toEqual(['analog', 'analog', 'digital']);
    expect(row(html, 'size')).toEqual(['784 × 256', '256 × 128', '128 × 10']);
    expect(row(html, 'tiles')).toEqual(['64×32, grid 13×8 (104 tiles)', '64×32, grid 4×4 (16 tiles)', 'digital']);
    expect(row(html, 'device')[2]).toBe('digital');
  });

  it('formats SI params with their units', () => {
    expect(row(html, 'device')[0]).toBe('levels rmin 100 kohm, rmax 1 Mohm, bits 2');
    expect(row(html, 'dac')[0]).toBe('dac bits 8, vRead 200 mV');
    expect(row(html, 'nonidealities')[0]).toBe('device-variation sigma 0.1 [forward, backward]; wire-resistance rRow 1 ohm, rCol 4.6 ohm [forward, backward];');
  });

  it("applies a layer's override, and shows the backward ADC apart only where it differs", () => {
    expect(row(html, 'adc')).toEqual([
      'adc bits 8, fullScale 0 A (full scale calibrated)',
      // The override leaves the backward ADC unset, which the resolver reads as "same as forward".
      'adc bits 6, fullScale 0 A (full scale forward given, backward calibrated)',
      'digital',
    ]);
    const back = { ...run, spec: { ...run.spec, layers: { fc2: { crossbar: { backward: { adc: { name: 'adc', params: { bits: 4 } } } } } } } };
    expect(row(configTable(back, units), 'adc')[1]).toBe('forward: adc bits 8, fullScale 0 A | backward: adc bits 4, fullScale 0 A (full scale forward given, backward calibrated)');
  });

  it('gives the mapping scheme and where wMax came from (calibration.json)', () => {
    expect(row(html, 'mapping').slice(0, 2)).toEqual([
      'sign-split, wMax 0.7596 (autoScale 10 × max|initial W|)',
      'sign-split, wMax 1.5 (native run: 2 × max|W| 0.75 after 300 batches)',
    ]);
  });

  it('takes a fully resolved layer entry as it stands', () => {
    const full = { ...crossbar, device: ref('ideal', {}), nonidealities: [] };
    const spec = { crossbar, layers: { fc1: { crossbar: full } } };
    expect(layerCrossbar(spec, 'fc1')).toBe(full);
    expect(layerCrossbar(spec, 'fc2')).toEqual(crossbar);
    // A slot naming another plugin replaces the slot: levels' params mean nothing to ideal.
    expect((layerCrossbar({ crossbar, layers: { fc1: { crossbar: { device: { name: 'ideal', params: {} } } } } }, 'fc1')!.device)).toEqual({ name: 'ideal', params: {} });
  });

  it('finds the layers without summary.json, from calibration.json and the overrides', () => {
    const partial = { ...run, summary: undefined };
    expect(layerConfigs(partial).map((l) => [l.name, l.kind])).toEqual([['fc1', 'analog'], ['fc2', 'analog'], ['fc3', 'digital']]);
  });
});

describe('packsLine', () => {
  it('lists name, version and a short hash; says when there are none or none were recorded', () => {
    expect(packsLine(run).replace(/<[^>]+>/g, '')).toBe('Plugin packs: my-pack 1.2.0 (abcdef012345)');
    expect(packsLine({ ...run, environment: { packs: [] } })).toContain('none (built-in plugins only)');
    expect(packsLine({ ...run, environment: undefined })).toContain('not recorded');
  });
});

describe('paramUnits', () => {
  it("reads units from the registered plugins' schemas", () => {
    const u = paramUnits(createPluginContainer());
    expect(u('device', 'levels', 'rmin')).toBe('ohm');
    expect(u('nonideality', 'wire-resistance', 'rCol')).toBe('ohm');
    expect(u('dac', 'dac', 'vRead')).toBe('V');
    expect(u('device', 'no-such-device', 'rmin')).toBeUndefined();
  });
});
