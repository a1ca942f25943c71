import { join } from 'node:path';
import { readCheckpoint } from '@txsim/experiment';
import { EXIT_INTERRUPTED, type TrainFlags } from '../commands/train.js';
import type { SweepExecutor, SweepJob } from './executor.js';
import { writeResults } from './results.js';
import { RunPool, type RunExit, type RunTask } from './runner.js';
import { liveSlurmTasks } from './slurm/live.js';
import { readSummary, runDir, runState, specFile, SweepLock, writePlan } from './store.js';

function checkpointEpoch(run: string): number | undefined {
  try {
    return readCheckpoint(run).epoch;
  } catch {
    return undefined;
  }
}

const pct = (x: number) => `${(x * 100).toFixed(2)} %`;

/** How a run is trained, by either executor: resume its checkpoint, or start it from its stored spec. */
export function trainCall(dir: string, run: string, state: 'resume' | 'start'): { file?: string; flags: TrainFlags } {
  const out = runDir(dir, run);
  return state === 'resume' ? { flags: { resume: out, progress: false } } : { file: specFile(dir, run), flags: { out, progress: false } };
}

/** `trainCall` as `txsim train`'s command line. */
export function trainArgs(dir: string, run: string, state: 'resume' | 'start'): string[] {
  const { file, flags } = trainCall(dir, run, state);
  return flags.resume !== undefined ? ['--resume', flags.resume, '--no-progress'] : [file!, '--out', flags.out!, '--no-progress'];
}

/**
 * Runs `txsim train` for each run as child processes on this machine, `jobs` at a time, rewriting the
 * results table as runs finish. Ctrl-C stops the runs at their next batch (checkpoints kept); a second
 * one kills them.
 */
export function localExecutor(jobs: number): SweepExecutor {
  return { name: 'local', execute: (job) => runLocal(job, jobs) };
}

async function runLocal({ dir, plan, resumed, io, setExitCode }: SweepJob, jobs: number): Promise<void> {
  const lock = new SweepLock(dir);
  const pool = new RunPool(jobs);
  let signals = 0;
  const onSignal = () => {
    signals++;
    if (signals === 1) {
      io.stderr.write('\ninterrupted: running runs checkpoint after their current batch and stop (Ctrl-C again to kill them)\n');
      pool.stop();
    } else {
      pool.kill();
    }
  };
  const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  try {
    // Runs of a Slurm submission may be queued or at work in this directory; two writers would clash.
    const live = liveSlurmTasks(dir);
    if (live.length) {
      throw new Error(`${dir} has ${live.length} Slurm task${live.length === 1 ? '' : 's'} queued or running (${live.slice(0, 4).join(', ')}${live.length > 4 ? ', …' : ''}); `
        + `wait for them (txsim sweep status ${dir}) or cancel them (scancel), or continue with --executor slurm`);
    }
    if (!resumed) writePlan(dir, plan);
    const { manifest } = plan;
    const runs = manifest.points.flatMap((p) => p.runs);
    const tasks: RunTask[] = [];
    let finished = 0;
    let toResume = 0;
    for (const run of runs) {
      const state = runState(dir, run.id);
      if (state === 'completed' || state === 'diverged') finished++;
      else {
        if (state === 'resume') toResume++;
        tasks.push({ id: run.id, args: trainArgs(dir, run.id, state) });
      }
    }
    io.stderr.write(`sweep: ${runs.length} run${runs.length === 1 ? '' : 's'} over ${manifest.points.length} point${manifest.points.length === 1 ? '' : 's'}`
      + ` (${finished} done, ${toResume} to resume, ${tasks.length - toResume} to start), ${Math.min(jobs, Math.max(1, tasks.length))} at a time, in ${dir}\n`);
    writeResults(dir, manifest);

    const failed: string[] = [];
    const onExit = (exit: RunExit) => {
      if (exit.pid !== undefined) lock.remove(exit.pid);
      const summary = readSummary(dir, exit.task.id);
      let line: string;
      if (exit.code === 0 && summary?.status !== 'diverged' && summary) {
        finished++;
        const acc = summary.testAccuracy;
        line = `final ${pct(acc.at(-1) ?? Number.NaN)}, best ${pct(Math.max(...acc))} (${exit.seconds.toFixed(1)} s)`;
      } else if (summary?.status === 'diverged') {
        finished++;
        line = 'diverged (left out of the statistics)';
      } else if (pool.stopping && (exit.code === EXIT_INTERRUPTED || exit.signal !== null)) {
        const epoch = checkpointEpoch(runDir(dir, exit.task.id));
        line = epoch === undefined ? 'stopped before its first checkpoint' : `stopped; its checkpoint after epoch ${epoch} is kept`;
      } else {
        failed.push(exit.task.id);
        line = `failed (${exit.signal ?? `exit code ${exit.code}`}); see ${runDir(dir, exit.task.id)}\n${exit.stderrTail.replace(/^/gm, '    ')}`;
      }
      io.stdout.write(`[${finished}/${runs.length}] ${exit.task.id}: ${line}\n`);
      try {
        writeResults(dir, manifest);
      } catch (e) {
        // The runs go on; the table is rewritten after the next one and at the end.
        io.stderr.write(`warning: could not update the results in ${dir}: ${(e as Error).message}\n`);
      }
    };

    for (const s of SIGNALS) process.on(s, onSignal);
    await pool.run(tasks, { onStart: (_task, pid) => lock.add(pid), onExit });
    const results = writeResults(dir, manifest);

    if (pool.stopping) {
      io.stderr.write(`stopped with ${finished}/${runs.length} runs done; resume with: txsim sweep --resume ${dir}\n`);
      setExitCode(EXIT_INTERRUPTED);
      return;
    }
    if (failed.length) {
      throw new Error(`${failed.length} run${failed.length === 1 ? '' : 's'} failed (${failed.join(', ')}); the others are in ${join(dir, 'results.csv')}. `
        + `Fix the cause and run the same command again (or txsim sweep --resume ${dir}) to retry them`);
    }
    printResults(results, io);
    io.stdout.write(`${join(dir, 'results.csv')}\n`);
  } finally {
    for (const s of SIGNALS) process.off(s, onSignal);
    lock.release();
  }
}

/** One stderr line per grid point: its values and the final accuracy's mean ± std over seeds. */
export function printResults(results: ReturnType<typeof writeResults>, io: SweepJob['io']): void {
  for (const r of results.rows) {
    const values = r.values.map((v, i) => `${results.params[i]}=${v}`).join(', ') || 'spec';
    const stat = r.finalAccuracy.mean === null ? 'no completed run' : `final ${pct(r.finalAccuracy.mean)} ± ${pct(r.finalAccuracy.std!)}`;
    io.stderr.write(`  ${values}: ${stat} (${r.seeds.length} seed${r.seeds.length === 1 ? '' : 's'})\n`);
  }
}
