import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COST_PHASES, SpecError } from '@txsim/core';
import { estimateEpochCost } from './cost.js';
import { openSpec } from './open-spec.js';
import { resumeExperiment, runExperiment } from './run.js';

/** 16 → 12 → 3 on 8 × 8 tiles (fc1 a 2 × 2 grid), bit-streamed inputs and 2 sliced cells per device, each sensed. */
const spec = {
  name: 'costed',
  seed: 3,
  data: { dataset: 'synthetic', shape: [1, 4, 4], classes: 3, trainSize: 48, testSize: 16 },
  model: { hidden: [12], activation: 'sigmoid' },
  training: { epochs: 2, batchSize: 16, learningRate: 0.5 },
  crossbar: {
    tile: { rows: 8, cols: 8 },
    device: { name: 'levels', params: { bits: 2, slices: 2, sliceAdc: true } },
    dac: { name: 'dac', params: { bits: 5, streamBits: 2 } },
    adc: { name: 'adc', params: { bits: 6 } },
  },
  cost: {},
};

describe('hardware cost of a run', () => {
  it('prices the counted activity per layer and phase, per epoch, and matches the estimate from the spec alone', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'txsim-cost-')), 'run');
    const result = await runExperiment(spec, { outDir: dir });
    const cost = result.summary!.cost!;
    expect(Object.keys(cost.layers)).toEqual(['fc1', 'fc2']);
    for (const l of Object.values(cost.layers)) for (const p of COST_PHASES) expect(Number.isFinite(l.phases[p].energyJ)).toBe(true);
    // The first layer has no backward read (no input gradient); the others do.
    expect(cost.layers.fc1!.phases.backward.energyJ).toBe(0);
    expect(cost.layers.fc2!.phases.backward.energyJ).toBeGreaterThan(0);
    expect(cost.areaM2).toBeCloseTo(cost.arrayAreaM2 + cost.peripheryAreaM2, 20);

    // metrics.jsonl: each epoch its own share; two equal epochs sum to the run's total.
    const epochs = readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { cost: { energyJ: number; phases: Record<string, { energyJ: number }> } });
    expect(epochs).toHaveLength(2);
    expect(epochs[0]!.cost.energyJ + epochs[1]!.cost.energyJ).toBeCloseTo(cost.energyJ, 15);
    expect(epochs[0]!.cost.phases.forward!.energyJ).toBeCloseTo(epochs[1]!.cost.phases.forward!.energyJ, 15);

    // The estimate of one epoch: reads are exact, so forward and backward agree to rounding; update events
    // assume every weight changes every mini-batch, an upper bound a dense synthetic run comes close to.
    const estimate = await estimateEpochCost({ ...spec, training: { ...spec.training, epochs: 1 } });
    for (const name of ['fc1', 'fc2']) {
      for (const p of ['forward', 'backward', 'weightGradient'] as const) {
        expect(estimate.layers[name]!.phases[p].energyJ, `${name} ${p}`).toBeCloseTo(cost.layers[name]!.phases[p].energyJ / 2, 15);
        expect(estimate.layers[name]!.phases[p].latencyS).toBeCloseTo(cost.layers[name]!.phases[p].latencyS / 2, 15);
      }
      const counted = cost.layers[name]!.phases.update.energyJ / 2;
      const estimated = estimate.layers[name]!.phases.update.energyJ;
      expect(counted).toBeLessThanOrEqual(estimated * (1 + 1e-12));
      expect(counted / estimated).toBeGreaterThan(0.9);
    }
    expect(estimate.areaM2).toBeCloseTo(cost.areaM2, 20);
  }, 20_000);

  it('a resumed run prices each epoch as an uninterrupted one does', async () => {
    const tiny = { ...spec, crossbar: { tile: { rows: 8, cols: 8 } } };
    const base = mkdtempSync(join(tmpdir(), 'txsim-cost-resume-'));
    const full = await runExperiment(tiny, { outDir: join(base, 'full') });
    const stop = new AbortController();
    await runExperiment(tiny, { outDir: join(base, 'cut'), signal: stop.signal, reporters: [{ onEpochEnd: () => stop.abort() }] });
    const resumed = await resumeExperiment(join(base, 'cut'));
    expect(resumed.summary!.cost).toEqual(full.summary!.cost);
    const perEpoch = (dir: string) => readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { cost: unknown }).cost);
    expect(perEpoch(join(base, 'cut'))).toEqual(perEpoch(join(base, 'full')));
  }, 20_000);

  it('rejects a wrong unit, an unknown field and a plugin of another component, each with its path', async () => {
    const bad = { ...spec, cost: { adc: { name: 'sar-adc', params: { cycle: '5 V', speed: 1 } }, dac: 'sar-adc' } };
    const error = await openSpec(bad).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(SpecError);
    const paths = (error as SpecError).issues.map((i) => i.path);
    expect(paths).toContain('cost.adc.params.cycle');
    expect(paths).toContain('cost.adc.params.speed');
    expect(paths).toContain('cost.dac.name');
    expect((error as SpecError).message).toMatch(/prices the adc component, not the dac/);
    // With a problem elsewhere in the spec, the cost section is still checked: every problem at once.
    const both = await openSpec({ ...bad, seed: 'x' }).then(() => undefined, (e: unknown) => e);
    expect((both as SpecError).issues.map((i) => i.path)).toEqual(expect.arrayContaining(['seed', 'cost.adc.params.cycle', 'cost.dac.name']));
    const unknown = await openSpec({ ...spec, cost: { buffers: {} } }).then(() => undefined, (e: unknown) => e);
    expect((unknown as SpecError).issues.map((i) => i.path)).toContain('cost.buffers');
  });

  it('needs the epoch size from the spec when the data set does not tell it', async () => {
    await expect(estimateEpochCost({ ...spec, data: { dataset: 'synthetic', shape: [1, 4, 4], classes: 3 } })).rejects.toThrow(/data\.trainLimit/);
  });
});
