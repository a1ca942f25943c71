import { basename, join } from 'node:path';
import { aggregate, resultsCsv, sweepPlot, writeFileAtomic, type ResultRow } from '@txsim/experiment';
import type { SweepManifest } from './plan.js';
import { readSummary } from './store.js';

/** `results.json`: the grid's parameters and one row per grid point. */
export interface SweepResults {
  readonly spec: string;
  readonly params: readonly string[];
  readonly rows: readonly ResultRow[];
}

// The report page styles its plots with CSS; a standalone file carries the same rules inside.
const STYLE = '<style>text { font-family: system-ui, sans-serif; } .title { font-size: 14px; font-weight: 600; } .tick { font-size: 11px; fill: #555; } '
  + '.label { font-size: 12px; fill: #333; } .legend-text { font-size: 12px; } .grid { stroke: #eee; } .axis { stroke: #333; }</style>';
const standalone = (svg: string) => svg.replace(/^(<svg[^>]*>)/, `$1\n${STYLE}`);

/** Reads every run's summary and rewrites `results.csv`, `results.json` and `results.svg`, each atomically. */
export function writeResults(dir: string, manifest: SweepManifest): SweepResults {
  const rows = aggregate(manifest.points.map((p) => ({
    id: p.id,
    values: p.values,
    numeric: p.numeric,
    runs: p.runs.map((r) => ({ ...r, summary: readSummary(dir, r.id) })),
  })));
  const params = manifest.params.map((p) => p.path);
  const results: SweepResults = { spec: manifest.spec, params, rows };
  writeFileAtomic(join(dir, 'results.csv'), resultsCsv(params, rows));
  writeFileAtomic(join(dir, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  const title = `${basename(manifest.spec)}: final test accuracy${manifest.seeds.length > 1 ? ` (mean ± std over ${manifest.seeds.length} seeds)` : ''}`;
  writeFileAtomic(join(dir, 'results.svg'), `${standalone(sweepPlot(title, params, rows))}\n`);
  return results;
}
