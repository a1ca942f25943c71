import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runExperiment, sha256, type Checkpoint, type RunSummary } from '@txsim/experiment';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, readJson, requireBuild, simulated, tempDir, txsim } from './cli.js';

/** A lookup-table device whose table sits beside the spec, named by a relative path. */
const SPEC = `
name: lut-path
seed: 5
data: { dataset: synthetic, shape: [1, 6, 6], classes: 3, trainSize: 96, testSize: 48 }
model: { hidden: [8], activation: sigmoid }
training: { epochs: 2, batchSize: 32, learningRate: 1 }
crossbar:
  tile: { rows: 16, cols: 16 }
  device: { name: lookup-table, params: { file: table.csv } }
`;
const TABLE = join(ROOT, 'examples/devices/neurosim-agsi-lut.csv');

/** The same table with every mean change tripled: a run that read it would train differently. */
function otherTable(): string {
  return readFileSync(TABLE, 'utf8').split('\n').map((line) => {
    if (!/^\d/.test(line)) return line;
    const [g, up, down, ...rest] = line.split(',');
    return [g, Number(up) * 3, Number(down) * 3, ...rest].join(',');
  }).join('\n');
}

/** Runs the spec in-process and stops it after its first epoch (of 2). */
async function firstEpoch(spec: string, outDir: string): Promise<void> {
  const stop = new AbortController();
  const r = await runExperiment(spec, { outDir, signal: stop.signal, reporters: [{ onEpochEnd: () => stop.abort() }] });
  expect(r.status).toBe('interrupted');
}

describe('a file parameter in a run directory', () => {
  beforeAll(requireBuild);

  it('is recorded absolute and with its sha256; resume from elsewhere reads the same file, and refuses a changed one', async () => {
    const tmp = tempDir('lut-path');
    const a = join(tmp, 'a');
    const b = join(tmp, 'b');
    mkdirSync(a);
    mkdirSync(b);
    const spec = join(a, 'spec.yaml');
    writeFileSync(spec, SPEC);
    copyFileSync(TABLE, join(a, 'table.csv'));
    // The other working directory holds a different table under the same relative name.
    writeFileSync(join(b, 'table.csv'), otherTable());

    const full = join(tmp, 'full');
    const cut = join(tmp, 'cut');
    const edited = join(tmp, 'edited');
    const done = await runExperiment(spec, { outDir: full });
    expect(done.status).toBe('completed');
    await firstEpoch(spec, cut);
    await firstEpoch(spec, edited);

    const resolved = readJson<{ crossbar: { device: { params: { file: string } } } }>(join(cut, 'spec.resolved.json'));
    expect(resolved.crossbar.device.params.file).toBe(join(a, 'table.csv'));
    const record = { param: 'crossbar.device.params.file', path: join(a, 'table.csv'), sha256: expect.stringMatching(/^[0-9a-f]{64}$/) };
    const env = readJson<{ files: Array<{ param: string; path: string; sha256: string }> }>(join(cut, 'environment.json'));
    expect(env.files).toEqual([record]);
    expect(readJson<Checkpoint>(join(cut, 'checkpoint.json')).identity.files).toEqual(env.files);

    const resumed = await txsim(['train', '--resume', cut, '--no-progress'], { cwd: b });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain(`resuming ${cut} after epoch 1/2`);
    expect(simulated(readJson<RunSummary>(join(cut, 'summary.json')))).toEqual(simulated(readJson<RunSummary>(join(full, 'summary.json'))));

    // An edited table is refused, naming the file and the parameter; so is a missing one.
    const table = join(a, 'table.csv');
    const original = readFileSync(table, 'utf8');
    writeFileSync(table, otherTable());
    const changed = await txsim(['train', '--resume', edited, '--no-progress'], { cwd: b });
    expect(changed.code).toBe(1);
    expect(changed.stderr).toMatch(new RegExp(`${table.replace(/[.\\/]/g, '\\$&')} \\(crossbar\\.device\\.params\\.file\\) changed since the run started \\(sha256 [0-9a-f]{12}…, was [0-9a-f]{12}…\\); restore it or start a new run`));
    rmSync(table);
    const gone = await txsim(['train', '--resume', edited, '--no-progress'], { cwd: b });
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain(`${table} (crossbar.device.params.file) is gone since the run started`);

    // environment.json made to agree with the edited table: the checkpoint still names the original.
    writeFileSync(table, otherTable());
    const envFile = join(edited, 'environment.json');
    const edEnv = readJson<{ files: Array<{ sha256: string }> }>(envFile);
    writeFileSync(envFile, JSON.stringify({ ...edEnv, files: [{ ...edEnv.files[0], sha256: sha256(readFileSync(table)) }] }));
    const forged = await txsim(['train', '--resume', edited, '--no-progress'], { cwd: b });
    expect(forged.code).toBe(1);
    expect(forged.stderr).toContain('does not belong to this run directory as it stands');
    expect(forged.stderr).toContain('environment.json records spec files crossbar.device.params.file=');

    // Restored, the run resumes and ends where the uninterrupted one did.
    writeFileSync(table, original);
    writeFileSync(envFile, JSON.stringify(edEnv));
    const restored = await txsim(['train', '--resume', edited, '--no-progress'], { cwd: b });
    expect(restored.code, restored.stderr).toBe(0);
    expect(simulated(readJson<RunSummary>(join(edited, 'summary.json')))).toEqual(simulated(readJson<RunSummary>(join(full, 'summary.json'))));
  });
});
