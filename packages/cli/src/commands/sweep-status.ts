import { join } from 'node:path';
import type { CliIo } from '../io.js';
import { printResults } from '../sweep/local.js';
import { writeResults } from '../sweep/results.js';
import { countsLine, formatStatus, sweepStatus } from '../sweep/status.js';
import { readManifest } from '../sweep/store.js';

/**
 * `txsim sweep status DIR`: each run done, running, queued, failed (or stopped, not started), from
 * its run directory and, for a Slurm sweep, squeue and sacct. Changes nothing.
 */
export function status(dir: string, flags: { json?: boolean }, io: CliIo): void {
  const manifest = readManifest(dir);
  const s = sweepStatus(dir, manifest);
  if (flags.json) {
    io.stdout.write(`${JSON.stringify({ counts: s.counts, runs: s.runs.map(({ summary: _s, ...r }) => r), sacctUnavailable: s.sacctUnavailable }, null, 2)}\n`);
    return;
  }
  io.stdout.write(`${formatStatus(dir, s)}\n`);
}

/** `txsim sweep collect DIR`: aggregates the runs finished so far into results.{csv,json,svg}. */
export function collect(dir: string, io: CliIo): void {
  const manifest = readManifest(dir);
  const results = writeResults(dir, manifest);
  let counts = '';
  try {
    counts = countsLine(sweepStatus(dir, manifest));
  } catch (e) {
    // The results do not depend on the queue; only the counts line does.
    counts = `(${(e as Error).message})`;
  }
  io.stderr.write(`collected ${dir}: ${counts}\n`);
  printResults(results, io);
  io.stdout.write(`${join(dir, 'results.csv')}\n`);
}
