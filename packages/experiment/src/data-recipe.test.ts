import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DATA_TRANSFORMS_FILE, type DataTransformsRecord } from './data-record.js';
import { resumeExperiment, runExperiment } from './run.js';

/** 6×6 synthetic images cropped to 4×4 and standardised, 40 draws with replacement per epoch: milliseconds a run. */
const spec = {
  name: 'recipe',
  seed: 3,
  data: {
    dataset: 'synthetic', shape: [1, 6, 6], classes: 3, trainSize: 30, testSize: 12,
    transforms: [{ name: 'crop', top: 1, left: 1, height: 4, width: 4 }, { name: 'standardize', targetStd: 0.5 }],
  },
  model: { hidden: [8], activation: 'sigmoid' },
  training: { epochs: 3, batchSize: 16, learningRate: 0.5, sampler: { name: 'with-replacement', samples: 40 } },
  crossbar: { tile: { rows: 8, cols: 8 }, device: 'ideal' },
};

const tmp = () => mkdtempSync(join(tmpdir(), 'txsim-recipe-'));

async function runToEpoch1(): Promise<string> {
  const dir = join(tmp(), 'run');
  const stop = new AbortController();
  const r = await runExperiment(spec, { outDir: dir, signal: stop.signal, reporters: [{ onEpochEnd: () => stop.abort() }] });
  expect(r.status).toBe('interrupted');
  return dir;
}

describe('a run with a sampler and input transforms', () => {
  it('records the training statistics and resumes to the uninterrupted result', async () => {
    const lines: string[] = [];
    const full = await runExperiment(spec, { outDir: join(tmp(), 'full'), log: (l) => lines.push(l) });
    expect(full.status).toBe('completed');
    // The crop is planned into the first layer: 16 inputs.
    expect(full.summary!.layers[0]).toMatchObject({ name: 'fc1', inputs: 16 });
    const record = JSON.parse(readFileSync(join(full.dir, DATA_TRANSFORMS_FILE), 'utf8')) as DataTransformsRecord;
    expect(record.transforms[1]).toMatchObject({ name: 'standardize', targetStd: 0.5, measured: ['mean', 'std'] });
    expect(full.summary!.dataTransforms).toEqual(record.transforms);
    expect(lines.some((l) => /^data\.transforms\[1\] standardize: mean .* measured on the training set/.test(l))).toBe(true);

    const dir = await runToEpoch1();
    const resumed = await resumeExperiment(dir);
    expect(resumed.status).toBe('completed');
    expect(resumed.history.map((m) => m.testLoss)).toEqual(full.history.map((m) => m.testLoss));
    expect(resumed.history.map((m) => m.trainLoss)).toEqual(full.history.map((m) => m.trainLoss));
  });

  it('a resumed run uses the recorded statistics, not new measurements', async () => {
    const dir = await runToEpoch1();
    const file = join(dir, DATA_TRANSFORMS_FILE);
    const record = JSON.parse(readFileSync(file, 'utf8')) as { transforms: Array<Record<string, unknown>> };
    // As if the data had changed since the run started: the resumed epochs must see the recorded inputs.
    record.transforms[1]!.mean = (record.transforms[1]!.mean as number) + 0.5;
    writeFileSync(file, JSON.stringify(record));
    const tampered = await resumeExperiment(dir);
    const full = await runExperiment(spec, { outDir: join(tmp(), 'full') });
    expect(tampered.history[0]!.testLoss).toBe(full.history[0]!.testLoss);
    expect(tampered.history[2]!.testLoss).not.toBe(full.history[2]!.testLoss);
    expect(tampered.summary!.dataTransforms![1]).toMatchObject({ mean: record.transforms[1]!.mean });
  });
});
