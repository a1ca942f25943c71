import { accessSync, constants, existsSync, statSync, statfsSync } from 'node:fs';
import { basename, dirname, resolve, sep } from 'node:path';
import type { ResolvedSpec } from '@txsim/core';
import { checkRunDir } from './run-dir.js';

/** An output location a run cannot write: named, with what to do. Bad input, like a bad spec. */
export class OutputDirError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OutputDirError';
  }
}

/** Bytes one path component may have on the usual file systems (ext4, APFS, NTFS). */
const NAME_MAX = 255;

/**
 * Bytes a run directory needs beyond its checkpoints: metrics, summary, diagnostics, histograms. The
 * checkpoints hold every weight (f32 digital, two f64 conductances analog) twice while one is replaced.
 */
const FIXED_BYTES = 4 << 20;

export function runDiskBytes(resolved: ResolvedSpec): number {
  let weights = 0;
  for (const l of resolved.layers) weights += l.inputs * l.outputs * (l.crossbar ? 16 : 4);
  return FIXED_BYTES + 2 * weights;
}

/** The deepest existing directory at or above `dir` (the one a recursive mkdir starts from). */
function existingAncestor(dir: string): string {
  let cur = resolve(dir);
  while (!existsSync(cur)) {
    const up = dirname(cur);
    if (up === cur) break;
    cur = up;
  }
  return cur;
}

/**
 * Checks, before any data is read, that the run directory `outDir` can be created and written and
 * has room for the run's checkpoints, so a run does not fail after minutes of loading with a bare
 * ENOENT, EACCES or ENOSPC. Throws an OutputDirError naming the directory and what to do.
 */
export function checkOutputDir(outDir: string, needBytes = FIXED_BYTES): void {
  if (outDir.trim() === '') throw new OutputDirError('--out is empty: give the run directory to write, or leave --out out for runs/<name>-<time>');
  for (const part of resolve(outDir).split(sep)) {
    const bytes = Buffer.byteLength(part);
    if (bytes > NAME_MAX) throw new OutputDirError(`output directory ${outDir}: the name "${part.slice(0, 40)}…" is ${bytes} bytes; file systems allow ${NAME_MAX} per name, choose a shorter --out`);
  }
  if (existsSync(outDir) && !statSync(outDir).isDirectory()) throw new OutputDirError(`output directory ${outDir} is a file; choose another --out`);
  checkRunDir(outDir);
  const base = existingAncestor(outDir);
  if (!statSync(base).isDirectory()) throw new OutputDirError(`cannot create output directory ${outDir}: ${base} is a file; choose another --out`);
  try {
    accessSync(base, constants.W_OK | constants.X_OK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'not writable';
    throw new OutputDirError(`cannot ${base === resolve(outDir) ? 'write to' : 'create'} output directory ${outDir}: ${base} is not writable (${code}); choose another --out`);
  }
  let free: number | undefined;
  try {
    const fs = statfsSync(base);
    free = fs.bavail * fs.bsize;
  } catch {
    // Not every platform reports free space; the writes themselves will then tell.
  }
  if (free !== undefined && free < needBytes) {
    const mib = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;
    throw new OutputDirError(`output directory ${outDir}: its file system has ${mib(free)} free, the run needs about ${mib(needBytes)} (checkpoints of every weight); free some space or choose another --out`);
  }
}

export interface PreflightOptions {
  /** The run directory; absent: runs/<name>-<time> under `cwd`, whose parent is checked. */
  readonly outDir?: string;
  readonly cwd?: string;
}

/**
 * Every check `train` needs before it touches data, beyond spec resolution (which already bounds
 * counts, memory and the run name): the output location. `validate` runs it too when given --out.
 */
export function preflight(resolved: ResolvedSpec, options: PreflightOptions = {}): void {
  if (options.outDir !== undefined) {
    checkOutputDir(options.outDir, runDiskBytes(resolved));
    return;
  }
  // The default run directory is created under runs/; its name is the (checked) spec name plus a timestamp.
  const root = resolve(options.cwd ?? '.', 'runs');
  checkOutputDir(`${root}${sep}${basename(resolved.spec.name.replace(/[^A-Za-z0-9._-]+/g, '_')) || 'run'}-00000000-000000`, runDiskBytes(resolved));
}
