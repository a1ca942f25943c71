import { listPlugins, PLUGIN_KINDS } from '@txsim/core';
import { createPluginContainer } from '@txsim/experiment';
import { beforeAll, describe, expect, it } from 'vitest';
import { requireBuild, txsim, txsimInProcess } from './cli.js';

// Registry-driven: whatever the composition root registers must show up, with no hand-kept list.
const registered = PLUGIN_KINDS.flatMap((kind) => listPlugins(createPluginContainer(), kind).map((p) => ({ kind, plugin: p })));

describe('txsim plugins', () => {
  beforeAll(requireBuild);

  it('registers the plugins of every package', () => {
    const names = registered.map((r) => r.plugin.meta.name);
    for (const name of ['ideal', 'levels', 'dac', 'adc', 'sense-amp', 'txsim-update', 'device-variation', 'stuck-cells', 'wire-resistance', 'update-nonlinearity', 'write-noise', 'read-noise']) {
      expect(names).toContain(name);
    }
  });

  it('list shows every registered plugin under its kind, with phases and description', async () => {
    const r = await txsim(['plugins', 'list']);
    expect(r.code, r.stderr).toBe(0);
    const sections = new Map(r.stdout.trim().split(/\n\n/).map((block) => {
      const [kind, ...lines] = block.split('\n');
      return [kind!, lines.join('\n')];
    }));
    for (const { kind, plugin } of registered) {
      const line = sections.get(kind)?.split('\n').find((l) => l.trim().startsWith(`${plugin.meta.name} `));
      expect(line, `${kind}/${plugin.meta.name}`).toBeDefined();
      expect(line).toContain(plugin.meta.phases.join(', '));
      expect(line).toContain(plugin.meta.description);
    }
  });

  it.each(registered.map((r) => r.plugin.meta.name))('describe %s lists every parameter', async (name) => {
    const r = await txsimInProcess(['plugins', 'describe', name]);
    expect(r.code, r.stderr).toBe(0);
    const plugin = registered.find((p) => p.plugin.meta.name === name)!.plugin;
    for (const param of Object.keys(plugin.meta.params.shape)) expect(r.stdout).toMatch(new RegExp(`^  ${param} `, 'm'));
  });

  it('describe shows units, defaults and neutral values as a spec would write them', async () => {
    const r = await txsimInProcess(['plugins', 'describe', 'wire-resistance']);
    expect(r.stdout).toMatch(/^ {2}rCol +ohm +4\.6 ohm +0 ohm +Column wire resistance/m);
    const levels = await txsimInProcess(['plugins', 'describe', 'levels']);
    expect(levels.stdout).toMatch(/^ {2}rmin +ohm +100 kohm +- +/m);
  });

  it('describe marks a file parameter as a path taken from the spec\'s folder', async () => {
    const r = await txsimInProcess(['plugins', 'describe', 'lookup-table']);
    expect(r.stdout).toMatch(/^ {2}file +path +"" +- +CSV table .*relative path is taken from the spec file's folder/m);
  });

  it('describe of an unknown plugin suggests the closest name', async () => {
    const r = await txsimInProcess(['plugins', 'describe', 'write-nose']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('did you mean "write-noise"');
  });
});
