import { describe, expect, it } from 'vitest';
import { container as root } from '../di.js';
import { toSI } from '../units/units.js';
import { defineDevice } from './define.js';
import { PackError } from './pack-check.js';
import { LAYER_CONFIGURATORS, listLayerConfigurators } from '../tile/layer-configurators.js';
import { registerPack } from './pack-register.js';
import { definePluginPack } from './pack.js';
import { params } from './params.js';
import { findPlugin, listPlugins, registerPlugins } from './registry.js';

const device = (name: string) => defineDevice({ meta: { name, description: 'D.', phases: ['forward'], params: params({}) }, create: () => ({ gmin: 0, gmax: 1 }) });

describe('registerPack', () => {
  const setup = () => {
    const c = root.createChildContainer();
    registerPlugins(c, [device('ideal'), device('soft-bounds')]);
    return c;
  };

  it('registers units, plugins and the layer configurator', () => {
    const c = setup();
    const configure = () => {};
    registerPack(c, definePluginPack({ name: 'pack-a', version: '1.0.0', plugins: [device('fefet')], units: [{ name: 'Gauss2', definition: '1e-4 T' }], configureLayer: configure }), 'a.js');
    expect(findPlugin(c, 'device', 'fefet').meta.name).toBe('fefet');
    expect(toSI('3 Gauss2', 'T')).toBeCloseTo(3e-4, 15);
    expect(c.resolveAll(LAYER_CONFIGURATORS)).toEqual([configure]);
    expect(listLayerConfigurators(c.createChildContainer())).toEqual([configure]);
  });

  it('refuses a plugin whose name is taken, naming the pack, and registers nothing of it', () => {
    const c = setup();
    const pack = definePluginPack({ name: 'pack-b', version: '1.0.0', plugins: [device('new-one'), device('soft-bounds')], units: [{ name: 'Unused9', definition: '2 K' }] });
    expect(() => registerPack(c, pack, 'b.js')).toThrow(PackError);
    expect(() => registerPack(c, pack, 'b.js')).toThrow('pack "pack-b" (b.js): device plugin "soft-bounds" is already registered (built in or from another pack)');
    expect(listPlugins(c, 'device').map((p) => p.meta.name)).toEqual(['ideal', 'soft-bounds']);
    expect(() => toSI('1 Unused9', 'K')).toThrow();
  });

  it('refuses a name a parent container has', () => {
    const child = setup().createChildContainer();
    expect(() => registerPack(child, definePluginPack({ name: 'pack-c', version: '1.0.0', plugins: [device('ideal')] }), 'c.js')).toThrow(/"ideal" is already registered/);
  });

  it('reports a unit clash as a PackError naming the pack', () => {
    expect(() => registerPack(setup(), definePluginPack({ name: 'pack-d', version: '1.0.0', plugins: [], units: [{ name: 'K', definition: '2 K' }] }), 'd.js'))
      .toThrow(/^pack "pack-d" \(d\.js\): unit "K"/);
  });
});
