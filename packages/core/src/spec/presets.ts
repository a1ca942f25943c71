import { formatPath, type SpecIssue } from './errors.js';
import { deepMerge } from './merge.js';
import { closest } from './suggest.js';

/** Named partial specs, as loaded by the caller (the CLI reads them from the presets directory). */
export type PresetMap = Readonly<Record<string, unknown>>;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The raw spec with its presets laid underneath it: preset 1, then preset 2 …, then the spec itself,
 * deep-merged (objects merge, arrays and scalars replace). The `preset` field is dropped from the
 * result, so the resolved spec is self-contained. A malformed `preset` field is left in place for the
 * schema to report; unknown names become issues at `preset` (or `preset[i]`).
 */
export function applyPresets(raw: unknown, presets: PresetMap, issues: SpecIssue[]): unknown {
  if (!isObject(raw) || !('preset' in raw)) return raw;
  const { preset, ...rest } = raw;
  const names = typeof preset === 'string' ? [preset] : Array.isArray(preset) && preset.every((n) => typeof n === 'string') ? (preset as string[]) : undefined;
  if (!names || names.length === 0 || names.some((n) => n === '')) return raw;
  const known = Object.keys(presets).sort();
  let base: unknown = {};
  names.forEach((name, i) => {
    if (!Object.prototype.hasOwnProperty.call(presets, name)) {
      const near = closest(name, known);
      issues.push({
        path: formatPath(typeof preset === 'string' ? ['preset'] : ['preset', i]),
        message: `unknown preset "${name}"${near ? ` (did you mean "${near}"?)` : ''}; known presets: ${known.join(', ') || 'none'}`,
      });
      return;
    }
    const { preset: _nested, ...partial } = (isObject(presets[name]) ? presets[name] : {}) as Record<string, unknown>;
    base = deepMerge(base, partial);
  });
  return deepMerge(base, rest);
}
