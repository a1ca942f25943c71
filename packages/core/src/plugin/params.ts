import { z } from 'zod';
import { DIMENSIONS, toSI, UnitError, type SiUnit } from '../units/units.js';

/**
 * Parameter schemas: one zod schema per field, carrying its unit, default and neutral value as
 * metadata so that types, validation, docs (`txsim plugins describe`) and the conformance suite's
 * "neutral parameters give the identity" check all come from one place.
 */
export interface ParamMeta {
  description: string;
  /** SI unit of the parsed value ('1' for dimensionless). */
  unit: SiUnit | '1' | 'bits';
  /** The value at which the plugin has no effect, when one exists. */
  neutral?: unknown;
}

export interface NumberOptions {
  description: string;
  default: number;
  neutral?: number;
  min?: number;
  /** Lower bound excluded (e.g. a resistance that must be > 0). */
  exclusiveMin?: boolean;
  max?: number;
}

const paramMeta = new WeakMap<z.ZodType, ParamMeta>();

export function metaOf(schema: z.ZodType): ParamMeta | undefined {
  return paramMeta.get(schema);
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

function finish<T extends z.ZodType>(schema: T, meta: ParamMeta): T {
  paramMeta.set(schema, meta);
  return schema;
}

/** A physical quantity: a number in SI units, or a string with a unit ("4.6 ohm", "100 kohm"). */
export function quantity(unit: SiUnit, o: NumberOptions) {
  const parse = z.union([z.number(), z.string()], { error: () => `expected a ${DIMENSIONS[unit]} like "1 ${unit}" or a number in ${unit}` })
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
  return finish(parse.default(o.default), { description: o.description, unit, neutral: o.neutral });
}

function outOfBounds(v: number, o: NumberOptions, unit: string): string | undefined {
  if (!Number.isFinite(v)) return 'must be a finite number';
  if (o.min !== undefined && (o.exclusiveMin ? !(v > o.min) : !(v >= o.min))) return `must be ${o.exclusiveMin ? '>' : '≥'} ${o.min} ${unit}`;
  if (o.max !== undefined && !(v <= o.max)) return `must be ≤ ${o.max} ${unit}`;
  return undefined;
}

/** A dimensionless real number. */
export function real(o: NumberOptions) {
  const s = bounded(z.number({ error: (i) => `expected a number, got ${JSON.stringify(i.input)}` }).finite(), o, '');
  return finish(s.default(o.default), { description: o.description, unit: '1', neutral: o.neutral });
}

/** An integer (counts, bit widths). */
export function integer(o: NumberOptions & { unit?: 'bits' }) {
  const s = bounded(z.number({ error: (i) => `expected an integer, got ${JSON.stringify(i.input)}` }).int({ error: 'expected an integer' }), o, o.unit ?? '');
  return finish(s.default(o.default), { description: o.description, unit: o.unit ?? '1', neutral: o.neutral });
}

export function choice<const T extends readonly [string, ...string[]]>(values: T, o: { description: string; default: T[number]; neutral?: T[number] }) {
  const s = z.enum(values, { error: (i) => `expected one of ${values.map((v) => `"${v}"`).join(', ')}, got ${JSON.stringify(i.input)}` });
  return finish(s.default(o.default as never), { description: o.description, unit: '1', neutral: o.neutral });
}

export function flag(o: { description: string; default: boolean; neutral?: boolean }) {
  return finish(z.boolean().default(o.default), { description: o.description, unit: '1', neutral: o.neutral });
}

/** A list of dimensionless reals (e.g. the nodes of a measured response curve). */
export function realList(o: { description: string; default: readonly number[]; minLength?: number; neutral?: readonly number[] }) {
  const s = z.array(z.number({ error: (i) => `expected a number, got ${JSON.stringify(i.input)}` }).finite())
    .min(o.minLength ?? 0, { error: `expected at least ${o.minLength ?? 0} numbers` });
  return finish(s.default([...o.default]), { description: o.description, unit: '1', neutral: o.neutral });
}

/**
 * A string (a file path, a name). `check` returns why a value is refused, or undefined: it runs when
 * the spec is resolved, so a bad value (say, an unreadable data file) is reported with its spec path.
 */
export function text(o: { description: string; default: string; check?: (value: string) => string | undefined }) {
  const s = z.string({ error: (i) => `expected a string, got ${JSON.stringify(i.input)}` }).superRefine((v, ctx) => {
    const why = o.check?.(v);
    if (why !== undefined) ctx.addIssue({ code: 'custom', message: why });
  });
  return finish(s.default(o.default), { description: o.description, unit: '1' });
}

/** A plugin's whole parameter object; unknown fields are rejected. */
export function params<T extends z.ZodRawShape>(shape: T) {
  return z.strictObject(shape);
}

export type ParamSchema = z.ZodObject<z.ZodRawShape>;

/** The defaults, with every field that declares a neutral value set to it. */
export function neutralParams(schema: ParamSchema): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(schema.shape)) {
    const meta = metaOf(field as z.ZodType);
    if (meta?.neutral !== undefined) out[key] = meta.neutral;
  }
  return schema.parse(out) as Record<string, unknown>;
}
