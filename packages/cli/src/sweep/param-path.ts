import { closest, formatPath, hasPath } from '@txsim/core';

/**
 * Addresses of spec fields for `txsim sweep --param PATH=…`:
 *
 * - dotted keys with `[i]` list indexes: `training.learningRate`, `crossbar.tile.rows`,
 *   `crossbar.nonidealities[2].params.v`, `model.hidden[0]`;
 * - a list of plugins may be indexed by plugin name instead: `crossbar.nonidealities.write-noise.params.gamma`;
 * - inside a plugin reference (`{ name, params, phases }`, or a bare name like `device: ideal`), a key
 *   other than `name`, `params` or `phases` is a parameter: `crossbar.nonidealities.write-noise.gamma`
 *   is `crossbar.nonidealities[3].params.gamma` under the TxSim preset, `crossbar.device.rmax` is
 *   `crossbar.device.params.rmax`.
 *
 * Paths are resolved against the spec with its presets applied, so a preset's stack can be addressed.
 */
export type PathSegment = { readonly key: string } | { readonly index: number };

const SEGMENT = /^([^.[\]]+)?((?:\[\d+\])*)$/;
/** Keys that reach an object's prototype instead of a field: setting one would change every object in the process. */
const RESERVED = new Set(['__proto__', 'constructor', 'prototype']);

/** Splits a path into keys and indexes; throws on empty keys, unbalanced brackets or non-numeric indexes. */
export function parsePath(text: string): PathSegment[] {
  const trimmed = text.trim();
  if (!trimmed) throw new Error('empty path');
  const out: PathSegment[] = [];
  for (const [i, part] of trimmed.split('.').entries()) {
    const m = SEGMENT.exec(part);
    if (!m || (!m[1] && !m[2]) || (!m[1] && i === 0)) throw new Error(`malformed path "${text}" at "${part || '(empty)'}"; expected keys separated by dots, with [i] list indexes`);
    if (m[1] && RESERVED.has(m[1])) throw new Error(`path "${text}" names "${m[1]}", which is not a spec field (a reserved JavaScript name); name a field of the spec`);
    if (m[1]) out.push({ key: m[1] });
    for (const idx of m[2]!.matchAll(/\[(\d+)\]/g)) out.push({ index: Number(idx[1]) });
  }
  return out;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const PLUGIN_KEYS = new Set(['name', 'params', 'phases']);

/** `{ name, params?, phases? }`: the shape of a plugin reference, whose other keys are shorthand for params. */
function isPluginRef(v: unknown): v is Record<string, unknown> {
  return isObject(v) && typeof v.name === 'string' && Object.keys(v).every((k) => PLUGIN_KEYS.has(k));
}

const entryName = (v: unknown): string | undefined => (typeof v === 'string' ? v : isObject(v) && typeof v.name === 'string' ? v.name : undefined);

/** Thrown for a path that does not fit the spec; `path` is the user's text, for the error report. */
export class ParamPathError extends Error {
  constructor(readonly path: string, message: string) {
    super(message);
  }
}

/**
 * Sets the field at `path` of `spec` (mutated in place; pass a copy) to `value` and returns the
 * concrete address used (keys and indexes only), e.g. ['crossbar', 'nonidealities', 3, 'params', 'gamma'].
 * Absent objects on the way are created; a plugin given by bare name becomes `{ name }` when a
 * parameter is set on it. Throws ParamPathError where the path cannot be followed.
 */
export function setPath(spec: Record<string, unknown>, pathText: string, value: unknown): Array<string | number> {
  const segments = parsePath(pathText);
  const concrete: Array<string | number> = [];
  const fail = (message: string): never => {
    throw new ParamPathError(pathText, message);
  };
  // `holder[slot]` is the value being descended into, so a bare plugin name can be replaced by an object.
  let holder: Record<string, unknown> | unknown[] = spec;
  let slot: string | number | undefined;
  const current = (): unknown => (slot === undefined ? spec : (holder as Record<string | number, unknown>)[slot]);
  const descend = (next: string | number) => {
    if (slot !== undefined) holder = current() as Record<string, unknown> | unknown[];
    slot = next;
    concrete.push(next);
  };

  for (const [i, seg] of segments.entries()) {
    const last = i === segments.length - 1;
    let here = current();
    const where = formatPath(concrete) || '(root)';
    if ('index' in seg) {
      if (!Array.isArray(here)) fail(`${where} is ${describe(here)}, not a list, so [${seg.index}] does not apply`);
      const list = here as unknown[];
      if (seg.index >= list.length) fail(`${where} has ${list.length} entr${list.length === 1 ? 'y' : 'ies'}; [${seg.index}] is out of range`);
      descend(seg.index);
      continue;
    }
    const { key } = seg;
    if (Array.isArray(here)) {
      // A list of plugins indexed by name.
      const names = here.map(entryName);
      const hits = names.flatMap((n, j) => (n === key ? [j] : []));
      if (hits.length === 0) {
        const known = names.filter((n): n is string => n !== undefined);
        const near = closest(key, known);
        fail(`${where} has no entry named "${key}"${near ? ` (did you mean "${near}"?)` : ''}${known.length ? `; its entries are ${known.join(', ')}` : ' (the list holds no named plugins)'}`);
      }
      if (hits.length > 1) fail(`${where} has ${hits.length} entries named "${key}" (at ${hits.map((j) => `[${j}]`).join(', ')}); use an index`);
      descend(hits[0]!);
      if (last) fail(`${formatPath(concrete)} is a whole plugin entry; name a parameter, e.g. ${pathText}.<param>`);
      continue;
    }
    // A bare plugin name (`device: ideal`) grows into a reference when a parameter is set on it.
    if (typeof here === 'string' && slot !== undefined && concrete.length > 0) {
      here = { name: here };
      (holder as Record<string | number, unknown>)[slot] = here;
    }
    if (!isObject(here)) fail(`${where} is ${describe(here)}; it has no field "${key}"`);
    const obj = here as Record<string, unknown>;
    if (concrete.length > 0 && isPluginRef(obj) && !PLUGIN_KEYS.has(key)) {
      obj.params ??= {};
      if (!isObject(obj.params)) fail(`${where}.params is ${describe(obj.params)}, not an object`);
      descend('params');
    }
    const parent = current() as Record<string, unknown>;
    if (!last && parent[key] === undefined) parent[key] = segments[i + 1] && 'index' in segments[i + 1]! ? [] : {};
    descend(key);
  }
  if (slot === undefined) fail('the path names the whole spec');
  (holder as Record<string | number, unknown>)[slot!] = value;
  return concrete;
}

/** The value at a concrete address (as `setPath` returns), or undefined. */
export function getPath(spec: unknown, address: readonly (string | number)[]): unknown {
  let cur = spec;
  for (const key of address) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string | number, unknown>)[key];
  }
  return cur;
}

/** A layer that a value set in the experiment-wide crossbar does not reach, and why. */
export interface UnreachedLayer {
  readonly layer: string;
  readonly why: string;
}

const SLOTS = new Set(['device', 'dac', 'senseAmp', 'adc', 'updateRule']);

/**
 * The layers of `spec` whose override hides the field at `address` (a concrete address, as `setPath`
 * returns it) of the experiment-wide crossbar: a layer that replaces the non-ideality stack with a list,
 * removes or re-sets the entry, names another plugin for the slot, or sets the field itself. Layers
 * that inherit the field, or edit the stack around the entry, see the value and are not listed.
 */
export function unreachedLayers(spec: Record<string, unknown>, address: readonly (string | number)[]): UnreachedLayer[] {
  if (address[0] !== 'crossbar' || address.length < 2 || !isObject(spec.layers)) return [];
  const out: UnreachedLayer[] = [];
  for (const [layer, over] of Object.entries(spec.layers)) {
    if (!isObject(over) || over.digital === true || !isObject(over.crossbar)) continue;
    const why = hiddenBy(spec, over.crossbar, address);
    if (why) out.push({ layer, why });
  }
  return out;
}

function hiddenBy(spec: Record<string, unknown>, own: Record<string, unknown>, address: readonly (string | number)[]): string | undefined {
  const field = address.slice(1);
  const sets = () => (hasPath(own, field) ? `sets ${formatPath(field)} itself` : undefined);
  if (field[0] === 'nonidealities' && typeof field[1] === 'number') {
    const stack = own.nonidealities;
    if (Array.isArray(stack)) return 'replaces the non-ideality stack with its own list';
    const name = entryName(getPath(spec, address.slice(0, 3)));
    if (!isObject(stack) || name === undefined) return undefined;
    if (Array.isArray(stack.remove) && stack.remove.includes(name)) return `removes ${name} from its stack`;
    return hasPath(stack, ['set', name, ...field.slice(2)]) ? `sets ${name}.${formatPath(field.slice(2))} itself` : undefined;
  }
  const slot = field[0] === 'backward' ? field.slice(0, 2) : field.slice(0, 1);
  if (!SLOTS.has(String(slot.at(-1))) || field.length === slot.length) return sets();
  const mine = entryName(getPath(own, slot));
  const inherited = entryName(getPath(spec, ['crossbar', ...slot]));
  if (mine !== undefined && mine !== inherited && field[slot.length] !== 'name') return `uses another ${formatPath(slot)} plugin (${mine})`;
  return sets();
}

function describe(v: unknown): string {
  if (v === undefined) return 'absent';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  return typeof v === 'object' ? 'an object' : `${typeof v} ${JSON.stringify(v)}`;
}
