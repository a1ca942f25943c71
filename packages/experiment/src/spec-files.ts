import { readFileSync } from 'node:fs';
import { findPlugin, formatPath, metaOf, SpecError, type CrossbarSpec, type DependencyContainer, type ParamSchema, type PluginKind, type PluginRef, type ResolvedSpec } from '@txsim/core';
import { CheckpointError, sha256 } from './checkpoint.js';

/**
 * The files a resolved spec's plugin parameters point to, with their content's sha256 when the run
 * started: `spec.resolved.json` holds their paths, not what is in them, so a resume checks these.
 */
export interface SpecFileRecord {
  /** The parameter, as a spec path: `crossbar.device.params.file`. */
  readonly param: string;
  /** Absolute (a resolved spec holds absolute paths; an empty value is recorded as the file it stands for). */
  readonly path: string;
  readonly sha256: string;
}

const SLOTS: ReadonlyArray<readonly [keyof CrossbarSpec, PluginKind]> = [['device', 'device'], ['dac', 'dac'], ['senseAmp', 'sense-amp'], ['adc', 'adc'], ['updateRule', 'update-rule']];

/** Every plugin reference of a resolved crossbar with its kind and spec path. */
function pluginRefs(cb: CrossbarSpec, at: readonly PropertyKey[]): Array<{ kind: PluginKind; ref: PluginRef; path: PropertyKey[] }> {
  const out = SLOTS.map(([key, kind]) => ({ kind, ref: cb[key] as PluginRef, path: [...at, key] }));
  out.push(...cb.nonidealities.map((ref, i) => ({ kind: 'nonideality' as const, ref, path: [...at, 'nonidealities', i] })));
  for (const key of ['dac', 'senseAmp', 'adc'] as const) {
    const ref = cb.backward[key];
    if (ref) out.push({ kind: SLOTS.find(([k]) => k === key)![1], ref, path: [...at, 'backward', key] });
  }
  return out;
}

/**
 * Hashes every file a file parameter (`metaOf(field).file`) of the experiment-wide crossbar's or a
 * layer's plugins names. A file named twice (the backward converters repeat the forward ones) is
 * recorded once, under the first parameter that names it.
 */
export function specFiles(resolved: ResolvedSpec, container: DependencyContainer, source?: string): SpecFileRecord[] {
  const { spec } = resolved;
  const crossbars: Array<[CrossbarSpec, PropertyKey[]]> = spec.crossbar ? [[spec.crossbar, ['crossbar']]] : [];
  // A layer's own crossbar is filled in only where it is planned on one (not a digital layer's leftovers).
  for (const [name, over] of Object.entries(spec.layers)) {
    if (over.crossbar && resolved.layers.find((l) => l.name === name)?.crossbar) crossbars.push([over.crossbar as CrossbarSpec, ['layers', name, 'crossbar']]);
  }
  const out: SpecFileRecord[] = [];
  for (const [cb, at] of crossbars) {
    for (const { kind, ref, path } of pluginRefs(cb, at)) {
      const shape = (findPlugin(container, kind, ref.name).meta.params as ParamSchema).shape;
      for (const [key, field] of Object.entries(shape)) {
        const meta = metaOf(field as Parameters<typeof metaOf>[0]);
        const value = ref.params?.[key];
        if (!meta?.file || typeof value !== 'string') continue;
        const file = value === '' ? meta.emptyFile : value;
        if (file === undefined || out.some((f) => f.path === file)) continue;
        const param = formatPath([...path, 'params', key]);
        out.push({ param, path: file, sha256: hashFile(file, (why) => new SpecError([{ path: param, message: `${file}: ${why}` }], source)) });
      }
    }
  }
  return out;
}

function hashFile(file: string, fail: (why: string) => Error): string {
  try {
    return sha256(readFileSync(file));
  } catch (e) {
    throw fail((e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message);
  }
}

/** Refuses to resume when a recorded file is gone or its content changed, naming the file and its parameter. */
export function checkSpecFiles(recorded: readonly SpecFileRecord[]): void {
  for (const f of recorded) {
    let now: string;
    try {
      now = sha256(readFileSync(f.path));
    } catch {
      throw new CheckpointError(`${f.path} (${f.param}) is gone since the run started (it had sha256 ${f.sha256.slice(0, 12)}…); restore it or start a new run`);
    }
    if (now !== f.sha256) {
      throw new CheckpointError(`${f.path} (${f.param}) changed since the run started (sha256 ${now.slice(0, 12)}…, was ${f.sha256.slice(0, 12)}…); restore it or start a new run`);
    }
  }
}
