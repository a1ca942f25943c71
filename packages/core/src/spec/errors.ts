import type { z } from 'zod';
import { closest } from './suggest.js';

export interface SpecIssue {
  /** Dotted path of the offending field, e.g. `crossbar.nonidealities[1].params.rRow`. */
  readonly path: string;
  readonly message: string;
}

/** Every problem of a spec at once, each naming its field; thrown before any tensor exists. */
export class SpecError extends Error {
  constructor(readonly issues: readonly SpecIssue[], source?: string) {
    super(`${source ? `${source}: ` : ''}invalid spec (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n${issues.map((i) => `  ${i.path || '(root)'}: ${i.message}`).join('\n')}`);
    this.name = 'SpecError';
  }
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out;
}

/**
 * The object keys a schema accepts at `path`, looking through defaults, optionals and pipes. In a union
 * told apart by one field (data.transforms by its discriminator; init refs and schedules by `name`) the
 * option the input names is the one meant.
 */
function keysAt(schema: z.ZodType, path: readonly PropertyKey[], input?: unknown): string[] {
  let cur: z.ZodType | undefined = schema;
  let value = input;
  const unwrap = (s: z.ZodType | undefined): z.ZodType | undefined => {
    for (let i = 0; i < 10 && s; i++) {
      const def = (s as unknown as { def: Record<string, unknown> }).def;
      // Objects, records and arrays stop here: the walk below steps into them by key or index.
      if (def.type === 'object' || def.type === 'record' || def.type === 'array') return s;
      // A preprocess pipe's input side is a transform; the schema is its output side.
      const piped = def.type === 'pipe' && (def.in as { def: { type: string } }).def.type === 'transform' ? def.out : undefined;
      const inner = (piped ?? def.innerType ?? def.in ?? def.element) as z.ZodType | undefined;
      if (def.type === 'union') {
        const options = (def.options as z.ZodType[]).map(unwrap).filter((o) => (o as unknown as { def?: { type: string } } | undefined)?.def?.type === 'object') as z.ZodType[];
        const key = (def.discriminator as string | undefined) ?? 'name';
        const tag = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
        const literal = (o: z.ZodType) => ((o as unknown as { def: { shape?: Record<string, { def: { values?: unknown[] } }> } }).def.shape?.[key]?.def.values ?? []);
        return options.find((o) => tag !== undefined && literal(o).includes(tag)) ?? options[0];
      }
      s = inner;
    }
    return s;
  };
  for (const key of path) {
    cur = unwrap(cur);
    if (!cur) return [];
    value = typeof value === 'object' && value !== null ? (value as Record<PropertyKey, unknown>)[key] : undefined;
    const def = (cur as unknown as { def: Record<string, unknown> }).def;
    if (def.type === 'object') cur = (def.shape as Record<string, z.ZodType>)[String(key)];
    else if (def.type === 'array') cur = def.element as z.ZodType;
    else if (def.type === 'record') cur = def.valueType as z.ZodType;
    else return [];
  }
  cur = unwrap(cur);
  const def = cur && (cur as unknown as { def: Record<string, unknown> }).def;
  return def?.type === 'object' ? Object.keys(def.shape as object) : [];
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let cur = input;
  for (const key of path) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[key];
  }
  return cur;
}

/** "expected one of …" for a value outside an enum, with the nearest allowed value when it looks like a typo. */
function enumMessage(issue: z.core.$ZodIssue, input: unknown): string | undefined {
  if (issue.code !== 'invalid_value' || !issue.values.every((v) => typeof v === 'string')) return undefined;
  const values = issue.values as string[];
  const got = issue.input !== undefined ? issue.input : valueAt(input, issue.path);
  const near = typeof got === 'string' ? closest(got, values) : undefined;
  const base = issue.message.startsWith('Invalid option') ? `expected one of ${values.map((v) => `"${v}"`).join(', ')}${got !== undefined ? `, got ${JSON.stringify(got)}` : ''}` : issue.message;
  return near ? `${base} (did you mean "${near}"?)` : base;
}

/**
 * Turns zod issues into path-named spec issues, with did-you-mean hints for unknown fields and for
 * enum values. `input` is the data that was parsed (paths are relative to it), used to quote values.
 */
export function fromZod(error: z.ZodError, schema: z.ZodType, prefix: readonly PropertyKey[] = [], input?: unknown): SpecIssue[] {
  const out: SpecIssue[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      const known = keysAt(schema, issue.path, input);
      for (const key of issue.keys) {
        const near = closest(key, known);
        out.push({
          path: formatPath([...prefix, ...issue.path, key]),
          message: `unknown field${near ? ` (did you mean "${near}"?)` : ''}; valid fields: ${known.join(', ')}`,
        });
      }
      continue;
    }
    let message = enumMessage(issue, input) ?? issue.message;
    if (issue.code === 'invalid_type' && message.startsWith('Invalid input')) {
      message = `expected ${issue.expected}`;
    }
    out.push({ path: formatPath([...prefix, ...issue.path]), message });
  }
  return out;
}
