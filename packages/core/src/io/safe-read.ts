import { closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';

/**
 * Reading a file a user named, without trusting what sits at that path: a FIFO would block the open
 * (or the read) forever, /dev/zero never ends, a directory or socket cannot be read, and a
 * multi-gigabyte file would exhaust memory before any parser saw it. Every reader of user files (spec,
 * lookup tables, data sets) goes through here, so each of those refusals is made once, the same way.
 */

export class FileReadError extends Error {
  override readonly name = 'FileReadError';
  constructor(readonly file: string, readonly code: string, message: string) {
    super(message);
  }
}

export interface SafeReadOptions {
  /** Largest size accepted, in bytes. */
  readonly maxBytes: number;
  /** What the file is, for messages: "spec file", "lookup table", "data set file". */
  readonly what: string;
}

export const KiB = 1024;
export const MiB = 1024 * KiB;
export const GiB = 1024 * MiB;

/** "1 MiB", "64 MiB", "2.5 GiB": a byte count as people read it. */
export function formatBytes(n: number): string {
  const [unit, size] = n >= GiB ? ['GiB', GiB] : n >= MiB ? ['MiB', MiB] : n >= KiB ? ['KiB', KiB] : ['bytes', 1];
  const v = n / size;
  return `${Number.isInteger(v) ? v : v.toFixed(1)} ${unit}`;
}

function kind(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a named pipe (FIFO)';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  return 'not a regular file';
}

function check(file: string, st: Stats, { maxBytes, what }: SafeReadOptions): void {
  if (!st.isFile()) throw new FileReadError(file, 'ENOTREG', `${file}: the ${what} is ${kind(st)}, not a regular file; name a regular file`);
  if (st.size > maxBytes) {
    throw new FileReadError(file, 'EFBIG', `${file}: the ${what} is ${st.size} bytes (${formatBytes(st.size)}), over the ${formatBytes(maxBytes)} limit for a ${what}; is this the right file?`);
  }
}

/**
 * The size of the regular file at `file` after the same checks `readFileSafely` makes, without
 * opening it (symbolic links are followed, so a link to /dev/zero is refused like /dev/zero).
 */
export function statRegularFile(file: string, options: SafeReadOptions): Stats {
  let st: Stats;
  try {
    st = statSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
    throw new FileReadError(file, code, `${file}: cannot read the ${options.what} (${code === 'ENOENT' ? 'no such file' : code})`);
  }
  check(file, st, options);
  return st;
}

/**
 * The bytes of the regular file at `file`, at most `maxBytes` of them. The path is checked with stat
 * before it is opened, and opened non-blocking (a FIFO swapped in after the check cannot block), then
 * checked again on the open descriptor, which is what is read.
 */
export function readFileSafely(file: string, options: SafeReadOptions): Buffer {
  statRegularFile(file, options);
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
    throw new FileReadError(file, code, `${file}: cannot read the ${options.what} (${code})`);
  }
  try {
    const st = fstatSync(fd);
    check(file, st, options);
    // One byte more than allowed: a file that grew past the limit since the stat is caught here.
    const buf = Buffer.allocUnsafe(Math.min(st.size, options.maxBytes) + 1);
    let done = 0;
    for (;;) {
      const got = readSync(fd, buf, done, buf.length - done, null);
      if (got === 0) break;
      done += got;
      if (done === buf.length) throw new FileReadError(file, 'EAGAIN', `${file}: the ${options.what} grew while being read; read it again once it is complete`);
    }
    return buf.subarray(0, done);
  } catch (e) {
    if (e instanceof FileReadError) throw e;
    const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
    throw new FileReadError(file, code, `${file}: cannot read the ${options.what} (${code})`);
  } finally {
    closeSync(fd);
  }
}

/** `readFileSafely` as UTF-8 text. */
export function readTextFileSafely(file: string, options: SafeReadOptions): string {
  return readFileSafely(file, options).toString('utf8');
}
