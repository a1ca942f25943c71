import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createPluginContainer, loadSpec, readSpecFile } from '@txsim/experiment';
import { describe, expect, it } from 'vitest';
import { ROOT, tempDir, txsimInProcess } from './cli.js';

type Schema = Record<string, unknown>;

/**
 * The JSON Schema subset the generated schema uses (type, enum, const, properties, required,
 * additionalProperties, items, anyOf, $ref, numeric bounds, minItems/minLength): enough to check
 * that the examples validate, without a validator dependency. Returns the paths that fail.
 */
function check(value: unknown, schema: Schema, root: Schema, path = ''): string[] {
  if (typeof schema.$ref === 'string') {
    const target = schema.$ref.replace(/^#\//, '').split('/').reduce<unknown>((s, k) => (s as Schema)[k], root) as Schema;
    return check(value, target, root, path);
  }
  if (Array.isArray(schema.anyOf)) {
    const branches = (schema.anyOf as Schema[]).map((s) => check(value, s, root, path));
    return branches.some((b) => !b.length) ? [] : branches.sort((a, b) => a.length - b.length)[0]!;
  }
  const fail = (why: string) => [`${path || '(root)'}: ${why}`];
  const types = schema.type === undefined ? undefined : ([] as unknown[]).concat(schema.type);
  const typeOf = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : Number.isInteger(v) ? 'integer' : typeof v);
  if (types && !types.some((t) => t === typeOf(value) || (t === 'number' && typeof value === 'number'))) return fail(`expected ${types.join('|')}`);
  if ('const' in schema && value !== schema.const) return fail(`expected ${JSON.stringify(schema.const)}`);
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) return fail(`expected one of ${JSON.stringify(schema.enum)}`);
  if (typeof value === 'number') {
    if (typeof schema.minimum === 'number' && value < schema.minimum) return fail('below minimum');
    if (typeof schema.maximum === 'number' && value > schema.maximum) return fail('above maximum');
    if (typeof schema.exclusiveMinimum === 'number' && value <= schema.exclusiveMinimum) return fail('not above exclusiveMinimum');
  }
  if (typeof value === 'string' && typeof schema.minLength === 'number' && value.length < schema.minLength) return fail('too short');
  if (Array.isArray(value)) {
    if (typeof schema.minItems === 'number' && value.length < schema.minItems) return fail('too few items');
    if (schema.items) return value.flatMap((v, i) => check(v, schema.items as Schema, root, `${path}[${i}]`));
  }
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const props = (schema.properties ?? {}) as Record<string, Schema>;
    const out: string[] = [];
    for (const key of (schema.required ?? []) as string[]) if (!(key in value)) out.push(...fail(`missing ${key}`));
    for (const [key, v] of Object.entries(value)) {
      const sub = props[key] ?? (typeof schema.additionalProperties === 'object' ? (schema.additionalProperties as Schema) : undefined);
      if (!sub && schema.additionalProperties === false) out.push(`${path ? `${path}.` : ''}${key}: unknown field`);
      else if (sub) out.push(...check(v, sub, root, path ? `${path}.${key}` : key));
    }
    return out;
  }
  return [];
}

const SCHEMA_FILE = join(ROOT, 'docs/txsim-spec.schema.json');
const EXAMPLES = ['mlp-mnist-ideal.yaml', 'mlp-mnist-txsim.yaml', 'recipes/aihwkit-03-float.yaml'];

function writeSpec(text: string): string {
  const file = join(tempDir('spec'), 'spec.yaml');
  writeFileSync(file, text);
  return file;
}

describe('txsim spec --schema', () => {
  it('prints the committed docs/txsim-spec.schema.json exactly (regenerate: txsim spec --schema > docs/txsim-spec.schema.json)', async () => {
    const r = await txsimInProcess(['spec', '--schema']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(readFileSync(SCHEMA_FILE, 'utf8'));
  });

  it('accepts both examples and a preset-based spec, rejects unknown fields and plugins', () => {
    const schema = JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as Schema;
    for (const example of EXAMPLES) expect(check(readSpecFile(join(ROOT, 'examples', example)), schema, schema), example).toEqual([]);
    expect(check({ preset: ['ideal-crossbar'], crossbar: { device: { name: 'levels', params: { rmin: '100 kohm', rmax: 1e6 } } } }, schema, schema)).toEqual([]);
    expect(check({ training: { epoch: 3 } }, schema, schema).join('\n')).toContain('training.epoch: unknown field');
    expect(check({ crossbar: { device: 'level' } }, schema, schema)).not.toEqual([]);
    expect(check({ crossbar: { nonidealities: [{ name: 'wire-resistance', params: { rrow: 1 } }] } }, schema, schema)).not.toEqual([]);
  });

  it('describes quantities with their unit and SI default', () => {
    const text = readFileSync(SCHEMA_FILE, 'utf8');
    const schema = JSON.parse(text) as { $defs: { device: { anyOf: Schema[] } } };
    const levels = schema.$defs.device.anyOf.find((s) => (s.properties as Record<string, Schema> | undefined)?.name?.const === 'levels')!;
    const rmin = ((levels.properties as Record<string, Schema>).params!.properties as Record<string, Schema>).rmin!;
    expect(rmin.anyOf).toEqual([{ type: 'number' }, { type: 'string' }]);
    expect(rmin.default).toBe(100e3);
    expect(rmin.description).toContain('a number in ohm');
  });

  it('rejects a spec file alongside --schema', async () => {
    const r = await txsimInProcess(['spec', '--schema', join(ROOT, 'examples', EXAMPLES[0]!)]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
  });
});

describe('txsim spec --resolved', () => {
  it('prints every default and plugin parameter as YAML, or JSON with --json', async () => {
    const file = join(ROOT, 'examples/mlp-mnist-txsim.yaml');
    const yaml = await txsimInProcess(['spec', '--resolved', file]);
    expect(yaml.code, yaml.stderr).toBe(0);
    expect(yaml.stdout).toContain('calibrationReads: 10');
    const json = await txsimInProcess(['spec', '--resolved', file, '--json']);
    const spec = JSON.parse(json.stdout) as { crossbar: { device: { params: Record<string, number> } } };
    expect(spec.crossbar.device.params).toEqual({ rmin: 100e3, rmax: 1e6, bits: 2, slices: 4, sliceAdc: false });
    // The resolved spec is itself a valid spec that resolves to the same thing.
    const again = loadSpec(writeSpec(json.stdout), createPluginContainer());
    expect(again.spec).toEqual(JSON.parse(json.stdout));
  });

  it('resolves every overridden layer in full (swapped device, edited stack), and reads back to the same plans', async () => {
    const file = writeSpec([
      'preset: txsim-agsi-reram',
      'layers:',
      '  fc2: { crossbar: { device: linear-step } }',
      '  fc3:',
      '    crossbar:',
      '      nonidealities:',
      '        remove: [wire-resistance]',
      '        set: { write-noise: { params: { gamma: 10 } } }',
      '        add: [{ name: read-noise, params: { sigma: 0.05 }, after: device-variation }]',
    ].join('\n'));
    const r = await txsimInProcess(['spec', '--resolved', file, '--json']);
    expect(r.code, r.stderr).toBe(0);
    type Ref = { name: string; params: Record<string, unknown>; phases: string[] };
    type Cb = { device: Ref; nonidealities: Ref[]; tile: unknown; backward: Record<string, Ref> };
    const spec = JSON.parse(r.stdout) as { crossbar: Cb; layers: Record<string, { crossbar: Cb }> };
    const fc2 = spec.layers.fc2!.crossbar;
    expect(fc2.device.name).toBe('linear-step');
    expect(fc2.device.params).not.toHaveProperty('rmin'); // the preset's levels params stay with levels
    expect(fc2.device.params).toMatchObject({ gammaUp: 0, gammaUpDtod: 0.05 });
    expect(fc2.nonidealities.map((n) => n.name)).toEqual(['device-variation', 'wire-resistance', 'update-nonlinearity', 'write-noise']);
    expect(fc2.tile).toEqual({ rows: 64, cols: 64, fit: false });
    const fc3 = spec.layers.fc3!.crossbar;
    expect(fc3.device).toEqual(spec.crossbar.device);
    expect(fc3.device.params).toMatchObject({ rmin: 100e3, rmax: 1e6 });
    expect(fc3.nonidealities.map((n) => [n.name, n.params.gamma ?? n.params.sigma])).toEqual([
      ['device-variation', 0.1], ['read-noise', 0.05], ['update-nonlinearity', undefined], ['write-noise', 10],
    ]);
    expect(spec.crossbar.nonidealities.find((n) => n.name === 'write-noise')!.params.gamma).toBe(5);
    // Read back (as a resumed run reads spec.resolved.json): the same spec and the same layer plans.
    const c = createPluginContainer();
    const first = loadSpec(file, c);
    const again = loadSpec(writeSpec(r.stdout), c);
    expect(again.spec).toEqual(first.spec);
    expect(again.layers).toEqual(first.layers);
    expect(again.layers[2]!.crossbar!.nonidealities.map((n) => n.name)).toEqual(['device-variation', 'read-noise', 'update-nonlinearity', 'write-noise']);
    // YAML output without anchors, though layers share the experiment's settings.
    const yaml = await txsimInProcess(['spec', '--resolved', file]);
    expect(yaml.stdout).not.toMatch(/[&*]a\d/);
  });

  it('exits 2 and names the field for an invalid spec', async () => {
    const r = await txsimInProcess(['spec', '--resolved', join(ROOT, 'test/bad-specs/enum-typo.yaml')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('model.activation: ');
    expect(r.stdout).toBe('');
  });
});

describe('presets', () => {
  const PRESETS = join(ROOT, 'packages', 'experiment', 'presets');

  it('every shipped preset has a name equal to its file, a description, a citation, and resolves alone', () => {
    const files = readdirSync(PRESETS);
    expect(files.length).toBeGreaterThanOrEqual(2);
    for (const f of files) {
      const name = f.replace(/\.ya?ml$/, '');
      const doc = readSpecFile(join(PRESETS, f)) as { name: string; description: string; source: string[] };
      expect(doc.name).toBe(name);
      expect(doc.description.length).toBeGreaterThan(20);
      expect(doc.source.length).toBeGreaterThan(0);
      expect(() => loadSpec(writeSpec(`preset: ${name}\n`), createPluginContainer()), f).not.toThrow();
    }
  });

  it.each([
    ['mlp-mnist-txsim.yaml', 'txsim-agsi-reram'],
    ['mlp-mnist-ideal.yaml', 'ideal-crossbar'],
  ])('%s resolves to the same crossbar as preset %s', (example, preset) => {
    const c = createPluginContainer();
    const fromExample = loadSpec(join(ROOT, 'examples', example), c);
    const fromPreset = loadSpec(writeSpec(`preset: ${preset}\nmodel: { hidden: [256, 128] }\n`), c);
    expect(fromPreset.spec.crossbar).toEqual(fromExample.spec.crossbar);
    expect(fromPreset.layers).toEqual(fromExample.layers);
  });

  it('layers defaults → presets in order → the spec → per-layer overrides', () => {
    const r = loadSpec(writeSpec([
      'preset: [txsim-agsi-reram, ideal-crossbar]', // the second replaces the device and empties the stack
      'crossbar:',
      '  tile: { rows: 32 }', // merges into the presets' tile: cols stays 64
      '  adc: { name: adc, params: { bits: 6 } }',
      'layers:',
      '  fc2: { crossbar: { tile: { cols: 16 } } }',
    ].join('\n')), createPluginContainer());
    const cb = r.spec.crossbar!;
    expect(r.spec).not.toHaveProperty('preset');
    expect(cb.device.name).toBe('ideal');
    expect(cb.nonidealities).toEqual([]);
    expect(cb.tile).toEqual({ rows: 32, cols: 64, fit: false });
    expect(cb.adc.params).toMatchObject({ bits: 6, fullScale: 0 });
    expect(cb.dac.params).toMatchObject({ bits: 0, vRead: 0.2 });
    expect(r.layers[1]!.crossbar!.tile).toEqual({ rows: 32, cols: 16, fit: false });
    expect(r.layers[0]!.crossbar!.tile).toEqual({ rows: 32, cols: 64, fit: false });
  });

  it('--digital drops the crossbars a preset brings in', () => {
    const r = loadSpec(writeSpec('preset: txsim-agsi-reram\n'), createPluginContainer(), { digital: true });
    expect(r.layers.every((l) => l.crossbar === null)).toBe(true);
  });
});
