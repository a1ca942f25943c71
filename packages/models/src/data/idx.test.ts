import { execFileSync } from 'node:child_process';
import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { parseIdx, readIdx } from './idx.js';

const dir = mkdtempSync(join(tmpdir(), 'txsim-idx-'));

function header(dims: number[]): Uint8Array {
  const h = new Uint8Array(4 + 4 * dims.length);
  h.set([0, 0, 8, dims.length]);
  const view = new DataView(h.buffer);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  return h;
}

describe('hostile IDX files', () => {
  it('names the file for a header cut short, instead of a DataView range error', () => {
    // Rank 3 needs 16 header bytes; only 6 are there.
    expect(() => parseIdx(new Uint8Array([0, 0, 8, 3, 0, 0]), 'cut.idx')).toThrow(/^cut\.idx: truncated IDX header \(6 bytes; rank 3 needs 16\)$/);
    expect(() => parseIdx(new Uint8Array(gzipSync(new Uint8Array([0, 0, 8, 3, 0]))), 'cut.gz')).toThrow(/^cut\.gz: truncated IDX header/);
  });

  it('stops inflating a gzip bomb at the size its header declares', () => {
    // The header says 10 bytes follow; the stream inflates to 64 MiB of zeros.
    const bomb = new Uint8Array(gzipSync(Buffer.concat([header([10]), Buffer.alloc(64 * 1024 * 1024)])));
    expect(() => parseIdx(bomb, 'bomb.gz')).toThrow(/^bomb\.gz: inflates to more than the 18 bytes its IDX header declares/);
  });

  it('refuses a header declaring more than the limit before inflating', () => {
    const huge = new Uint8Array(gzipSync(header([65536, 65536, 2])));
    expect(() => parseIdx(huge, 'huge.gz')).toThrow(/^huge\.gz: the IDX header declares 8\.0 GiB, over the 2 GiB limit/);
  });

  it('names the file for damaged gzip data', () => {
    const gz = gzipSync(Buffer.concat([header([1000]), Buffer.alloc(1000, 7)]));
    const cut = new Uint8Array(gz.subarray(0, gz.length - 12));
    expect(() => parseIdx(cut, 'cut.gz')).toThrow(/^cut\.gz: (cannot inflate|truncated)/);
  });

  it('refuses a FIFO and a link to /dev/zero by name, without reading them', () => {
    const fifo = join(dir, 'train-images-idx3-ubyte');
    execFileSync('mkfifo', [fifo]);
    expect(() => readIdx(fifo)).toThrow(/train-images-idx3-ubyte: the data set file is a named pipe/);
    symlinkSync('/dev/zero', join(dir, 'zero-idx1-ubyte'));
    expect(() => readIdx(join(dir, 'zero-idx1-ubyte'))).toThrow(/zero-idx1-ubyte: the data set file is a character device/);
  });

  it('reads a regular gzipped file', () => {
    writeFileSync(join(dir, 'ok.gz'), gzipSync(Buffer.concat([header([3]), Buffer.from([1, 2, 3])])));
    expect(Array.from(readIdx(join(dir, 'ok.gz')).data)).toEqual([1, 2, 3]);
  });
});
