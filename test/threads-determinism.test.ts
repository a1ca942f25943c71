import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { requireBuild, ROOT } from './cli.js';

// Element-wise kernels and GEMMs run on every thread allowed (TXSIM_THREADS), cut into chunks that depend on
// the array sizes alone, the write noise drawn from stream positions fixed by the chunk. A short training run
// of the TxSim example's stack must give the same losses and conductances, bit for bit, on 1 and 2 threads.
function train(threads: number): { losses: number[]; conductances: string; workerChunks: number } {
  const r = spawnSync(process.execPath, [join(ROOT, 'test/fixtures/train-steps.mjs'), '4'], {
    cwd: ROOT, env: { ...process.env, TXSIM_THREADS: String(threads) }, encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`train-steps.mjs failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

describe('training does not depend on the thread count', () => {
  it('TxSim example stack, 4 steps: same losses and conductances on 1 and 2 threads', () => {
    requireBuild();
    const one = train(1);
    const two = train(2);
    expect(one.workerChunks).toBe(0);
    expect(two.losses).toEqual(one.losses);
    expect(two.conductances).toBe(one.conductances);
    expect(two.workerChunks).toBeGreaterThan(0);
    expect(new Set(one.losses).size).toBe(4);
  }, 60_000);
});
