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
  { file: 'wrong-type-epochs.yaml', paths: ['training.epochs'], says: ['expected a positive integer'] },
  { file: 'wrong-unit-voltage.yaml', paths: ['crossbar.dac.params.vRead'], says: ['"5 ohm" is not a voltage'] },
  { file: 'unknown-unit.yaml', paths: ['crossbar.nonidealities[0].params.rCol'], says: ['cannot parse "4.6 furlongs"'] },
  { file: 'unknown-top-field.yaml', paths: ['seeds'], says: ['unknown field', 'did you mean "seed"'] },
  { file: 'unknown-crossbar-field.yaml', paths: ['crossbar.nonidealites'], says: ['did you mean "nonidealities"'] },
  { file: 'unknown-plugin-param.yaml', paths: ['crossbar.nonidealities[0].params.rrow'], says: ['did you mean "rRow"', 'valid fields: rRow'] },
  { file: 'unknown-layer-field.yaml', paths: ['layers.fc1.crossbar.tiles'], says: ['did you mean "tile"'] },
  { file: 'unknown-device.yaml', paths: ['crossbar.device.name'], says: ['unknown device plugin "level"', 'did you mean "levels"'] },
  { file: 'layer-unknown-plugin.yaml', paths: ['layers.fc3.crossbar.device.name'], says: ['did you mean "ideal"'] },
  { file: 'rmax-below-rmin.yaml', paths: ['crossbar.device.params.rmax'], says: ['rmax must exceed rmin'] },
  { file: 'gmax-below-gmin.yaml', paths: ['crossbar.device.params.gmax'], says: ['gmax must exceed gmin'] },
  { file: 'negative-learning-rate.yaml', paths: ['training.learningRate'], says: ['must be > 0'] },
  { file: 'init-unknown.yaml', paths: ['model.init.weights.name'], says: ['got "glorot-unifrom"', 'did you mean "glorot-uniform"', 'pytorch-default'] },
  { file: 'init-unknown-param.yaml', paths: ['layers.fc1.init.weights.b'], says: ['did you mean "a"', 'valid fields: name, a'] },
  { file: 'schedule-rates.yaml', paths: ['training.schedule.rates'], says: ['needs 3 rates', 'got 2'] },
  { file: 'zero-batch-size.yaml', paths: ['training.batchSize'], says: ['must be > 0'] },
  { file: 'negative-sigma.yaml', paths: ['crossbar.nonidealities[0].params.sigma'], says: ['must be ≥ 0'] },
  { file: 'bits-negative.yaml', paths: ['crossbar.dac.params.bits'], says: ['must be ≥ 0 bits'] },
  { file: 'tile-too-large.yaml', paths: ['crossbar.tile.rows'], says: ['must be ≤ 4096 rows'] },
  // Checks train used to make only after validate said ok (or after loading data): now both refuse at once.
  { file: 'long-name.yaml', paths: ['name'], says: ['250 bytes long; at most 200'] },
  { file: 'name-with-separator.yaml', paths: ['name'], says: ['must not contain / or \\'] },
  { file: 'synthetic-classes.yaml', paths: ['data.classes'], says: ['must be ≤ 256'] },
  { file: 'kernel-memory.yaml', paths: ['model.hidden'], says: ['WebAssembly limit'] },
  { file: 'synthetic-data-size.yaml', paths: ['data.trainSize'], says: ['more than one array holds'] },
  { file: 'calibrate-batches.yaml', paths: ['crossbar.mapping.calibrate.batches'], says: ['must be ≤ 1,000,000'] },
  { file: 'memory-budget.yaml', paths: ['model.hidden'], says: ['crossbar state would need', 'over the 8.0 GiB budget'] },
  { file: 'tile-memory-budget.yaml', paths: ['crossbar.tile'], says: ['over the 8.0 GiB budget', 'use smaller tiles'] },
  { file: 'unknown-preset.yaml', paths: ['preset'], says: ['unknown preset "txsim-agsi-rram"', 'did you mean "txsim-agsi-reram"', 'known presets: aihwkit-ecram, aihwkit-idealized, aihwkit-pcm, aihwkit-reram-es, aihwkit-reram-sb, ideal-crossbar, neurosim-32nm, neurosim-agsi'] },
  { file: 'preset-wrong-type.yaml', paths: ['preset'], says: ['expected a preset name'] },
  { file: 'unsupported-phase.yaml', paths: ['crossbar.nonidealities[0].phases'], says: ['acts only in update', '"forward" is not one of them'] },
  { file: 'phase-typo.yaml', paths: ['crossbar.nonidealities[0].phases[0]'], says: ['did you mean "forward"'] },
  { file: 'enum-typo.yaml', paths: ['model.activation'], says: ['got "sigmod"', 'did you mean "sigmoid"'] },
  { file: 'backend-typo.yaml', paths: ['backend'], says: ['did you mean "wasm"'] },
  { file: 'hidden-not-a-list.yaml', paths: ['model.hidden'], says: ['expected array'] },
  { file: 'seed-not-integer.yaml', paths: ['seed'], says: ['expected an integer seed'] },
  { file: 'nonidealities-not-a-list.yaml', paths: ['crossbar.nonidealities'], says: ['expected array'] },
  { file: 'not-a-mapping.yaml', paths: ['(root)'], says: ['expected object'] },
  { file: 'comments-only.yaml', paths: ['(root)'], says: ['empty'] },
  { file: 'empty.json', paths: ['(root)'], says: ['empty'] },
  { file: 'malformed-indent.yaml', paths: ['line 3, column 11'], says: ['YAML syntax error'] },
  { file: 'unknown-layer-small-model.yaml', paths: ['layers.fc3'], says: ['no layer named "fc3"', 'fc1, fc2'] },
  { file: 'data-dir-missing.yaml', paths: ['data.dir'], says: ['no-such-fashion-mnist does not exist', 'apt install dataset-fashion-mnist'] },
  { file: 'data-dir-required.yaml', paths: ['data.dir'], says: ['the cifar10 data set needs a directory'] },
  { file: 'layer-stack-edit-unknown.yaml', paths: ['layers.fc2.crossbar.nonidealities.set.write-nosie'], says: ['did you mean "write-noise"', 'its entries are device-variation, wire-resistance, update-nonlinearity, write-noise'] },
  { file: 'layer-inherited-problem.yaml', paths: ['crossbar.device.params.bits'], says: ['1 problem'] },
  { file: 'calibrate-zero-batches.yaml', paths: ['crossbar.mapping.calibrate.batches'], says: ['must be > 0'] },
  { file: 'wire-resistance-and-circuit.yaml', paths: ['crossbar.nonidealities[1]'], says: ['"wire-circuit" cannot be combined with "wire-resistance" (at crossbar.nonidealities[0])'] },
  { file: 'layer-wire-circuit-added.yaml', paths: ['layers.fc2.crossbar.nonidealities.add[0]'], says: ['"wire-circuit" cannot be combined with "wire-resistance" (at crossbar.nonidealities[0])'] },
  { file: 'unit-without-number.yaml', paths: ['crossbar.device.params.rmin'], says: ['"kohm" has no number: expected a number with a unit, e.g. "1 kohm"'] },
  { file: 'duplicate-key.json', paths: ['line 4, column 3'], says: ['duplicate key "training"'] },
  { file: 'duplicate-key.yaml', paths: ['line 4, column 1'], says: ['duplicate key "seed"'] },
  { file: 'truncated.json', paths: ['line 3, column 26'], says: ['truncated.json: invalid spec', 'JSON syntax error: unexpected end of input'] },
  { file: 'proto-layer.yaml', paths: ['layers.__proto__'], says: ['no layer named "__proto__"', 'fc1, fc2, fc3'] },
  { file: 'alias-bomb.yaml', paths: ['line 5'], says: ['YAML aliases expand the spec too far'] },
  { file: 'deep-nesting.json', paths: ['line 1, column 93'], says: ['nests deeper than 64 levels'] },
  { file: 'deep-nesting.yaml', paths: ['line 3, column 129'], says: ['nests deeper than 64 levels'] },
  { file: 'crop-outside-image.yaml', paths: ['data.transforms[0].height'], says: ['outside the 28-row image', 'valid height with top 10: 1 … 18'] },
  { file: 'sampler-unknown.yaml', paths: ['training.sampler'], says: ["expected 'shuffle', 'in-order' or { name: with-replacement"] },
  { file: 'transform-field-typo.yaml', paths: ['data.transforms[0].targetSd'], says: ['did you mean "targetStd"', 'valid fields: name, mean, std, targetStd'] },
];

const spec = (file: string) => join(ROOT, 'test/bad-specs', file);

/** Cases also run through the compiled binary (each spawns a process, so only a handful). */
const BINARY_CASES = ['unknown-plugin.yaml', 'malformed.yaml', 'unknown-preset.yaml', 'memory-budget.yaml', 'several-problems.yaml'];

describe('bad specs are rejected before any work', () => {
  beforeAll(requireBuild);

  it('has a case for every file in test/bad-specs', () => {
    expect(readdirSync(join(ROOT, 'test/bad-specs')).sort()).toEqual(CASES.map((c) => c.file).sort());
  });

  it.each(CASES)('train $file: exit 2, names $paths, creates no run directory', async ({ file, paths, says }) => {
    const out = join(tempDir('bad-spec'), 'run');
    const r = await txsimInProcess(['train', spec(file), '--no-progress', '--out', out]);
    expect(r.code, r.stderr).toBe(2);
    for (const p of paths) expect(r.stderr).toContain(`  ${p}: `);
    for (const s of says) expect(r.stderr).toContain(s);
    expect(r.stderr).not.toMatch(/^\s+at /m); // no stack trace
    expect(r.stdout).toBe('');
    expect(existsSync(out)).toBe(false);
  });

  // The compiled binary, for a few cases: exit code and output of a real process, and no default run directory.
  it.concurrent.each(CASES.filter((c) => BINARY_CASES.includes(c.file)))('compiled txsim train $file: exit 2, creates nothing', async ({ file, paths }) => {
    // Run where the default run directory would appear, so "nothing created" covers it.
    const cwd = tempDir('bad-spec');
    const r = await txsim(['train', spec(file), '--no-progress'], { cwd });
    expect(r.code, r.stderr).toBe(2);
    for (const p of paths) expect(r.stderr).toContain(`  ${p}: `);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(r.stdout).toBe('');
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('does not create an explicit --out directory either', async () => {
    const out = join(tempDir('bad-spec-out'), 'run');
    const r = await txsim(['train', spec('unknown-plugin.yaml'), '--no-progress', '--out', out]);
    expect(r.code).toBe(2);
    expect(existsSync(out)).toBe(false);
  });

  it.each(CASES)('validate $file: exit 2 with every problem', async ({ file, paths, says }) => {
    const r = await txsimInProcess(['validate', spec(file)]);
    expect(r.code).toBe(2);
    for (const p of paths) expect(r.stderr).toContain(`  ${p}: `);
    for (const s of says) expect(r.stderr).toContain(s);
    expect(r.stdout).toBe('');
  });

  it('has at least 30 bad specs', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(30);
  });

  it('reports each problem once even when forward and backward share a converter', async () => {
    const r = await txsimInProcess(['validate', spec('bits-out-of-range.yaml')]);
    expect(r.stderr.match(/crossbar\.adc\.params\.bits/g)).toHaveLength(1);
  });

  it('reports a problem two overridden layers inherit once, at the experiment-wide crossbar', async () => {
    const r = await txsimInProcess(['validate', spec('layer-inherited-problem.yaml')]);
    expect(r.stderr.match(/params\.bits/g)).toHaveLength(1);
    expect(r.stderr).not.toContain('layers.');
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
