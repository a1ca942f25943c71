import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

/** Test helpers: small data files in the real formats, written to a fresh temporary directory. */
export function tempDataDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `txsim-${prefix}-`));
}

/** An IDX file of unsigned bytes: magic 0x00 0x00 0x08 rank, big-endian dimensions, payload. */
export function idxBytes(dims: readonly number[], data: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  out.set([0, 0, 8, dims.length]);
  const view = new DataView(out.buffer);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(Array.from(data), 4 + 4 * dims.length);
  return out;
}

export function writeIdx(dir: string, name: string, dims: readonly number[], data: ArrayLike<number>, gzip = false): void {
  mkdirSync(dir, { recursive: true });
  const bytes = idxBytes(dims, data);
  writeFileSync(join(dir, gzip ? `${name}.gz` : name), gzip ? gzipSync(bytes) : bytes);
}

/** The test image pattern: pixel (channel c, row y, column x) of example `i`, a byte. */
export const pixel = (i: number, c: number, y: number, x: number) => (i * 37 + c * 101 + y * 7 + x * 3) & 255;

/** CIFAR-10 binary records: label byte, then the R, G and B planes, each row-major 32×32. */
export function cifarRecords(labels: readonly number[], first: number): Uint8Array {
  const out = new Uint8Array(labels.length * 3073);
  labels.forEach((label, r) => {
    const at = r * 3073;
    out[at] = label;
    for (let c = 0; c < 3; c++) for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) out[at + 1 + c * 1024 + y * 32 + x] = pixel(first + r, c, y, x);
  });
  return out;
}
