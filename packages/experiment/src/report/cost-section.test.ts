import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runExperiment } from '../run.js';
import { paretoFront } from './cost-charts.js';
import { runCostSection, sweepCostSection } from './cost-section.js';
import { renderReport } from './html.js';
import { loadRun } from './load.js';
import type { SweepData } from './sweep-load.js';

const spec = {
  name: 'costed',
  data: { dataset: 'synthetic', shape: [1, 4, 4], classes: 3, trainSize: 32, testSize: 16 },
  model: { hidden: [8] },
  training: { epochs: 1, batchSize: 16, learningRate: 0.5 },
  crossbar: { tile: { rows: 8, cols: 8 } },
  cost: {},
};

describe('report: hardware cost', () => {
  it('the Pareto front keeps the points nothing beats in both energy and accuracy', () => {
    const pts = [{ x: 1, y: 50, label: 'a' }, { x: 2, y: 60, label: 'b' }, { x: 3, y: 55, label: 'c' }, { x: 2, y: 60, label: 'd' }, { x: 4, y: 70, label: 'e' }, { x: 1, y: 40, label: 'f' }];
    expect(paretoFront(pts).map((p) => p.label)).toEqual(['a', 'b', 'd', 'e']);
  });

  it('renders the run\'s cost table and stacked bars per layer and phase, and the sweep\'s accuracy against energy', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'txsim-cost-report-')), 'run');
    await runExperiment(spec, { outDir: dir });
    const run = loadRun(dir);
    const html = renderReport([run]);
    expect(html).toContain('<h2>Hardware cost</h2>');
    const section = runCostSection(run);
    // Two stacked charts (energy, latency), 2 layers × 4 phases = 8 bars each.
    expect(section.match(/<g class="stacked">/g)).toHaveLength(2);
    expect(section).toContain('fc2 G');
    expect(section).toContain('<table class="cost">');
    const energy = section.split('<g class="stacked">')[1]!.split('</g>')[0]!;
    expect(energy.match(/<rect /g)!.length).toBeGreaterThanOrEqual(8);
    expect(runCostSection({ ...run, summary: { ...run.summary!, cost: undefined } })).toContain('no cost section');

    // Two grid points from the same run, one made dearer and less accurate: only the other is on the front.
    const dear = { ...run, summary: { ...run.summary!, testAccuracy: [0.1], cost: { ...run.summary!.cost!, energyJ: 10 * run.summary!.cost!.energyJ } } };
    const point = (id: string, data: typeof run) => ({ point: { id, values: [id], numeric: [null], runs: [{ id, seed: 1 }] }, runs: [{ id, seed: 1, data }] });
    const sweep = { dir: '/x', manifest: { version: 1, spec: 's', params: [], seeds: [1], points: [] }, points: [point('cheap', run), point('dear', dear)], rows: [] } as unknown as SweepData;
    const s = sweepCostSection(sweep, (v) => v.join(','));
    expect(s).toContain('class="pareto"');
    expect(s.match(/<tr class="pareto">/g)).toHaveLength(1);
    expect(s).toMatch(/<tr class="pareto"><td>cheap<\/td>/);
    expect(s).toContain('Final test accuracy against training energy');
  }, 20_000);
});
