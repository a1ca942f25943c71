import type { CliIo } from '../io.js';
import type { SweepPlan } from './plan.js';

/** What an executor is handed: a validated plan and the sweep directory it belongs to. */
export interface SweepJob {
  readonly dir: string;
  readonly plan: SweepPlan;
  /** `--resume DIR`: the plan was read back from `dir`; otherwise it is new and is written first. */
  readonly resumed: boolean;
  readonly io: CliIo;
  readonly setExitCode: (code: number) => void;
}

/**
 * Runs a sweep's runs somewhere. Every executor works on the same sweep directory (each run a
 * `txsim train` run directory with its checkpoints) and skips runs that are done, so a directory
 * can be continued by either.
 */
export interface SweepExecutor {
  /** The `--executor` name. */
  readonly name: string;
  /** Writes the plan into the directory (unless resumed) and runs, or submits, every run not done yet. */
  execute(job: SweepJob): Promise<void>;
}

export const EXECUTORS = ['local', 'slurm'] as const;
export type ExecutorName = (typeof EXECUTORS)[number];
