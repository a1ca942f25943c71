import { SlurmError } from './scheduler.js';
import { isLive, squeueTasks } from './scheduler.js';
import { readSlurmPlan } from './plan-file.js';

/**
 * The array tasks (`job_index`) of a sweep directory that are queued or running. None when the
 * directory was never submitted, or when this machine has no Slurm (a copy of the directory).
 */
export function liveSlurmTasks(dir: string): string[] {
  const plan = readSlurmPlan(dir);
  if (!plan?.submissions.length) return [];
  try {
    return squeueTasks([...new Set(plan.submissions.map((s) => s.jobId))])
      .filter((t) => isLive(t.state))
      .map((t) => `${t.jobId}_${t.index}`);
  } catch (e) {
    if (e instanceof SlurmError && /not found on PATH/.test(e.message)) return [];
    throw e;
  }
}
