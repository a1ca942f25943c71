import { formatPath, type SpecIssue } from './errors.js';
import { deepMerge } from './merge.js';
import type { CrossbarSpec } from './schema.js';
import { editStack, inheritStack, type EditedStack } from './stack-edit.js';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const FORWARD_SLOTS = ['device', 'dac', 'senseAmp', 'adc', 'updateRule'] as const;
const BACKWARD_SLOTS = ['dac', 'senseAmp', 'adc'] as const;

/** A layer's crossbar before validation, and how to tell its own problems from inherited ones. */
export interface LayerCrossbar {
  /** The experiment-wide crossbar with the layer's override laid over it, as raw spec data. */
  readonly raw: Record<string, unknown>;
  /**
   * For a problem at `path` (relative to the layer's crossbar): where the user wrote that field in the
   * layer's override (`user`), and the path of the same field in the experiment-wide crossbar when the
   * layer inherits it from there (`base`), so an inherited problem is reported once, there.
   */
  attribute(path: string): { readonly base?: string; readonly user: string };
}

/**
 * A plugin slot of a layer: naming the inherited plugin (or giving no name) continues it, with the
 * layer's params merged over the inherited ones; naming another plugin starts from that plugin's
 * defaults, since one plugin's params mean nothing to another.
 */
function overrideSlot(inherited: unknown, over: unknown): { value: unknown; continues: boolean } {
  const name = isObject(inherited) ? inherited.name : undefined;
  if (over === undefined) return { value: inherited, continues: true };
  if (typeof over === 'string') return over === name ? { value: inherited, continues: true } : { value: over, continues: false };
  if (isObject(over) && name !== undefined && (over.name === undefined || over.name === name)) {
    return { value: deepMerge(inherited, over), continues: true };
  }
  return { value: over, continues: false };
}

/**
 * Lays a layer's `crossbar` override over the experiment-wide crossbar (parsed, so every slot is
 * `{ name, params }` with the user's raw params): plugin slots as `overrideSlot` says; the non-ideality
 * stack replaced by a list or edited by an object (`stack-edit.ts`); other fields deep-merged.
 * Problems of a stack edit go to `issues` under `path`.
 */
export function layerCrossbar(base: CrossbarSpec, over: Record<string, unknown>, path: readonly PropertyKey[], issues: SpecIssue[]): LayerCrossbar {
  const raw: Record<string, unknown> = {};
  for (const key of new Set([...Object.keys(base), ...Object.keys(over)])) {
    raw[key] = deepMerge((base as Record<string, unknown>)[key], over[key]);
  }
  // The experiment-wide path each slot of the layer continues; absent where the layer changed plugin.
  const slotBase = new Map<string, string | undefined>();
  for (const slot of FORWARD_SLOTS) {
    const { value, continues } = overrideSlot(base[slot], over[slot]);
    raw[slot] = value;
    slotBase.set(slot, continues ? slot : undefined);
  }
  if (isObject(over.backward)) {
    const back: Record<string, unknown> = { ...base.backward, ...over.backward };
    for (const slot of BACKWARD_SLOTS) {
      if (over.backward[slot] === undefined) continue;
      const own = base.backward[slot];
      // Without a backward converter of its own, the backward read inherits the layer's forward one.
      const { value, continues } = overrideSlot(own ?? raw[slot], over.backward[slot]);
      back[slot] = value;
      slotBase.set(`backward.${slot}`, !continues ? undefined : own ? `backward.${slot}` : slotBase.get(slot));
    }
    raw.backward = back;
  }

  const list = over.nonidealities;
  let stack: EditedStack = { entries: [], origins: [] };
  if (list === undefined) stack = inheritStack(base.nonidealities);
  else if (Array.isArray(list)) stack = { entries: list, origins: list.map((_, i) => ({ user: ['nonidealities', i] })) };
  else if (isObject(list)) stack = editStack(base.nonidealities, list, [...path, 'nonidealities'], issues);
  // Anything else is left as written, for the schema to report.
  if (list === undefined || Array.isArray(list) || isObject(list)) raw.nonidealities = stack.entries;

  return {
    raw,
    attribute(p) {
      const entry = /^nonidealities\[(\d+)\](.*)$/.exec(p);
      const origin = entry && stack.origins[Number(entry[1])];
      if (entry && origin) {
        return { base: origin.base !== undefined ? `nonidealities[${origin.base}]${entry[2]}` : undefined, user: `${formatPath(origin.user)}${entry[2]}` };
      }
      for (const [slot, from] of slotBase) {
        if (p === slot || p.startsWith(`${slot}.`)) return { base: from === undefined ? undefined : `${from}${p.slice(slot.length)}`, user: p };
      }
      return { base: p, user: p };
    },
  };
}
