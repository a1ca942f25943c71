import { dirname, isAbsolute, resolve as resolvePath } from 'node:path';
import { applyPresets, resolveSpec, SpecError, type DependencyContainer, type PresetMap, type SlurmSettings, type SpecIssue } from '@txsim/core';
import { presetMap, readPresets, applyOverrides, readSpecFile, type ManifestPoint, type SpecOverrides, type SweepManifest } from '@txsim/experiment';
import { expandGrid, paramKeys, runId, seedList, type SweepParam } from './grid.js';
import { getPath, ParamPathError, setPath, unreachedLayers } from './param-path.js';

// The manifest's types live with the report, which reads sweep directories too.
export type { ManifestPoint, SweepManifest };

/** A validated sweep: the manifest, and the self-contained spec of every run (presets applied), by run id. */
export interface SweepPlan {
  readonly manifest: SweepManifest;
  readonly specs: ReadonlyMap<string, Record<string, unknown>>;
  /** Layers a swept value does not reach (their override hides it), one line each; absent on resume. */
  readonly notices?: readonly string[];
  /** The base spec's `sweep.slurm` settings, validated; absent on resume (the directory records what was submitted). */
  readonly slurm?: SlurmSettings;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Expands the grid and validates the spec of every grid point before anything runs; throws one
 * SpecError listing every problem with its path (and which points have it, when not all do).
 * Each run's spec is the base spec with its presets applied, the point's values set, and `seed` set.
 */
/** The plugin packs of a sweep: absolute module paths (every run's spec lists them) and their presets. */
export interface SweepPacks {
  readonly paths: readonly string[];
  readonly presets: PresetMap;
}

/**
 * Runs one sweep may hold: every run is a directory with a spec file and a child process, and past this
 * a slip (`--seeds 1000000`) fills the disk with spec files before the first run starts.
 */
export const MAX_SWEEP_RUNS = 10_000;

/** Refuses a grid × seeds product over MAX_SWEEP_RUNS before anything is expanded or written. */
export function checkSweepSize(params: readonly SweepParam[], seeds: number): void {
  const sizes = params.map((p) => p.texts.length);
  const runs = sizes.reduce((a, b) => a * b, 1) * seeds;
  if (runs <= MAX_SWEEP_RUNS) return;
  const product = [...params.map((p) => `${p.texts.length} (${p.path})`), `${seeds} seed${seeds === 1 ? '' : 's'}`].join(' × ');
  throw new Error(`the sweep would have ${runs.toLocaleString('en-US')} runs (${product}), more than the ${MAX_SWEEP_RUNS.toLocaleString('en-US')} one sweep may hold; `
    + 'use fewer values or seeds, or split it into several sweeps');
}

export function planSweep(file: string, params: readonly SweepParam[], seeds: number, overrides: SpecOverrides, container: DependencyContainer, packs: SweepPacks = { paths: [], presets: {} }): SweepPlan {
  if (!Number.isInteger(seeds) || seeds < 1) throw new Error(`--seeds must be a whole number ≥ 1, got ${seeds}`);
  checkSweepSize(params, seeds);
  const paths = params.map((p) => p.path);
  const dup = paths.find((p, i) => paths.indexOf(p) !== i);
  if (dup) throw new Error(`--param ${dup} is given twice; list all its values in one --param`);
  const preset = paths.find((p) => /^preset(\.|\[|$)/.test(p));
  if (preset) throw new Error(`--param ${preset}: presets are applied before the values are set; sweep a field of the preset instead, or run one sweep per spec file`);
  const own = paths.find((p) => /^sweep(\.|\[|$)/.test(p));
  if (own) throw new Error(`--param ${own}: the spec's sweep block says how the sweep runs, not what a run does; it cannot be swept`);
  if (seeds > 1 && paths.includes('seed')) throw new Error('--param seed and --seeds both set the seed; use one of them');

  const raw = applyOverrides(readSpecFile(file), overrides);
  const issues: SpecIssue[] = [];
  const base = applyPresets(raw, isObject(raw) && 'preset' in raw ? { ...presetMap(readPresets()), ...packs.presets } : {}, issues);
  if (issues.length) throw new SpecError(issues, file);
  // A spec that is not a mapping at all is reported by the ordinary validation.
  if (!isObject(base)) resolveSpec(base, container, file);
  const baseSpec = base as Record<string, unknown>;
  // Runs read their specs from the sweep directory: packs and the data folder are named by absolute path there.
  if (packs.paths.length) baseSpec.plugins = [...packs.paths];
  const data = baseSpec.data;
  if (isObject(data) && typeof data.dir === 'string' && !isAbsolute(data.dir)) baseSpec.data = { ...data, dir: resolvePath(dirname(file), data.dir) };
  const firstSeed = Number.isInteger(baseSpec.seed) ? (baseSpec.seed as number) : 1;

  const keys = paramKeys(params);
  const grid = expandGrid(params);
  const found = new Map<string, { issue: SpecIssue; at: string[] }>();
  const note = (issue: SpecIssue, at: string) => {
    const key = `${issue.path}\u0000${issue.message}`;
    const entry = found.get(key) ?? { issue, at: [] };
    entry.at.push(at);
    found.set(key, entry);
  };
  const specs = new Map<string, Record<string, unknown>>();
  const notices = new Set<string>();
  let slurm: SlurmSettings | undefined;
  const points: ManifestPoint[] = [];
  for (const point of grid) {
    const label = point.choice.map((v, i) => `${keys[i]}=${params[i]!.texts[v]}`).join(', ') || 'the spec as written';
    const spec = structuredClone(baseSpec);
    const addresses: Array<Array<string | number> | undefined> = [];
    let pathFailed = false;
    params.forEach((p, i) => {
      try {
        const address = setPath(spec, p.path, structuredClone(p.values[point.choice[i]!]));
        addresses.push(address);
        for (const { layer, why } of unreachedLayers(spec, address)) notices.add(`--param ${p.path} does not reach layer ${layer}, which ${why}`);
      } catch (e) {
        if (!(e instanceof ParamPathError)) throw e;
        note({ path: p.path, message: e.message }, label);
        addresses.push(undefined);
        pathFailed = true;
      }
    });
    if (pathFailed) continue;
    const pointSeed = Number.isInteger(spec.seed) ? (spec.seed as number) : firstSeed;
    let numeric: (number | null)[] = params.map(() => null);
    let plugins: Record<string, unknown> = {};
    try {
      const resolved = resolveSpec(spec, container, file);
      // Runs read their specs from the sweep directory, so each stores its crossbars resolved: a file
      // parameter written relative to the sweep's spec is stored as the absolute path it names.
      plugins = { ...(resolved.spec.crossbar ? { crossbar: resolved.spec.crossbar } : {}), layers: resolved.spec.layers };
      slurm = resolved.spec.sweep?.slurm;
      numeric = addresses.map((a) => {
        const v = a && getPath(resolved.spec, a);
        return typeof v === 'number' && Number.isFinite(v) ? v : null;
      });
    } catch (e) {
      if (!(e instanceof SpecError)) throw e;
      for (const issue of e.issues) note(issue, label);
      continue;
    }
    // `sweep` is validated with each point but belongs to no run: a changed time limit changes no run.
    const { sweep: _sweep, ...runSpec } = spec;
    const runs = seedList(pointSeed, seeds).map((seed) => {
      const id = runId(point, seed);
      specs.set(id, { ...runSpec, ...plugins, seed });
      return { id, seed };
    });
    points.push({ id: point.id, values: point.choice.map((v, i) => params[i]!.texts[v]!), numeric, runs });
  }
  if (found.size) {
    const all = grid.length;
    throw new SpecError([...found.values()].map(({ issue, at }) => ({
      path: issue.path,
      message: at.length === all || all === 1 ? issue.message : `${issue.message} [at ${at.join('; ')}]`,
    })), `${file} (sweep of ${all} point${all === 1 ? '' : 's'})`);
  }
  return {
    manifest: { version: 1, spec: file, params: params.map((p) => ({ path: p.path, values: p.texts })), seeds: seedList(firstSeed, seeds), points },
    specs,
    notices: [...notices],
    ...(slurm ? { slurm } : {}),
  };
}
