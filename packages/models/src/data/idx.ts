import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

/** An IDX array (the format of MNIST and Fashion-MNIST): unsigned bytes and their dimensions. */
export interface IdxArray {
  readonly dims: readonly number[];
  readonly data: Uint8Array;
}

/**
 * Parses an IDX file (optionally gzipped). Only unsigned-byte payloads (type 0x08) are accepted,
 * which is what the image and label files of MNIST-like data sets use.
 */
export function parseIdx(bytes: Uint8Array, source = 'IDX data'): IdxArray {
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = gunzipSync(bytes);
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0) throw new Error(`${source}: not an IDX file (bad magic number)`);
  if (bytes[2] !== 0x08) throw new Error(`${source}: IDX element type 0x${bytes[2]!.toString(16)} is not unsigned byte`);
  const rank = bytes[3]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i, false));
  const offset = 4 + 4 * rank;
  const count = dims.reduce((a, b) => a * b, 1);
  if (bytes.length - offset < count) throw new Error(`${source}: truncated (${bytes.length - offset} of ${count} bytes)`);
  return { dims, data: bytes.subarray(offset, offset + count) };
}

export function readIdx(path: string): IdxArray {
  return parseIdx(readFileSync(path), path);
}
