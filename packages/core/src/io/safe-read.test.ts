import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileReadError, formatBytes, MiB, readFileSafely, readTextFileSafely } from './safe-read.js';

const dir = mkdtempSync(join(tmpdir(), 'safe-read-'));
const opts = { maxBytes: MiB, what: 'spec file' };

describe('readFileSafely', () => {
  it('reads a regular file and a symbolic link to one', () => {
    writeFileSync(join(dir, 'a.txt'), 'hello');
    symlinkSync(join(dir, 'a.txt'), join(dir, 'link.txt'));
    expect(readTextFileSafely(join(dir, 'a.txt'), opts)).toBe('hello');
    expect(readTextFileSafely(join(dir, 'link.txt'), opts)).toBe('hello');
  });

  it('refuses a FIFO without blocking on it', () => {
    const fifo = join(dir, 'pipe.yaml');
    execFileSync('mkfifo', [fifo]);
    // A blocking open of a FIFO with no writer never returns: this test would hang to its timeout.
    expect(() => readFileSafely(fifo, opts)).toThrow(/pipe\.yaml: the spec file is a named pipe \(FIFO\), not a regular file/);
  });

  it('refuses /dev/zero and a symbolic link to it', () => {
    symlinkSync('/dev/zero', join(dir, 'zero.yaml'));
    expect(() => readFileSafely('/dev/zero', opts)).toThrow(/\/dev\/zero: the spec file is a character device/);
    expect(() => readFileSafely(join(dir, 'zero.yaml'), opts)).toThrow(/zero\.yaml: the spec file is a character device/);
  });

  it('refuses a directory and a socket', async () => {
    mkdirSync(join(dir, 'sub.yaml'));
    expect(() => readFileSafely(join(dir, 'sub.yaml'), opts)).toThrow(/sub\.yaml: the spec file is a directory/);
    const sock = join(dir, 's.sock');
    const server = createServer();
    await new Promise<void>((done) => server.listen(sock, done));
    try {
      expect(() => readFileSafely(sock, opts)).toThrow(/s\.sock: the spec file is a socket/);
    } finally {
      server.close();
    }
  });

  it('refuses a file over the limit, naming the limit and the file', () => {
    writeFileSync(join(dir, 'big.yaml'), Buffer.alloc(MiB + 1, 0x61));
    const e = (() => {
      try {
        readFileSafely(join(dir, 'big.yaml'), opts);
      } catch (err) {
        return err;
      }
    })();
    expect(e).toBeInstanceOf(FileReadError);
    expect((e as Error).message).toMatch(/big\.yaml: the spec file is 1048577 bytes \(1\.0 MiB\), over the 1 MiB limit/);
    expect(readFileSafely(join(dir, 'big.yaml'), { ...opts, maxBytes: 2 * MiB }).length).toBe(MiB + 1);
  });

  it('says when there is no such file', () => {
    expect(() => readFileSafely(join(dir, 'nope.yaml'), opts)).toThrow(/nope\.yaml: cannot read the spec file \(no such file\)/);
  });

  it('formats byte counts', () => {
    expect(formatBytes(64 * MiB)).toBe('64 MiB');
    expect(formatBytes(512)).toBe('512 bytes');
  });
});
