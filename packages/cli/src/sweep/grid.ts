import { parse as parseYaml } from 'yaml';
import { parsePath } from './param-path.js';

/** One `--param PATH=v1,v2,…`: the path as typed, and each value as typed and as parsed. */
export interface SweepParam {
  readonly path: string;
  /** The values as the user wrote them (ranges expanded), used in run names and tables. */
  readonly texts: readonly string[];
  /** The values parsed as YAML scalars: 0.5 → number, "500 kohm" → string (units are the schema's business). */
  readonly values: readonly unknown[];
}

/** One combination of parameter values: a row of the results table. */
export interface GridPoint {
  /** Stable directory-safe name from the values, e.g. `v=0.5_gamma=5`. */
  readonly id: string;
  /** Index into each param's values. */
  readonly choice: readonly number[];
}

const NUM = String.raw`[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?`;
const RANGE = new RegExp(`^(${NUM}):(${NUM}):(${NUM})$`, 'i');

/** Splits at commas outside [] and {}, so a value may be a YAML flow list such as [32, 32]. */
function splitTopLevel(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '[' || c === '{') depth++;
    else if (c === ']' || c === '}') depth--;
    else if (c === ',' && depth === 0) {
      out.push(text.slice(start, i));
      start = i + 1;
    }
  }
  out.push(text.slice(start));
  return out.map((s) => s.trim());
}

/** `a:b:step`, inclusive of b (to within a millionth of a step), each value rounded to 12 significant digits. */
export function expandRange(a: number, b: number, step: number): number[] {
  if (!(step > 0) && !(step < 0)) throw new Error(`range step must be non-zero, got ${step}`);
  if ((b - a) / step < 0) throw new Error(`range ${a}:${b}:${step} is empty (the step goes the wrong way)`);
  const n = Math.floor((b - a) / step + 1e-6);
  if (n > 10_000) throw new Error(`range ${a}:${b}:${step} has ${n + 1} values; more than 10000`);
  return Array.from({ length: n + 1 }, (_, i) => Number((a + i * step).toPrecision(12)));
}

/** Parses `PATH=v1,v2,…` (values may be `a:b:step` ranges). Throws with the flag's text on errors. */
export function parseParam(flag: string): SweepParam {
  const eq = flag.indexOf('=');
  if (eq <= 0) throw new Error(`--param ${flag}: expected PATH=v1,v2,… (e.g. training.learningRate=0.5,1)`);
  const path = flag.slice(0, eq).trim();
  try {
    parsePath(path);
  } catch (e) {
    throw new Error(`--param ${flag}: ${(e as Error).message}`);
  }
  const texts: string[] = [];
  const values: unknown[] = [];
  for (const part of splitTopLevel(flag.slice(eq + 1))) {
    if (part === '') throw new Error(`--param ${flag}: empty value (values are separated by single commas)`);
    const range = RANGE.exec(part);
    if (range) {
      let expanded: number[];
      try {
        expanded = expandRange(Number(range[1]), Number(range[2]), Number(range[3]));
      } catch (e) {
        throw new Error(`--param ${flag}: ${(e as Error).message}`);
      }
      for (const v of expanded) {
        texts.push(String(v));
        values.push(v);
      }
      continue;
    }
    let value: unknown;
    try {
      value = parseYaml(part);
    } catch (e) {
      throw new Error(`--param ${flag}: cannot read value "${part}": ${(e as Error).message.split('\n')[0]}`);
    }
    texts.push(part);
    values.push(value);
  }
  const param = { path, texts, values };
  const names = texts.map(slug);
  const dup = names.findIndex((n, i) => names.indexOf(n) !== i);
  if (dup >= 0) throw new Error(`--param ${flag}: values "${texts[names.indexOf(names[dup]!)]}" and "${texts[dup]}" repeat (or give the same run name)`);
  return param;
}

/**
 * A value's text in a directory name: spaces, brackets, braces and quotes dropped, `key: v` as `keyv`,
 * commas as -, anything else outside [A-Za-z0-9._+-] as _ (`{rows: 32, cols: 32}` → `rows32-cols32`).
 */
export function slug(text: string): string {
  return text.replace(/[\s[\]{}"':]+/g, '').replace(/,/g, '-').replace(/[^A-Za-z0-9._+-]/g, '_') || '_';
}

/**
 * The short names of params in run names: the last key of each path (`v`, `rows`, `rmax`), or the
 * whole path where two params would share it.
 */
export function paramKeys(params: readonly SweepParam[]): string[] {
  const last = params.map((p) => {
    const keys = parsePath(p.path).flatMap((s) => ('key' in s ? [s.key] : []));
    return keys.at(-1)!;
  });
  return params.map((p, i) => (last.filter((k) => k === last[i]).length > 1 ? p.path : last[i]!));
}

/** Every combination of values (cartesian product), the first param varying slowest. */
export function expandGrid(params: readonly SweepParam[]): GridPoint[] {
  const keys = paramKeys(params);
  let choices: number[][] = [[]];
  for (const p of params) choices = choices.flatMap((c) => p.texts.map((_, i) => [...c, i]));
  return choices.map((choice) => ({
    id: params.length ? choice.map((v, i) => `${slug(keys[i]!)}=${slug(params[i]!.texts[v]!)}`).join('_') : 'base',
    choice,
  }));
}

/** A run: one grid point under one seed; its directory is `runs/<id>`. */
export const runId = (point: GridPoint, seed: number): string => `${point.id}_seed=${seed}`;

/** `seed`, `seed + 1`, … `seed + n - 1`. */
export function seedList(seed: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => seed + i);
}
