import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderSweepReport } from './sweep-html.js';
import { epochStats, isSweepDir, loadSweep, type SweepManifest } from './sweep-load.js';

const dir = mkdtempSync(join(tmpdir(), 'txsim-sweep-load-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const manifest: SweepManifest = {
  version: 1,
  spec: 'examples/x.yaml',
  params: [{ path: 'training.learningRate', values: ['0.5', '1'] }],
  seeds: [1, 2, 3],
  points: [
    { id: 'lr=0.5', values: ['0.5'], numeric: [0.5], runs: [{ id: 'a1', seed: 1 }, { id: 'a2', seed: 2 }, { id: 'a3', seed: 3 }] },
    { id: 'lr=1', values: ['1'], numeric: [1], runs: [{ id: 'b1', seed: 1 }, { id: 'b2', seed: 2 }, { id: 'b3', seed: 3 }] },
  ],
};

const epoch = (i: number, testAccuracy: number) => ({ epoch: i + 1, testAccuracy, testLoss: 1 - testAccuracy, trainLoss: 1, trainAccuracy: 0.5, seconds: 1 });

/** A run directory: summary.json when `finished`, metrics.jsonl always. */
function writeRun(id: string, seed: number, accs: number[], finished = true, status: 'completed' | 'diverged' = 'completed'): void {
  const d = join(dir, 'runs', id);
  mkdirSync(d, { recursive: true });
  writeFileSync(join(d, 'metrics.jsonl'), accs.map((a, i) => JSON.stringify(epoch(i, a))).join('\n'));
  if (finished) {
    writeFileSync(join(d, 'summary.json'), JSON.stringify({
      name: 'x', seed, testAccuracy: accs, testLoss: accs.map((a) => 1 - a), trainLoss: accs.map(() => 1), trainAccuracy: accs.map(() => 0.5),
      secondsPerEpoch: accs.map(() => 1), wallSeconds: 2, status, layers: [], activity: {},
    }));
  }
}

writeFileSync(join(dir, 'sweep.json'), JSON.stringify(manifest));
writeRun('a1', 1, [0.5, 0.8]);
writeRun('a2', 2, [0.6, 0.9]);
writeRun('a3', 3, [0.4, 0.7]);
writeRun('b1', 1, [0.2, 0.3]);
writeRun('b2', 2, [0.1], false); // still going: counts for epoch 1 of the curves only
writeRun('b3', 3, [0.1, Number.NaN], true, 'diverged');

describe('loadSweep', () => {
  const sweep = loadSweep(dir);

  it('aggregates the final accuracies: mean and sample std over completed seeds (hand-computed)', () => {
    expect(isSweepDir(dir)).toBe(true);
    expect(isSweepDir(join(dir, 'runs'))).toBe(false);
    const [a, b] = sweep.rows;
    // finals 0.8, 0.9, 0.7: mean 0.8, deviations ±0.1 and 0 → std √((0.01+0.01)/2) = 0.1
    expect(a!.seeds).toEqual([1, 2, 3]);
    expect(a!.finalAccuracy.mean).toBeCloseTo(0.8, 12);
    expect(a!.finalAccuracy.std).toBeCloseTo(0.1, 12);
    // Only b1 completed: b2 is still running, b3 diverged.
    expect(b!.seeds).toEqual([1]);
    expect(b!.diverged).toEqual([3]);
    expect(b!.finalAccuracy).toEqual({ mean: 0.3, std: 0 });
    expect(sweep.points[1]!.runs.map((r) => r.data?.epochs.length)).toEqual([2, 1, 2]);
  });

  it('averages each epoch over the runs that finished it', () => {
    const a = epochStats(sweep.points[0]!.runs.map((r) => r.data!.epochs), (e) => e.testAccuracy);
    expect(a.map((s) => s.epoch)).toEqual([1, 2]);
    expect(a[0]!.mean).toBeCloseTo(0.5, 12);
    expect(a[0]!.std).toBeCloseTo(0.1, 12);
    // Epoch 1 of point b: 0.2, 0.1, 0.1; epoch 2: 0.3 alone (b3's NaN is left out).
    const b = epochStats(sweep.points[1]!.runs.map((r) => r.data!.epochs), (e) => e.testAccuracy);
    expect(b.map((s) => s.n)).toEqual([3, 1]);
    expect(b[0]!.mean).toBeCloseTo(0.4 / 3, 12);
    expect(b[1]).toEqual({ epoch: 2, n: 1, mean: 0.3, std: 0 });
  });

  it('renders a table row per point with the aggregated numbers', () => {
    const html = renderSweepReport(sweep, { generatedAt: new Date(0) });
    const rows = [...html.matchAll(/<tr data-point="([^"]+)">(.*?)<\/tr>/g)];
    expect(rows.map((m) => m[1])).toEqual(['lr=0.5', 'lr=1']);
    expect(rows[0]![2]).toContain('<td class="n" data-completed="3">3 / 3</td>');
    expect(rows[0]![2]).toContain('80.00% ± 10.00%');
    expect(rows[1]![2]).toContain('<td class="n" data-completed="1">1 / 3</td><td class="n" data-mean="0.3" data-std="0">30.00% ± 0.00%</td>');
    expect(html).toContain('<span class="completed">4 of 6</span>');
    expect(html).toContain('Final test accuracy vs learningRate');
    expect(html.match(/<path class="band"/g)!.length).toBeGreaterThanOrEqual(3);
  });

  it('refuses a manifest of another version', () => {
    const other = mkdtempSync(join(tmpdir(), 'txsim-sweep-v2-'));
    writeFileSync(join(other, 'sweep.json'), JSON.stringify({ ...manifest, version: 2 }));
    expect(() => loadSweep(other)).toThrow('unsupported sweep version 2');
    rmSync(other, { recursive: true });
  });
});
