import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PluginDefinitionError } from './errors.js';
import { absoluteFiles, choice, file, integer, metaOf, neutralParams, paramDefaults, params, quantity, real, requiredParams, text } from './params.js';

const issues = (r: { success: boolean; error?: { issues: Array<{ path: PropertyKey[]; message: string }> } }) =>
  (r.error?.issues ?? []).map((i) => [i.path.join('.'), i.message]);

describe('quantity of any dimension', () => {
  const schema = params({
    temperature: quantity('K', { description: 'Ambient temperature.', default: 300, min: 0 }),
    frequency: quantity('Hz', { description: 'Clock.', default: 1e9 }),
    alpha: quantity('1/K', { description: 'Temperature coefficient.', default: 0.004 }),
  });

  it('parses values with units into the declared unit', () => {
    expect(schema.parse({ temperature: '25 degC', frequency: '2 GHz', alpha: '0.002 1/K' })).toEqual({ temperature: 298.15, frequency: 2e9, alpha: 0.002 });
  });

  it('names the dimension in errors, and quotes what was written', () => {
    expect(issues(schema.safeParse({ temperature: '3 GHz' }))).toEqual([['temperature', '"3 GHz" is not a temperature (expected a unit like K)']]);
    expect(issues(schema.safeParse({ temperature: '-5 K' }))).toEqual([['temperature', 'must be ≥ 0 K, got "-5 K"']]);
    expect(issues(schema.safeParse({ frequency: true }))).toEqual([['frequency', 'expected a frequency like "1 Hz" or a number in Hz']]);
  });

  it('keeps the declared unit printable', () => {
    expect(metaOf(schema.shape.alpha)?.unit).toBe('1/K');
  });

  it('refuses, when the plugin is defined, a unit mathjs cannot parse', () => {
    expect(() => quantity('furlongs', { description: 'Reach.', default: 1 })).toThrow(PluginDefinitionError);
    expect(() => quantity('furlongs', { description: 'Reach.', default: 1 })).toThrow(/parameter "Reach\.": "furlongs" is not a unit/);
  });

  it('refuses a plausible range that is empty', () => {
    expect(() => quantity('S', { description: 'G.', default: 1e-6, plausible: [1, 0] })).toThrow(/min < max/);
  });
});

describe('required parameters', () => {
  const schema = params({
    t: quantity('K', { description: 'Temperature of the measurement.', required: true }),
    k: integer({ description: 'Levels.', required: true, neutral: 0 }),
    gain: real({ description: 'Gain.', required: true }),
    mode: choice(['a', 'b'], { description: 'Mode.', required: true }),
    file: text({ description: 'Data file.', required: true }),
    other: real({ description: 'Other.', default: 2 }),
  });

  it('reports each missing one as "required: <description>" at its key', () => {
    expect(issues(schema.safeParse({}))).toEqual([
      ['t', 'required: Temperature of the measurement.'], ['k', 'required: Levels.'], ['gain', 'required: Gain.'],
      ['mode', 'required: Mode.'], ['file', 'required: Data file.'],
    ]);
  });

  it('parses when given, and still explains a wrong value', () => {
    expect(schema.parse({ t: '4 K', k: 3, gain: 1.5, mode: 'b', file: 'x' })).toEqual({ t: 4, k: 3, gain: 1.5, mode: 'b', file: 'x', other: 2 });
    expect(issues(schema.safeParse({ t: '4 K', k: 3, gain: 'x', mode: 'b', file: 'x' }))).toEqual([['gain', 'expected a number, got "x"']]);
  });

  it('is marked in the metadata and listed', () => {
    expect(metaOf(schema.shape.t)?.required).toBe(true);
    expect(metaOf(schema.shape.other)?.required).toBeUndefined();
    expect(requiredParams(schema)).toEqual(['t', 'k', 'gain', 'mode', 'file']);
  });

  it('leaves required fields out of defaults and neutral params, unless given a sample', () => {
    expect(paramDefaults(schema)).toEqual({ other: 2 });
    expect(neutralParams(schema)).toEqual({ k: 0, other: 2 });
    expect(neutralParams(schema, { t: '1 K', gain: 3 })).toEqual({ t: 1, k: 0, gain: 3, other: 2 });
  });
});

describe('neutralParams', () => {
  it('sets neutral values over defaults', () => {
    const schema = params({ r: quantity('ohm', { description: 'R.', default: 4.6, neutral: 0 }), n: real({ description: 'N.', default: 1 }) });
    expect(neutralParams(schema)).toEqual({ r: 0, n: 1 });
  });

  it('throws for a neutral value its own field refuses', () => {
    const schema = params({ r: quantity('ohm', { description: 'R.', default: 4.6, neutral: -1, min: 0 }) });
    expect(() => neutralParams(schema)).toThrow(/must be ≥ 0 ohm/);
  });
});

describe('file', () => {
  const schema = params({
    table: file({ description: 'Measured table.', default: '', empty: '/bundled/table.csv', check: (v) => (v.endsWith('.csv') || v === '' ? undefined : `${v}: not a CSV file`) }),
    name: text({ description: 'A name, not a path.', default: 'a' }),
  });

  it('is marked as a file in the metadata, with the file an empty value stands for', () => {
    expect(metaOf(schema.shape.table)).toMatchObject({ file: true, emptyFile: '/bundled/table.csv', unit: '1' });
    expect(metaOf(schema.shape.name)?.file).toBeUndefined();
  });

  it('parses like text, with its check', () => {
    expect(schema.parse({})).toEqual({ table: '', name: 'a' });
    expect(issues(schema.safeParse({ table: 'x.txt' }))).toEqual([['table', 'x.txt: not a CSV file']]);
    expect(issues(schema.safeParse({ table: 3 }))).toEqual([['table', 'expected a string, got 3']]);
  });

  it('absoluteFiles makes relative file paths absolute from the base folder and leaves the rest', () => {
    const base = resolve('/specs/a');
    expect(absoluteFiles(schema, { table: 'data/t.csv', name: 'rel/x' }, base)).toEqual({ table: join(base, 'data/t.csv'), name: 'rel/x' });
    expect(absoluteFiles(schema, { table: '../t.csv' }, base)).toEqual({ table: resolve(base, '../t.csv') });
    const abs = resolve('/elsewhere/t.csv');
    expect(absoluteFiles(schema, { table: abs }, base)).toEqual({ table: abs });
    expect(absoluteFiles(schema, { table: '' }, base)).toEqual({ table: '' });
    expect(absoluteFiles(schema, { table: 7 }, base)).toEqual({ table: 7 });
    expect(absoluteFiles(schema, undefined, base)).toBeUndefined();
  });

  it('needs a default or required, like every field', () => {
    expect(() => file({ description: 'F.' } as never)).toThrow(PluginDefinitionError);
  });
});
