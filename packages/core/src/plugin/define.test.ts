import { describe, expect, it } from 'vitest';
import { defineDevice } from './define.js';
import { kebabCase, PluginDefinitionError } from './errors.js';
import { params } from './params.js';

const create = () => ({ gmin: 0, gmax: 1 });

describe('define…()', () => {
  it.each([
    ['FeFET', 'fe-fet'], ['softBounds', 'soft-bounds'], ['soft_bounds', 'soft-bounds'], ['XMLParser', 'xml-parser'], ['PCM 2', 'pcm-2'],
  ])('refuses %s with a PluginDefinitionError suggesting %s', (name, suggestion) => {
    const define = () => defineDevice({ meta: { name, description: 'D.', phases: ['forward'], params: params({}) }, create });
    expect(define).toThrow(PluginDefinitionError);
    expect(define).toThrow(`plugin name "${name}" must be kebab-case, e.g. "${suggestion}"`);
  });

  it('accepts a kebab-case name and stamps the kind', () => {
    const p = defineDevice({ meta: { name: 'fe-fet', description: 'D.', phases: ['forward'], params: params({}) }, create });
    expect(p.meta.kind).toBe('device');
    expect(Object.isFrozen(p.meta)).toBe(true);
  });

  it('suggests nothing it cannot make kebab-case', () => expect(kebabCase('__')).toBe(''));
});
