import { readdirSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SpecError, type PresetMap, type SpecIssue } from '@txsim/core';
import { readSpecFile } from './spec-file.js';

/** The presets shipped with txsim: `presets/` in this package (src/ and dist/ sit one level below it). */
export const PRESETS_DIR = fileURLToPath(new URL('../presets/', import.meta.url));

/** A preset file: data, not code. `spec` is a partial spec laid under the user's spec. */
export interface Preset {
  readonly name: string;
  readonly description: string;
  /** Where the numbers come from: papers, datasheets, or "this project's choice" with the reason. */
  readonly source: readonly string[];
  readonly spec: Record<string, unknown>;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reads and checks one preset file; the partial spec itself is validated when a spec uses it. */
export function readPreset(file: string): Preset {
  const raw = readSpecFile(file);
  const name = basename(file, extname(file));
  const issues: SpecIssue[] = [];
  const doc = isObject(raw) ? raw : {};
  if (!isObject(raw)) issues.push({ path: '', message: 'expected a mapping with name, description, source and spec' });
  if (doc.name !== name) issues.push({ path: 'name', message: `expected "${name}" (the file name), got ${JSON.stringify(doc.name)}` });
  if (typeof doc.description !== 'string' || !doc.description.trim()) issues.push({ path: 'description', message: 'expected a one-sentence description' });
  const source = typeof doc.source === 'string' ? [doc.source] : doc.source;
  if (!Array.isArray(source) || !source.length || !source.every((s) => typeof s === 'string' && s.trim())) {
    issues.push({ path: 'source', message: 'expected the citation(s) the values come from: a string or a list of strings' });
  }
  if (!isObject(doc.spec)) issues.push({ path: 'spec', message: 'expected a partial spec (a mapping)' });
  else if ('preset' in doc.spec) issues.push({ path: 'spec.preset', message: 'a preset cannot name other presets; list them in the spec instead' });
  for (const key of Object.keys(doc)) {
    if (!['name', 'description', 'source', 'spec'].includes(key)) issues.push({ path: key, message: 'unknown field; valid fields: name, description, source, spec' });
  }
  if (issues.length) throw new SpecError(issues, file);
  return { name, description: doc.description as string, source: source as string[], spec: doc.spec as Record<string, unknown> };
}

/** Every preset in `dir` (`*.yaml`, `*.yml`, `*.json`), sorted by name. */
export function readPresets(dir: string = PRESETS_DIR): Preset[] {
  let files: string[];
  try {
    files = readdirSync(dir);
  } catch {
    return [];
  }
  return files.filter((f) => ['.yaml', '.yml', '.json'].includes(extname(f).toLowerCase())).sort().map((f) => readPreset(join(dir, f)));
}

/** The name → partial spec map that `resolveSpec` takes. */
export function presetMap(presets: readonly Preset[]): PresetMap {
  return Object.fromEntries(presets.map((p) => [p.name, p.spec]));
}
