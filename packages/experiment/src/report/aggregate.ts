import type { RunSummary } from '../run-dir.js';

/** One run as the results table sees it: its seed and, once it has finished, its summary. */
export interface RunOutcome {
  readonly id: string;
  readonly seed: number;
  readonly summary?: Pick<RunSummary, 'testAccuracy' | 'wallSeconds' | 'status'>;
}

/** A grid point with its parameter values and its runs (one per seed). */
export interface PointOutcome {
  readonly id: string;
  /** Parameter values as typed, in --param order. */
  readonly values: readonly string[];
  /** The same values as numbers where the resolved spec holds a number there (units in SI), else null. */
  readonly numeric: readonly (number | null)[];
  readonly runs: readonly RunOutcome[];
}

export interface MeanStd {
  readonly mean: number | null;
  /** Sample standard deviation over seeds (n − 1 in the denominator); 0 for a single seed. */
  readonly std: number | null;
}

export interface ResultRow {
  readonly id: string;
  readonly values: readonly string[];
  readonly numeric: readonly (number | null)[];
  /** Seeds whose runs completed, which the statistics are over. */
  readonly seeds: readonly number[];
  /** Seeds whose runs diverged (loss became NaN); left out of the statistics. */
  readonly diverged: readonly number[];
  /** Final test accuracy (after the last epoch), as a fraction. */
  readonly finalAccuracy: MeanStd;
  /** Best test accuracy over the epochs, as a fraction. */
  readonly bestAccuracy: MeanStd;
  /** Mean wall seconds of the completed runs (of the last resumed part for a resumed run). */
  readonly wallSeconds: number | null;
  readonly runs: ReadonlyArray<{ readonly id: string; readonly seed: number; readonly status: string; readonly finalAccuracy: number | null; readonly bestAccuracy: number | null; readonly wallSeconds: number | null }>;
}

export function meanStd(xs: readonly number[]): MeanStd {
  if (xs.length === 0) return { mean: null, std: null };
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  if (xs.length === 1) return { mean, std: 0 };
  const ss = xs.reduce((s, x) => s + (x - mean) ** 2, 0);
  return { mean, std: Math.sqrt(ss / (xs.length - 1)) };
}

/** One row per grid point: mean and standard deviation over the seeds that completed. */
export function aggregate(points: readonly PointOutcome[]): ResultRow[] {
  return points.map((p) => {
    const runs = p.runs.map((r) => {
      const acc = r.summary?.testAccuracy ?? [];
      const status = r.summary ? (r.summary.status ?? 'completed') : 'pending';
      const done = status === 'completed' && acc.length > 0;
      return {
        id: r.id,
        seed: r.seed,
        status,
        finalAccuracy: done ? acc[acc.length - 1]! : null,
        bestAccuracy: done ? Math.max(...acc) : null,
        wallSeconds: r.summary ? r.summary.wallSeconds : null,
      };
    });
    const done = runs.filter((r) => r.status === 'completed' && r.finalAccuracy !== null);
    const wall = meanStd(done.map((r) => r.wallSeconds!)).mean;
    return {
      id: p.id,
      values: p.values,
      numeric: p.numeric,
      seeds: done.map((r) => r.seed),
      diverged: runs.filter((r) => r.status === 'diverged').map((r) => r.seed),
      finalAccuracy: meanStd(done.map((r) => r.finalAccuracy!)),
      bestAccuracy: meanStd(done.map((r) => r.bestAccuracy!)),
      wallSeconds: wall,
      runs,
    };
  });
}

const csvCell = (v: string): string => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
const fmt = (v: number | null): string => (v === null ? '' : String(v));

/** The table as CSV: the varied values, then seeds and the statistics (accuracies as fractions). */
export function resultsCsv(paths: readonly string[], rows: readonly ResultRow[]): string {
  const header = [...paths, 'seeds', 'diverged', 'final_accuracy_mean', 'final_accuracy_std', 'best_accuracy_mean', 'best_accuracy_std', 'wall_seconds_mean'];
  const lines = rows.map((r) => [
    ...r.values, r.seeds.join(' '), r.diverged.join(' '),
    fmt(r.finalAccuracy.mean), fmt(r.finalAccuracy.std), fmt(r.bestAccuracy.mean), fmt(r.bestAccuracy.std), fmt(r.wallSeconds),
  ].map(csvCell).join(','));
  return `${[header.map(csvCell).join(','), ...lines].join('\n')}\n`;
}
