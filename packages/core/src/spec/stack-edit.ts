import { z } from 'zod';
import { fromZod, formatPath, type SpecIssue } from './errors.js';
import { PHASES, pluginRefSchema } from './schema.js';
import { closest } from './suggest.js';

/**
 * A layer's edits to the non-ideality stack it inherits, by plugin name, so that one layer can differ
 * in one entry without copying the stack (and a sweep over the experiment-wide entry still reaches it).
 * Applied in this order: `set`, `remove`, `add`.
 */
export const stackEditSchema = z.strictObject({
  /** New entries, at the end unless `before` / `after` names an entry already in the stack. */
  add: z.array(pluginRefSchema.extend({ before: z.string().min(1).optional(), after: z.string().min(1).optional() })
    .refine((e) => e.before === undefined || e.after === undefined, { error: 'give before or after, not both' })).optional(),
  /** Inherited entries to drop, by name. */
  remove: z.array(z.string({ error: 'expected a non-ideality name' }).min(1)).optional(),
  /** Inherited entries to re-parameterise, by name: params merge over the inherited ones, phases replace. */
  set: z.record(z.string(), z.strictObject({
    params: z.record(z.string(), z.unknown()).optional(),
    phases: z.array(z.enum(PHASES)).min(1).optional(),
  })).optional(),
});

type Entry = Record<string, unknown>;

/**
 * Where an entry of a layer's stack came from: the index of the inherited entry it continues (its
 * problems are the inherited entry's, reported there once) and the address the user wrote it at,
 * relative to the layer's crossbar.
 */
export interface EntryOrigin {
  readonly base?: number;
  readonly user: readonly PropertyKey[];
}

export interface EditedStack {
  readonly entries: unknown[];
  readonly origins: EntryOrigin[];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The inherited stack, each entry continuing its own inherited entry. */
export function inheritStack(inherited: readonly unknown[]): EditedStack {
  return { entries: [...inherited], origins: inherited.map((_, i) => ({ base: i, user: ['nonidealities', i] })) };
}

/**
 * Applies `edit` (a layer's `crossbar.nonidealities` written as an object) to the inherited stack.
 * Problems (a malformed edit, a name the stack lacks or holds twice) go to `issues` under `path`, the
 * layer's `crossbar.nonidealities`; the entries they concern are left as inherited.
 */
export function editStack(inherited: readonly unknown[], edit: unknown, path: readonly PropertyKey[], issues: SpecIssue[]): EditedStack {
  const parsed = stackEditSchema.safeParse(edit);
  if (!parsed.success) {
    issues.push(...fromZod(parsed.error, stackEditSchema, path, edit));
    return inheritStack(inherited);
  }
  const { add = [], remove = [], set = {} } = parsed.data;
  const stack = inheritStack(inherited);
  let { entries, origins } = stack;
  const nameOf = (e: unknown) => (isObject(e) && typeof e.name === 'string' ? e.name : undefined);
  /** The one entry of the current stack named `name`, or undefined after reporting why there is none. */
  const find = (name: string, at: readonly PropertyKey[], what: string): number | undefined => {
    const names = entries.map(nameOf);
    const hits = names.flatMap((n, i) => (n === name ? [i] : []));
    if (hits.length === 1) return hits[0];
    const known = [...new Set(names.filter((n): n is string => n !== undefined))];
    const near = closest(name, known);
    const message = hits.length > 1
      ? `${what} has ${hits.length} entries named "${name}"; edit them by replacing the whole list`
      : `${what} has no entry named "${name}"${near ? ` (did you mean "${near}"?)` : ''}; ${known.length ? `its entries are ${known.join(', ')}` : 'it is empty'}`;
    issues.push({ path: formatPath([...path, ...at]), message });
    return undefined;
  };

  for (const [name, change] of Object.entries(set)) {
    const i = find(name, ['set', name], 'the inherited stack');
    if (i === undefined) continue;
    const old = entries[i] as Entry;
    entries[i] = {
      ...old,
      params: { ...(isObject(old.params) ? old.params : {}), ...change.params },
      ...(change.phases ? { phases: change.phases } : {}),
    };
    origins[i] = { base: origins[i]!.base, user: ['nonidealities', 'set', name] };
  }
  const drop = new Set<number>();
  remove.forEach((name, k) => {
    const i = find(name, ['remove', k], 'the inherited stack');
    if (i === undefined) return;
    if (name in set) issues.push({ path: formatPath([...path, 'remove', k]), message: `"${name}" is both set and removed; keep one` });
    drop.add(i);
  });
  entries = entries.filter((_, i) => !drop.has(i));
  origins = origins.filter((_, i) => !drop.has(i));
  add.forEach(({ before, after, ...entry }, k) => {
    const anchor = before ?? after;
    let at = entries.length;
    if (anchor !== undefined) {
      const i = find(anchor, ['add', k, before !== undefined ? 'before' : 'after'], 'the stack');
      if (i === undefined) return;
      at = before !== undefined ? i : i + 1;
    }
    entries.splice(at, 0, entry);
    origins.splice(at, 0, { user: ['nonidealities', 'add', k] });
  });
  return { entries, origins };
}
