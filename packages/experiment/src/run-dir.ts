import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, rmdirSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { CostReport, EpochMetrics, LayerActivity } from '@txsim/core';
import type { AppliedTransform } from '@txsim/models';
import { processAlive } from './process-alive.js';

let tmpCounter = 0;

/**
 * Replaces `file` with `data` so that a reader (or a crash) sees the old or the new content, never a
 * torn write: the data goes to a temporary file in the same directory (same filesystem, so rename is
 * atomic), is fsynced, and is renamed over the target.
 */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const dir = dirname(file);
  const tmp = join(dir, `.${basename(file)}.${process.pid}.${++tmpCounter}.tmp`);
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const fd = openSync(tmp, 'w');
  try {
    for (let done = 0; done < bytes.length;) done += writeSync(fd, bytes, done, bytes.length - done);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw (e as NodeJS.ErrnoException).code === 'ENOSPC'
      ? Object.assign(new Error(`${file}: no space left on device writing ${bytes.length} bytes`), { code: 'ENOSPC', cause: e })
      : e;
  }
  closeSync(fd);
  try {
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  syncDir(dir);
}

/** Makes the rename itself durable; directories cannot be opened for fsync on every platform. */
function syncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Best effort: Windows refuses to open directories, and the data itself is already synced.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** The temporary files `writeFileAtomic` leaves when killed mid-write: `.<name>.<pid>.<n>.tmp`. */
const TMP_FILE = /^\..+\.(\d+)\.\d+\.tmp$/;

/**
 * Removes the temporary files of writers that no longer run (a SIGKILL between write and rename
 * leaves one, as large as what it was writing). Our own can only be leftovers of a failed write too,
 * because writes here are synchronous. Returns the names removed.
 */
export function removeStaleTmpFiles(dir: string): string[] {
  const removed: string[] = [];
  for (const f of readdirSync(dir)) {
    const m = TMP_FILE.exec(f);
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid !== process.pid && processAlive(pid)) continue;
    rmSync(join(dir, f), { force: true });
    removed.push(f);
  }
  return removed;
}

/**
 * Makes a run directory whose first files appear with it: they are written into a temporary sibling
 * (`.<name>.<pid>.creating`), which is then renamed into place. So a directory that exists always holds
 * `spec.resolved.json` and `environment.json`, and can be resumed (from epoch 0 until its first
 * checkpoint). Leftover siblings of dead processes are removed first.
 */
export function createRunDir(path: string, files: Readonly<Record<string, string>>): void {
  checkRunDir(path);
  const parent = dirname(path);
  mkdirSync(parent, { recursive: true });
  const prefix = `.${basename(path)}.`;
  for (const f of readdirSync(parent)) {
    const pid = f.startsWith(prefix) && f.endsWith('.creating') ? Number(f.slice(prefix.length, -'.creating'.length)) : NaN;
    if (Number.isInteger(pid) && !processAlive(pid)) rmSync(join(parent, f), { recursive: true, force: true });
  }
  const tmp = join(parent, `${prefix}${process.pid}.creating`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp);
  for (const [name, text] of Object.entries(files)) writeFileAtomic(join(tmp, name), text);
  // rename(2) replaces an empty directory (checkRunDir allowed one) on POSIX; elsewhere remove it first.
  if (process.platform === 'win32' && existsSync(path)) rmdirSync(path);
  renameSync(tmp, path);
  syncDir(parent);
}

const pad = (n: number) => String(n).padStart(2, '0');

/** Local time as YYYYMMDD-HHMMSS, the suffix of default run directories. */
export function timestamp(date: Date): string {
  return `${date.getFullYear()}${pad(date.getMonth() + 1)}${pad(date.getDate())}-${pad(date.getHours())}${pad(date.getMinutes())}${pad(date.getSeconds())}`;
}

/** `runs/<name>-<YYYYMMDD-HHMMSS>`, with `-2`, `-3`… appended if a run started in the same second. */
export function defaultRunDir(name: string, date: Date = new Date(), root = 'runs'): string {
  const safe = name.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '') || 'run';
  const base = join(root, `${safe}-${timestamp(date)}`);
  let dir = base;
  for (let i = 2; existsSync(dir); i++) dir = `${base}-${i}`;
  return dir;
}

/** Refuses a directory that already holds files, so one run never overwrites another's results. */
export function checkRunDir(dir: string): void {
  if (existsSync(dir) && readdirSync(dir).length > 0) {
    throw new Error(`output directory ${dir} already exists and is not empty; choose another --out`);
  }
}

export interface LayerSummary {
  readonly name: string;
  readonly kind: 'analog' | 'digital';
  readonly inputs: number;
  readonly outputs: number;
  /** Tile size and grid of an analog layer. */
  readonly tiles?: { readonly rows: number; readonly cols: number; readonly grid: readonly [number, number] };
}

/** What `summary.json` records; arrays have one entry per epoch run. */
export interface RunSummary {
  readonly name: string;
  readonly specFile: string;
  readonly seed: number | string;
  /** The backend that actually ran (e.g. "wasm-relaxed-simd", or "reference" after a fallback). */
  readonly backend: string;
  /** True when `--digital` dropped the crossbars. */
  readonly digital: boolean;
  readonly epochs: number;
  readonly trainExamples: number;
  readonly testExamples: number;
  readonly testAccuracy: readonly number[];
  readonly testLoss: readonly number[];
  readonly trainLoss: readonly number[];
  readonly trainAccuracy: readonly number[];
  readonly secondsPerEpoch: readonly number[];
  readonly wallSeconds: number;
  readonly startedAt: string;
  readonly finishedAt: string;
  /** Hardware activity counts per analog layer and phase. */
  readonly activity: Readonly<Record<string, LayerActivity>>;
  /** Hardware cost of the counted activity (docs/cost.md), when the spec has a cost section. */
  readonly cost?: CostReport;
  readonly layers: readonly LayerSummary[];
  /** data.transforms as applied, with a standardize's training-set statistics (also in data-transforms.json). */
  readonly dataTransforms?: readonly AppliedTransform[];
  /**
   * 'completed', or 'diverged' when the loss became non-finite or exploded, or a parameter non-finite
   * (the arrays then hold the epochs before).
   */
  readonly status?: 'completed' | 'diverged';
  /** For a diverged run: where (epoch, batch), the loss, and the parameters that went wrong first. */
  readonly divergence?: string;
}

/** Fields of a summary that depend on the machine's speed or the time of day, not on the simulation. */
export const WALL_TIME_FIELDS = ['secondsPerEpoch', 'wallSeconds', 'startedAt', 'finishedAt'] as const;

/** One run's output directory: `spec.resolved.json`, `metrics.jsonl`, `summary.json`, each written atomically. */
export class RunDir {
  readonly #metrics: string[] = [];

  private constructor(readonly path: string) {}

  /** Creates the directory atomically with its first files (see `createRunDir`). */
  static create(path: string, files: Readonly<Record<string, string>>): RunDir {
    createRunDir(path, files);
    return new RunDir(path);
  }

  /** An existing run directory whose `metrics.jsonl` is continued with `metrics` (a resumed run's history). */
  static reopen(path: string, metrics: readonly EpochMetrics[]): RunDir {
    const dir = new RunDir(path);
    dir.#metrics.push(...metrics.map((m) => JSON.stringify(m)));
    return dir;
  }

  writeJson(name: string, value: unknown): void {
    writeFileAtomic(join(this.path, name), `${JSON.stringify(value, null, 2)}\n`);
  }

  /** Appends one epoch's line; the whole file is rewritten so a reader never sees half a line. */
  appendMetrics(metrics: EpochMetrics): void {
    this.#metrics.push(JSON.stringify(metrics));
    writeFileAtomic(join(this.path, 'metrics.jsonl'), `${this.#metrics.join('\n')}\n`);
  }

  writeSummary(summary: RunSummary): void {
    writeFileAtomic(join(this.path, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  }
}
