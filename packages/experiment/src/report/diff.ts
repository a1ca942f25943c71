import type { PluginKind } from '@txsim/core';
import { SLOTS } from './config.js';
import { formatValue } from '@txsim/core';
import { esc } from './svg.js';
import type { ParamUnits } from './units.js';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Arrays of named entries (a non-ideality stack) are keyed by name, so inserting one entry shifts nothing. */
function namedKeys(list: readonly unknown[]): string[] | undefined {
  const names = list.map((e) => (isObject(e) && typeof e.name === 'string' ? e.name : undefined));
  return names.every((n): n is string => n !== undefined) && new Set(names).size === names.length ? names : undefined;
}

/**
 * Every leaf of a spec by its dotted path: `crossbar.device.params.gmax`, `model.hidden` (arrays of
 * plain values are one leaf), `crossbar.nonidealities.write-noise.params.gamma` (named entries by
 * name), `x[2].y` otherwise. Empty objects and arrays are leaves too, so their presence compares.
 */
export function flattenSpec(value: unknown, prefix = '', out = new Map<string, unknown>()): Map<string, unknown> {
  const join = (k: string) => (prefix ? `${prefix}.${k}` : k);
  if (Array.isArray(value)) {
    const names = value.length && value.every(isObject) ? namedKeys(value) : undefined;
    if (names) value.forEach((e, i) => flattenSpec(e, join(names[i]!), out));
    else if (value.length && value.some((e) => isObject(e) || Array.isArray(e))) value.forEach((e, i) => flattenSpec(e, `${prefix}[${i}]`, out));
    else out.set(prefix, value);
  } else if (isObject(value) && Object.keys(value).length) {
    for (const [k, v] of Object.entries(value)) flattenSpec(v, join(k), out);
  } else {
    out.set(prefix, value);
  }
  return out;
}

export interface DiffRow {
  readonly path: string;
  /** One value per spec; undefined where that spec has no such field. */
  readonly values: readonly unknown[];
}

/**
 * A resolved spec writes an overridden layer's crossbar in full; a field equal to the experiment-wide
 * one is inherited, not a choice of that layer, so it is left out before comparing (else every field
 * of a layer one run overrides would show as a difference).
 */
function withoutInherited(flat: Map<string, unknown>): Map<string, unknown> {
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  for (const [path, value] of flat) {
    const m = /^layers\.[^.]+\.crossbar\.(.+)$/.exec(path);
    if (m && flat.has(`crossbar.${m[1]}`) && same(flat.get(`crossbar.${m[1]}`), value)) flat.delete(path);
  }
  return flat;
}

/** The fields whose values are not the same in every spec, in the order they first appear. */
export function specDiff(specs: readonly unknown[]): DiffRow[] {
  const flat = specs.map((s) => withoutInherited(flattenSpec(s)));
  const paths = [...new Set(flat.flatMap((f) => [...f.keys()]))];
  // An empty `layers: {}` against one with entries is no difference of its own: the entries' rows show it.
  const parents = new Set(paths.filter((p) => paths.some((q) => q.startsWith(`${p}.`) || q.startsWith(`${p}[`))));
  return paths.filter((p) => !parents.has(p))
    .map((path) => ({ path, values: flat.map((f) => f.get(path)) }))
    .filter((row) => row.values.some((v) => JSON.stringify(v) !== JSON.stringify(row.values[0])));
}

const SLOT_KINDS = new Map<string, PluginKind>(SLOTS.map(([slot, kind]) => [slot, kind]));

/** The unit of a `….params.<name>` path, from the plugin named beside it in the same spec. */
function unitOf(path: string, flat: ReadonlyMap<string, unknown>, units: ParamUnits) {
  const m = /^(.*)\.params\.([^.]+)$/.exec(path);
  if (!m) return undefined;
  const [, owner, param] = m as unknown as [string, string, string];
  const stack = /(?:^|\.)nonidealities(?:\.([^.[]+)|\[\d+\])$/.exec(owner);
  const name = flat.get(`${owner}.name`) ?? stack?.[1];
  const kind = stack ? 'nonideality' : SLOT_KINDS.get(owner.split('.').at(-1)!);
  return typeof name === 'string' && kind ? units(kind, name, param) : undefined;
}

/** A leaf as a cell: SI numbers with their unit where the plugin says it, "absent" for a missing field. */
export function formatLeaf(value: unknown, unit?: Parameters<typeof formatValue>[1]): string {
  if (value === undefined) return '(absent)';
  if (typeof value === 'string') return value;
  return typeof value === 'number' ? formatValue(value, unit) : JSON.stringify(value);
}

/** The differences table, or a line saying there are none; `labels` head the columns, one per spec. */
export function diffTable(specs: readonly unknown[], labels: readonly string[], units: ParamUnits): string {
  const rows = specDiff(specs);
  if (!rows.length) return '<p class="no-diff">No differences: the resolved specs of these runs are identical.</p>';
  const flat = specs.map((s) => flattenSpec(s));
  const head = `<tr><th>field</th>${labels.map((l) => `<th>${esc(l)}</th>`).join('')}</tr>`;
  const body = rows.map((r) => `<tr data-path="${esc(r.path)}"><td><code>${esc(r.path)}</code></td>`
    + `${r.values.map((v, i) => `<td>${esc(formatLeaf(v, unitOf(r.path, flat[i]!, units)))}</td>`).join('')}</tr>`);
  return `<table class="diff">${head}${body.join('')}</table>`;
}
