import { formatTick, linePlot, type LineSeries } from './svg.js';
import type { ResultRow } from './aggregate.js';

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf'];

/**
 * How the first parameter's values sit on the x axis: as numbers (log-spaced when all positive and
 * spanning 20× or more, as 0.01…1 or 32…1024 do), or as evenly spaced categories otherwise.
 */
function xAxis(rows: readonly ResultRow[]): { at: (r: ResultRow) => number; ticks: Array<[number, string]> } {
  const values = [...new Set(rows.map((r) => r.values[0]!))];
  const numeric = rows.every((r) => r.numeric[0] !== null);
  if (!numeric) return { at: (r) => values.indexOf(r.values[0]!), ticks: values.map((v, i) => [i, v]) };
  const nums = [...new Set(rows.map((r) => r.numeric[0]!))].sort((a, b) => a - b);
  const log = nums[0]! > 0 && nums.at(-1)! / nums[0]! >= 20;
  const f = log ? Math.log10 : (v: number) => v;
  // Tick at every swept value (they are few), labelled in SI with k/M/G or as typed for small counts.
  const label = (v: number) => rows.find((r) => r.numeric[0] === v)?.values[0] ?? formatTick(v);
  return { at: (r) => f(r.numeric[0]!), ticks: nums.map((v) => [f(v), nums.length <= 8 ? label(v) : formatTick(v)]) };
}

/** How the spread over seeds is drawn: ± std error bars (results.svg), or a ± std band with min–max whiskers (the report). */
export type Spread = 'error-bars' | 'band';

/** The spread of one row's final accuracies in %: the ± std band and the min–max whiskers. */
function spread(r: ResultRow): { band: [number, number]; whiskers: [number, number] } {
  const finals = r.runs.filter((x) => x.status === 'completed' && x.finalAccuracy !== null).map((x) => x.finalAccuracy! * 100);
  const [m, sd] = [r.finalAccuracy.mean! * 100, r.finalAccuracy.std! * 100];
  return { band: [m - sd, m + sd], whiskers: [Math.min(...finals), Math.max(...finals)] };
}

function withSpread(series: LineSeries, rows: readonly ResultRow[], how: Spread): LineSeries {
  if (how === 'error-bars') return series;
  const s = rows.map(spread);
  return { ...series, errors: undefined, band: s.map((x) => x.band), whiskers: s.map((x) => x.whiskers) };
}

/**
 * Final test accuracy (%) against the first varied parameter, one series per combination of the
 * other parameters, the spread over seeds as `how` says. Points with no completed run are left out.
 */
export function sweepPlot(title: string, paths: readonly string[], rows: readonly ResultRow[], how: Spread = 'error-bars'): string {
  const done = rows.filter((r) => r.finalAccuracy.mean !== null);
  if (paths.length === 0) {
    // Seeds only: one point.
    const r = done[0];
    const series: LineSeries[] = r ? [withSpread({ label: 'spec as written', color: COLORS[0]!, points: [[0, r.finalAccuracy.mean! * 100]], errors: [r.finalAccuracy.std! * 100] }, [r], how)] : [];
    return linePlot({ title, xLabel: '', yLabel: 'final test accuracy (%)', series, xTicks: [[0, 'spec']] });
  }
  const axis = xAxis(rows);
  const groups = new Map<string, ResultRow[]>();
  for (const r of done) {
    const key = paths.slice(1).map((p, i) => `${p}=${r.values[i + 1]}`).join(', ');
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const series: LineSeries[] = [...groups].map(([key, rs], i) => {
    const sorted = [...rs].sort((a, b) => axis.at(a) - axis.at(b));
    return withSpread({
      label: key || paths[0]!,
      color: COLORS[i % COLORS.length]!,
      dash: i >= COLORS.length ? '6 4' : undefined,
      points: sorted.map((r) => [axis.at(r), r.finalAccuracy.mean! * 100] as const),
      errors: sorted.map((r) => r.finalAccuracy.std! * 100),
    }, sorted, how);
  });
  return linePlot({ title, xLabel: paths[0], yLabel: 'final test accuracy (%)', series, xTicks: axis.ticks });
}
