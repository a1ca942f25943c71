import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunSummary } from '@txsim/experiment';
import { beforeAll, describe, expect, it } from 'vitest';
import { BIN, ROOT, readJson, requireBuild, simulated, tempDir, txsim, txsimInProcess, type CliResult } from './cli.js';

// The checks of the slurm executor that need no cluster: what is refused before anything is
// submitted, and what an array task does on a node (the real-Slurm test is slurm.test.ts).
const EXAMPLE = join(ROOT, 'examples/mlp-mnist-txsim.yaml');
const GRID = ['sweep', EXAMPLE, '--param', 'training.learningRate=0.5,1', '--epochs', '1', '--train-limit', '300', '--test-limit', '100'];

/** The compiled CLI with PATH replaced, so sbatch cannot be found. */
function txsimWithPath(args: readonly string[], path: string): Promise<CliResult> {
  return txsim(args, { env: { ...process.env, PATH: path } });
}

describe('txsim sweep --executor slurm without a cluster', () => {
  beforeAll(requireBuild);

  it('says sbatch is not found, and writes nothing, where Slurm is not installed', async () => {
    const out = join(tempDir('slurm-nosbatch'), 's');
    const r = await txsimWithPath([...GRID, '--executor', 'slurm', '--out', out], join(tempDir('slurm-empty-path'), 'bin'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('sbatch not found on PATH: the slurm executor submits through Slurm\'s own commands (sbatch, squeue). Run txsim sweep on a machine of the cluster where they work');
    expect(existsSync(out)).toBe(false);
  });

  it('checks the sbatch settings before anything is written, naming the flag, and refuses Slurm flags for a local sweep', async () => {
    const out = join(tempDir('slurm-flags'), 's');
    const bad = await txsimInProcess([...GRID, '--executor', 'slurm', '--time', '4h', '--mem', '4 GB', '--sbatch-option', '--array=1', '--out', out]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--time: expected a Slurm time limit');
    expect(bad.stderr).toContain('--mem: expected a memory size');
    expect(bad.stderr).toContain('--sbatch-option[0]: --array is set by txsim sweep for every submission; leave it out');
    const local = await txsimInProcess([...GRID, '--time', '10', '--wait', '--out', out]);
    expect(local.code).toBe(1);
    expect(local.stderr).toContain('--time, --wait apply to --executor slurm only');
    const unknown = await txsimInProcess([...GRID, '--executor', 'pbs', '--out', out]);
    expect(unknown.stderr).toContain('--executor must be one of local, slurm, got "pbs"');
    expect(existsSync(out)).toBe(false);
  });

  it('runs an array task through the local code path to the same run, and refuses a node with another txsim version or no sweep directory', async () => {
    const tmp = tempDir('slurm-task');
    const local = join(tmp, 'local');
    // One run: its directory from the local executor, and from run-task on another copy of the plan.
    const r = await txsim([...GRID.map((a) => (a === 'training.learningRate=0.5,1' ? 'training.learningRate=0.5' : a)), '--out', local]);
    expect(r.code, r.stderr).toBe(0);
    // The same plan (grid and run specs) in a fresh directory, numbered as a submission numbers it, and run by run-task.
    const tasks = join(tmp, 'tasks');
    mkdirSync(join(tasks, 'slurm'), { recursive: true });
    cpSync(join(local, 'sweep.json'), join(tasks, 'sweep.json'));
    cpSync(join(local, 'specs'), join(tasks, 'specs'), { recursive: true });
    const ids = ['learningRate=0.5_seed=1'];
    const version = readJson<{ version: string }>(join(ROOT, 'packages/cli/package.json')).version;
    const write = (txsimVersion: string) => writeFileSync(join(tasks, 'slurm', 'plan.json'),
      JSON.stringify({ version: 1, txsim: txsimVersion, node: process.version, execPath: process.execPath, bin: BIN, runs: ids, settings: {}, submissions: [] }));

    write('0.0.0-other');
    const mismatch = await txsimInProcess(['sweep', 'run-task', tasks, '0']);
    expect(mismatch.code).toBe(1);
    expect(mismatch.stderr).toContain(`txsim version mismatch on `);
    expect(mismatch.stderr).toContain(`this node runs txsim ${version} (${BIN}), but the sweep was submitted with txsim 0.0.0-other`);
    expect(existsSync(join(tasks, 'runs', ids[0]!))).toBe(false);

    write(version);
    const range = await txsimInProcess(['sweep', 'run-task', tasks, '1']);
    expect(range.stderr).toContain('task index "1": the sweep has runs 0–0');
    const missing = await txsimInProcess(['sweep', 'run-task', join(tmp, 'elsewhere'), '0']);
    expect(missing.stderr).toContain('the sweep directory must be on a file system every node mounts at the same path');

    for (const i of [0]) {
      const t = await txsimInProcess(['sweep', 'run-task', tasks, String(i)]);
      expect(t.code, t.stderr).toBe(0);
      expect(t.stderr).toContain(`: run ${i}, ${ids[i]}, started`);
      expect(simulated(readJson<RunSummary>(join(tasks, 'runs', ids[i]!, 'summary.json'))))
        .toEqual({ ...simulated(readJson<RunSummary>(join(local, 'runs', ids[i]!, 'summary.json'))), specFile: join(tasks, 'specs', `${ids[i]}.json`) });
    }
    const again = await txsimInProcess(['sweep', 'run-task', tasks, '0']);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain(`${ids[0]} is already done (completed); nothing to run`);

    // status reads the directory as it is; collect aggregates it to the local sweep's table.
    const status = await txsimInProcess(['sweep', 'status', tasks, '--json']);
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout).counts).toMatchObject({ done: 1, failed: 0, running: 0, queued: 0 });
    const collected = await txsimInProcess(['sweep', 'collect', tasks]);
    expect(collected.code, collected.stderr).toBe(0);
    const rows = (dir: string) => readJson<{ rows: Array<{ values: string[]; finalAccuracy: unknown }> }>(join(dir, 'results.json')).rows.map((x) => [x.values, x.finalAccuracy]);
    expect(rows(tasks)).toEqual(rows(local));
    expect(readFileSync(join(tasks, 'results.csv'), 'utf8').split('\n')[0]).toBe(readFileSync(join(local, 'results.csv'), 'utf8').split('\n')[0]);
  });
});
