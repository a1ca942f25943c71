import math from 'mathjs/lib/browser/math.js';

/** The dimensions specs may use, keyed by the SI unit a parsed value is expressed in. */
export const DIMENSIONS = {
  ohm: 'resistance',
  S: 'conductance',
  V: 'voltage',
  A: 'current',
  s: 'time',
} as const;
export type SiUnit = keyof typeof DIMENSIONS;

export class UnitError extends Error {}

/** mathjs spells a few symbols differently from how people type them. */
function normalize(text: string): string {
  return text
    .trim()
    .replace(/[µμ]/g, 'u')
    .replace(/Ω/g, 'ohm')
    .replace(/([kMGmunp]?)Ohms?\b/g, '$1ohm')
    .replace(/\bohms\b/g, 'ohm');
}

/**
 * Parses "4.6 ohm", "100 kohm", "10 uS" or a bare number into an SI number of the expected unit.
 * Bare numbers are taken as already in SI. Rounds to 15 significant digits so "100 uS" is 1e-4.
 */
export function toSI(value: number | string, unit: SiUnit): number {
  if (typeof value === 'number') return value;
  const text = normalize(value);
  if (/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(text)) return Number(text);
  let parsed: import('mathjs').Unit;
  try {
    parsed = math.unit(text) as import('mathjs').Unit;
  } catch {
    throw new UnitError(`cannot parse "${value}" as a ${DIMENSIONS[unit]} (e.g. "1 ${unit}")`);
  }
  if (!parsed.equalBase(math.unit(unit))) {
    throw new UnitError(`"${value}" is not a ${DIMENSIONS[unit]} (expected a unit like ${unit})`);
  }
  return Number(parsed.toNumber(unit).toPrecision(15));
}
