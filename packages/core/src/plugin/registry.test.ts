import { describe, expect, it } from 'vitest';
import { container as root } from '../di.js';
import { defineDevice } from './define.js';
import { params } from './params.js';
import { containerChain, findPlugin, listPlugins, registerPlugins, UnknownPluginError } from './registry.js';

const device = (name: string, description = 'A device.') =>
  defineDevice({ meta: { name, description, phases: ['forward'], params: params({}) }, create: () => ({ gmin: 0, gmax: 1 }) });
const names = (c: Parameters<typeof listPlugins>[0]) => listPlugins(c, 'device').map((p) => p.meta.name);

describe('plugin registry across child containers', () => {
  const setup = () => {
    const parent = root.createChildContainer();
    registerPlugins(parent, [device('ideal'), device('levels'), device('soft-bounds')]);
    const child = parent.createChildContainer();
    return { parent, child };
  };

  it('a child that registers a plugin still sees its parent\'s', () => {
    const { parent, child } = setup();
    registerPlugins(child, [device('linear-drift')]);
    expect(names(child)).toEqual(['ideal', 'levels', 'soft-bounds', 'linear-drift']);
    expect(findPlugin(child, 'device', 'levels').meta.name).toBe('levels');
    expect(names(parent)).toEqual(['ideal', 'levels', 'soft-bounds']);
  });

  it('sees through several generations', () => {
    const { child } = setup();
    const grandchild = child.createChildContainer();
    registerPlugins(grandchild, [device('fefet')]);
    expect(names(grandchild)).toEqual(['ideal', 'levels', 'soft-bounds', 'fefet']);
    expect(containerChain(grandchild)).toHaveLength(4); // root, parent, child, grandchild
  });

  it('a child\'s plugin of the same name wins in the child only, without override', () => {
    const { parent, child } = setup();
    const mine = device('levels', 'The child\'s levels.');
    registerPlugins(child, [mine]);
    expect(findPlugin(child, 'device', 'levels')).toBe(mine);
    expect(names(child)).toEqual(['ideal', 'levels', 'soft-bounds']);
    expect(findPlugin(parent, 'device', 'levels')).not.toBe(mine);
  });

  it('within one container a duplicate needs override, and then the last registration wins', () => {
    const { parent } = setup();
    const again = device('ideal', 'Another ideal.');
    expect(() => registerPlugins(parent, [again])).toThrow('device plugin "ideal" is already registered');
    registerPlugins(parent, [again], { override: true });
    expect(findPlugin(parent, 'device', 'ideal')).toBe(again);
    expect(names(parent)).toEqual(['ideal', 'levels', 'soft-bounds']);
  });

  it('names the known plugins, parents\' included, for an unknown one', () => {
    const { child } = setup();
    registerPlugins(child, [device('fefet')]);
    expect(() => findPlugin(child, 'device', 'level')).toThrow(UnknownPluginError);
    expect(() => findPlugin(child, 'device', 'level')).toThrow('(did you mean "levels"?); known: ideal, levels, soft-bounds, fefet');
  });

  it('lists nothing for a kind nobody registered', () => expect(listPlugins(root.createChildContainer(), 'adc')).toEqual([]));
});
