import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { declaredUnit, dimensionName, toSI, UnitError } from '../units/units.js';
import { PluginDefinitionError } from './errors.js';

/**
 * Parameter schemas: one zod schema per field, carrying its unit, default and neutral value as
 * metadata so that types, validation, docs (`txsim plugins describe`) and the conformance suite's
 * "neutral parameters give the identity" check all come from one place.
 */
export interface ParamMeta {
  description: string;
  /**
   * Unit of the parsed value, as a spec would write it: any unit mathjs parses ('ohm', 'K', 'Hz',
   * '1/K', 'V/s'); '1' for dimensionless, 'bits' for bit widths.
   */
  unit: string;
  /** The value at which the plugin has no effect, when one exists. */
  neutral?: unknown;
  /** Set when the field has no default: a spec must give it. */
  required?: boolean;
  /** [min, max] outside which a value is suspicious (see `paramWarnings`); overrides the unit's usual range. */
  plausible?: readonly [number, number];
  /** A file path (see `file`): made absolute when the spec is resolved, and recorded with its sha256 by a run. */
  file?: true;
  /** For a file field: the file an empty value stands for (a bundled table), recorded and checked like a named one. */
  emptyFile?: string;
}

/**
 * Either a default, or `required: true` for a value nothing could sensibly default to (a measured
 * file's temperature). A required field is still given a neutral value where one exists.
 */
export type Presence<T> = { readonly default: T; readonly required?: false } | { readonly required: true; readonly default?: undefined };

export type NumberOptions = {
  description: string;
  neutral?: number;
  min?: number;
  /** Lower bound excluded (e.g. a resistance that must be > 0). */
  exclusiveMin?: boolean;
  max?: number;
  /**
   * Values outside [min, max] are accepted but warned about (`paramWarnings`). Quantities in S and ohm
   * have a device range by default; set this where the field is not a device (a wire's 1 Ω).
   */
  plausible?: readonly [number, number];
} & Presence<number>;

/** The field's schema as given, or wrapped in its default. */
export type Present<S extends z.ZodType, O> = O extends { required: true } ? S : z.ZodDefault<S>;

const paramMeta = new WeakMap<z.ZodType, ParamMeta>();

export function metaOf(schema: z.ZodType): ParamMeta | undefined {
  return paramMeta.get(schema);
}

/** zod's error option: "required: <description>" for a missing field, else the helper's message. */
function errorFor(o: { description: string }, message: (input: unknown) => string) {
  return (issue: { input?: unknown }) => (issue.input === undefined ? `required: ${o.description}` : message(issue.input));
}

function bounded(base: z.ZodNumber, o: NumberOptions, unitLabel: string): z.ZodNumber {
  let s = base;
  const u = unitLabel ? ` ${unitLabel}` : '';
  if (o.min !== undefined) {
    s = o.exclusiveMin
      ? s.gt(o.min, { error: (i) => `must be > ${o.min}${u}, got ${String(i.input)}` })
      : s.gte(o.min, { error: (i) => `must be ≥ ${o.min}${u}, got ${String(i.input)}` });
  }
  if (o.max !== undefined) s = s.lte(o.max, { error: (i) => `must be ≤ ${o.max}${u}, got ${String(i.input)}` });
  return s;
}

function finish<S extends z.ZodType, O extends Presence<unknown> & { description: string; neutral?: unknown }>(
  schema: S, o: O, meta: { unit: string; plausible?: readonly [number, number]; file?: { empty?: string } },
): Present<S, O> {
  if (meta.plausible && !(meta.plausible[0] < meta.plausible[1])) {
    throw new PluginDefinitionError(`parameter "${o.description}": plausible range [${meta.plausible.join(', ')}] must have min < max`);
  }
  // Plain JavaScript skips the type that demands one of the two; without either the field would parse
  // to undefined and train to NaN, so it is refused where the plugin is defined.
  if (!o.required && o.default === undefined) {
    throw new PluginDefinitionError(`parameter "${o.description}" has no default; give it one, or mark it required: true`);
  }
  const out = (o.required ? schema : schema.default(o.default as never)) as Present<S, O>;
  paramMeta.set(out, {
    description: o.description, unit: meta.unit, neutral: o.neutral,
    ...(o.required ? { required: true } : {}), ...(meta.plausible ? { plausible: meta.plausible } : {}),
    ...(meta.file ? { file: true as const, ...(meta.file.empty !== undefined ? { emptyFile: meta.file.empty } : {}) } : {}),
  });
  return out;
}

/**
 * A physical quantity in `unit` (any unit mathjs parses: 'ohm', 'K', 'Hz', '1/K'): a number in that unit,
 * or a string with a unit ("4.6 ohm", "100 kohm", "25 degC"). An unknown unit throws here, when the
 * plugin is defined. Units a pack registers are for spec values; declare fields in built-in units.
 */
export function quantity<const O extends NumberOptions>(unit: string, o: O) {
  try {
    declaredUnit(unit);
  } catch (e) {
    throw new PluginDefinitionError(`parameter "${o.description}": ${e instanceof UnitError ? e.message : String(e)}`);
  }
  const what = dimensionName(unit);
  const parse = z.union([z.number(), z.string()], { error: errorFor(o, () => `expected a ${what} like "1 ${unit}" or a number in ${unit}`) })
    .transform((v, ctx) => {
      let si: number;
      try {
        si = toSI(v, unit);
      } catch (e) {
        ctx.addIssue({ code: 'custom', message: e instanceof UnitError ? e.message : String(e) });
        return z.NEVER;
      }
      // Bounds are checked here, not in a later number schema, so the message can quote what the user wrote.
      const problem = outOfBounds(si, o, unit);
      if (problem) {
        ctx.addIssue({ code: 'custom', message: `${problem}, got ${JSON.stringify(v)}` });
        return z.NEVER;
      }
      return si;
    });
  return finish(parse, o, { unit, plausible: o.plausible });
}

function outOfBounds(v: number, o: NumberOptions, unit: string): string | undefined {
  if (!Number.isFinite(v)) return 'must be a finite number';
  if (o.min !== undefined && (o.exclusiveMin ? !(v > o.min) : !(v >= o.min))) return `must be ${o.exclusiveMin ? '>' : '≥'} ${o.min} ${unit}`;
  if (o.max !== undefined && !(v <= o.max)) return `must be ≤ ${o.max} ${unit}`;
  return undefined;
}

/** A dimensionless real number. */
export function real<const O extends NumberOptions>(o: O) {
  const s = bounded(z.number({ error: errorFor(o, (v) => `expected a number, got ${JSON.stringify(v)}`) }).finite(), o, '');
  return finish(s, o, { unit: '1', plausible: o.plausible });
}

/** An integer (counts, bit widths). */
export function integer<const O extends NumberOptions & { unit?: 'bits' }>(o: O) {
  const s = bounded(z.number({ error: errorFor(o, (v) => `expected an integer, got ${JSON.stringify(v)}`) }).int({ error: 'expected an integer' }), o, o.unit ?? '');
  return finish(s, o, { unit: o.unit ?? '1', plausible: o.plausible });
}

export function choice<const T extends readonly [string, ...string[]], const O extends { description: string; neutral?: T[number] } & Presence<T[number]>>(values: T, o: O) {
  const s = z.enum(values, { error: errorFor(o, (v) => `expected one of ${values.map((x) => `"${x}"`).join(', ')}, got ${JSON.stringify(v)}`) });
  return finish(s, o, { unit: '1' });
}

export function flag(o: { description: string; default: boolean; neutral?: boolean }) {
  return finish(z.boolean(), o, { unit: '1' });
}

/** A list of dimensionless reals (e.g. the nodes of a measured response curve). */
export function realList(o: { description: string; default: readonly number[]; minLength?: number; neutral?: readonly number[] }) {
  const s = z.array(z.number({ error: (i) => `expected a number, got ${JSON.stringify(i.input)}` }).finite())
    .min(o.minLength ?? 0, { error: `expected at least ${o.minLength ?? 0} numbers` });
  return finish(s, { ...o, default: [...o.default] }, { unit: '1' });
}

/** Options of `text` and `file`: `check` returns why a value is refused, or undefined. */
export type TextOptions = { description: string; check?: (value: string) => string | undefined } & Presence<string>;

function checkedString(o: TextOptions) {
  return z.string({ error: errorFor(o, (v) => `expected a string, got ${JSON.stringify(v)}`) }).superRefine((v, ctx) => {
    const why = o.check?.(v);
    if (why !== undefined) ctx.addIssue({ code: 'custom', message: why });
  });
}

/**
 * A string (a name, a mode). `check` returns why a value is refused, or undefined: it runs when the
 * spec is resolved, so a bad value is reported with its spec path. For a path, use `file`.
 */
export function text<const O extends TextOptions>(o: O) {
  return finish(checkedString(o), o, { unit: '1' });
}

/**
 * A file path. A relative path is taken from the spec file's folder when the spec is resolved (see
 * `absoluteFiles`), so resolved params, and a run's `spec.resolved.json`, hold absolute paths and a
 * resume from any directory reads the same file; a run records each file's sha256 and a resume refuses
 * a changed one. `check` sees the absolute path. An empty value is left as it is: `empty` names the
 * file it stands for (a bundled default), so that file is recorded and checked too.
 */
export function file<const O extends TextOptions & { empty?: string }>(o: O) {
  return finish(checkedString(o), o, { unit: '1', file: { empty: o.empty } });
}

/**
 * `given` (a spec's raw params) with every file field's relative path made absolute from `baseDir`;
 * anything else (empty, absolute, not a string) is left for the schema to judge.
 */
export function absoluteFiles(schema: ParamSchema, given: unknown, baseDir: string): unknown {
  if (typeof given !== 'object' || given === null || Array.isArray(given)) return given;
  const out: Record<string, unknown> = { ...given };
  for (const [key, field] of Object.entries(schema.shape)) {
    const v = out[key];
    if (metaOf(field as z.ZodType)?.file && typeof v === 'string' && v !== '' && !isAbsolute(v)) out[key] = resolve(baseDir, v);
  }
  return out;
}

/** A plugin's whole parameter object; unknown fields are rejected. */
export function params<T extends z.ZodRawShape>(shape: T) {
  return z.strictObject(shape);
}

export type ParamSchema = z.ZodObject<z.ZodRawShape>;

/** The names of fields a spec must give (no default). */
export function requiredParams(schema: ParamSchema): string[] {
  return Object.entries(schema.shape).filter(([, field]) => !(field as z.ZodType).safeParse(undefined).success).map(([key]) => key);
}

/** Each field's parsed default; required fields are left out (so this works for any schema). */
export function paramDefaults(schema: ParamSchema): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(schema.shape)) {
    const parsed = (field as z.ZodType).safeParse(undefined);
    if (parsed.success) out[key] = parsed.data;
  }
  return out;
}

/**
 * The defaults, with every field that declares a neutral value set to it. A required field without a
 * neutral value takes its value from `given` (raw, as a spec writes it), or is left out.
 */
export function neutralParams(schema: ParamSchema, given: Readonly<Record<string, unknown>> = {}): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(schema.shape)) {
    const meta = metaOf(field as z.ZodType);
    const raw = meta?.neutral !== undefined ? meta.neutral : given[key];
    const parsed = (field as z.ZodType).safeParse(raw);
    if (parsed.success) out[key] = parsed.data;
    else if (raw !== undefined) throw new z.ZodError(parsed.error.issues.map((i) => ({ ...i, path: [key, ...i.path] })));
  }
  return out;
}
