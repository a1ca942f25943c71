import { sweepCostSection } from './cost-section.js';
import { basename } from 'node:path';
import type { ResultRow } from './aggregate.js';
import { configTable, packsLine } from './config.js';
import { diffTable } from './diff.js';
import { page, pct, RUN_COLORS, type ReportOptions } from './html.js';
import { sweepPlot } from './sweep-plot.js';
import { epochStats, type SweepData, type SweepPoint } from './sweep-load.js';
import { esc, linePlot, type LineSeries } from './svg.js';
import { noUnits } from './units.js';

/** "learningRate=0.5, rows=32": a point by its values, for legends. */
const pointLabel = (sweep: SweepData, values: readonly string[]) =>
  sweep.manifest.params.map((p, i) => `${p.path.split('.').at(-1)}=${values[i]}`).join(', ') || 'spec as written';

const meanStdCell = (m: ResultRow['finalAccuracy']) => (m.mean === null
  ? '<td class="n">–</td>'
  : `<td class="n" data-mean="${m.mean}" data-std="${m.std}">${pct(m.mean)} ± ${pct(m.std ?? 0)}</td>`);

function pointsTable(sweep: SweepData): string {
  const params = sweep.manifest.params.map((p) => p.path);
  const head = `<tr>${params.map((p) => `<th><code>${esc(p)}</code></th>`).join('')}<th>completed runs</th><th>final test acc (mean ± std)</th><th>best test acc (mean ± std)</th><th>diverged seeds</th><th>point</th></tr>`;
  const rows = sweep.rows.map((r) => `<tr data-point="${esc(r.id)}">${r.values.map((v) => `<td>${esc(v)}</td>`).join('')}`
    + `<td class="n" data-completed="${r.seeds.length}">${r.seeds.length} / ${r.runs.length}</td>${meanStdCell(r.finalAccuracy)}${meanStdCell(r.bestAccuracy)}`
    + `<td>${esc(r.diverged.join(', ') || '–')}</td><td><code>${esc(r.id)}</code></td></tr>`);
  return `<table class="points">${head}${rows.join('')}</table>`;
}

/** Final accuracy against each swept param in turn (the others make the series). */
function accuracyPlots(sweep: SweepData): string {
  const paths = sweep.manifest.params.map((p) => p.path);
  const title = (x: string) => `Final test accuracy vs ${x.split('.').at(-1) || 'seed'}`;
  if (paths.length <= 1) return sweepPlot(title(paths[0] ?? ''), paths, sweep.rows, 'band');
  return paths.map((x, k) => {
    const order = [k, ...paths.map((_, i) => i).filter((i) => i !== k)];
    const pick = <T>(xs: readonly T[]) => order.map((i) => xs[i]!);
    return sweepPlot(title(x), pick(paths), sweep.rows.map((r) => ({ ...r, values: pick(r.values), numeric: pick(r.numeric) })), 'band');
  }).join('');
}

/** Mean over seeds per epoch, one line per point, ± std as a band. */
function epochCurves(sweep: SweepData): string {
  const series = (metric: 'testAccuracy' | 'testLoss', scale: number): LineSeries[] => sweep.points.map((p, i) => {
    const stats = epochStats(p.runs.flatMap((r) => (r.data ? [r.data.epochs] : [])), (e) => e[metric] * scale);
    return {
      label: `${pointLabel(sweep, p.point.values)} (${Math.max(0, ...stats.map((s) => s.n))} seeds)`,
      color: RUN_COLORS[i % RUN_COLORS.length]!,
      dash: i >= RUN_COLORS.length ? '6 4' : undefined,
      points: stats.map((s) => [s.epoch, s.mean!] as const),
      band: stats.map((s) => [s.mean! - s.std!, s.mean! + s.std!] as const),
    };
  }).filter((s) => s.points.length);
  const acc = series('testAccuracy', 100);
  if (!acc.length) return '<div class="missing">No run of this sweep has finished an epoch yet: nothing to plot.</div>';
  return `<div class="figures">${linePlot({ title: 'Test accuracy per epoch (mean over seeds)', xLabel: 'epoch', yLabel: 'accuracy (%)', series: acc })}`
    + `${linePlot({ title: 'Test loss per epoch (mean over seeds)', xLabel: 'epoch', yLabel: 'cross-entropy loss', series: series('testLoss', 1) })}</div>`;
}

const firstRun = (p: SweepPoint) => p.runs.find((r) => r.data?.spec)?.data;

/** The sweep page: the grid with mean ± std over seeds, accuracy against each param, per-epoch curves, hardware. */
export function renderSweepReport(sweep: SweepData, options: ReportOptions = {}): string {
  const m = sweep.manifest;
  const units = options.units ?? noUnits;
  const total = m.points.reduce((s, p) => s + p.runs.length, 0);
  const completed = sweep.rows.reduce((s, r) => s + r.seeds.length, 0);
  const firsts = sweep.points.map((p) => ({ p, run: firstRun(p) })).filter((x) => x.run);
  const base = firsts[0]?.run;
  const diff = firsts.length > 1
    ? diffTable(firsts.map((x) => x.run!.spec), firsts.map((x) => pointLabel(sweep, x.p.point.values)), units)
    : '<p class="muted">Fewer than two grid points have a run directory: nothing to compare.</p>';
  return page(`txsim report: sweep of ${basename(m.spec)}`, `<p>Sweep directory <code>${esc(sweep.dir)}</code>: base spec <code>${esc(m.spec)}</code>, `
    + `${m.points.length} grid point${m.points.length === 1 ? '' : 's'} × seeds ${esc(m.seeds.join(', '))}; <span class="completed">${completed} of ${total}</span> runs completed.</p>
<h2>Grid points</h2>
<p class="muted">Statistics over the seeds whose runs completed (sample std, n − 1); diverged runs are left out.</p>
${pointsTable(sweep)}
<div class="figures">${accuracyPlots(sweep)}</div>
<p class="muted">Lines: mean over seeds; shaded: ± one standard deviation; whiskers: lowest and highest seed.</p>
<h2>Accuracy against hardware cost</h2>
<p class="muted">Mean over each point's completed runs; the Pareto front joins the points no other point beats in both energy and accuracy.</p>
${sweepCostSection(sweep, (values) => pointLabel(sweep, values))}
<h2>Accuracy and loss per epoch</h2>
<p class="muted">Each point's mean over its seeds, shaded ± one standard deviation; an epoch counts the runs that finished it.</p>
${epochCurves(sweep)}
<h2>Hardware configuration</h2>
<h3>Differences between grid points</h3>
<p class="muted">Fields of spec.resolved.json that differ between the points (first seed of each).</p>
${diff}
${base ? `<h3>${esc(pointLabel(sweep, firsts[0]!.p.point.values))} — <code>${esc(base.dir)}</code></h3>${packsLine(base)}${configTable(base, units)}` : ''}`,
  options.generatedAt ?? new Date());
}
