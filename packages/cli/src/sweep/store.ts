import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { CHECKPOINT_FILE, processAlive, writeFileAtomic, type RunSummary } from '@txsim/experiment';
import type { SweepManifest, SweepPlan } from './plan.js';

/**
 * A sweep directory: `sweep.json` (the grid), `specs/<run>.json` (each run's self-contained spec),
 * `runs/<run>/` (each a `txsim train` run directory), `results.{csv,json,svg}`, and `sweep.lock`
 * while a sweep works in it.
 */
export const SWEEP_FILE = 'sweep.json';
const LOCK_FILE = 'sweep.lock';

export const specFile = (dir: string, run: string) => join(dir, 'specs', `${run}.json`);
export const runDir = (dir: string, run: string) => join(dir, 'runs', run);

const writeJson = (file: string, value: unknown) => writeFileAtomic(file, `${JSON.stringify(value, null, 2)}\n`);

/** JSON with object keys sorted, so two specs compare equal however their files order the keys. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (typeof v === 'object' && v !== null) {
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

export function readManifest(dir: string): SweepManifest {
  const file = join(dir, SWEEP_FILE);
  if (!existsSync(file)) throw new Error(`${dir} has no ${SWEEP_FILE}; only a directory written by txsim sweep can be resumed`);
  const manifest = JSON.parse(readFileSync(file, 'utf8')) as SweepManifest;
  if (manifest.version !== 1) throw new Error(`${file}: unsupported sweep version ${String(manifest.version)}`);
  return manifest;
}

/** The plan of an existing sweep directory, from its manifest and stored specs (for `--resume`). */
export function readPlan(dir: string): SweepPlan {
  const manifest = readManifest(dir);
  const specs = new Map<string, Record<string, unknown>>();
  for (const run of manifest.points.flatMap((p) => p.runs)) specs.set(run.id, JSON.parse(readFileSync(specFile(dir, run.id), 'utf8')) as Record<string, unknown>);
  return { manifest, specs };
}

/** Refuses a non-empty directory that holds no sweep, so a sweep never writes into another run's files. */
export function checkSweepDir(dir: string): void {
  if (!existsSync(join(dir, SWEEP_FILE)) && existsSync(dir) && readdirSync(dir).length > 0) {
    throw new Error(`output directory ${dir} already exists, is not empty and holds no ${SWEEP_FILE}; choose another --out`);
  }
}

/**
 * Records `plan` in `dir`. A directory that already holds a sweep accepts the plan only when it
 * keeps every earlier run with the same spec (it may add values or seeds); anything else is an error,
 * so finished runs are never silently mixed with runs of a different grid.
 */
export function writePlan(dir: string, plan: SweepPlan): void {
  if (existsSync(join(dir, SWEEP_FILE))) {
    const old = readManifest(dir);
    const paths = (m: SweepManifest) => m.params.map((p) => p.path).join(' ');
    if (paths(old) !== paths(plan.manifest)) {
      throw new Error(`${dir} holds a sweep over ${paths(old) || 'seeds only'}, not ${paths(plan.manifest) || 'seeds only'}; `
        + 'a sweep directory can only gain points (more values or seeds); use another --out');
    }
    const problems: string[] = [];
    for (const run of old.points.flatMap((p) => p.runs)) {
      const now = plan.specs.get(run.id);
      if (!now) problems.push(`run ${run.id} is not in the new grid`);
      else if (existsSync(specFile(dir, run.id)) && canonical(JSON.parse(readFileSync(specFile(dir, run.id), 'utf8'))) !== canonical(now)) {
        problems.push(`run ${run.id} would get a different spec (was the base spec or an override changed?)`);
      }
    }
    if (problems.length) {
      const shown = problems.slice(0, 5).map((p) => `  ${p}`).join('\n') + (problems.length > 5 ? `\n  … and ${problems.length - 5} more` : '');
      throw new Error(`${dir} holds a different sweep; a sweep directory can only gain points (more values or seeds):\n${shown}\n`
        + `resume it as it was with: txsim sweep --resume ${dir}, or use another --out`);
    }
  }
  mkdirSync(join(dir, 'specs'), { recursive: true });
  mkdirSync(join(dir, 'runs'), { recursive: true });
  for (const [id, spec] of plan.specs) {
    const file = specFile(dir, id);
    if (!existsSync(file)) writeJson(file, spec);
  }
  writeJson(join(dir, SWEEP_FILE), plan.manifest);
}

export type RunState = 'completed' | 'diverged' | 'resume' | 'start';

/** Reads a finished run's summary, or undefined while it has none. */
export function readSummary(dir: string, run: string): RunSummary | undefined {
  try {
    return JSON.parse(readFileSync(join(runDir(dir, run), 'summary.json'), 'utf8')) as RunSummary;
  } catch {
    return undefined;
  }
}

/**
 * What a run needs: nothing (completed, or diverged, which would diverge again), `txsim train
 * --resume` (it has a checkpoint), or a fresh start. A directory without a checkpoint was cut off
 * before training began; it is cleared so `txsim train` accepts it.
 */
export function runState(dir: string, run: string): RunState {
  const summary = readSummary(dir, run);
  if (summary?.status === 'diverged') return 'diverged';
  if (summary) return 'completed';
  const out = runDir(dir, run);
  if (existsSync(join(out, CHECKPOINT_FILE))) return 'resume';
  rmSync(out, { recursive: true, force: true });
  return 'start';
}

/** Not this process (a lock it left when killed names its old pid), and running: not a zombie. */
const alive = (pid: number): boolean => pid !== process.pid && processAlive(pid);

/**
 * `sweep.lock` names the sweep process and its runs' processes. A second sweep refuses the directory
 * while any of them lives: a run orphaned by a killed sweep may still be writing its directory. A
 * zombie (a killed run nobody has reaped yet) does not count: it writes nothing. Each run directory
 * also has its own lock (`lockRunDir`), which guards the runs whatever this file says.
 */
export class SweepLock {
  readonly #file: string;
  readonly #children = new Set<number>();

  constructor(dir: string) {
    this.#file = join(dir, LOCK_FILE);
    mkdirSync(dir, { recursive: true });
    if (existsSync(this.#file)) {
      let held: { pid?: number; children?: number[] } = {};
      try {
        held = JSON.parse(readFileSync(this.#file, 'utf8')) as typeof held;
      } catch {
        // A torn or foreign lock file says nothing; overwrite it.
      }
      const live = [held.pid, ...(held.children ?? [])].filter((p): p is number => typeof p === 'number' && alive(p));
      if (live.length) {
        throw new Error(`${dir} is in use by process${live.length > 1 ? 'es' : ''} ${live.join(', ')} (a sweep or its runs); `
          + `wait for ${live.length > 1 ? 'them' : 'it'} to finish or stop ${live.length > 1 ? 'them' : 'it'} (kill -INT ${live.join(' ')}), then run again`);
      }
    }
    this.#write();
  }

  add(pid: number): void {
    this.#children.add(pid);
    this.#write();
  }

  remove(pid: number): void {
    this.#children.delete(pid);
    this.#write();
  }

  release(): void {
    rmSync(this.#file, { force: true });
  }

  #write(): void {
    writeJson(this.#file, { pid: process.pid, children: [...this.#children] });
  }
}
