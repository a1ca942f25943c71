import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunSummary } from '@txsim/experiment';
import { beforeAll, describe, expect, it } from 'vitest';
import { BIN, ROOT, readJson, requireBuild, simulated, tempDir, txsim, txsimInProcess } from './cli.js';

const EXAMPLE = join(ROOT, 'examples/mlp-mnist-txsim.yaml');
// 2 values × 2 seeds of a tiny MLP run (1 epoch: checkpoint 0 is written before training, so a killed run resumes from it).
const SWEEP = [
  'sweep', EXAMPLE, '--param', 'training.learningRate=0.5,1', '--seeds', '2', '--jobs', '2',
  '--epochs', '1', '--train-limit', '300', '--test-limit', '100',
];
const RUNS = ['learningRate=0.5_seed=1', 'learningRate=0.5_seed=2', 'learningRate=1_seed=1', 'learningRate=1_seed=2'];

interface Row {
  values: string[];
  seeds: number[];
  finalAccuracy: { mean: number; std: number };
  bestAccuracy: { mean: number; std: number };
  wallSeconds?: number;
  runs: Array<{ id: string; seed: number; finalAccuracy: number; bestAccuracy: number; wallSeconds?: number }>;
}

/** results.json without its wall-time fields. */
function simulatedRows(dir: string): Row[] {
  return readJson<{ rows: Row[] }>(join(dir, 'results.json')).rows.map(({ wallSeconds: _w, runs, ...rest }) => ({
    ...rest,
    runs: runs.map(({ wallSeconds: _rw, ...r }) => r),
  }));
}

const has = (dir: string, run: string, file: string) => existsSync(join(dir, 'runs', run, file));

/**
 * Starts a sweep and SIGKILLs it and its runs (their pids are in sweep.lock) at the first moment one
 * run has finished while another sits between checkpoints; resolves to whether that moment came.
 */
function sweepAndKill(dir: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...SWEEP, '--out', dir], { cwd: ROOT, stdio: 'ignore' });
    let killed = false;
    const poll = setInterval(() => {
      const done = RUNS.filter((r) => has(dir, r, 'summary.json'));
      const midway = RUNS.filter((r) => has(dir, r, 'checkpoint.json') && !has(dir, r, 'summary.json'));
      if (done.length >= 1 && midway.length >= 1) {
        clearInterval(poll);
        const lock = readJson<{ pid: number; children: number[] }>(join(dir, 'sweep.lock'));
        for (const pid of [lock.pid, ...lock.children]) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // already gone
          }
        }
        killed = true;
      }
    }, 10);
    child.on('error', reject);
    child.on('close', () => {
      clearInterval(poll);
      resolve(killed);
    });
  });
}

describe('txsim sweep', () => {
  beforeAll(requireBuild);

  it('runs the grid in parallel into a table of mean and std over seeds, and resumes after SIGKILL to the same results', async () => {
    const tmp = tempDir('sweep');
    const full = join(tmp, 'full');
    const cut = join(tmp, 'cut');
    const [r, killed] = await Promise.all([txsim([...SWEEP, '--out', full]), sweepAndKill(cut)]);
    expect(r.code, r.stderr).toBe(0);
    expect(killed, 'the sweep finished before it could be killed midway').toBe(true);

    // One progress line per finished run, then the table's path.
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines.slice(0, 4).map((l) => l.replace(/^\[\d\/4\] ([^:]+):.*$/, '$1')).sort()).toEqual(RUNS);
    expect(lines[4]).toBe(join(full, 'results.csv'));
    expect(readdirSync(full).sort()).toEqual(['results.csv', 'results.json', 'results.svg', 'runs', 'specs', 'sweep.json']);

    // The table: 2 rows whose per-seed accuracies are the runs' own, mean and sample std over the 2 seeds.
    const rows = readJson<{ rows: Row[] }>(join(full, 'results.json')).rows;
    expect(rows.map((x) => x.values)).toEqual([['0.5'], ['1']]);
    for (const row of rows) {
      expect(row.seeds).toEqual([1, 2]);
      const finals = row.runs.map((run) => {
        const s = readJson<RunSummary>(join(full, 'runs', run.id, 'summary.json'));
        expect(s.seed).toBe(run.seed);
        expect(s.trainExamples).toBe(300);
        expect(run.finalAccuracy).toBe(s.testAccuracy.at(-1));
        expect(run.bestAccuracy).toBe(Math.max(...s.testAccuracy));
        return s.testAccuracy.at(-1)!;
      });
      const mean = (finals[0]! + finals[1]!) / 2;
      expect(row.finalAccuracy.mean).toBeCloseTo(mean, 12);
      expect(row.finalAccuracy.std).toBeCloseTo(Math.abs(finals[0]! - finals[1]!) / Math.SQRT2, 12);
    }
    const csv = readFileSync(join(full, 'results.csv'), 'utf8').trimEnd().split('\n');
    expect(csv).toHaveLength(3);
    expect(csv[0]!.startsWith('training.learningRate,seeds,')).toBe(true);
    expect(Number(csv[2]!.split(',')[3])).toBeCloseTo(rows[1]!.finalAccuracy.mean, 12);
    const svg = readFileSync(join(full, 'results.svg'), 'utf8');
    expect(svg).toMatch(/^<svg /);
    expect(svg.match(/<circle /g)).toHaveLength(2);

    // Re-running the killed sweep skips the finished run, resumes checkpointed ones, restarts the rest.
    const again = await txsim([...SWEEP, '--out', cut]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/sweep: 4 runs over 2 points \(([1-3]) done, ([1-3]) to resume, [0-2] to start\)/);
    expect(simulatedRows(cut)).toEqual(simulatedRows(full));
    for (const run of RUNS) {
      expect(simulated(readJson<RunSummary>(join(cut, 'runs', run, 'summary.json'))))
        .toEqual({ ...simulated(readJson<RunSummary>(join(full, 'runs', run, 'summary.json'))), specFile: join(cut, 'specs', `${run}.json`) });
    }
    expect(existsSync(join(cut, 'sweep.lock'))).toBe(false);

    // A finished sweep re-run does nothing; one that would change its runs is refused.
    const idle = await txsim(['sweep', '--resume', full]);
    expect(idle.code, idle.stderr).toBe(0);
    expect(idle.stderr).toContain('(4 done, 0 to resume, 0 to start)');
    const changed = await txsim([...SWEEP.map((a) => (a === 'training.learningRate=0.5,1' ? 'training.learningRate=0.5' : a)), '--out', full]);
    expect(changed.code).toBe(1);
    expect(changed.stderr).toContain('run learningRate=1_seed=1 is not in the new grid');
  });

  it('validates every grid point before running and exits 2 naming the path', async () => {
    const out = join(tempDir('sweep-bad'), 's');
    const r = await txsimInProcess(['sweep', EXAMPLE, '--param', 'crossbar.nonidealities.write-noise.gamma=5,-1', '--param', 'crossbar.tile.rows=32,64', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('crossbar.nonidealities[3].params.gamma: must be ≥ 0, got -1 [at gamma=-1, rows=32; gamma=-1, rows=64]');
    const path = await txsimInProcess(['sweep', EXAMPLE, '--param', 'crossbar.nonidealities.writenoise.gamma=1', '--out', out]);
    expect(path.code).toBe(2);
    expect(path.stderr).toContain('crossbar.nonidealities.writenoise.gamma: crossbar.nonidealities has no entry named "writenoise" (did you mean "write-noise"?)');
    expect(existsSync(out)).toBe(false);
  });
});
