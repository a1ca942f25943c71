import { chmodSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { hostname } from 'node:os';
import { basename, delimiter, dirname, join, resolve } from 'node:path';
import type { SlurmSettings } from '@txsim/core';
import { writeFileAtomic } from '@txsim/experiment';
import type { SweepExecutor, SweepJob } from '../executor.js';
import { TXSIM_BIN } from '../runner.js';
import { writePlan, SweepLock } from '../store.js';
import { sweepStatus } from '../status.js';
import { followSweep } from './follow.js';
import { indexRuns, logDir, readSlurmPlan, TASK_LOG_PATTERN, taskScript, writeSlurmPlan, type SlurmPlan, type Submission } from './plan-file.js';
import { clusterNodes, compressIndexes, sbatch, SlurmError, slurmConfig } from './scheduler.js';
import { slurmSettings, sbatchSettingArgs, type SlurmFlags } from './settings.js';
import { localProbe, sharedFsFinding } from './shared-fs.js';

// dist/sweep/slurm/ and src/sweep/slurm/ sit three levels below the package root.
const { version } = createRequire(import.meta.url)('../../../package.json') as { version: string };
export const TXSIM_VERSION = version;

export interface SlurmExecutorOptions extends SlurmFlags {
  /** `--jobs`: at most this many tasks of the array run at once (sbatch --array=…%N). */
  readonly throttle?: number;
  /** Follow the array to its end, printing progress, then aggregate. */
  readonly wait?: boolean;
  /** Seconds between two looks at the queue while waiting. */
  readonly pollSeconds?: number;
}

/** Quotes a word for bash. */
const sh = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** Whether `command` is an executable on PATH (sbatch needs its configuration even for --version). */
function onPath(command: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((d) => d && existsSync(join(d, command)));
}

/**
 * The array task's script: it checks, on the node, that the sweep directory and txsim are there
 * (the commonest ways a cluster run goes wrong), then runs its run through `txsim sweep run-task`.
 */
function taskScriptText(dir: string, execPath: string, bin: string): string {
  return `#!/bin/bash
# Written by txsim sweep: array task N runs run N of ${sh(join(dir, 'slurm', 'plan.json'))}.
dir=${sh(dir)}
node=${sh(execPath)}
txsim=${sh(bin)}
if [ ! -f "$dir/slurm/plan.json" ]; then
  echo "txsim sweep: node $(hostname) does not see the sweep directory $dir; it must be on a file system every node mounts at the same path" >&2
  exit 2
fi
if [ ! -x "$node" ] || [ ! -f "$txsim" ]; then
  echo "txsim sweep: node $(hostname) has no $node or no $txsim; Node and txsim must be installed where every node sees them at the same path" >&2
  exit 2
fi
exec "$node" "$txsim" sweep run-task "$dir" "$SLURM_ARRAY_TASK_ID"
`;
}

/** Refuses indexes the cluster's MaxArraySize does not allow, before anything is submitted. */
function checkArraySize(maxIndex: number, runs: number): void {
  const max = Number(slurmConfig('MaxArraySize'));
  if (Number.isInteger(max) && max > 0 && maxIndex >= max) {
    throw new SlurmError(`this sweep has ${runs} runs, and its array indexes go up to ${maxIndex}, but this cluster's MaxArraySize is ${max} (indexes 0–${max - 1}); `
      + 'split the grid into several sweeps (fewer values or seeds each), or ask the administrators to raise MaxArraySize');
  }
}

/**
 * Submits the runs not done yet as one Slurm job array (each task `txsim sweep run-task DIR i`), and a
 * job that aggregates the results once the array has ended. Runs that are queued or running are left
 * alone; failed, cancelled and preempted ones are submitted again (and resume from their checkpoints).
 */
export function slurmExecutor(options: SlurmExecutorOptions): SweepExecutor {
  return { name: 'slurm', execute: (job) => submit(job, options) };
}

async function submit(job: SweepJob, options: SlurmExecutorOptions): Promise<void> {
  const { dir: given, plan, resumed, io } = job;
  const dir = resolve(given);
  const previous = readSlurmPlan(dir);
  const settings: SlurmSettings = slurmSettings(options, plan.slurm ?? previous?.settings);
  if (!onPath('sbatch')) {
    throw new SlurmError('sbatch not found on PATH: the slurm executor submits through Slurm\'s own commands (sbatch, squeue). '
      + 'Run txsim sweep on a machine of the cluster where they work (a login node), load them first (e.g. module load slurm), or use --executor local');
  }

  // The nodes must see the sweep directory and the txsim they run, at the same paths as here.
  const probe = localProbe(clusterNodes(settings.partition));
  for (const finding of [sharedFsFinding(dir, 'the sweep directory', probe), sharedFsFinding(dirname(TXSIM_BIN), 'txsim (the runs execute it on the nodes)', probe)]) {
    if (finding?.level === 'error') throw new SlurmError(finding.message);
    if (finding) io.stderr.write(`warning: ${finding.message}\n`);
  }

  const lock = new SweepLock(dir);
  let submission: Submission | undefined;
  let slurm: SlurmPlan;
  let summary: string;
  let live = 0;
  try {
    if (!resumed) writePlan(dir, plan);
    const { manifest } = plan;
    const ids = manifest.points.flatMap((p) => p.runs.map((r) => r.id));
    // Which runs are done, queued or running now (squeue), before anything is submitted again.
    const status = sweepStatus(dir, manifest);
    if (previous && previous.txsim !== TXSIM_VERSION) {
      io.stderr.write(`note: ${dir} was submitted with txsim ${previous.txsim}; this is txsim ${TXSIM_VERSION}, and the tasks submitted now check for it\n`);
    }
    slurm = {
      version: 1,
      txsim: TXSIM_VERSION,
      node: process.version,
      execPath: process.execPath,
      bin: TXSIM_BIN,
      runs: indexRuns(previous?.runs ?? [], ids),
      settings,
      submissions: previous?.submissions ?? [],
    };
    const indexOf = new Map(slurm.runs.map((id, i) => [id, i]));
    const todo = status.runs.filter((r) => r.state === 'failed' || r.state === 'stopped' || r.state === 'not started');
    const resuming = todo.filter((r) => r.checkpointEpoch !== undefined).length;
    const c = status.counts;
    live = c.running + c.queued;
    summary = `${ids.length} run${ids.length === 1 ? '' : 's'} over ${manifest.points.length} point${manifest.points.length === 1 ? '' : 's'} (${c.done} done, `
      + `${c.running + c.queued} queued or running, ${resuming} to resume, ${todo.length - resuming} to start)`;
    writeSlurmPlan(dir, slurm);
    if (todo.length) {
      const indexes = todo.map((r) => indexOf.get(r.id)!);
      checkArraySize(Math.max(...indexes), slurm.runs.length);
      const script = taskScript(dir);
      writeFileAtomic(script, taskScriptText(dir, process.execPath, TXSIM_BIN));
      chmodSync(script, 0o755);
      const array = compressIndexes(indexes);
      const name = `txsim-${basename(dir)}`;
      const args = [
        `--array=${array}${options.throttle ? `%${options.throttle}` : ''}`, `--job-name=${name}`,
        `--output=${join(logDir(dir), TASK_LOG_PATTERN)}`, '--open-mode=append', ...sbatchSettingArgs(settings), script,
      ];
      const jobId = sbatch(args, `the job array (sbatch ${args.join(' ')})`);
      submission = { jobId, indexes: array, submittedAt: new Date().toISOString(), host: hostname(), args };
      slurm = { ...slurm, submissions: [...slurm.submissions, submission] };
      writeSlurmPlan(dir, slurm);
      // The results are aggregated on the cluster once every task has ended, however it ended.
      const collectArgs = [
        `--dependency=afterany:${jobId}`, '--kill-on-invalid-dep=yes', `--job-name=${name}-collect`, `--output=${join(logDir(dir), 'collect-%j.out')}`,
        '--time=10', ...(settings.partition ? [`--partition=${settings.partition}`] : []), ...(settings.options ?? []),
        `--wrap=${[process.execPath, TXSIM_BIN, 'sweep', 'collect', dir].map(sh).join(' ')}`,
      ];
      try {
        submission = { ...submission, collectJobId: sbatch(collectArgs, 'the job that collects the results') };
        slurm = { ...slurm, submissions: [...slurm.submissions.slice(0, -1), submission] };
        writeSlurmPlan(dir, slurm);
      } catch (e) {
        io.stderr.write(`warning: ${(e as Error).message}; collect the results yourself when the tasks have ended: txsim sweep collect ${dir}\n`);
      }
    }
  } finally {
    lock.release();
  }
  if (submission) {
    io.stderr.write(`sweep: ${summary}; submitted Slurm job ${submission.jobId} (array tasks ${submission.indexes})`
      + `${submission.collectJobId ? `, and job ${submission.collectJobId} to collect the results when it ends` : ''}, in ${dir}\n`);
  } else {
    io.stderr.write(`sweep: ${summary}; nothing to submit, in ${dir}\n`);
  }
  // A finished directory: nothing to follow, only the results to write (as the local executor does).
  if (!options.wait && (submission || live)) {
    io.stderr.write(`follow it with: txsim sweep status ${dir}\n`);
    io.stdout.write(`${submission?.jobId ?? ''}\n`);
    return;
  }
  await followSweep(dir, plan.manifest, job, options.pollSeconds ?? 15);
}
