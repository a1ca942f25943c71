import math from 'mathjs/lib/browser/math.js';

type MathUnit = import('mathjs').Unit;

/**
 * Friendly names of common units, for messages ("expected a temperature"). Any unit mathjs parses may
 * be declared; one missing here is described as "a quantity in <unit>" (see `dimensionName`).
 */
export const KNOWN_UNITS = {
  ohm: 'resistance',
  S: 'conductance',
  V: 'voltage',
  A: 'current',
  s: 'time',
  K: 'temperature',
  degC: 'temperature',
  Hz: 'frequency',
  F: 'capacitance',
  H: 'inductance',
  C: 'charge',
  J: 'energy',
  W: 'power',
  m: 'length',
  'm^2': 'area',
  '1/K': 'temperature coefficient',
  'V/s': 'voltage ramp rate',
  'A/m^2': 'current density',
} as const;

/** The units with a friendly name; `toSI` and `quantity` accept any unit mathjs understands. */
export type SiUnit = keyof typeof KNOWN_UNITS;

/** Friendly dimension names by unit. Indexed by a unit not listed it gives undefined: prefer `dimensionName`. */
export const DIMENSIONS: Readonly<Record<string, string>> = KNOWN_UNITS;

export class UnitError extends Error {
  override readonly name = 'UnitError';
}

/** mathjs spells a few symbols differently from how people type them. */
export function normalizeUnitText(text: string): string {
  return text
    .trim()
    .replace(/[µμ]/g, 'u')
    .replace(/Ω/g, 'ohm')
    .replace(/([kMGmunp]?)Ohms?\b/g, '$1ohm')
    .replace(/\bohms\b/g, 'ohm')
    // "0.004 1/K" reads as two numbers to mathjs; "0.004 /K" is the same quantity.
    .replace(/^(\S+)\s+1\s*\//, '$1 /')
    .replace(/^1\s*\//, '/');
}

const declared = new Map<string, MathUnit>();

/**
 * The parsed form of a declared (expected) unit, cached. Throws a UnitError when mathjs cannot parse
 * it: `quantity()` calls this when a plugin is defined, so a typo in a unit fails at import, not in a run.
 */
export function declaredUnit(unit: string): MathUnit {
  let parsed = declared.get(unit);
  if (!parsed) {
    try {
      const text = normalizeUnitText(unit);
      parsed = math.unit(text.startsWith('/') ? `1 ${text}` : text) as MathUnit;
    } catch (e) {
      throw new UnitError(`"${unit}" is not a unit mathjs knows (${e instanceof Error ? e.message : String(e)}); declare units like "ohm", "K", "Hz", "1/K" or "V/s"`);
    }
    declared.set(unit, parsed);
  }
  return parsed;
}

/**
 * What a value of `unit` is, for messages: "resistance", or for units without a friendly name (also
 * when matched by dimension: "mK" is a temperature) "quantity in <unit>". Reads after "a".
 */
export function dimensionName(unit: string): string {
  const direct = DIMENSIONS[unit];
  if (direct) return direct;
  try {
    const u = declaredUnit(unit);
    for (const [known, name] of Object.entries(KNOWN_UNITS)) if (u.equalBase(declaredUnit(known))) return name;
  } catch {
    // Not a unit at all: the fallback below still reads well.
  }
  return `quantity in ${unit}`;
}

const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i;

/**
 * Parses "4.6 ohm", "100 kohm", "300 K", "25 degC", "2 GHz" or a bare number into a number in `unit`
 * (any unit mathjs understands, including ones packs registered). Bare numbers are taken as already in
 * `unit` (SI, for SI units). Offsets convert correctly ("25 degC" in K is 298.15). Rounds to 15
 * significant digits so "100 uS" is 1e-4.
 */
export function toSI(value: number | string, unit: string): number {
  const target = declaredUnit(unit);
  if (typeof value === 'number') return value;
  const text = normalizeUnitText(value);
  if (NUMBER.test(text)) return Number(text);
  const what = dimensionName(unit);
  // A unit alone ("kohm") must not stand for one of it: the number is what the user has to decide.
  let parsed: MathUnit;
  if (!/^[-+]?\s*(\d|\.\d)/.test(text)) {
    let known = false;
    try {
      known = (math.unit(text) as MathUnit).equalBase(target);
    } catch {
      throw new UnitError(`cannot parse "${value}" as a ${what} (e.g. "1 ${unit}")`);
    }
    throw new UnitError(`"${value}" has no number: expected a number with a unit, e.g. "1 ${known ? text : unit}"`);
  }
  try {
    parsed = math.unit(text) as MathUnit;
  } catch {
    throw new UnitError(`cannot parse "${value}" as a ${what} (e.g. "1 ${unit}")`);
  }
  if (parsed.value === null) throw new UnitError(`"${value}" has no number: expected a number with a unit, e.g. "1 ${unit}"`);
  if (!parsed.equalBase(target)) {
    throw new UnitError(`"${value}" is not a ${what} (expected a unit like ${unit})`);
  }
  // toNumber takes a unit string: a declared "1/K" is handed over in the form mathjs parsed it as.
  return Number(parsed.toNumber(target.formatUnits()).toPrecision(15));
}
