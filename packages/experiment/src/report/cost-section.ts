import { COST_COMPONENTS, COST_PHASES, formatValue, type CostReport } from '@txsim/core';
import { paretoFront, paretoPlot, stackedBarChart, type ScatterPoint } from './cost-charts.js';
import type { RunData } from './load.js';
import { esc } from './svg.js';
import type { SweepData } from './sweep-load.js';

const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2'];
// One letter per phase keeps a 3-layer network's 12 bar labels apart on the 560-pixel chart.
const SHORT: Record<string, string> = { forward: 'F', backward: 'B', weightGradient: 'G', update: 'U' };
const J = (v: number) => formatValue(v, 'J');
const S = (v: number) => formatValue(v, 's');
const M2 = (v: number) => formatValue(v, 'm^2');

/** Bars per layer and phase, stacked by component, for energy or latency. */
function breakdown(cost: CostReport, key: 'energyJ' | 'latencyS'): string {
  const bars = Object.entries(cost.layers).flatMap(([name, l]) => COST_PHASES.map((p) => ({ label: `${name} ${SHORT[p]}`, phase: l.phases[p] })));
  const series = COST_COMPONENTS.map((c, i) => ({ label: c, color: COLORS[i]!, values: bars.map((b) => b.phase.components[c]?.[key] ?? 0) }))
    .filter((s) => s.values.some((v) => v > 0));
  const what = key === 'energyJ' ? 'Energy (J)' : 'Latency (s)';
  return stackedBarChart({ title: `${what} per layer and phase, by component`, xLabel: 'layer and phase: F forward, B backward, G weight gradient, U update', yLabel: what, groups: bars.map((b) => b.label), series });
}

function costTable(cost: CostReport): string {
  const head = `<tr><th>layer</th>${COST_PHASES.map((p) => `<th>${p} energy</th><th>${p} latency</th>`).join('')}<th>area</th></tr>`;
  const row = (name: string, l: { phases: CostReport['phases']; areaM2: number }) =>
    `<tr><td>${esc(name)}</td>${COST_PHASES.map((p) => `<td>${J(l.phases[p].energyJ)}</td><td>${S(l.phases[p].latencyS)}</td>`).join('')}<td>${M2(l.areaM2)}</td></tr>`;
  const rows = Object.entries(cost.layers).map(([n, l]) => row(n, l)).join('');
  return `<table class="cost">${head}${rows}${row('total', { phases: cost.phases, areaM2: cost.areaM2 })}</table>`;
}

/** A run's hardware cost: totals, the per-layer and phase table, and energy and latency stacked by component. */
export function runCostSection(run: RunData): string {
  const cost = run.summary?.cost;
  if (!cost) return `<div class="missing">No hardware cost in this run (${run.summary ? 'the spec has no cost section' : 'summary.json not written yet'}).</div>`;
  return `<p>Energy ${J(cost.energyJ)}, latency ${S(cost.latencyS)}, area ${M2(cost.areaM2)} (arrays ${M2(cost.arrayAreaM2)}, periphery ${M2(cost.peripheryAreaM2)}).</p>
${costTable(cost)}
<div class="figures">${breakdown(cost, 'energyJ')}${breakdown(cost, 'latencyS')}</div>
${(cost.notes ?? []).map((n) => `<p class="muted">${esc(n)}</p>`).join('')}`;
}

/** One point per grid point: mean final accuracy and mean energy over its completed runs. */
export function sweepCostPoints(sweep: SweepData, label: (values: readonly string[]) => string): Array<ScatterPoint & { latencyS: number; areaM2: number }> {
  return sweep.points.flatMap(({ point, runs }) => {
    const done = runs.map((r) => r.data?.summary).filter((s) => s?.status === 'completed' && s.cost);
    if (!done.length) return [];
    const mean = (f: (s: NonNullable<(typeof done)[number]>) => number) => done.reduce((a, s) => a + f(s!), 0) / done.length;
    return [{ label: label(point.values), x: mean((s) => s.cost!.energyJ), y: 100 * mean((s) => s.testAccuracy.at(-1) ?? 0), latencyS: mean((s) => s.cost!.latencyS), areaM2: mean((s) => s.cost!.areaM2) }];
  });
}

/** A sweep's accuracy against energy: the table with each point's cost and the plot with the Pareto front. */
export function sweepCostSection(sweep: SweepData, label: (values: readonly string[]) => string): string {
  const points = sweepCostPoints(sweep, label);
  if (!points.length) return '<div class="missing">No completed run of this sweep has a hardware cost (add a cost section to the spec, or sweep with --param \'cost={}\').</div>';
  const front = new Set(paretoFront(points));
  const rows = [...points].sort((a, b) => a.x - b.x).map((p) =>
    `<tr${front.has(p) ? ' class="pareto"' : ''}><td>${esc(p.label)}</td><td>${p.y.toFixed(2)} %</td><td>${J(p.x)}</td><td>${S(p.latencyS)}</td><td>${M2(p.areaM2)}</td><td>${front.has(p) ? '✓' : ''}</td></tr>`).join('');
  return `<table class="cost-sweep"><tr><th>point</th><th>final test accuracy</th><th>energy</th><th>latency</th><th>area</th><th>Pareto</th></tr>${rows}</table>
<div class="figures">${paretoPlot({ title: 'Final test accuracy against training energy', xLabel: 'energy of the run (J)', yLabel: 'test accuracy (%)', points })}</div>`;
}
