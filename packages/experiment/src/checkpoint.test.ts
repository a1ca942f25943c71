import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { CHECKPOINT_FILE, checkpointText, readCheckpoint, type Checkpoint } from './checkpoint.js';
import { resumeExperiment, runExperiment } from './run.js';

// A switch that makes writes of checkpoint payloads fail as on a full disk, for the ENOSPC message.
const disk = vi.hoisted(() => ({ full: false, fds: new Map<number, string>() }));
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const openSync = ((path: string, ...rest: unknown[]) => {
    const fd = (fs.openSync as (...a: unknown[]) => number)(path, ...rest);
    disk.fds.set(fd, String(path));
    return fd;
  }) as typeof fs.openSync;
  const writeSync = ((fd: number, ...rest: unknown[]) => {
    if (disk.full && /checkpoint-\d+\.bin/.test(disk.fds.get(fd) ?? '')) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    return (fs.writeSync as (...a: unknown[]) => number)(fd, ...rest);
  }) as typeof fs.writeSync;
  return { ...fs, default: { ...fs, openSync, writeSync }, openSync, writeSync };
});

/** 16 → 8 → 3 on 8×8 tiles, 2 batches per epoch: a run takes milliseconds. */
const spec = (seed: number) => ({
  name: 'tiny',
  seed,
  data: { dataset: 'synthetic', shape: [1, 4, 4], classes: 3, trainSize: 32, testSize: 16 },
  model: { hidden: [8], activation: 'sigmoid' },
  training: { epochs: 2, batchSize: 16, learningRate: 0.5 },
  crossbar: { tile: { rows: 8, cols: 8 }, device: 'ideal' },
});

const tmp = () => mkdtempSync(join(tmpdir(), 'txsim-checkpoint-'));

/** A finished run's directory, cut back to its checkpoint after epoch 1 (as an interrupted run leaves it). */
async function runToEpoch1(seed = 1): Promise<string> {
  const dir = join(tmp(), 'run');
  const stop = new AbortController();
  const result = await runExperiment(spec(seed), { outDir: dir, signal: stop.signal, reporters: [{ onEpochEnd: () => stop.abort() }] });
  expect(result.status).toBe('interrupted');
  expect(readCheckpoint(dir).epoch).toBe(1);
  return dir;
}

const flipBit = (file: string, byte: number, bit: number) => {
  const data = readFileSync(file);
  data[byte] = data[byte]! ^ (1 << bit);
  writeFileSync(file, data);
};

/** Rewrites checkpoint.json with `change` applied and a valid checksum, as a buggy or hostile writer would. */
const rewrite = (dir: string, change: (c: Record<string, unknown>) => Record<string, unknown>) => {
  const c = readCheckpoint(dir) as unknown as Record<string, unknown>;
  writeFileSync(join(dir, CHECKPOINT_FILE), checkpointText(change({ ...c }) as unknown as Checkpoint));
};

const refusal = async (dir: string) => {
  const e = await resumeExperiment(dir).then(() => undefined, (err: unknown) => err as Error);
  expect(e, 'resume should have been refused').toBeInstanceOf(Error);
  // A refused resume leaves the directory unlocked and its checkpoint as it was.
  expect(existsSync(join(dir, '.lock'))).toBe(false);
  return e!.message;
};

describe('checkpoints', () => {
  it('carry a checksum, the run identity and the array table, and resume to the uninterrupted result', async () => {
    const dir = await runToEpoch1();
    const text = readFileSync(join(dir, CHECKPOINT_FILE), 'utf8');
    expect(text).toMatch(/^\{"checksum":"[0-9a-f]{64}","version":2,"epoch":1,/);
    const c = readCheckpoint(dir);
    expect(c.identity).toMatchObject({ seed: 1, packs: [], specSha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(c.arrays.length).toBeGreaterThan(0);
    const resumed = await resumeExperiment(dir);
    const full = await runExperiment(spec(1), { outDir: join(tmp(), 'full') });
    expect(resumed.status).toBe('completed');
    expect(resumed.history.map((m) => m.testLoss)).toEqual(full.history.map((m) => m.testLoss));
  });

  it.each([
    ['checkpoint.json', CHECKPOINT_FILE],
    ['the payload', 'checkpoint-1.bin'],
    ['spec.resolved.json', 'spec.resolved.json'],
  ])('refuses a bit flipped anywhere in %s, naming the file', async (_what, name) => {
    const dir = await runToEpoch1();
    const file = join(dir, name);
    const original = readFileSync(file);
    // Spread over the file: its start, middle, end, and a few positions between.
    const positions = [0, 1, original.length >> 2, original.length >> 1, (3 * original.length) >> 2, original.length - 2, original.length - 1];
    for (const [i, byte] of positions.entries()) {
      writeFileSync(file, original);
      flipBit(file, byte, i % 8);
      expect(await refusal(dir), `byte ${byte}`).toContain(name);
    }
    writeFileSync(file, original);
    expect((await resumeExperiment(dir)).status).toBe('completed');
  });

  it('refuses a checkpoint of another seed or spec', async () => {
    const dir = await runToEpoch1(1);
    const other = await runToEpoch1(2);
    for (const f of [CHECKPOINT_FILE, 'checkpoint-1.bin']) copyFileSync(join(other, f), join(dir, f));
    const message = await refusal(dir);
    expect(message).toContain(`${join(dir, CHECKPOINT_FILE)} does not belong to this run directory`);
    expect(message).toContain('spec.resolved.json has sha256');
    expect(message).toContain('seed 1 in the spec, 2 in the checkpoint');
  });

  it.each([
    ['no arrays', (c: Record<string, unknown>) => ({ ...c, arrays: [] }), 'lists no arrays'],
    ['a negative epoch', (c: Record<string, unknown>) => ({ ...c, epoch: -5 }), 'epoch -5 is not an integer ≥ 0'],
    ['a fractional epoch', (c: Record<string, unknown>) => ({ ...c, epoch: 0.5 }), 'epoch 0.5 is not an integer'],
    ['an epoch past the run', (c: Record<string, unknown>) => ({ ...c, epoch: 3, history: [1, 2, 3].map((epoch) => ({ epoch })), payload: 'checkpoint-3.bin' }), 'epoch 3 is past the run\'s 2 epochs'],
    ['a history of another length', (c: Record<string, unknown>) => ({ ...c, history: [] }), 'history holds 0 epochs, not 1'],
    ['a payload outside the directory', (c: Record<string, unknown>) => ({ ...c, payload: '../../../../etc/passwd' }), 'payload "../../../../etc/passwd" is not checkpoint-1.bin'],
    ['a payload of another epoch', (c: Record<string, unknown>) => ({ ...c, payload: 'checkpoint-0.bin' }), 'is not checkpoint-1.bin'],
    ['a missing array', (c: Record<string, unknown>) => ({ ...c, arrays: (c.arrays as unknown[]).slice(1) }), 'is missing'],
    ['an extra array', (c: Record<string, unknown>) => ({ ...c, arrays: [...(c.arrays as object[]), { layer: 'fc9', key: 'weights', type: 'float32', byteOffset: 0, length: 1 }] }), 'fc9.weights is not an array of this network'],
    ['an array of another length', (c: Record<string, unknown>) => ({ ...c, arrays: (c.arrays as { length: number }[]).map((a, i) => (i === 0 ? { ...a, length: a.length - 1 } : a)) }), 'the network\'s is'],
    ['an array past the payload', (c: Record<string, unknown>) => ({ ...c, arrays: (c.arrays as { byteOffset: number }[]).map((a, i) => (i === 0 ? { ...a, byteOffset: 1 << 20 } : a)) }), 'arrays[0] is not an array'],
    ['another txsim version', (c: Record<string, unknown>) => ({ ...c, identity: { ...(c.identity as object), txsim: '0.0.1' } }), 'written by txsim 0.0.1'],
    ['other plugin packs', (c: Record<string, unknown>) => ({ ...c, identity: { ...(c.identity as object), packs: [{ name: 'x', version: '1', hash: null }] } }), 'environment.json records plugin packs none, the checkpoint x@1'],
  ])('refuses a checksummed checkpoint with %s', async (_what, change, expected) => {
    const dir = await runToEpoch1();
    rewrite(dir, change);
    const message = await refusal(dir);
    expect(message).toContain(expected);
    expect(message).toContain(dir);
  });

  it('refuses a version 1 checkpoint and says how to start again', async () => {
    const dir = await runToEpoch1();
    const c = readCheckpoint(dir);
    writeFileSync(join(dir, CHECKPOINT_FILE), JSON.stringify({ ...c, version: 1 }));
    expect(await refusal(dir)).toMatch(/version 1 checkpoint.*Start the run again: txsim train .*spec\.resolved\.json --out/s);
  });

  it('refuses when environment.json and the checkpoint disagree on the packs, or the spec changed before the first checkpoint', async () => {
    const dir = await runToEpoch1();
    const env = JSON.parse(readFileSync(join(dir, 'environment.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(dir, 'environment.json'), JSON.stringify({ ...env, packs: [{ name: 'x', version: '1', path: null, hash: null }] }));
    expect(await refusal(dir)).toContain('x@1');
    writeFileSync(join(dir, 'environment.json'), JSON.stringify(env));
    rmSync(join(dir, CHECKPOINT_FILE));
    writeFileSync(join(dir, 'spec.resolved.json'), readFileSync(join(dir, 'spec.resolved.json'), 'utf8').replace('"seed": 1', '"seed": 7'));
    expect(await refusal(dir)).toContain('spec.resolved.json changed since the run started');
  });

  it('resumes a directory cut off before its first checkpoint from epoch 0, to the uninterrupted result', async () => {
    const dir = await runToEpoch1();
    for (const f of readdirSync(dir)) if (f !== 'spec.resolved.json' && f !== 'environment.json') rmSync(join(dir, f));
    const resumed = await resumeExperiment(dir);
    const full = await runExperiment(spec(1), { outDir: join(tmp(), 'full') });
    expect(resumed.status).toBe('completed');
    expect(resumed.history.map((m) => m.testLoss)).toEqual(full.history.map((m) => m.testLoss));
  });

  it('removes temporary files of dead writers on resume and keeps none of its own', async () => {
    const dir = await runToEpoch1();
    // pid 2^22 + 1 is above Linux's pid_max limit, so no process has it.
    const stale = ['.checkpoint-2.bin.4194305.1.tmp', '.checkpoint.json.4194305.7.tmp'];
    for (const f of stale) writeFileSync(join(dir, f), 'partial');
    const lines: string[] = [];
    expect((await resumeExperiment(dir, { log: (l) => lines.push(l) })).status).toBe('completed');
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(lines.join('\n')).toContain('removed 2 temporary files');
  });

  it('removes the previous payload a kill left between the new checkpoint and the old one\'s removal', async () => {
    const dir = await runToEpoch1();
    const first = readFileSync(join(dir, 'checkpoint-1.bin'));
    expect((await resumeExperiment(dir)).status).toBe('completed');
    // The last checkpoint is in place, the previous payload not yet removed and no summary written.
    rmSync(join(dir, 'summary.json'));
    writeFileSync(join(dir, 'checkpoint-1.bin'), first);
    const lines: string[] = [];
    expect((await resumeExperiment(dir, { log: (l) => lines.push(l) })).status).toBe('completed');
    expect(readdirSync(dir).filter((f) => f.endsWith('.bin'))).toEqual(['checkpoint-2.bin']);
    expect(lines.join('\n')).toContain('removed the previous checkpoint payload an interrupted write left: checkpoint-1.bin');
  });

  it('says which file and how much space a checkpoint write needs when the disk is full', async () => {
    const dir = await runToEpoch1();
    const bytes = readCheckpoint(dir).payloadBytes;
    const before = readFileSync(join(dir, CHECKPOINT_FILE));
    disk.full = true;
    const e = await resumeExperiment(dir).then(() => undefined, (err: unknown) => err as Error).finally(() => (disk.full = false));
    expect(e?.message).toContain(join(dir, 'checkpoint-2.bin'));
    expect(e?.message).toContain('no space left on device');
    expect(e?.message).toContain(`writing one needs about ${((2 * bytes) / 2 ** 20).toFixed(1)} MiB free`);
    // The checkpoint on disk is still the whole one of epoch 1, and resumes.
    expect(readFileSync(join(dir, CHECKPOINT_FILE))).toEqual(before);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect((await resumeExperiment(dir)).status).toBe('completed');
  });
});
