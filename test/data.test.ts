import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { runExperiment, type CalibrationRecord, type Checkpoint } from '@txsim/experiment';
import { describe, expect, it } from 'vitest';
import { readJson, tempDir, txsimInProcess } from './cli.js';

/** 64 → 16 → 4 on 8×8 tiles: fc1 is a 8×2 grid of tiles, fc2 a 2×1 grid; 3 batches of 32 per epoch. */
const SYNTHETIC = `
name: synthetic-calibrated
seed: 3
data: { dataset: synthetic, shape: [1, 8, 8], classes: 4, trainSize: 96, testSize: 64 }
model: { hidden: [16], activation: sigmoid }
training: { epochs: 1, batchSize: 32, learningRate: 1 }
crossbar:
  tile: { rows: 8, cols: 8 }
  device: ideal
  mapping: { calibrate: { batches: 3, headroom: 2 } }
  adc: { name: adc, params: { bits: 8 } }
`;

function writeSpec(dir: string, text: string, name = 'spec.yaml'): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

/** max|W| of each layer's weights in a run directory's checkpoint (a digital run keeps them as float32). */
function checkpointMaxAbs(dir: string): Record<string, number> {
  const cp = readJson<Checkpoint>(join(dir, 'checkpoint.json'));
  const bytes = readFileSync(join(dir, cp.payload));
  const out: Record<string, number> = {};
  for (const e of cp.arrays.filter((a) => a.key === 'weights')) {
    let max = 0;
    for (let k = 0; k < e.length; k++) max = Math.max(max, Math.abs(bytes.readFloatLE(e.byteOffset + 4 * k)));
    out[e.layer] = max;
  }
  return out;
}

describe('data sets and calibration records', () => {
  it('trains on synthetic data and records native-run weight scales and ADC full scales in calibration.json', async () => {
    const tmp = tempDir('data-synthetic');
    const spec = writeSpec(tmp, SYNTHETIC);
    const [analog, digital] = await Promise.all([
      txsimInProcess(['train', spec, '--no-progress', '--out', join(tmp, 'analog')]),
      txsimInProcess(['train', spec, '--digital', '--no-progress', '--out', join(tmp, 'digital')]),
    ]);
    expect(analog.code, analog.stderr).toBe(0);
    expect(digital.code, digital.stderr).toBe(0);
    expect(analog.stderr).toContain('synthetic-calibrated: 64-16-4 sigmoid MLP, 2/2 layers on crossbars, 96 training / 64 test examples');
    expect(analog.stderr).toMatch(/fc1: wMax \S+ = 2 × max\|W\| \S+ after 3 batches of a digital run/);
    expect(existsSync(join(tmp, 'digital', 'calibration.json'))).toBe(false);

    const record = readJson<CalibrationRecord>(join(tmp, 'analog', 'calibration.json'));
    expect(Object.keys(record.layers)).toEqual(['fc1', 'fc2']);
    // The native run is the first 3 batches of digital training with the same seed: one epoch of the --digital run.
    const digitalMax = checkpointMaxAbs(join(tmp, 'digital'));
    const { gmin, gmax } = readJson<{ crossbar: { device: { params: { gmin: number; gmax: number } } } }>(join(tmp, 'analog', 'spec.resolved.json')).crossbar.device.params;
    for (const layer of ['fc1', 'fc2']) {
      const m = record.layers[layer]!.mapping;
      expect(m).toMatchObject({ source: 'native-run', batches: 3, headroom: 2 });
      expect(m.nativeMaxAbs).toBe(digitalMax[layer]);
      expect(m.wMax).toBeCloseTo(2 * digitalMax[layer]!, 12);
      expect(m.siemensPerWeight).toBeCloseTo((gmax - gmin) / m.wMax, 18);
    }

    // ADC full scales per tile: forward reads are 3 training batches + 2 test batches per tile (under the
    // 10 calibration reads, so still counting); fc1, the first layer, is never read backward.
    const fc1 = record.layers.fc1!.adc;
    expect(fc1.forward.source).toBe('calibrated');
    expect(fc1.forward.fullScale).toHaveLength(8);
    for (const row of fc1.forward.fullScale!) {
      expect(row).toHaveLength(2);
      for (const v of row) expect(v).toBeGreaterThan(0);
    }
    expect(fc1.forward.reads).toEqual(new Array(8).fill([5, 5]));
    expect(fc1.backward.fullScale).toEqual(new Array(8).fill([null, null]));
    const fc2 = record.layers.fc2!.adc;
    expect(fc2.backward.reads).toEqual([[3], [3]]);
    for (const [v] of fc2.backward.fullScale!) expect(v).toBeGreaterThan(0);
  });

  it('reuses the recorded scales on --resume instead of recalibrating', async () => {
    const tmp = tempDir('data-resume');
    const spec = writeSpec(tmp, SYNTHETIC);
    const out = join(tmp, 'run');
    // A 2-epoch run stopped after its first epoch; then the recorded fc1 scale is changed: a resumed
    // run that recalibrated would come back to the measured value. (spec.resolved.json is checksummed
    // into the checkpoint, so the run cannot be lengthened by editing it.)
    const stop = new AbortController();
    const first = await runExperiment(spec, { outDir: out, overrides: { epochs: 2 }, signal: stop.signal, reporters: [{ onEpochEnd: () => stop.abort() }] });
    expect(first.status).toBe('interrupted');
    const calibrationFile = join(out, 'calibration.json');
    const before = readJson<CalibrationRecord>(calibrationFile);
    const tampered = before.layers.fc1!.mapping.wMax * 1.5;
    writeFileSync(calibrationFile, JSON.stringify({ ...before, layers: { ...before.layers, fc1: { ...before.layers.fc1, mapping: { ...before.layers.fc1!.mapping, wMax: tampered } } } }));

    const resumed = await txsimInProcess(['train', '--resume', out, '--no-progress']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).not.toContain('batches of a digital run');
    const after = readJson<CalibrationRecord>(calibrationFile);
    expect(after.layers.fc1!.mapping.wMax).toBe(tampered);
    expect(after.layers.fc1!.mapping.siemensPerWeight).toBeCloseTo(before.layers.fc1!.mapping.siemensPerWeight / 1.5, 18);
    expect(after.layers.fc2!.mapping).toEqual(before.layers.fc2!.mapping);
    expect(readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n')).toHaveLength(2);

    rmSync(calibrationFile);
    const lost = await txsimInProcess(['train', '--resume', out, '--no-progress']);
    expect(lost.code).toBe(1);
    expect(lost.stderr).toContain('calibration.json is missing or unreadable');
  });

  it('rejects an idx spec whose data.dir does not exist, before any run directory exists', async () => {
    const tmp = tempDir('data-missing');
    const spec = writeSpec(tmp, 'data: { dataset: idx, dir: fashion-mnist }\nmodel: { hidden: [8] }\n');
    const out = join(tmp, 'run');
    const train = await txsimInProcess(['train', spec, '--no-progress', '--out', out]);
    expect(train.code).toBe(2);
    expect(train.stderr).toContain(`  data.dir: directory ${join(tmp, 'fashion-mnist')} does not exist; for Fashion-MNIST: apt install dataset-fashion-mnist`);
    expect(existsSync(out)).toBe(false);
    const validate = await txsimInProcess(['validate', spec]);
    expect(validate.code).toBe(2);
    expect(validate.stderr).toContain('  data.dir: ');

    // The same spec validates once the files are there, relative to the spec file's folder.
    mkdirSync(join(tmp, 'fashion-mnist'));
    const idx = (dims: number[]) => {
      const header = Buffer.alloc(4 + 4 * dims.length);
      header.set([0, 0, 8, dims.length]);
      dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
      return gzipSync(Buffer.concat([header, Buffer.alloc(dims.reduce((a, b) => a * b, 1))]));
    };
    for (const [name, dims] of [['train-images-idx3-ubyte', [2, 28, 28]], ['train-labels-idx1-ubyte', [2]], ['t10k-images-idx3-ubyte', [1, 28, 28]], ['t10k-labels-idx1-ubyte', [1]]] as const) {
      writeFileSync(join(tmp, 'fashion-mnist', `${name}.gz`), idx([...dims]));
    }
    expect(await txsimInProcess(['validate', spec])).toEqual({ code: 0, stdout: 'ok\n', stderr: '' });
    const trained = await txsimInProcess(['train', spec, '--no-progress', '--out', out]);
    expect(trained.code, trained.stderr).toBe(0);
    expect(trained.stderr).toContain('784-8-10 sigmoid MLP, 0/2 layers on crossbars, 2 training / 1 test examples');
  });
});
