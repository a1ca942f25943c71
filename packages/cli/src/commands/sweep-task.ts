import { hostname } from 'node:os';
import type { CliIo } from '../io.js';
import { trainCall } from '../sweep/local.js';
import { TXSIM_BIN } from '../sweep/runner.js';
import { TXSIM_VERSION } from '../sweep/slurm/executor.js';
import { readSlurmPlan, slurmPlanFile } from '../sweep/slurm/plan-file.js';
import { runState } from '../sweep/store.js';
import { train } from './train.js';

/** A holder of the run's lock on another node is taken over once its lock is this stale (proper-lockfile's 10 s, and a margin). */
const STALE_LOCK_WAIT_MS = 12_000;

/**
 * `txsim sweep run-task DIR INDEX`: what one Slurm array task runs. It checks that this node sees the
 * sweep directory and runs the txsim version that submitted it, then runs its run exactly as the local
 * executor does (`txsim train` on the run's stored spec, or `--resume` from its checkpoint); a run
 * already done is left alone, so a requeued or resubmitted task is harmless.
 */
export async function runTask(dir: string, indexText: string, io: CliIo, setExitCode: (code: number) => void): Promise<void> {
  const host = hostname();
  const plan = readSlurmPlan(dir);
  if (!plan) {
    throw new Error(`${slurmPlanFile(dir)} not found on ${host}: the sweep directory must be on a file system every node mounts at the same path as the machine that submitted it`);
  }
  if (plan.txsim !== TXSIM_VERSION) {
    throw new Error(`txsim version mismatch on ${host}: this node runs txsim ${TXSIM_VERSION} (${TXSIM_BIN}), but the sweep was submitted with txsim ${plan.txsim} `
      + `(${slurmPlanFile(dir)}); install txsim ${plan.txsim} where the nodes run it, or resubmit the sweep from a machine running txsim ${TXSIM_VERSION}`);
  }
  const index = Number(indexText);
  const id = Number.isInteger(index) && index >= 0 ? plan.runs[index] : undefined;
  if (id === undefined) throw new Error(`task index ${JSON.stringify(indexText)}: the sweep has runs 0–${plan.runs.length - 1} (${slurmPlanFile(dir)})`);
  const job = process.env.SLURM_ARRAY_JOB_ID ? ` (Slurm task ${process.env.SLURM_ARRAY_JOB_ID}_${process.env.SLURM_ARRAY_TASK_ID})` : '';
  io.stderr.write(`txsim ${TXSIM_VERSION} on ${host}${job}: run ${index}, ${id}, started ${new Date().toISOString()}\n`);
  for (let attempt = 0; ; attempt++) {
    const state = runState(dir, id);
    if (state === 'completed' || state === 'diverged') {
      io.stderr.write(`${id} is already done (${state}); nothing to run\n`);
      return;
    }
    const { file, flags } = trainCall(dir, id, state);
    try {
      await train(file, flags, io, setExitCode);
      return;
    } catch (e) {
      // A task preempted on another node leaves its lock behind; it goes stale after 10 s without refreshes.
      const other = /is in use by process \d+ on (\S+)/.exec((e as Error).message)?.[1];
      if (attempt >= 2 || other === undefined || other === host) throw e;
      io.stderr.write(`${(e as Error).message.split(';')[0]}; waiting for its lock to go stale\n`);
      await new Promise((r) => setTimeout(r, STALE_LOCK_WAIT_MS));
    }
  }
}
