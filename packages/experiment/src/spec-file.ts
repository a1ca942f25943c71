import { extname } from 'node:path';
import { applyPresets, FileReadError, MiB, readTextFileSafely, resolveSpec, SpecError, type DependencyContainer, type PresetMap, type ResolvedSpec, type SpecIssue } from '@txsim/core';
import { withDataDir } from './data-dir.js';
import { presetMap, readPresets } from './presets.js';
import { parseJsonSpec, parseYamlSpec } from './spec-parse.js';

/** Specs are a few kilobytes; a larger file is almost certainly the wrong file. */
export const MAX_SPEC_BYTES = MiB;

/**
 * Command-line values that replace fields of the spec file. They are merged into the raw spec before
 * validation, so a bad value is reported like any other field. Numbers arrive as the user typed them
 * when they do not parse, so the schema — not the CLI — says what is wrong with them.
 */
export interface SpecOverrides {
  readonly epochs?: number | string;
  readonly seed?: number | string;
  readonly trainLimit?: number | string;
  readonly testLimit?: number | string;
  readonly backend?: string;
}

/** Where each override lands in the spec, and the flag that set it (named in error messages). */
const OVERRIDES: Record<keyof SpecOverrides, { readonly path: readonly string[]; readonly flag: string }> = {
  epochs: { path: ['training', 'epochs'], flag: '--epochs' },
  seed: { path: ['seed'], flag: '--seed' },
  trainLimit: { path: ['data', 'trainLimit'], flag: '--train-limit' },
  testLimit: { path: ['data', 'testLimit'], flag: '--test-limit' },
  backend: { path: ['backend'], flag: '--backend' },
};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reads a `.yaml`, `.yml` or `.json` spec into plain data; syntax errors become SpecErrors with line numbers. */
export function readSpecFile(file: string): unknown {
  const ext = extname(file).toLowerCase();
  if (!['.yaml', '.yml', '.json'].includes(ext)) {
    throw new Error(`${file}: unsupported spec file type "${ext || '(none)'}"; use .yaml, .yml or .json`);
  }
  let text: string;
  try {
    text = readTextFileSafely(file, { maxBytes: MAX_SPEC_BYTES, what: 'spec file' });
  } catch (e) {
    if (e instanceof FileReadError && e.code === 'ENOENT') throw new Error(`cannot read spec file ${file}: no such file`);
    throw e;
  }
  const raw = ext === '.json' ? parseJsonSpec(text, file) : parseYamlSpec(text, file);
  if (raw === null || raw === undefined) {
    throw new SpecError([{ path: '', message: 'the spec file is empty (expected a mapping with at least a name or model)' }], file);
  }
  return raw;
}

/**
 * A copy of `raw` with the overrides set. A field is only set where its parent is an object (or
 * absent): a malformed parent is left for validation to report, not papered over.
 */
export function applyOverrides(raw: unknown, overrides: SpecOverrides): unknown {
  if (!isObject(raw)) return raw;
  const out: Record<string, unknown> = structuredClone(raw);
  for (const [key, { path }] of Object.entries(OVERRIDES) as Array<[keyof SpecOverrides, (typeof OVERRIDES)[keyof SpecOverrides]]>) {
    const value = overrides[key];
    if (value === undefined) continue;
    let parent: Record<string, unknown> = out;
    let ok = true;
    for (const part of path.slice(0, -1)) {
      if (parent[part] === undefined) parent[part] = {};
      const next = parent[part];
      if (!isObject(next)) {
        ok = false;
        break;
      }
      parent = next;
    }
    if (ok) parent[path[path.length - 1]!] = value;
  }
  return out;
}

/** The spec without any crossbar: every layer trains in plain digital arithmetic (`--digital`). */
export function dropCrossbars(raw: unknown): unknown {
  if (!isObject(raw)) return raw;
  const { crossbar: _dropped, ...rest } = raw;
  if (isObject(rest.layers)) {
    rest.layers = Object.fromEntries(Object.entries(rest.layers).map(([name, over]) => {
      if (!isObject(over)) return [name, over];
      const { crossbar: _layerCrossbar, ...keep } = over;
      return [name, keep];
    }));
  }
  return rest;
}

/**
 * Drops repeated issues (core reports a converter shared by the forward and backward reads once per
 * direction, under the same path) and names the flag behind an issue whose field an override set.
 */
function refine(error: SpecError, overrides: SpecOverrides, source: string): SpecError {
  const flags = new Map<string, string>();
  for (const [key, { path, flag }] of Object.entries(OVERRIDES) as Array<[keyof SpecOverrides, { path: readonly string[]; flag: string }]>) {
    if (overrides[key] !== undefined) flags.set(path.join('.'), flag);
  }
  const seen = new Set<string>();
  const issues: SpecIssue[] = [];
  for (const issue of error.issues) {
    const key = `${issue.path}\u0000${issue.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const flag = flags.get(issue.path);
    issues.push(flag ? { path: issue.path, message: `${issue.message} (set by ${flag})` } : issue);
  }
  return issues.length === error.issues.length && !flags.size ? error : new SpecError(issues, source);
}

export interface LoadSpecOptions {
  readonly overrides?: SpecOverrides;
  /** Where the presets a spec names are looked up; default: the shipped `presets/`. */
  readonly presetsDir?: string;
  /** Presets from plugin packs, beside the shipped ones. */
  readonly extraPresets?: PresetMap;
  /** Drop every crossbar after validating the spec as written (digital baseline). */
  readonly digital?: boolean;
}

/**
 * Reads, overrides and validates a spec file, before any data or tensor exists. Throws SpecError
 * naming every problem. With `digital`, the crossbar sections are still validated, then dropped.
 */
export function loadSpec(file: string, container: DependencyContainer, options: LoadSpecOptions = {}): ResolvedSpec {
  return resolveSpecData(readSpecFile(file), file, container, options);
}

/**
 * `loadSpec` for a spec already in memory. `file` names it in messages, and relative paths in it
 * (data.dir) are taken from its folder (for a spec that never was a file: a name in the working directory).
 */
export function resolveSpecData(data: unknown, file: string, container: DependencyContainer, options: LoadSpecOptions = {}): ResolvedSpec {
  const overrides = options.overrides ?? {};
  const raw = applyOverrides(data, overrides);
  // Preset files are read only when the spec names one, so a spec without presets never depends on them.
  const presets = isObject(raw) && 'preset' in raw ? { ...presetMap(readPresets(options.presetsDir)), ...options.extraPresets } : {};
  try {
    const resolved = resolveSpec(raw, container, file, { presets });
    // --digital drops the crossbars after the presets are applied, so a preset cannot bring them back.
    return withDataDir(options.digital ? resolveSpec(dropCrossbars(applyPresets(raw, presets, [])), container, file) : resolved, file);
  } catch (e) {
    throw e instanceof SpecError ? refine(e, overrides, file) : e;
  }
}
