import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { container } from '../di.js';
import { defineNonideality } from '../plugin/define.js';
import { file, params } from '../plugin/params.js';
import { registerPlugins } from '../plugin/registry.js';
import type { AnyPlugin } from '../plugin/types.js';
import { testAdc, testDac, testDevice, testSenseAmp, testUpdate } from '../tile/test-components.js';
import { SpecError } from './errors.js';
import { resolveSpec } from './resolve.js';

/** Records what its check was given, so a test can tell which path the plugin saw. */
const seen: string[] = [];
const table = defineNonideality({
  meta: {
    name: 'test-table',
    description: 'A non-ideality reading a file, for spec tests.',
    phases: ['forward'],
    params: params({ file: file({ description: 'Table.', required: true, check: (v) => (seen.push(v), v.includes('missing') ? `${v}: no such file` : undefined) }) }),
  },
  create: () => ({}),
});

const scope = container.createChildContainer();
registerPlugins(scope, [testDevice, testDac, testSenseAmp, testAdc, testUpdate, table] as unknown as AnyPlugin[]);

const spec = (file: string, layerFile?: string) => ({
  model: { hidden: [8] },
  crossbar: { device: 'test-device', dac: 'test-dac', senseAmp: 'test-sense-amp', adc: 'test-adc', updateRule: 'test-update', nonidealities: [{ name: 'test-table', params: { file } }] },
  ...(layerFile ? { layers: { fc2: { crossbar: { nonidealities: [{ name: 'test-table', params: { file: layerFile } }] } } } } : {}),
});

const fileOf = (r: ReturnType<typeof resolveSpec>, layer: number) => r.layers[layer]!.crossbar!.nonidealities[0]!.params.file;

describe('file parameters in a spec', () => {
  const source = resolve('/specs/a/spec.yaml');

  it('takes a relative path from the spec file\'s folder, in the plans and in the resolved data', () => {
    const r = resolveSpec(spec('t.csv', '../b/u.csv'), scope, source);
    expect(fileOf(r, 0)).toBe(join(dirname(source), 't.csv'));
    expect(fileOf(r, 1)).toBe(resolve(dirname(source), '../b/u.csv'));
    expect((r.spec.crossbar!.nonidealities[0]!.params as { file: string }).file).toBe(join(dirname(source), 't.csv'));
    expect((r.spec.layers.fc2!.crossbar as { nonidealities: Array<{ params: { file: string } }> }).nonidealities[0]!.params.file).toBe(resolve(dirname(source), '../b/u.csv'));
  });

  it('hands the check the absolute path', () => {
    seen.length = 0;
    resolveSpec(spec('t.csv'), scope, source);
    expect(seen).toContain(join(dirname(source), 't.csv'));
    expect(seen).not.toContain('t.csv');
  });

  it('leaves an absolute path as it is, and resolving the resolved data again changes nothing', () => {
    const abs = resolve('/tables/t.csv');
    const r = resolveSpec(spec(abs), scope, source);
    expect(fileOf(r, 0)).toBe(abs);
    const again = resolveSpec(r.spec, scope, resolve('/runs/x/spec.resolved.json'));
    expect(again.spec).toEqual(r.spec);
  });

  it('uses baseDir over the source, and the working directory when there is neither', () => {
    expect(fileOf(resolveSpec(spec('t.csv'), scope, source, { baseDir: resolve('/base') }), 0)).toBe(resolve('/base', 't.csv'));
    expect(fileOf(resolveSpec(spec('t.csv'), scope), 0)).toBe(resolve('t.csv'));
  });

  it('reports a refused file at its spec path', () => {
    let error: unknown;
    try {
      resolveSpec(spec('missing.csv'), scope, source);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SpecError);
    expect((error as SpecError).issues).toEqual([{ path: 'crossbar.nonidealities[0].params.file', message: `${join(dirname(source), 'missing.csv')}: no such file` }]);
  });
});
