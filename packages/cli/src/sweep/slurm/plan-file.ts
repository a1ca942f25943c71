import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '@txsim/experiment';
import type { SlurmSettings } from '@txsim/core';

/** The slurm executor's files live in `DIR/slurm/`: the plan, the task script and the tasks' logs. */
export const slurmDir = (dir: string) => join(dir, 'slurm');
export const slurmPlanFile = (dir: string) => join(dir, 'slurm', 'plan.json');
export const taskScript = (dir: string) => join(dir, 'slurm', 'task.sh');
export const logDir = (dir: string) => join(dir, 'slurm', 'logs');
/** sbatch's `--output` pattern of a task (%A array job id, %a task index) and the file it becomes. */
export const TASK_LOG_PATTERN = '%A_%a.out';
export const taskLog = (dir: string, jobId: string, index: number) => join(logDir(dir), `${jobId}_${index}.out`);

/** One `sbatch` of a job array, as recorded. */
export interface Submission {
  readonly jobId: string;
  /** The array indexes submitted, in sbatch's form (`0-7`, `2,5`). */
  readonly indexes: string;
  /** The job that aggregates the results once the array has ended (afterany dependency). */
  readonly collectJobId?: string;
  readonly submittedAt: string;
  readonly host: string;
  /** sbatch's arguments, as given. */
  readonly args: readonly string[];
}

/** `DIR/slurm/plan.json`: what every array task needs to know, written before the submission. */
export interface SlurmPlan {
  readonly version: 1;
  /** The txsim version that submitted; a task on a node with another version refuses to run. */
  readonly txsim: string;
  readonly node: string;
  /** The Node binary and txsim's bin/txsim.js the tasks run, by absolute path as the submitter saw them. */
  readonly execPath: string;
  readonly bin: string;
  /**
   * Run ids by array index. A sweep that gains values or seeds appends its new runs, so an index
   * keeps naming the same run across resubmissions.
   */
  readonly runs: readonly string[];
  readonly settings: SlurmSettings;
  readonly submissions: readonly Submission[];
}

export function readSlurmPlan(dir: string): SlurmPlan | undefined {
  const file = slurmPlanFile(dir);
  if (!existsSync(file)) return undefined;
  let plan: SlurmPlan;
  try {
    plan = JSON.parse(readFileSync(file, 'utf8')) as SlurmPlan;
  } catch (e) {
    throw new Error(`${file} is not valid JSON (${(e as Error).message}); it records the sweep's Slurm jobs`);
  }
  if (plan.version !== 1) throw new Error(`${file}: unsupported slurm plan version ${String(plan.version)}`);
  return plan;
}

export function writeSlurmPlan(dir: string, plan: SlurmPlan): void {
  mkdirSync(logDir(dir), { recursive: true });
  writeFileAtomic(slurmPlanFile(dir), `${JSON.stringify(plan, null, 2)}\n`);
}

/** The runs by array index: those already numbered keep their index, new ones are appended in grid order. */
export function indexRuns(previous: readonly string[], runs: readonly string[]): string[] {
  const known = new Set(previous);
  return [...previous, ...runs.filter((r) => !known.has(r))];
}

/** The last submission that included each array index. */
export function latestSubmissions(plan: SlurmPlan, expand: (indexes: string) => number[]): Map<number, Submission> {
  const out = new Map<number, Submission>();
  for (const s of plan.submissions) for (const i of expand(s.indexes)) out.set(i, s);
  return out;
}
