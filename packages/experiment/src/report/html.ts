import type { ActivityCounts } from '@txsim/core';
import { configTable, packsLine } from './config.js';
import { diffTable } from './diff.js';
import type { RunData } from './load.js';
import { barChart, esc, histogramPlot, linePlot } from './svg.js';
import { runCostSection } from './cost-section.js';
import { noUnits, type ParamUnits } from './units.js';

export const RUN_COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf'];
const METRIC_COLORS = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f'];
const PHASES = ['forward', 'backward', 'update'] as const;

/** The activity counters in table/legend order, with their column titles. */
export const ACTIVITY_COLUMNS: readonly (readonly [keyof ActivityCounts, string])[] = [
  ['tileReads', 'tile reads'],
  ['dacConversions', 'DAC conversions'],
  ['adcConversions', 'ADC conversions'],
  ['cellReads', 'cell reads'],
  ['updatePulses', 'update pulses'],
];

const CSS = `
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; margin: 24px; color: #222; background: #fff; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 28px 0 8px; border-bottom: 1px solid #ddd; } h3 { font-size: 15px; margin: 16px 0 6px; }
table { border-collapse: collapse; margin: 8px 0 12px; } th, td { border: 1px solid #ddd; padding: 3px 8px; } th { background: #f4f4f4; text-align: left; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
.figures { display: flex; flex-wrap: wrap; gap: 16px; align-items: flex-start; }
svg.plot { border: 1px solid #e4e4e4; background: #fff; }
svg.plot .title { font-size: 14px; font-weight: 600; } svg.plot .tick { font-size: 11px; fill: #555; } svg.plot .label { font-size: 12px; fill: #333; }
svg.plot .legend-text { font-size: 12px; } svg.plot .grid { stroke: #eee; } svg.plot .axis { stroke: #333; }
.swatch { display: inline-block; width: 12px; height: 12px; border-radius: 2px; vertical-align: -1px; }
.missing { border: 1px dashed #bbb; background: #fafafa; color: #666; padding: 10px 14px; margin: 8px 0; max-width: 760px; }
.muted { color: #666; } code { font-size: 13px; }
table.config td, table.diff td { vertical-align: top; max-width: 420px; } table.config .params { color: #444; }
ol.stack { margin: 0; padding-left: 20px; }
`;

/** The page around a report's sections: title, generation line, inline CSS. */
export function page(title: string, body: string, generatedAt: Date): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${CSS}</style>
</head>
<body>
<h1>${esc(title)}</h1>
<p class="muted">Generated ${esc(generatedAt.toISOString())} by <code>txsim report</code>.</p>
${body}
</body>
</html>
`;
}

export const pct = (v: number | undefined) => (v === undefined ? '–' : `${(v * 100).toFixed(2)}%`);
const int = (v: number) => v.toLocaleString('en-US');

/** "name — dir", the label that tells runs apart in every legend. */
export function runLabel(run: RunData): string {
  return `${run.summary?.name ?? 'run'} — ${run.dir}`;
}

function runsTable(runs: readonly RunData[]): string {
  const rows = runs.map((r, i) => {
    const s = r.summary;
    const last = r.epochs.at(-1);
    const best = r.epochs.length ? Math.max(...r.epochs.map((e) => e.testAccuracy)) : undefined;
    return `<tr><td><span class="swatch" style="background:${RUN_COLORS[i % RUN_COLORS.length]}"></span></td><td>${esc(s?.name ?? '–')}</td><td><code>${esc(r.dir)}</code></td>`
      + `<td>${esc(String(s?.seed ?? '–'))}</td><td>${esc(s?.backend ?? '–')}${s?.digital ? ' (digital)' : ''}</td><td class="n">${r.epochs.length}${s ? '' : ' (running?)'}</td>`
      + `<td class="n">${s ? int(s.trainExamples) : '–'}</td><td class="n">${s ? int(s.testExamples) : '–'}</td>`
      + `<td class="n">${pct(last?.testAccuracy)}</td><td class="n">${pct(best)}</td><td class="n">${s ? s.wallSeconds.toFixed(1) : '–'}</td></tr>`;
  });
  return `<table class="runs"><tr><th></th><th>run</th><th>directory</th><th>seed</th><th>backend</th><th>epochs</th><th>train ex.</th><th>test ex.</th><th>final test acc</th><th>best test acc</th><th>wall s</th></tr>${rows.join('')}</table>`;
}

function curves(runs: readonly RunData[]): string {
  const color = (i: number) => RUN_COLORS[i % RUN_COLORS.length]!;
  const acc = runs.flatMap((r, i) => [
    { label: `${runLabel(r)} (test)`, color: color(i), points: r.epochs.map((e) => [e.epoch, e.testAccuracy * 100] as const) },
    { label: `${runLabel(r)} (train)`, color: color(i), dash: '6 4', points: r.epochs.map((e) => [e.epoch, e.trainAccuracy * 100] as const) },
  ]).filter((s) => s.points.length && s.points.every((p) => Number.isFinite(p[1])));
  const loss = runs.flatMap((r, i) => [
    { label: `${runLabel(r)} (test)`, color: color(i), points: r.epochs.map((e) => [e.epoch, e.testLoss] as const) },
    { label: `${runLabel(r)} (train)`, color: color(i), dash: '6 4', points: r.epochs.map((e) => [e.epoch, e.trainLoss] as const) },
  ]).filter((s) => s.points.length && s.points.every((p) => Number.isFinite(p[1])));
  if (!acc.length) return '<div class="missing">No finished epoch in any run: nothing to plot yet.</div>';
  return `<div class="figures">${linePlot({ title: 'Accuracy per epoch', xLabel: 'epoch', yLabel: 'accuracy (%)', series: acc })}`
    + `${linePlot({ title: 'Loss per epoch', xLabel: 'epoch', yLabel: 'cross-entropy loss', series: loss })}</div>`
    + '<p class="muted">Solid lines: test set; dashed: training set (mean over the epoch).</p>';
}

function activity(run: RunData): string {
  const act = run.summary?.activity;
  const layers = act ? Object.keys(act) : [];
  if (!act || !layers.length) {
    return `<div class="missing">No hardware activity recorded in this run (${run.summary ? 'no analog layers' : 'summary.json not written yet'}).</div>`;
  }
  const head = `<tr><th>layer</th><th>phase</th>${ACTIVITY_COLUMNS.map(([, t]) => `<th>${t}</th>`).join('')}</tr>`;
  const rows = layers.flatMap((layer) => PHASES.map((phase) =>
    `<tr><td>${esc(layer)}</td><td>${phase}</td>${ACTIVITY_COLUMNS.map(([k]) => `<td class="n" data-value="${act[layer]![phase][k]}">${int(act[layer]![phase][k])}</td>`).join('')}</tr>`));
  const chart = barChart({
    title: 'Hardware activity per layer (all phases)',
    yLabel: 'count (log scale)',
    log: true,
    groups: layers,
    series: ACTIVITY_COLUMNS.map(([k, t], i) => ({ label: t, color: METRIC_COLORS[i]!, values: layers.map((l) => PHASES.reduce((s, p) => s + act[l]![p][k], 0)) })),
  });
  return `<div class="figures"><table class="activity">${head}${rows.join('')}</table>${chart}</div>`;
}

const DIAGNOSTICS_HINT = 'It is written by runs that call <code>collectRunDiagnostics</code> / <code>writeRunDiagnostics</code> at the end of training.';

function notRecorded(runs: readonly RunData[], file: string, hint = DIAGNOSTICS_HINT): string {
  if (!runs.length) return '';
  const dirs = runs.map((r) => `<code>${esc(r.dir)}</code>`).join(', ');
  return `<div class="missing">Not recorded in this run: ${dirs} has no <code>${file}</code>. ${hint}</div>`;
}

function conductances(runs: readonly RunData[]): string {
  const parts: string[] = [];
  for (const run of runs.filter((r) => r.conductances)) {
    // Siemens → µS so tick labels stay readable.
    const us = (edges: readonly number[]) => edges.map((e) => e * 1e6);
    const plots = Object.entries(run.conductances!).map(([layer, h]) => histogramPlot({
      title: `${layer}: conductances (G+ and G−)`,
      xLabel: 'conductance (µS)',
      yLabel: 'devices',
      series: [
        { label: 'start of training', color: '#7f7f7f', edges: us(h.start.edges), counts: h.start.counts },
        { label: 'end of training', color: '#d62728', edges: us(h.end.edges), counts: h.end.counts },
      ],
    }));
    parts.push(`<h3>${esc(runLabel(run))}</h3><div class="figures">${plots.join('')}</div>`);
  }
  return parts.join('') + notRecorded(runs.filter((r) => !r.conductances), 'conductances.json');
}

function readErrors(runs: readonly RunData[]): string {
  const recorded = runs.map((r, i) => ({ r, i })).filter(({ r }) => r.readError);
  let body = '';
  if (recorded.length) {
    const layers = [...new Set(recorded.flatMap(({ r }) => Object.keys(r.readError!)))];
    const value = (r: RunData, l: string) => {
      const e = r.readError![l] as { relativeError: number } | number | undefined;
      return typeof e === 'number' ? e : e?.relativeError ?? Number.NaN;
    };
    const head = `<tr><th>run</th>${layers.map((l) => `<th>${esc(l)}</th>`).join('')}</tr>`;
    const rows = recorded.map(({ r }) => `<tr><td>${esc(runLabel(r))}</td>${layers.map((l) => `<td class="n">${Number.isFinite(value(r, l)) ? `${(value(r, l) * 100).toFixed(2)}%` : '–'}</td>`).join('')}</tr>`);
    const chart = barChart({
      title: 'Forward read error vs ideal x·W',
      yLabel: 'relative error (%)',
      groups: layers,
      series: recorded.map(({ r, i }) => ({ label: runLabel(r), color: RUN_COLORS[i % RUN_COLORS.length]!, values: layers.map((l) => value(r, l) * 100) })),
    });
    body = `<div class="figures"><table class="read-error">${head}${rows.join('')}</table>${chart}</div>`;
  }
  return body + notRecorded(runs.filter((r) => !r.readError), 'read-error.json');
}

export interface ReportOptions {
  readonly generatedAt?: Date;
  /** Units of plugin params, for the configuration and differences tables; default: numbers as recorded. */
  readonly units?: ParamUnits;
}

function configurations(runs: readonly RunData[], units: ParamUnits): string {
  const withSpec = runs.filter((r) => r.spec);
  const diff = runs.length > 1
    ? `<h3>Differences</h3><p class="muted">Every field of spec.resolved.json whose value is not the same in all runs.</p>${diffTable(withSpec.map((r) => r.spec), withSpec.map(runLabel), units)}`
      + notRecorded(runs.filter((r) => !r.spec), 'spec.resolved.json', 'It is left out of the comparison.')
    : '';
  return diff + runs.map((r) => `<h3>${esc(runLabel(r))}</h3>${packsLine(r)}${configTable(r, units)}`).join('');
}

/** The whole report page: self-contained HTML with inline CSS and SVG, no scripts, no external resources. */
export function renderReport(runs: readonly RunData[], options: ReportOptions = {}): string {
  const title = runs.length === 1 ? `txsim report: ${runLabel(runs[0]!)}` : `txsim report: ${runs.length} runs compared`;
  const activitySections = runs.map((r) => `<h3>${esc(runLabel(r))}</h3>${activity(r)}`).join('');
  return page(title, `<h2>Runs</h2>
${runsTable(runs)}
<h2>Hardware configuration</h2>
<p class="muted">Per layer, as resolved for the run: SI values, with units from the plugins' schemas.</p>
${configurations(runs, options.units ?? noUnits)}
<h2>Accuracy and loss</h2>
${curves(runs)}
<h2>Hardware activity</h2>
<p class="muted">Counts over the whole run, per analog layer and phase (forward read, backward read, update).</p>
${activitySections}
<h2>Hardware cost</h2>
<p class="muted">Energy, latency and area of the counted activity (docs/cost.md), per layer and phase.</p>
${runs.map((r) => `<h3>${esc(runLabel(r))}</h3>${runCostSection(r)}`).join('')}
<h2>Conductance distributions</h2>
${conductances(runs)}
<h2>Read error</h2>
<p class="muted">‖crossbar read − x·W‖ / ‖x·W‖ per layer, W the weights the stored conductances represent.</p>
${readErrors(runs)}`, options.generatedAt ?? new Date());
}
