import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ResolvedSpec } from '@txsim/core';
import { checkOutputDir, OutputDirError, preflight, runDiskBytes } from './preflight.js';

const dir = mkdtempSync(join(tmpdir(), 'txsim-preflight-'));
const resolved = { spec: { name: 'tiny' }, layers: [{ name: 'fc1', inputs: 16, outputs: 4, crossbar: null }] } as unknown as ResolvedSpec;

describe('preflight', () => {
  it('refuses an empty --out, naming the flag', () => {
    expect(() => checkOutputDir('')).toThrow(OutputDirError);
    expect(() => checkOutputDir('  ')).toThrow(/--out is empty/);
  });

  it('refuses a directory below a file, a file as the directory, and a non-empty directory', () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    expect(() => checkOutputDir(join(file, 'run'))).toThrow(/cannot create output directory .*a-file is a file/);
    expect(() => checkOutputDir(file)).toThrow(/is a file; choose another --out/);
    mkdirSync(join(dir, 'full'));
    writeFileSync(join(dir, 'full', 'x'), 'x');
    expect(() => checkOutputDir(join(dir, 'full'))).toThrow(/not empty/);
  });

  it('refuses a name longer than file systems allow', () => {
    expect(() => checkOutputDir(join(dir, 'x'.repeat(300)))).toThrow(/300 bytes; file systems allow 255/);
  });

  it('refuses a file system without room for the checkpoints', () => {
    expect(() => checkOutputDir(join(dir, 'run'), Number.MAX_SAFE_INTEGER)).toThrow(/MiB free, the run needs about/);
  });

  it('accepts a new directory under a writable one, and checks the default runs/ under cwd', () => {
    expect(() => preflight(resolved, { outDir: join(dir, 'new', 'run') })).not.toThrow();
    expect(() => preflight(resolved, { cwd: dir })).not.toThrow();
    writeFileSync(join(dir, 'runs'), 'a file where runs/ should be');
    expect(() => preflight(resolved, { cwd: dir })).toThrow(/runs is a file/);
  });

  it('sizes the checkpoints from the layers (analog layers keep two f64 conductances per weight)', () => {
    const analog = { ...resolved, layers: [{ ...resolved.layers[0]!, crossbar: {} }] } as unknown as ResolvedSpec;
    expect(runDiskBytes(analog) - runDiskBytes(resolved)).toBe(2 * 16 * 4 * 12);
  });
});
