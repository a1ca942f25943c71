import { describe, expect, it } from 'vitest';
import { defineCost, defineDevice, defineNonideality } from './define.js';
import { checkPluginPack, PackError } from './pack-check.js';
import { definePluginPack, type PluginPack } from './pack.js';
import { params, quantity } from './params.js';
import type { Phase } from './types.js';

const device = (name = 'fefet') => defineDevice({
  meta: { name, description: 'A FeFET.', phases: ['forward', 'update'], params: params({ gmax: quantity('S', { description: 'Highest conductance.', default: 1e-5 }) }) },
  create: (_c, p) => ({ gmin: 0, gmax: p.gmax }),
});
const drift = (phases: Phase[] = ['forward', 'backward'], extra = {}) => defineNonideality({
  meta: { name: 'drift', description: 'Drift.', phases, params: params(extra) },
  create: () => ({ conductance: (src: Float64Array, dst: Float64Array) => dst.set(src) }),
});
const good = { name: 'txsim-pack-fefet', version: '1.0.0', plugins: [device(), drift()] };
const pack = (over: Record<string, unknown>) => definePluginPack({ ...good, ...over } as unknown as PluginPack);
const SRC = './packs/fefet.js';
const refuse = (value: unknown, message: RegExp) => {
  expect(() => checkPluginPack(value, SRC)).toThrow(PackError);
  expect(() => checkPluginPack(value, SRC)).toThrow(message);
};

describe('checkPluginPack', () => {
  it('accepts a well-formed pack and returns it', () => {
    const p = pack({ presets: [{ name: 'fefet-paper', description: 'From the paper.', source: ['Doe 2024'], spec: {} }], units: [{ name: 'mK', definition: '0.001 K' }], configureLayer: () => {} });
    expect(checkPluginPack(p, SRC)).toBe(p);
    expect(checkPluginPack(definePluginPack({ name: '@lab/txsim-devices', version: '0.3.1-beta.2+build.7', plugins: [] }), SRC).name).toBe('@lab/txsim-devices');
  });

  it('refuses a default export not made by definePluginPack, saying what it should be', () => {
    refuse({ ...good }, /\.\/packs\/fefet\.js: the default export is not a plugin pack; write `export default definePluginPack\(/);
    refuse(undefined, /not a plugin pack/);
  });

  it.each(['TxsimPack', 'my pack', '.hidden', '_x', '@lab/', 'a'.repeat(215)])('refuses the package name %s', (name) => {
    refuse(pack({ name }), /\(\.\/packs\/fefet\.js\): name .* is not an npm package name/);
  });

  it.each(['1', '1.0', 'v1.0.0', '01.0.0', 1])('refuses the version %s', (version) => {
    refuse(pack({ version }), /pack "txsim-pack-fefet" \(\.\/packs\/fefet\.js\): version .* is not a semver version/);
  });

  it('refuses plugins that are not a list, or entries that are not plugins', () => {
    refuse(pack({ plugins: device() }), /plugins is not a list/);
    refuse(pack({ plugins: [device(), { name: 'x' }] }), /plugins\[1\] is not a plugin \(make it with defineDevice\(\)/);
    refuse(pack({ plugins: [{ meta: { kind: 'gpu', name: 'x' }, create() {} }] }), /plugins\[0\] has kind "gpu"/);
  });

  it('refuses a plugin name that is not kebab-case, suggesting one', () => {
    const bad = { meta: { ...device().meta, name: 'FeFET' }, create: device().create };
    refuse(pack({ plugins: [bad] }), /device plugin "FeFET": plugin name "FeFET" must be kebab-case, e\.g\. "fe-fet"/);
  });

  it('refuses two plugins of the same kind and name', () => {
    refuse(pack({ plugins: [device(), drift(), device()] }), /device plugin "fefet" appears twice/);
  });

  it('refuses a param with neither a default nor required: true', () => {
    const loose = drift(['forward'], { k: quantity('1/K', { description: 'Coefficient.', default: 0 }).unwrap() });
    refuse(pack({ plugins: [loose] }), /nonideality plugin "drift": param "k" has no default and is not marked required/);
  });

  it('refuses declared phases that do not match the hooks, using the conformance suite\'s rule', () => {
    refuse(pack({ plugins: [drift(['update'])] }), /nonideality plugin "drift": nonideality "drift" has read hooks \(conductance\) but declares no read phase/);
    refuse(pack({ plugins: [drift(['sideways' as Phase])] }), /declares phases \["sideways"\]/);
  });

  it('skips the phase check for a plugin with required params (no values to create it with)', () => {
    const needs = drift(['update'], { t: quantity('K', { description: 'Temperature.', required: true }) });
    expect(() => checkPluginPack(pack({ plugins: [needs] }), SRC)).not.toThrow();
  });

  it('refuses a plugin that throws when created with its defaults', () => {
    const broken = defineDevice({ meta: { ...device().meta, name: 'broken' }, create: () => { throw new Error('no curve file'); } });
    refuse(pack({ plugins: [broken] }), /device plugin "broken": cannot be created with its default params: no curve file/);
  });

  it.each([
    [{ description: 'd', spec: {} }, /presets\[0\] has no name/],
    [{ name: 'p', spec: {} }, /presets\[0\] "p" has no description/],
    [{ name: 'p', description: 'd' }, /presets\[0\] "p" has no spec/],
    [{ name: 'p', description: 'd', spec: {}, source: 'a paper' }, /presets\[0\] "p" has a source that is not a list/],
  ])('refuses the preset %j', (preset, message) => refuse(pack({ presets: [preset] }), message));

  it.each([
    [{ definition: '1 K' }, /units\[0\] has name undefined/],
    [{ name: 'milli K', definition: '1 K' }, /units\[0\] has name "milli K"/],
    [{ name: 'mK' }, /units\[0\] "mK" has no definition/],
    [{ name: 'mK', definition: '0.001 K', aliases: 'millikelvin' }, /units\[0\] "mK" has aliases that are not a list/],
  ])('refuses the unit %j', (unit, message) => refuse(pack({ units: [unit] }), message));

  it('refuses presets or units that are not lists, and a configureLayer that is not a function', () => {
    refuse(pack({ presets: {} }), /presets is not a list/);
    refuse(pack({ units: 'mK' }), /units is not a list/);
    refuse(pack({ configureLayer: 'yes' }), /configureLayer is not a function/);
  });
});

describe('checkPluginPack: cost plugins', () => {
  const cost = (component?: string) => defineCost({
    meta: { name: 'my-adc', ...(component ? { component: component as 'adc' } : {}), description: 'An ADC.', phases: ['forward'], params: params({}) },
    create: () => ({ cost: () => ({ energyJ: 0, latencyS: 0 }), area: () => 0 }),
  });
  it('accepts a cost plugin that names its component, refuses one that does not', () => {
    expect(checkPluginPack(pack({ plugins: [cost('adc')] }), SRC).plugins).toHaveLength(1);
    refuse(pack({ plugins: [cost()] }), /cost plugin "my-adc": names component undefined; a cost plugin prices one of dac, adc,/);
    refuse(pack({ plugins: [cost('fan')] }), /names component "fan"/);
  });
});
