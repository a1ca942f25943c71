import { spawnSync } from 'node:child_process';

/** A Slurm command that could not be run, or that refused what it was asked. */
export class SlurmError extends Error {
  override name = 'SlurmError';
}

export interface CommandOutput {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs a Slurm client command. A missing command is a SlurmError saying where Slurm's commands are
 * expected; anything else comes back as the command's exit code and output, for the caller to judge.
 */
export function slurmCommand(command: string, args: readonly string[]): CommandOutput {
  const r = spawnSync(command, args, { encoding: 'utf8', timeout: 120_000 });
  if (r.error) {
    if ((r.error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new SlurmError(`${command} not found on PATH: the slurm executor submits through Slurm's own commands (sbatch, squeue, scancel). `
        + 'Run txsim sweep on a machine of the cluster where they work (a login node), load them first (e.g. module load slurm), or use --executor local');
    }
    throw new SlurmError(`${command} could not be run: ${r.error.message}`);
  }
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Slurm's message, without its "sbatch: error: " prefixes. */
export const slurmMessage = (out: CommandOutput): string =>
  (out.stderr.trim() || out.stdout.trim() || `exit code ${out.code}`).split('\n').map((l) => l.replace(/^\w+: (error|fatal): /, '')).join('; ');

/** `sbatch --parsable args…`, returning the job id; a refusal is a SlurmError quoting Slurm. */
export function sbatch(args: readonly string[], what: string): string {
  const out = slurmCommand('sbatch', ['--parsable', ...args]);
  const id = /^(\d+)(;\S+)?\s*$/.exec(out.stdout.trim().split('\n').at(-1) ?? '');
  if (out.code !== 0 || !id) throw new SlurmError(`Slurm refused ${what}: ${slurmMessage(out)}`);
  return id[1]!;
}

/** Where a job array's task stands, as squeue or sacct say. */
export interface TaskRecord {
  readonly jobId: string;
  readonly index: number;
  /** Slurm's job state, e.g. PENDING, RUNNING, COMPLETED, CANCELLED, PREEMPTED, TIMEOUT. */
  readonly state: string;
  /** Why it is pending (squeue's reason), or the exit code (sacct). */
  readonly reason?: string;
  /** The node(s) it runs on. */
  readonly nodes?: string;
}

/** States in which a task will still run (or runs): its run must not be submitted again. */
const LIVE = new Set(['PENDING', 'CONFIGURING', 'RUNNING', 'COMPLETING', 'SUSPENDED', 'REQUEUED', 'REQUEUE_HOLD', 'REQUEUE_FED', 'RESIZING', 'SIGNALING', 'STAGE_OUT', 'RESV_DEL_HOLD']);
const QUEUED = new Set(['PENDING', 'REQUEUED', 'REQUEUE_HOLD', 'REQUEUE_FED', 'RESV_DEL_HOLD']);

export const isLive = (state: string): boolean => LIVE.has(state);
export const isQueued = (state: string): boolean => QUEUED.has(state);

/** Parses `squeue -h -r -o '%F|%K|%T|%r|%N'` lines (array job id, task index, state, reason, nodes). */
export function parseSqueue(text: string): TaskRecord[] {
  const out: TaskRecord[] = [];
  for (const line of text.split('\n')) {
    const [jobId, index, state, reason, nodes] = line.trim().split('|');
    if (!jobId || !state || !/^\d+$/.test(index ?? '')) continue;
    out.push({ jobId, index: Number(index), state, reason: reason && reason !== 'None' ? reason : undefined, nodes: nodes || undefined });
  }
  return out;
}

/**
 * Parses `sacct -n -P -X -o JobID,State,ExitCode` lines: `123_4|CANCELLED by 0|0:15`, and pending
 * ranges `123_[5-7,9%2]|PENDING|0:0`, expanded to one record per task.
 */
export function parseSacct(text: string): TaskRecord[] {
  const out: TaskRecord[] = [];
  for (const line of text.split('\n')) {
    const [id, stateText, exit] = line.trim().split('|');
    const m = /^(\d+)_(\d+|\[([^\]]+)\])$/.exec(id ?? '');
    if (!m || !stateText) continue;
    const state = stateText.split(' ')[0]!;
    const indexes = m[3] === undefined ? [Number(m[2])] : expandIndexes(m[3].replace(/%\d+$/, ''));
    for (const index of indexes) out.push({ jobId: m[1]!, index, state, reason: exit && exit !== '0:0' ? `exit code ${exit}` : undefined });
  }
  return out;
}

/** `0-3,7,9-10` → [0, 1, 2, 3, 7, 9, 10]; `1-7:2` steps. */
export function expandIndexes(text: string): number[] {
  const out: number[] = [];
  for (const part of text.split(',')) {
    const m = /^(\d+)(?:-(\d+)(?::(\d+))?)?$/.exec(part.trim());
    if (!m) continue;
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    const step = m[3] === undefined ? 1 : Number(m[3]);
    for (let i = a; i <= b; i += step) out.push(i);
  }
  return out;
}

/** [0, 1, 2, 3, 7, 9, 10] → `0-3,7,9-10`: sbatch --array's form, short for a resubmission of scattered tasks. */
export function compressIndexes(indexes: readonly number[]): string {
  const sorted = [...new Set(indexes)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(j === i ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/**
 * The tasks of `jobIds` squeue knows: queued and running ones, and those that ended within the
 * controller's MinJobAge (5 minutes by default), with their end state. Throws when squeue fails,
 * since nothing can then tell which runs are still queued.
 */
export function squeueTasks(jobIds: readonly string[]): TaskRecord[] {
  if (!jobIds.length) return [];
  const out = slurmCommand('squeue', ['-h', '-r', '-t', 'all', '-j', jobIds.join(','), '-o', '%F|%K|%T|%r|%N']);
  if (out.code !== 0) {
    // A single job id the controller has forgotten is an error; several are filtered silently.
    if (/invalid job id/i.test(out.stderr)) return [];
    throw new SlurmError(`squeue failed, so which runs are queued is unknown: ${slurmMessage(out)}`);
  }
  return parseSqueue(out.stdout);
}

/** sacct's records of the tasks of `jobIds`, or why there are none (accounting is often not set up). */
export function sacctTasks(jobIds: readonly string[]): { tasks: TaskRecord[]; unavailable?: string } {
  if (!jobIds.length) return { tasks: [] };
  let out: CommandOutput;
  try {
    out = slurmCommand('sacct', ['-n', '-P', '-X', '-j', jobIds.join(','), '-o', 'JobID,State,ExitCode']);
  } catch (e) {
    return { tasks: [], unavailable: (e as Error).message };
  }
  if (out.code !== 0) return { tasks: [], unavailable: slurmMessage(out) };
  return { tasks: parseSacct(out.stdout) };
}

/** A value of `scontrol show config` (e.g. MaxArraySize), or undefined where scontrol cannot say. */
export function slurmConfig(key: string): string | undefined {
  let out: CommandOutput;
  try {
    out = slurmCommand('scontrol', ['show', 'config']);
  } catch {
    return undefined;
  }
  if (out.code !== 0) return undefined;
  const m = new RegExp(`^${key}\\s*=\\s*(.*)$`, 'm').exec(out.stdout);
  return m?.[1]?.trim();
}

/** The nodes of `partition` (or of every partition), or undefined where sinfo cannot say. */
export function clusterNodes(partition?: string): string[] | undefined {
  let out: CommandOutput;
  try {
    out = slurmCommand('sinfo', ['-h', '-N', '-o', '%N', ...(partition ? ['-p', partition] : [])]);
  } catch {
    return undefined;
  }
  if (out.code !== 0) return undefined;
  return [...new Set(out.stdout.split('\n').map((l) => l.trim()).filter(Boolean))];
}
