import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Checkpoint, RunSummary } from '@txsim/experiment';
import { beforeAll, describe, expect, it } from 'vitest';
import { BIN, ROOT, requireBuild, tempDir, txsim, readJson, simulated } from './cli.js';

const EXAMPLE = join(ROOT, 'examples/mlp-mnist-txsim.yaml');
const RUN = ['--epochs', '3', '--train-limit', '640', '--test-limit', '200', '--no-progress'];

function checkpointEpoch(dir: string): number {
  try {
    return readJson<Checkpoint>(join(dir, 'checkpoint.json')).epoch;
  } catch {
    return -1; // not written yet
  }
}

/**
 * Starts `txsim train` and, once the checkpoint of epoch 1 is on disk (so epoch 2 is running), sends
 * `signal`; resolves to the exit code and stderr.
 */
function trainAndSignal(dir: string, signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'train', EXAMPLE, ...RUN, '--out', dir], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const poll = setInterval(() => {
      if (checkpointEpoch(dir) >= 1) {
        clearInterval(poll);
        child.kill(signal);
      }
    }, 5);
    child.on('error', reject);
    child.on('close', (code, sig) => {
      clearInterval(poll);
      resolve({ code, signal: sig, stderr });
    });
  });
}

describe('txsim train checkpoints and --resume', () => {
  beforeAll(requireBuild);

  it('resumes after SIGKILL and after Ctrl-C to the summary of an uninterrupted run', async () => {
    const tmp = tempDir('resume');
    const full = join(tmp, 'full');
    const killed = join(tmp, 'killed');
    const interrupted = join(tmp, 'interrupted');
    const [done, kill, int] = await Promise.all([
      txsim(['train', EXAMPLE, ...RUN, '--out', full]),
      trainAndSignal(killed, 'SIGKILL'),
      trainAndSignal(interrupted, 'SIGINT'),
    ]);
    expect(done.code, done.stderr).toBe(0);
    expect(readdirSync(full).sort()).toEqual([
      'calibration.json', 'checkpoint-3.bin', 'checkpoint.json', 'conductances-start.json', 'conductances.json', 'environment.json',
      'metrics.jsonl', 'read-error.json', 'spec.resolved.json', 'summary.json',
    ]);
    expect(readJson<Record<string, unknown>>(join(full, 'environment.json'))).toMatchObject({ node: process.version, platform: `${process.platform}-${process.arch}`, seed: 1 });
    const reference = readJson<RunSummary>(join(full, 'summary.json'));
    expect(reference).toMatchObject({ status: 'completed', epochs: 3 });
    expect(reference.testAccuracy).toHaveLength(3);

    expect(kill.signal).toBe('SIGKILL');
    expect(existsSync(join(killed, 'summary.json'))).toBe(false);
    expect(int.code, int.stderr).toBe(130);
    expect(int.stderr).toContain(`resume with: txsim train --resume ${interrupted}`);
    expect(checkpointEpoch(interrupted)).toBeGreaterThanOrEqual(1);
    expect(existsSync(join(interrupted, 'summary.json'))).toBe(false);

    for (const dir of [killed, interrupted]) {
      const from = checkpointEpoch(dir);
      expect(from).toBeGreaterThanOrEqual(1);
      expect(from).toBeLessThan(3);
      const r = await txsim(['train', '--resume', dir, '--no-progress']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain(`resuming ${dir} after epoch ${from}/3`);
      expect(r.stdout.trimEnd().split('\n').at(-1)).toBe(dir);
      expect(simulated(readJson<RunSummary>(join(dir, 'summary.json')))).toEqual(simulated(reference));
      expect(readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l).epoch)).toEqual([1, 2, 3]);
      expect(readJson<{ resumes: unknown[] }>(join(dir, 'environment.json')).resumes).toHaveLength(1);
      expect(readdirSync(dir).filter((f) => f.endsWith('.bin'))).toEqual(['checkpoint-3.bin']);
      // The end-of-run diagnostics see the same conductances and read error as the uninterrupted run.
      for (const file of ['conductances.json', 'read-error.json']) expect(readJson(join(dir, file))).toEqual(readJson(join(full, file)));
    }
  });

  it('refuses --resume with a spec or overrides, and a directory that holds no run', async () => {
    const tmp = tempDir('resume-bad');
    const withSpec = await txsim(['train', EXAMPLE, '--resume', tmp]);
    expect(withSpec.code).toBe(1);
    expect(withSpec.stderr).toContain('--resume continues a run exactly as it was started; it takes no spec');
    const empty = await txsim(['train', '--resume', tmp]);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toContain(`${tmp} has no spec.resolved.json; only a run directory written by txsim train can be resumed`);
  });
});

describe('a diverging run', () => {
  beforeAll(requireBuild);

  it('stops with a clear message, non-zero exit, and keeps what it wrote', async () => {
    const tmp = tempDir('diverge');
    const spec = join(tmp, 'diverge.yaml');
    // A learning rate this large blows the outputs up within a few steps.
    writeFileSync(spec, 'model: { hidden: [32] }\ntraining: { epochs: 2, learningRate: 1.0e+38 }\n');
    const dir = join(tmp, 'run');
    const r = await txsim(['train', spec, '--train-limit', '256', '--test-limit', '64', '--no-progress', '--out', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/training diverged: loss is \S+ at epoch 1, batch \d+/);
    expect(r.stderr).toContain('summary.json (status "diverged")');
    expect(readJson<RunSummary>(join(dir, 'summary.json'))).toMatchObject({ status: 'diverged', divergence: expect.stringMatching(/^training diverged: loss is/) });
    expect(existsSync(join(dir, 'checkpoint.json'))).toBe(true);
    expect(existsSync(join(dir, 'spec.resolved.json'))).toBe(true);
  });

  it('stops a crossbar run whose loss explodes while staying finite (lr 1e6), naming the step and the layer', async () => {
    const tmp = tempDir('explode');
    const spec = join(tmp, 'explode.yaml');
    writeFileSync(spec, 'preset: txsim-agsi-reram\nmodel: { hidden: [16] }\ntraining: { epochs: 2, learningRate: 1.0e+6 }\n'
      + 'data: { dataset: synthetic, shape: [1, 8, 8], classes: 3, trainSize: 256, testSize: 64 }\n');
    const r = await txsim(['train', spec, '--no-progress', '--out', join(tmp, 'run')]);
    expect(r.code).toBe(1);
    // Finite, but far over 100 × ln 3 ≈ 110: before this check the run "completed" at chance accuracy.
    const m = /training diverged: loss is (\S+) at epoch 1, batch (\d+), over 110 \(100 × ln 3/.exec(r.stderr);
    expect(m, r.stderr).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThan(110);
    expect(r.stderr).toMatch(/the largest \|value\| is \S+ in (fc1|fc2)\.(bias|plus|minus)/);
  });
});
