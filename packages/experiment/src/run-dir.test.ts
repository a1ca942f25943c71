import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkRunDir, defaultRunDir, RunDir, timestamp, writeFileAtomic } from './run-dir.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'txsim-run-'));

describe('run directories', () => {
  it('writes atomically and leaves no temporary files', () => {
    const dir = tmp();
    const file = join(dir, 'x.json');
    writeFileAtomic(file, 'one');
    writeFileAtomic(file, 'two');
    expect(readFileSync(file, 'utf8')).toBe('two');
    expect(readdirSync(dir)).toEqual(['x.json']);
  });

  it('names default directories runs/<name>-<YYYYMMDD-HHMMSS> and never reuses one', () => {
    const root = tmp();
    const when = new Date(2024, 0, 2, 3, 4, 5);
    expect(timestamp(when)).toBe('20240102-030405');
    const first = defaultRunDir('my run/1', when, root);
    expect(first).toBe(join(root, 'my_run_1-20240102-030405'));
    mkdirSync(first);
    expect(defaultRunDir('my run/1', when, root)).toBe(`${first}-2`);
  });

  it('appends one metrics line per epoch and refuses to reuse a directory with results', () => {
    const path = join(tmp(), 'run');
    const run = RunDir.create(path, {});
    const m = { epoch: 1, trainLoss: 1, trainAccuracy: 0.5, testLoss: 1, testAccuracy: 0.5, seconds: 1 };
    run.appendMetrics(m);
    run.appendMetrics({ ...m, epoch: 2 });
    const lines = readFileSync(join(path, 'metrics.jsonl'), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as { epoch: number });
    expect(lines.map((l) => l.epoch)).toEqual([1, 2]);
    expect(() => RunDir.create(path, {})).toThrow(/not empty/);
  });

  it('accepts an existing empty directory', () => {
    const dir = tmp();
    expect(() => checkRunDir(dir)).not.toThrow();
    writeFileSync(join(dir, 'f'), '');
    expect(() => checkRunDir(dir)).toThrow(/not empty/);
    expect(existsSync(join(dir, 'f'))).toBe(true);
  });
});
