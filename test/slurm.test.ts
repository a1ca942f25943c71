import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunSummary } from '@txsim/experiment';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, readJson, requireBuild, simulated, tempDir, txsim, type CliResult } from './cli.js';
import { slurmUnavailable, startSlurmCluster, type SlurmCluster } from './slurm-cluster.js';

// A 2 × 2 grid, 1 seed, of a tiny MLP on an MNIST slice: seconds a run. Two epochs, so a run can be
// cancelled between its first checkpoint (epoch 0, written before training) and its summary.
const EXAMPLE = join(ROOT, 'examples/mlp-mnist-txsim.yaml');
const GRID = ['sweep', EXAMPLE, '--param', 'training.learningRate=0.5,1', '--param', 'model.hidden=[16],[32]',
  '--epochs', '2', '--train-limit', '300', '--test-limit', '100'];

const unavailable = slurmUnavailable();
// On CI the packages are installed and the job runs as root (.ci/run): a missing piece is a failure there.
const skip = unavailable !== undefined && !process.env.CI;
if (skip) console.warn(`slurm.test.ts skipped: ${unavailable}`);

interface Row {
  values: string[];
  finalAccuracy: unknown;
  bestAccuracy: unknown;
  runs: Array<{ id: string; finalAccuracy: number; bestAccuracy: number }>;
}
/** results.json without the wall times. */
const rows = (dir: string) => readJson<{ rows: Row[] }>(join(dir, 'results.json')).rows
  .map((r) => ({ values: r.values, finalAccuracy: r.finalAccuracy, bestAccuracy: r.bestAccuracy, runs: r.runs.map((x) => [x.id, x.finalAccuracy, x.bestAccuracy]) }));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(skip)(skip ? `txsim sweep on a real Slurm cluster (skipped: ${unavailable})` : 'txsim sweep on a real Slurm cluster', () => {
  let cluster: SlurmCluster | undefined;
  const cli = (args: readonly string[]): Promise<CliResult> => txsim(args, { env: cluster!.env });
  const slurm = (cmd: string, args: string[]) => spawnSync(cmd, args, { env: cluster!.env, encoding: 'utf8' });

  beforeAll(async () => {
    requireBuild();
    if (unavailable) throw new Error(`CI is set, but the real-Slurm test cannot run: ${unavailable}`);
    cluster = await startSlurmCluster();
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  }, 60_000);

  it('runs a grid as one job array, resubmits a cancelled task, which resumes from its checkpoint, and matches a local sweep', async () => {
    const tmp = tempDir('slurm');
    // Slurm's own message when it refuses the submission.
    const refused = await cli([...GRID, '--executor', 'slurm', '--partition', 'nope', '--out', join(tmp, 'refused')]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('Slurm refused the job array');
    expect(refused.stderr).toContain('invalid partition specified: nope');

    const dir = join(tmp, 'slurm');
    const submitted = await cli([...GRID, '--executor', 'slurm', '--out', dir]);
    expect(submitted.code, `${submitted.stderr}\n${cluster!.logs()}`).toBe(0);
    const job = submitted.stdout.trim();
    expect(job).toMatch(/^\d+$/);
    expect(submitted.stderr).toContain(`4 runs over 4 points (0 done, 0 queued or running, 0 to resume, 4 to start); submitted Slurm job ${job} (array tasks 0-3)`);
    const plan = readJson<{ runs: string[] }>(join(dir, 'slurm', 'plan.json'));
    // While its tasks are queued or running, the directory is not run locally as well.
    const clash = await cli([...GRID, '--executor', 'local', '--out', dir]);
    expect(clash.code).toBe(1);
    expect(clash.stderr).toMatch(new RegExp(`has [1-4] Slurm tasks? queued or running \\(${job}_\\d`));

    // Cancel the first task caught between its first checkpoint and its summary.
    let victim: number | undefined;
    let during = '';
    for (let i = 0; i < 1200 && victim === undefined; i++) {
      victim = plan.runs.findIndex((id) => existsSync(join(dir, 'runs', id, 'checkpoint.json')) && !existsSync(join(dir, 'runs', id, 'summary.json')));
      if (victim < 0) {
        victim = undefined;
        await sleep(50);
      }
    }
    expect(victim, `no task was caught mid-run\n${cluster!.logs()}`).toBeDefined();
    expect(slurm('scancel', [`${job}_${victim}`]).status).toBe(0);
    during = (await cli(['sweep', 'status', dir])).stdout;
    console.log(`txsim sweep status, right after scancel ${job}_${victim}:\n${during}`);
    expect(during).toMatch(/^ +\d+ +\S+ +(running|queued|done) /m);

    // The other tasks run to their end; the cancelled one is failed, resumable from its checkpoint.
    let status: { counts: Record<string, number>; runs: Array<{ id: string; state: string; detail: string }> } | undefined;
    for (let i = 0; i < 600; i++) {
      status = JSON.parse((await cli(['sweep', 'status', dir, '--json'])).stdout) as typeof status;
      if (status!.counts.running! + status!.counts.queued! === 0) break;
      await sleep(200);
    }
    const after = await cli(['sweep', 'status', dir]);
    console.log(`txsim sweep status, once the array has ended:\n${after.stdout}`);
    expect(status!.counts).toMatchObject({ done: 3, failed: 1, running: 0, queued: 0 });
    const cancelled = status!.runs.find((r) => r.state === 'failed')!;
    expect(cancelled.id).toBe(plan.runs[victim!]);
    expect(cancelled.detail).toMatch(new RegExp(`^task ${job}_${victim} (CANCELLED|no longer in the queue); checkpoint after epoch [01]: a resubmission resumes it; log slurm/logs/${job}_${victim}.out`));

    // The same command again submits only the cancelled run, and follows it to the end.
    const again = await cli([...GRID, '--executor', 'slurm', '--out', dir, '--wait', '--poll', '0.5']);
    expect(again.code, `${again.stderr}\n${cluster!.logs()}`).toBe(0);
    expect(again.stderr).toMatch(new RegExp(`\\(3 done, 0 queued or running, 1 to resume, 0 to start\\); submitted Slurm job (\\d+) \\(array tasks ${victim}\\)`));
    expect(again.stdout).toContain(`[4/4] ${cancelled.id}: final `);
    expect(again.stderr).toMatch(/^slurm: 4 runs: 3 done, 1 (queued|running)$/m);
    expect(again.stderr).toMatch(/^slurm: 4 runs: 4 done$/m);
    expect(again.stdout.trim().split('\n').at(-1)).toBe(join(dir, 'results.csv'));
    const env = readJson<{ resumes?: Array<{ fromEpoch: number }> }>(join(dir, 'runs', cancelled.id, 'environment.json'));
    expect(env.resumes).toHaveLength(1);

    // A local sweep of the same grid and seeds gives the same table, run by run.
    const local = join(tmp, 'local');
    const l = await cli([...GRID, '--jobs', '2', '--out', local]);
    expect(l.code, l.stderr).toBe(0);
    expect(rows(dir)).toEqual(rows(local));
    for (const id of plan.runs) {
      expect(simulated(readJson<RunSummary>(join(dir, 'runs', id, 'summary.json'))))
        .toEqual({ ...simulated(readJson<RunSummary>(join(local, 'runs', id, 'summary.json'))), specFile: join(dir, 'specs', `${id}.json`) });
    }

    // The collect jobs ran once their arrays ended.
    for (let i = 0; i < 100 && slurm('squeue', ['-h', '-o', '%i']).stdout.trim() !== ''; i++) await sleep(200);
    const collected = readdirSync(join(dir, 'slurm', 'logs')).filter((f) => f.startsWith('collect-'));
    expect(collected).toHaveLength(2);
    for (const f of collected) expect(readFileSync(join(dir, 'slurm', 'logs', f), 'utf8')).toContain(`collected ${dir}: 4 runs:`);
  }, 300_000);
});
