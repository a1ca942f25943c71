import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunSummary } from '@txsim/experiment';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, requireBuild, tempDir, txsim, readJson, simulated } from './cli.js';

const EXAMPLE = join(ROOT, 'examples/mlp-mnist-txsim.yaml');
const SMALL = ['--epochs', '1', '--train-limit', '512', '--test-limit', '256', '--no-progress'];

async function train(dir: string, ...extra: string[]) {
  const r = await txsim(['train', EXAMPLE, ...SMALL, '--out', dir, ...extra]);
  expect(r.code, r.stderr).toBe(0);
  return r;
}

describe('txsim train', () => {
  beforeAll(requireBuild);

  it('is reproducible for a seed, differs across seeds, and writes the run directory', async () => {
    const tmp = tempDir('train');
    const [a, b, c] = await Promise.all([
      train(join(tmp, 'a'), '--seed', '7'),
      train(join(tmp, 'b'), '--seed', '7'),
      train(join(tmp, 'c'), '--seed', '8'),
    ]);

    // stdout: one line per epoch, then the run directory.
    expect(a.stdout).toMatch(/^epoch 1\/1 {2}train loss \d+\.\d{4} {2}test loss \d+\.\d{4} {2}test acc \d+\.\d{2}% {2}\d+\.\d s\n/);
    expect(a.stdout.trimEnd().split('\n').at(-1)).toBe(join(tmp, 'a'));
    expect(a.stderr).not.toContain('warning');

    const dir = join(tmp, 'a');
    expect(readdirSync(dir).sort()).toEqual([
      'calibration.json', 'checkpoint-1.bin', 'checkpoint.json', 'conductances-start.json', 'conductances.json', 'environment.json',
      'metrics.jsonl', 'read-error.json', 'spec.resolved.json', 'summary.json',
    ]);
    // Diagnostics for the report: per crossbar layer, conductance histograms before/after and the read error.
    const conductances = readJson<Record<string, { start: { counts: number[] }; end: { counts: number[] } }>>(join(dir, 'conductances.json'));
    expect(Object.keys(conductances)).toEqual(['fc1', 'fc2', 'fc3']);
    expect(conductances.fc1!.end.counts).not.toEqual(conductances.fc1!.start.counts);
    const readError = readJson<Record<string, { relativeError: number }>>(join(dir, 'read-error.json'));
    for (const layer of ['fc1', 'fc2', 'fc3']) expect(readError[layer]!.relativeError).toBeGreaterThan(0);
    const metrics = readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trimEnd().split('\n');
    expect(metrics).toHaveLength(1);
    expect(JSON.parse(metrics[0]!)).toMatchObject({ epoch: 1 });

    const resolved = readJson<{ seed: number; training: { epochs: number }; data: { trainLimit: number }; crossbar: { nonidealities: Array<{ name: string; params: Record<string, unknown> }> } }>(join(dir, 'spec.resolved.json'));
    expect(resolved.seed).toBe(7);
    expect(resolved.training.epochs).toBe(1);
    expect(resolved.data.trainLimit).toBe(512);
    // Units are resolved to SI numbers and every default is filled in.
    expect(resolved.crossbar.nonidealities.find((n) => n.name === 'wire-resistance')?.params).toEqual({ rRow: 1, rCol: 4.6, rSource: 0, rSink: 0 });

    const summary = readJson<RunSummary>(join(dir, 'summary.json'));
    expect(summary).toMatchObject({ name: 'mlp-mnist-txsim', seed: 7, epochs: 1, digital: false, trainExamples: 512, testExamples: 256 });
    expect(summary.testAccuracy).toHaveLength(1);
    expect(summary.testAccuracy[0]).toBeGreaterThanOrEqual(0);
    expect(summary.testAccuracy[0]).toBeLessThanOrEqual(1);
    for (const key of ['testLoss', 'trainLoss', 'secondsPerEpoch'] as const) expect(summary[key]).toHaveLength(1);
    expect(summary.wallSeconds).toBeGreaterThan(0);
    expect(summary.layers.map((l) => [l.name, l.kind])).toEqual([['fc1', 'analog'], ['fc2', 'analog'], ['fc3', 'analog']]);
    expect(summary.layers[0]!.tiles).toEqual({ rows: 64, cols: 64, grid: [13, 4] });
    expect(Object.keys(summary.activity).sort()).toEqual(['fc1', 'fc2', 'fc3']);
    expect(summary.activity.fc1!.forward.tileReads).toBeGreaterThan(0);
    expect(summary.activity.fc1!.update.updatePulses).toBeGreaterThan(0);

    const summaryB = readJson<RunSummary>(join(tmp, 'b', 'summary.json'));
    expect(simulated(summaryB)).toEqual(simulated(summary));
    expect(readFileSync(join(tmp, 'b', 'spec.resolved.json'), 'utf8')).toBe(readFileSync(join(dir, 'spec.resolved.json'), 'utf8'));

    const summaryC = readJson<RunSummary>(join(tmp, 'c', 'summary.json'));
    expect(summaryC.trainLoss[0]).not.toBe(summary.trainLoss[0]);
    expect(simulated({ ...summaryC, seed: 7 })).not.toEqual(simulated(summary));
  });

  it('--digital trains the same model without crossbars', async () => {
    const tmp = tempDir('digital');
    const r = await train(join(tmp, 'run'), '--digital');
    expect(r.stdout).toMatch(/^epoch 1\/1 /);
    const summary = readJson<RunSummary>(join(tmp, 'run', 'summary.json'));
    expect(summary.digital).toBe(true);
    expect(summary.layers.every((l) => l.kind === 'digital')).toBe(true);
    expect(summary.activity).toEqual({});
    expect(readJson<Record<string, unknown>>(join(tmp, 'run', 'spec.resolved.json'))).not.toHaveProperty('crossbar');
  });

  it('writes to runs/<name>-<timestamp> by default and refuses a non-empty --out', async () => {
    const cwd = tempDir('default-dir');
    const r = await txsim(['train', EXAMPLE, ...SMALL, '--digital', '--train-limit', '64', '--test-limit', '64'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    const [dir] = readdirSync(join(cwd, 'runs'));
    expect(dir).toMatch(/^mlp-mnist-txsim-digital-\d{8}-\d{6}$/);
    expect(r.stdout.trimEnd().split('\n').at(-1)).toBe(join('runs', dir!));

    const again = await txsim(['train', EXAMPLE, ...SMALL, '--out', join(cwd, 'runs', dir!)], { cwd });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already exists and is not empty');
    expect(existsSync(join(cwd, 'runs', dir!, 'summary.json'))).toBe(true);
  });
});
