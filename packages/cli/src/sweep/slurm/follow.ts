import { join } from 'node:path';
import { EXIT_INTERRUPTED } from '../../commands/train.js';
import type { SweepJob } from '../executor.js';
import { printResults } from '../local.js';
import type { SweepManifest } from '../plan.js';
import { writeResults } from '../results.js';
import { countsLine, sweepStatus, type SweepStatus } from '../status.js';

/**
 * Follows a submitted sweep until no run is queued or running: a line per run as it finishes (as the
 * local executor prints), and the counts whenever they change. Then aggregates the results; failed
 * runs make it an error that says how to resubmit them. Ctrl-C stops following only: the tasks go on.
 */
export async function followSweep(dir: string, manifest: SweepManifest, job: Pick<SweepJob, 'io' | 'setExitCode'>, pollSeconds: number): Promise<SweepStatus> {
  const { io } = job;
  let stop: () => void = () => {};
  let stopped = false;
  const onSignal = () => {
    stopped = true;
    stop();
  };
  process.on('SIGINT', onSignal);
  try {
    let status = sweepStatus(dir, manifest);
    const seen = new Set(status.runs.filter((r) => r.state === 'done').map((r) => r.id));
    let last = '';
    for (;;) {
      for (const r of status.runs) {
        if (r.state !== 'done' || seen.has(r.id)) continue;
        seen.add(r.id);
        io.stdout.write(`[${seen.size}/${status.runs.length}] ${r.id}: ${r.detail}\n`);
      }
      const line = countsLine(status);
      if (line !== last) io.stderr.write(`slurm: ${line}\n`);
      last = line;
      if (status.counts.running + status.counts.queued === 0 || stopped) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pollSeconds * 1000);
        stop = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      if (stopped) break;
      status = sweepStatus(dir, manifest);
    }
    if (stopped) {
      io.stderr.write(`\nstopped following; the Slurm tasks go on. Follow them with: txsim sweep status ${dir}\n`);
      job.setExitCode(EXIT_INTERRUPTED);
      return status;
    }
    const results = writeResults(dir, manifest);
    const failed = status.runs.filter((r) => r.state !== 'done');
    if (failed.length) {
      throw new Error(`${failed.length} run${failed.length === 1 ? '' : 's'} did not finish: ${failed.slice(0, 6).map((r) => `${r.id} (${r.detail})`).join('; ')}`
        + `${failed.length > 6 ? '; …' : ''}. The others are in ${join(dir, 'results.csv')}. `
        + `Run the same command again (or txsim sweep --resume ${dir}) to submit them again; those with a checkpoint resume from it`);
    }
    printResults(results, io);
    io.stdout.write(`${join(dir, 'results.csv')}\n`);
    return status;
  } finally {
    process.off('SIGINT', onSignal);
  }
}
