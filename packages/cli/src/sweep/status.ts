import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, relative } from 'node:path';
import { CHECKPOINT_FILE, LOCK_HOLDER_FILE, processAlive, type LockHolder, type RunSummary } from '@txsim/experiment';
import type { SweepManifest } from './plan.js';
import { expandIndexes, isLive, isQueued, sacctTasks, squeueTasks, type TaskRecord } from './slurm/scheduler.js';
import { latestSubmissions, readSlurmPlan, taskLog, type SlurmPlan } from './slurm/plan-file.js';
import { readSummary, runDir, specFile } from './store.js';

/**
 * Where a run stands. done: it has its summary (completed or diverged); running / queued: a process
 * or a Slurm task works on it or will; failed: its Slurm task ended without a summary (failed,
 * cancelled, preempted, out of time); stopped: a local run that ended without one; not started:
 * nothing has run it yet (or, in a Slurm sweep, it was never submitted).
 */
export type RunState = 'done' | 'running' | 'queued' | 'failed' | 'stopped' | 'not started';

export interface RunStatus {
  readonly id: string;
  /** Its Slurm array index, in a Slurm sweep. */
  readonly index?: number;
  readonly state: RunState;
  /** One line: accuracies, the task and node, the checkpoint, the log. */
  readonly detail: string;
  readonly summary?: RunSummary;
  /** The last complete epoch on disk (a checkpoint), if any. */
  readonly checkpointEpoch?: number;
  /** The run's latest Slurm task, as squeue or sacct last saw it. */
  readonly task?: TaskRecord;
}

export interface SweepStatus {
  readonly runs: readonly RunStatus[];
  readonly counts: Readonly<Record<RunState, number>>;
  readonly slurm?: SlurmPlan;
  /** Why sacct said nothing (e.g. accounting storage is disabled); squeue still knows recent tasks. */
  readonly sacctUnavailable?: string;
}

const pct = (x: number) => `${(x * 100).toFixed(2)} %`;

function checkpointEpoch(dir: string): number | undefined {
  try {
    return (JSON.parse(readFileSync(join(dir, CHECKPOINT_FILE), 'utf8')) as { epoch?: number }).epoch;
  } catch {
    return undefined;
  }
}

function specEpochs(dir: string, run: string): number | undefined {
  try {
    return (JSON.parse(readFileSync(specFile(dir, run), 'utf8')) as { training?: { epochs?: number } }).training?.epochs ?? 1;
  } catch {
    return undefined;
  }
}

/** A local process that holds the run directory's lock (a run of `--executor local` at work). */
function localHolder(out: string): LockHolder | undefined {
  try {
    const h = JSON.parse(readFileSync(join(out, LOCK_HOLDER_FILE), 'utf8')) as LockHolder;
    return h.host === hostname() && processAlive(h.pid) ? h : undefined;
  } catch {
    return undefined;
  }
}

/** The last non-empty line of a task's log, for a failure's one-line reason. */
function lastLogLine(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').filter((l) => l.trim()).at(-1)?.slice(0, 300);
  } catch {
    return undefined;
  }
}

const doneDetail = (s: RunSummary) => s.status === 'diverged'
  ? 'diverged (left out of the statistics)'
  : `final ${pct(s.testAccuracy.at(-1) ?? Number.NaN)}, best ${pct(Math.max(...s.testAccuracy))}`;

function progress(epoch: number | undefined, epochs: number | undefined): string {
  if (epoch === undefined) return 'no checkpoint yet';
  return `${epoch}/${epochs ?? '?'} epochs done`;
}

/**
 * Every run's state, read from its run directory and, in a Slurm sweep, from squeue (queued,
 * running, and tasks that ended within the controller's MinJobAge) and sacct (older ones, where
 * accounting is set up). Reads only: nothing in the directory changes. Throws when squeue fails.
 */
export function sweepStatus(dir: string, manifest: SweepManifest): SweepStatus {
  const slurm = readSlurmPlan(dir);
  const indexOf = new Map(slurm?.runs.map((id, i) => [id, i]));
  const latest = slurm ? latestSubmissions(slurm, expandIndexes) : new Map();
  const runs = manifest.points.flatMap((p) => p.runs.map((r) => r.id));
  const pendingJobs = new Set<string>();
  for (const id of runs) {
    const i = indexOf.get(id);
    const sub = i === undefined ? undefined : latest.get(i);
    if (sub && !readSummary(dir, id)) pendingJobs.add(sub.jobId);
  }
  const jobs = [...pendingJobs];
  const queue = new Map(squeueTasks(jobs).map((t) => [`${t.jobId}_${t.index}`, t]));
  // sacct only for tasks squeue has forgotten, and only when there are any.
  const forgotten = jobs.filter((j) => runs.some((id) => {
    const i = indexOf.get(id);
    return i !== undefined && latest.get(i)?.jobId === j && !queue.has(`${j}_${i}`) && !readSummary(dir, id);
  }));
  const acct = sacctTasks(forgotten);
  const history = new Map(acct.tasks.map((t) => [`${t.jobId}_${t.index}`, t]));

  const out: RunStatus[] = [];
  for (const id of runs) {
    const index = indexOf.get(id);
    const sub = index === undefined ? undefined : latest.get(index);
    const key = sub ? `${sub.jobId}_${index}` : '';
    const task = sub ? queue.get(key) ?? history.get(key) : undefined;
    const runPath = runDir(dir, id);
    const summary = readSummary(dir, id);
    const epoch = checkpointEpoch(runPath);
    const base = { id, index, task, checkpointEpoch: epoch };
    if (summary) {
      out.push({ ...base, state: 'done', detail: doneDetail(summary), summary });
      continue;
    }
    const where = progress(epoch, specEpochs(dir, id));
    if (task && isLive(task.state)) {
      const queued = isQueued(task.state);
      out.push({ ...base, state: queued ? 'queued' : 'running',
        detail: queued ? `task ${key} ${task.state.toLowerCase()}${task.reason ? ` (${task.reason})` : ''}${epoch !== undefined ? `; ${where}` : ''}`
          : `task ${key} on ${task.nodes ?? '?'}${task.state === 'RUNNING' ? '' : ` (${task.state.toLowerCase()})`}, ${where}` });
      continue;
    }
    const holder = existsSync(runPath) ? localHolder(runPath) : undefined;
    if (holder) {
      out.push({ ...base, state: 'running', detail: `process ${holder.pid} on ${holder.host}, ${where}` });
      continue;
    }
    const next = epoch !== undefined ? `checkpoint after epoch ${epoch}: a resubmission resumes it` : 'no checkpoint: a resubmission starts it again';
    if (sub) {
      const log = taskLog(dir, sub.jobId, index!);
      const line = lastLogLine(log);
      const ended = task ? `${task.state}${task.reason ? ` (${task.reason})` : ''}` : 'no longer in the queue';
      out.push({ ...base, state: 'failed',
        detail: `task ${key} ${ended}; ${next}; log ${relative(dir, log)}${line ? `: ${line}` : existsSync(log) ? '' : ' (none: did the node see the sweep directory?)'}` });
    } else if (epoch !== undefined || existsSync(runPath)) {
      out.push({ ...base, state: 'stopped', detail: epoch !== undefined ? `stopped; ${where}, resumable` : 'stopped before its first checkpoint' });
    } else {
      out.push({ ...base, state: 'not started', detail: slurm ? 'not submitted yet' : 'not started' });
    }
  }
  const counts = { done: 0, running: 0, queued: 0, failed: 0, stopped: 0, 'not started': 0 } as Record<RunState, number>;
  for (const r of out) counts[r.state]++;
  return { runs: out, counts, slurm, sacctUnavailable: acct.unavailable };
}

/** `4 runs: 1 done, 1 running, 1 queued, 1 failed` (states with no run left out). */
export function countsLine(status: SweepStatus): string {
  const parts = (Object.entries(status.counts) as Array<[RunState, number]>).filter(([, n]) => n > 0).map(([s, n]) => `${n} ${s}`);
  return `${status.runs.length} run${status.runs.length === 1 ? '' : 's'}: ${parts.join(', ') || 'none'}`;
}

/** The status as a table, one line per run, then the counts. */
export function formatStatus(dir: string, status: SweepStatus): string {
  const idWidth = Math.max(3, ...status.runs.map((r) => r.id.length));
  const lines = status.runs.map((r) => `  ${r.index === undefined ? '' : `${String(r.index).padStart(4)}  `}${r.id.padEnd(idWidth)}  ${r.state.padEnd(11)}  ${r.detail}`);
  const header = status.slurm
    ? `${dir}: Slurm job${status.slurm.submissions.length === 1 ? '' : 's'} ${status.slurm.submissions.map((s) => `${s.jobId} (tasks ${s.indexes})`).join(', ') || 'none yet'}`
    : `${dir}: local sweep`;
  const head = `  ${status.slurm ? 'task  ' : ''}${'run'.padEnd(idWidth)}  ${'state'.padEnd(11)}  detail`;
  return [header, head, ...lines, countsLine(status), ...(status.sacctUnavailable && status.counts.failed ? [`(sacct: ${status.sacctUnavailable}; so a task's end state is known only for a few minutes after it ended, while squeue remembers it)`] : [])].join('\n');
}
