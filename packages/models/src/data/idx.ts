import { constants, gunzipSync } from 'node:zlib';
import { formatBytes, GiB, readFileSafely } from '@txsim/core';

/** An IDX array (the format of MNIST and Fashion-MNIST): unsigned bytes and their dimensions. */
export interface IdxArray {
  readonly dims: readonly number[];
  readonly data: Uint8Array;
}

/** Largest IDX file read or inflated: over 40 times MNIST's training images, under Node's buffer limits. */
export const MAX_IDX_BYTES = 2 * GiB;

/** The header's claim: element count and the offset where they start, or why there is no header. */
function header(bytes: Uint8Array, source: string): { dims: number[]; offset: number; size: number } {
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0) throw new Error(`${source}: not an IDX file (bad magic number)`);
  if (bytes[2] !== 0x08) throw new Error(`${source}: IDX element type 0x${bytes[2]!.toString(16)} is not unsigned byte`);
  const rank = bytes[3]!;
  const offset = 4 + 4 * rank;
  if (bytes.length < offset) throw new Error(`${source}: truncated IDX header (${bytes.length} bytes; rank ${rank} needs ${offset})`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i, false));
  return { dims, offset, size: offset + dims.reduce((a, b) => a * b, 1) };
}

/**
 * Inflates a gzipped IDX file no further than its header says it holds (or MAX_IDX_BYTES): the
 * header is inflated first from the stream's start, so a small file that inflates to gigabytes
 * (a zip bomb) stops at the size it claims.
 */
function gunzipIdx(bytes: Uint8Array, source: string): Uint8Array {
  let limit = MAX_IDX_BYTES;
  try {
    const head = gunzipSync(bytes.subarray(0, 64 * 1024), { finishFlush: constants.Z_SYNC_FLUSH });
    if (head.length >= 4 + 4 * head[3]!) limit = header(head, source).size;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code?.startsWith('Z_')) throw new Error(`${source}: not a valid gzip file (${(e as Error).message})`);
    throw e;
  }
  if (limit > MAX_IDX_BYTES) throw new Error(`${source}: the IDX header declares ${formatBytes(limit)}, over the ${formatBytes(MAX_IDX_BYTES)} limit for a data set file`);
  try {
    return gunzipSync(bytes, { maxOutputLength: Math.max(limit, 1) });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ERR_BUFFER_TOO_LARGE') throw new Error(`${source}: inflates to more than the ${limit} bytes its IDX header declares; the file is damaged or not an IDX file`);
    throw new Error(`${source}: cannot inflate the gzip data (${(e as Error).message}); the file is truncated or damaged`);
  }
}

/**
 * Parses an IDX file (optionally gzipped). Only unsigned-byte payloads (type 0x08) are accepted,
 * which is what the image and label files of MNIST-like data sets use.
 */
export function parseIdx(bytes: Uint8Array, source = 'IDX data'): IdxArray {
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = gunzipIdx(bytes, source);
  const { dims, offset, size } = header(bytes, source);
  const count = size - offset;
  if (bytes.length < size) throw new Error(`${source}: truncated (${bytes.length - offset} of ${count} bytes)`);
  return { dims, data: bytes.subarray(offset, size) };
}

export function readIdx(path: string): IdxArray {
  return parseIdx(readFileSafely(path, { maxBytes: MAX_IDX_BYTES, what: 'data set file' }), path);
}
