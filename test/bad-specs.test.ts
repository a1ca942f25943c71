import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, requireBuild, tempDir, txsim, txsimInProcess } from './cli.js';

/** Each bad spec, the field paths its error must name, and words the message must contain. */
const CASES: ReadonlyArray<{ file: string; paths: string[]; says: string[] }> = [
  { file: 'unknown-plugin.yaml', paths: ['crossbar.nonidealities[0].name'], says: ['"wire-resistence"', 'did you mean "wire-resistance"'] },
  { file: 'unknown-field.yaml', paths: ['training.epoch'], says: ['unknown field', 'did you mean "epochs"'] },
  { file: 'negative-resistance.yaml', paths: ['crossbar.device.params.rmin'], says: ['must be > 0'] },
  { file: 'wrong-dimension.yaml', paths: ['crossbar.nonidealities[0].params.rRow'], says: ['"10 uS" is not a resistance'] },
  { file: 'malformed.yaml', paths: ['line 4, column 1'], says: ['YAML syntax error'] },
  { file: 'malformed.json', paths: ['line 3, column 30'], says: ['JSON syntax error'] },
  { file: 'empty.yaml', paths: ['(root)'], says: ['empty'] },
  { file: 'unknown-layer.yaml', paths: ['layers.fc9'], says: ['no layer named "fc9"', 'fc1, fc2, fc3'] },
  { file: 'bits-out-of-range.yaml', paths: ['crossbar.adc.params.bits'], says: ['must be ≤ 24'] },
  { file: 'layer-override.yaml', paths: ['layers.fc2.crossbar.nonidealities[0].params.gamma'], says: ['must be ≥ 0'] },
  {
    file: 'several-problems.yaml',
    paths: ['training.batchSize', 'crossbar.device.params.bits', 'crossbar.nonidealities[0].params.v'],
    says: ['3 problems'],
  },
];

const spec = (file: string) => join(ROOT, 'test/bad-specs', file);

describe('bad specs are rejected before any work', () => {
  beforeAll(requireBuild);

  it('has a case for every file in test/bad-specs', () => {
    expect(readdirSync(join(ROOT, 'test/bad-specs')).sort()).toEqual(CASES.map((c) => c.file).sort());
  });

  it.concurrent.each(CASES)('train $file: exit 2, names $paths, creates no run directory', async ({ file, paths, says }) => {
    // Run where the default run directory would appear, so "nothing created" covers it.
    const cwd = tempDir('bad-spec');
    const r = await txsim(['train', spec(file), '--no-progress'], { cwd });
    expect(r.code, r.stderr).toBe(2);
    for (const p of paths) expect(r.stderr).toContain(`  ${p}: `);
    for (const s of says) expect(r.stderr).toContain(s);
    expect(r.stderr).not.toMatch(/^\s+at /m); // no stack trace
    expect(r.stdout).toBe('');
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('does not create an explicit --out directory either', async () => {
    const out = join(tempDir('bad-spec-out'), 'run');
    const r = await txsim(['train', spec('unknown-plugin.yaml'), '--no-progress', '--out', out]);
    expect(r.code).toBe(2);
    expect(existsSync(out)).toBe(false);
  });

  it.each(CASES)('validate $file: exit 1 with every problem', async ({ file, paths }) => {
    const r = await txsimInProcess(['validate', spec(file)]);
    expect(r.code).toBe(1);
    for (const p of paths) expect(r.stderr).toContain(`  ${p}: `);
    expect(r.stdout).toBe('');
  });

  it('reports each problem once even when forward and backward share a converter', async () => {
    const r = await txsimInProcess(['validate', spec('bits-out-of-range.yaml')]);
    expect(r.stderr.match(/crossbar\.adc\.params\.bits/g)).toHaveLength(1);
  });

  it('validates command-line overrides like spec fields and names the flag', async () => {
    const cwd = tempDir('bad-flag');
    const example = join(ROOT, 'examples/mlp-mnist-ideal.yaml');
    const r = await txsim(['train', example, '--epochs', '0', '--train-limit', 'many', '--seed', '1.5', '--no-progress'], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('training.epochs: ');
    expect(r.stderr).toContain('(set by --epochs)');
    expect(r.stderr).toContain('data.trainLimit: ');
    expect(r.stderr).toContain('(set by --train-limit)');
    expect(r.stderr).toContain('seed: ');
    expect(r.stderr).toContain('(set by --seed)');
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('fails with exit 1 and a plain message for a missing file', async () => {
    const r = await txsimInProcess(['validate', join(ROOT, 'test/bad-specs/no-such-spec.yaml')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^txsim: cannot read spec file .*no-such-spec\.yaml: no such file\n$/);
  });

  it('accepts the examples', async () => {
    for (const example of ['mlp-mnist-ideal.yaml', 'mlp-mnist-txsim.yaml']) {
      const r = await txsimInProcess(['validate', join(ROOT, 'examples', example)]);
      expect(r, example).toEqual({ code: 0, stdout: 'ok\n', stderr: '' });
    }
  });
});
