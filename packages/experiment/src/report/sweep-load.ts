import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EpochMetrics } from '@txsim/core';
import { aggregate, meanStd, type MeanStd, type ResultRow } from './aggregate.js';
import { loadRun, type RunData } from './load.js';

/** The manifest of a sweep directory, written by `txsim sweep`. */
export const SWEEP_MANIFEST_FILE = 'sweep.json';

/** `sweep.json`: the grid of a sweep directory, enough to resume it without the original command. */
export interface SweepManifest {
  readonly version: 1;
  /** The base spec file as given on the command line. */
  readonly spec: string;
  readonly params: ReadonlyArray<{ readonly path: string; readonly values: readonly string[] }>;
  readonly seeds: readonly number[];
  readonly points: readonly ManifestPoint[];
}

export interface ManifestPoint {
  readonly id: string;
  /** One value per param, as typed. */
  readonly values: readonly string[];
  /** The value in SI units where the resolved spec holds a number there, else null (for plotting). */
  readonly numeric: readonly (number | null)[];
  readonly runs: ReadonlyArray<{ readonly id: string; readonly seed: number }>;
}

/** A grid point with the run directories that exist so far (a run not started yet has none). */
export interface SweepPoint {
  readonly point: ManifestPoint;
  readonly runs: ReadonlyArray<{ readonly id: string; readonly seed: number; readonly data?: RunData }>;
}

/** Everything the sweep page reads: the manifest, each point's runs, and the results table over them. */
export interface SweepData {
  readonly dir: string;
  readonly manifest: SweepManifest;
  readonly points: readonly SweepPoint[];
  /** One row per point, aggregated from the runs' summaries as they are now (as `results.json` is). */
  readonly rows: readonly ResultRow[];
}

export const isSweepDir = (dir: string): boolean => existsSync(join(dir, SWEEP_MANIFEST_FILE));

const readRun = (dir: string): RunData | undefined =>
  existsSync(join(dir, 'summary.json')) || existsSync(join(dir, 'metrics.jsonl')) ? loadRun(dir) : undefined;

/** Reads a sweep directory; runs still going or not started yet are read as far as they got. */
export function loadSweep(dir: string): SweepData {
  const file = join(dir, SWEEP_MANIFEST_FILE);
  let manifest: SweepManifest;
  try {
    manifest = JSON.parse(readFileSync(file, 'utf8')) as SweepManifest;
  } catch (e) {
    throw new Error(`${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (manifest.version !== 1) throw new Error(`${file}: unsupported sweep version ${String(manifest.version)}`);
  const points = manifest.points.map((point) => ({
    point,
    runs: point.runs.map((r) => ({ ...r, data: readRun(join(dir, 'runs', r.id)) })),
  }));
  const rows = aggregate(points.map(({ point, runs }) => ({
    id: point.id,
    values: point.values,
    numeric: point.numeric,
    runs: runs.map((r) => ({ id: r.id, seed: r.seed, summary: r.data?.summary })),
  })));
  return { dir, manifest, points, rows };
}

/** Mean and std over seeds of one epoch's metric; `n` runs reached that epoch. */
export interface EpochStat extends MeanStd {
  readonly epoch: number;
  readonly n: number;
}

/**
 * A metric per epoch over several runs (the seeds of a point): at each epoch, mean and sample std
 * over the runs that finished it, so a run still going counts for the epochs it has.
 */
export function epochStats(runs: readonly (readonly EpochMetrics[])[], metric: (e: EpochMetrics) => number): EpochStat[] {
  const last = Math.max(0, ...runs.map((r) => r.length));
  const out: EpochStat[] = [];
  for (let i = 0; i < last; i++) {
    const xs = runs.filter((r) => r.length > i).map((r) => metric(r[i]!)).filter(Number.isFinite);
    if (xs.length) out.push({ epoch: i + 1, n: xs.length, ...meanStd(xs) });
  }
  return out;
}
