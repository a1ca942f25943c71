import { existsSync } from 'node:fs';
import { container, findPlugin, listPlugins } from '@txsim/core';
import { describe, expect, it } from 'vitest';
import * as pkg from './index.js';

const camel = (name: string) => name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
const here = (file: string) => new URL(file, import.meta.url);

describe('the nonidealities package', () => {
  for (const plugin of pkg.nonidealityPlugins) {
    const { name } = plugin.meta;
    it(`${name}: one file of that name, one test beside it, exported as ${camel(name)}`, () => {
      expect(plugin.meta.kind).toBe('nonideality');
      expect(existsSync(here(`./${name}.ts`))).toBe(true);
      expect(existsSync(here(`./${name}.test.ts`))).toBe(true);
      expect((pkg as Record<string, unknown>)[camel(name)]).toBe(plugin);
    });
  }

  it('registers every plugin once, in a container the caller chooses', () => {
    const scope = container.createChildContainer();
    pkg.registerNonidealities(scope);
    expect(listPlugins(scope, 'nonideality').map((p) => p.meta.name)).toEqual(pkg.nonidealityPlugins.map((p) => p.meta.name));
    expect(findPlugin(scope, 'nonideality', 'wire-resistance')).toBe(pkg.wireResistance);
    expect(listPlugins(container, 'nonideality')).toEqual([]);
    expect(() => pkg.registerNonidealities(scope)).toThrow(/already registered/);
  });
});
