import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir, txsimInProcess } from './cli.js';

/** Close to MLP_NeuroSim V3's task (100 hidden, 8000 images per epoch, 128 × 128 arrays), on MNIST's 784 inputs: it crops to 20 × 20 = 400. */
const spec = (extra: string) => `name: neurosim-shape
data: { dataset: mnist, trainLimit: 8000, testLimit: 1000 }
model: { hidden: [100] }
training: { batchSize: 100 }
crossbar: { tile: { rows: 128, cols: 128 } }
${extra}
`;

describe('txsim cost', () => {
  it('prints one epoch per layer and phase, and the same as JSON', async () => {
    const dir = tempDir('txsim-cost-');
    const file = join(dir, 'spec.yaml');
    writeFileSync(file, spec('preset: neurosim-32nm'));
    const text = await txsimInProcess(['cost', file]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^layer\s+forward energy \/ latency/m);
    expect(text.stdout).toMatch(/^fc1 /m);
    expect(text.stdout).toMatch(/^total /m);
    expect(text.stdout).toContain('note: Estimate from the spec alone: one epoch of 8000 training and 1000 test examples, batch 100.');
    const json = await txsimInProcess(['cost', file, '--json']);
    const report = JSON.parse(json.stdout) as { layers: Record<string, { phases: Record<string, { energyJ: number }> }>; energyJ: number };
    expect(Object.keys(report.layers)).toEqual(['fc1', 'fc2']);
    expect(report.layers.fc1!.phases.backward!.energyJ).toBe(0);
    expect(report.energyJ).toBeGreaterThan(0);
  });

  it('exits 2 with the field path when the spec has no cost section or a bad cost parameter', async () => {
    const dir = tempDir('txsim-cost-');
    const none = join(dir, 'none.yaml');
    writeFileSync(none, spec(''));
    const a = await txsimInProcess(['cost', none]);
    expect(a.code).toBe(2);
    expect(a.stderr).toContain('cost: the spec has no cost section');
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, spec('cost: { arrayWrite: { name: array-write, params: { setPulseWidth: 3 V } } }'));
    const b = await txsimInProcess(['cost', bad]);
    expect(b.code).toBe(2);
    expect(b.stderr).toContain('cost.arrayWrite.params.setPulseWidth');
  });
});
