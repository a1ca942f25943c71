import type { z } from 'zod';
import { formatValue } from '../units/format.js';
import { metaOf, type ParamSchema } from './params.js';

/**
 * Where a device's conductance and resistance lie, for fields that do not declare their own `plausible`
 * range: memristive devices span about 1 pS – 1 S (1 Ω – 1 TΩ). A value outside is almost always a
 * unit slip ("10" meant as 10 µS), so it is warned about, not refused: someone may model something odd.
 */
export const DEVICE_PLAUSIBLE: Readonly<Record<string, readonly [number, number]>> = {
  S: [1e-12, 1],
  ohm: [1, 1e12],
};

const PREFIXES: ReadonlyArray<readonly [symbol: string, name: string, factor: number]> = [
  ['T', 'tera', 1e12], ['G', 'giga', 1e9], ['M', 'mega', 1e6], ['k', 'kilo', 1e3], ['', '', 1],
  ['m', 'milli', 1e-3], ['u', 'micro', 1e-6], ['n', 'nano', 1e-9], ['p', 'pico', 1e-12],
];
const LONG_NAMES: Readonly<Record<string, string>> = { S: 'siemens', ohm: 'ohms', V: 'volts', A: 'amperes', s: 'seconds', Hz: 'hertz', F: 'farads', J: 'joules', W: 'watts' };


/** The SI prefix that puts a bare number nearest the middle (geometrically) of the plausible range, if any lands inside. */
function meantPrefix(value: number, [lo, hi]: readonly [number, number]) {
  const middle = Math.sqrt(lo * hi);
  let best: (typeof PREFIXES)[number] | undefined;
  for (const p of PREFIXES) {
    const v = Math.abs(value) * p[2];
    if (p[2] === 1 || v < lo || v > hi) continue;
    if (!best || Math.abs(Math.log(v / middle)) < Math.abs(Math.log(Math.abs(value) * best[2] / middle))) best = p;
  }
  return best;
}

/**
 * Warnings for parsed parameters outside their plausible range: the field's `plausible` option, else the
 * device range of its unit (S, ohm; see DEVICE_PLAUSIBLE). Exact zeros are not warned about (a
 * deliberate idealisation, not a slip). With `raw` (what the spec wrote), fields the spec did not give are
 * skipped, and only a bare number gets the hint of the prefix probably meant: a value written with a
 * unit was meant as written.
 */
export function paramWarnings(schema: ParamSchema, parsed: Readonly<Record<string, unknown>>, raw?: Readonly<Record<string, unknown>>): Array<{ key: string; message: string }> {
  const out: Array<{ key: string; message: string }> = [];
  for (const [key, field] of Object.entries(schema.shape)) {
    const meta = metaOf(field as z.ZodType);
    const value = parsed[key];
    if (!meta || typeof value !== 'number' || value === 0 || !Number.isFinite(value)) continue;
    if (raw && !(key in raw)) continue;
    const range = meta.plausible ?? DEVICE_PLAUSIBLE[meta.unit];
    if (!range) continue;
    const above = Math.abs(value) > range[1];
    if (!above && Math.abs(value) >= range[0]) continue;
    const { unit } = meta;
    const where = meta.plausible ? 'outside its plausible range' : `far ${above ? 'above' : 'below'} any device`;
    let message = `${key} = ${formatValue(value, unit)} is ${above ? 'above' : 'below'} ${formatValue(above ? range[1] : range[0], unit)}, ${where}`;
    const bare = raw === undefined || typeof raw[key] === 'number' || (typeof raw[key] === 'string' && !/[a-zA-ZµμΩ]/.test((raw[key] as string).replace(/\d[eE][-+]?\d/g, '')));
    const prefix = bare && unit !== '1' && unit !== 'bits' ? meantPrefix(value, range) : undefined;
    if (prefix) {
      const meant = LONG_NAMES[unit] ? `${prefix[1]}${LONG_NAMES[unit]}` : `${prefix[0]}${unit}`;
      message += `; if you meant ${meant} write "${value} ${prefix[0]}${unit}"`;
    }
    out.push({ key, message });
  }
  return out;
}
