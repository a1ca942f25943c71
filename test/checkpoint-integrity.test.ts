import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunSummary } from '@txsim/experiment';
import { beforeAll, describe, expect, it } from 'vitest';
import { BIN, ROOT, readJson, requireBuild, simulated, tempDir, txsim } from './cli.js';

/** A run of a few seconds at most: 4 epochs of 32 batches on synthetic data. */
const SPEC = `
name: kill-test
seed: 5
data: { dataset: synthetic, shape: [1, 8, 8], classes: 4, trainSize: 512, testSize: 64 }
model: { hidden: [32], activation: sigmoid }
training: { epochs: 4, batchSize: 16, learningRate: 0.5 }
crossbar:
  tile: { rows: 16, cols: 16 }
  device: ideal
`;

function writeSpec(dir: string, text = SPEC): string {
  const file = join(dir, 'spec.yaml');
  writeFileSync(file, text);
  return file;
}

/** What a killed run directory held when the kill landed, for the test's own account of coverage. */
function stage(dir: string): string {
  if (existsSync(join(dir, 'summary.json'))) return 'finished';
  try {
    return `epoch ${readJson<{ epoch: number }>(join(dir, 'checkpoint.json')).epoch}`;
  } catch {
    return 'no checkpoint';
  }
}

interface Killed {
  readonly stage: string;
  readonly signal: NodeJS.Signals | null;
}

/**
 * Starts `txsim train`, waits until the run directory exists, then SIGKILLs it `delay` ms later;
 * polling (not a fixed time from the start) makes every moment fall after the directory appeared.
 */
function trainAndKill(args: readonly string[], dir: string, delay: number): Promise<Killed> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: 'ignore' });
    let at = 'not killed';
    let timer: NodeJS.Timeout | undefined;
    const poll = setInterval(() => {
      if (!existsSync(dir)) return;
      clearInterval(poll);
      timer = setTimeout(() => {
        at = stage(dir);
        child.kill('SIGKILL');
      }, delay);
    }, 1);
    child.on('error', reject);
    child.on('close', (_code, signal) => {
      clearInterval(poll);
      clearTimeout(timer);
      resolve({ stage: signal === 'SIGKILL' ? at : 'finished', signal });
    });
  });
}

const flipBit = (file: string, byte: number, bit: number) => {
  const data = readFileSync(file);
  data[byte] = data[byte]! ^ (1 << bit);
  writeFileSync(file, data);
};

describe('run directories survive kill -9, corruption and concurrent resumes', () => {
  beforeAll(requireBuild);

  it('resumes to the uninterrupted result after kill -9 at 24 moments from directory creation on', async () => {
    const tmp = tempDir('kill');
    const spec = writeSpec(tmp);
    const full = join(tmp, 'full');
    // The reference run also measures how long a run lives after its directory appears, to spread the kills over.
    let appeared = 0;
    const poll = setInterval(() => {
      if (!appeared && existsSync(full)) appeared = performance.now();
    }, 1);
    const done = await txsim(['train', spec, '--no-progress', '--out', full]);
    clearInterval(poll);
    const span = Math.max(50, performance.now() - appeared);
    expect(done.code, done.stderr).toBe(0);
    const reference = readJson<RunSummary>(join(full, 'summary.json'));

    const moments = 24;
    const stages: string[] = [];
    // Two at a time (two cores); each moment a fixed fraction of the span, so the set covers it evenly.
    for (let k = 0; k < moments; k += 2) {
      await Promise.all([k, k + 1].map(async (i) => {
        const dir = join(tmp, `cut-${i}`);
        // The span was measured on one run; a loaded machine runs others faster or slower. A run that
        // finished before its kill is tried again with half the delay, so the moments stay spread over
        // the run's life however fast this one goes (a finished run still checks resume of a whole run).
        let delay = ((i + 0.5) / moments) * span;
        let killed = await trainAndKill(['train', spec, '--no-progress', '--out', dir], dir, delay);
        for (let retry = 0; killed.stage === 'finished' && retry < 4; retry++) {
          rmSync(dir, { recursive: true, force: true });
          delay /= 2;
          killed = await trainAndKill(['train', spec, '--no-progress', '--out', dir], dir, delay);
        }
        stages.push(killed.stage);
        const r = await txsim(['train', '--resume', dir, '--no-progress']);
        expect(r.code, `moment ${i} (${killed.stage}): ${r.stderr}`).toBe(0);
        expect(simulated(readJson<RunSummary>(join(dir, 'summary.json'))), `moment ${i}`).toEqual(simulated(reference));
        expect(readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trimEnd().split('\n').map((l) => (JSON.parse(l) as { epoch: number }).epoch)).toEqual([1, 2, 3, 4]);
        for (const file of ['conductances.json', 'read-error.json']) expect(readJson(join(dir, file)), `moment ${i}: ${file}`).toEqual(readJson(join(full, file)));
        // Nothing of the killed process is left: no temporary files, no lock, one payload.
        expect(readdirSync(dir).filter((f) => f.startsWith('.') || f.endsWith('.bin')), `moment ${i}`).toEqual(['checkpoint-4.bin']);
      }));
    }
    // The kills must have landed before the first checkpoint and between checkpoints, not only after the end.
    const counts = Object.fromEntries([...new Set(stages)].map((s) => [s, stages.filter((x) => x === s).length]));
    console.log(`kill -9 moments by what the directory held: ${JSON.stringify(counts)}`);
    expect(stages.filter((s) => s !== 'finished').length, JSON.stringify(counts)).toBeGreaterThanOrEqual(moments / 2);
    expect(new Set(stages.filter((s) => s !== 'finished')).size, JSON.stringify(counts)).toBeGreaterThanOrEqual(2);
  });

  it('refuses a bit flip in checkpoint.json, the payload or spec.resolved.json, naming the file', async () => {
    const tmp = tempDir('flip');
    const spec = writeSpec(tmp, SPEC.replace('epochs: 4', 'epochs: 1'));
    const dir = join(tmp, 'run');
    expect((await txsim(['train', spec, '--no-progress', '--out', dir])).code).toBe(0);
    for (const name of ['checkpoint.json', 'checkpoint-1.bin', 'spec.resolved.json']) {
      const file = join(dir, name);
      const original = readFileSync(file);
      flipBit(file, original.length >> 1, 3);
      const r = await txsim(['train', '--resume', dir, '--no-progress']);
      expect(r.code, name).not.toBe(0);
      expect(r.stderr, name).toContain(file);
      expect(r.stderr, name).toContain('refusing to resume');
      writeFileSync(file, original);
    }
    expect((await txsim(['train', '--resume', dir, '--no-progress'])).code).toBe(0);
  });

  it('lets one of two concurrent resumes of a directory run; the other exits 1 naming the directory and the holder', async () => {
    const tmp = tempDir('concurrent');
    const spec = writeSpec(tmp);
    const dir = join(tmp, 'run');
    await trainAndKill(['train', spec, '--no-progress', '--out', dir], dir, 0);
    const first = spawn(process.execPath, [BIN, 'train', '--resume', dir, '--no-progress'], { cwd: ROOT, stdio: 'ignore' });
    const firstExit = new Promise<number | null>((resolve) => first.on('close', resolve));
    // Once the first holds the lock it is stopped (SIGSTOP), so it cannot finish before the second tries.
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        // The killed run may have left its own record: wait for the one naming the first resume.
        let holder: number | undefined;
        try {
          holder = readJson<{ pid: number }>(join(dir, '.lock-holder.json')).pid;
        } catch {
          // not written yet
        }
        if (holder === first.pid) {
          clearInterval(poll);
          first.kill('SIGSTOP');
          resolve();
        }
      }, 1);
    });
    const second = await txsim(['train', '--resume', dir, '--no-progress']);
    first.kill('SIGCONT');
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`${dir} is in use by process ${first.pid}`);
    expect(await firstExit).toBe(0);
    expect(readJson<RunSummary>(join(dir, 'summary.json')).status).toBe('completed');
    expect(existsSync(join(dir, '.lock'))).toBe(false);
  });
});
