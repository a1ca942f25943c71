import type { ParamMeta } from '../plugin/params.js';

const PREFIXES: ReadonlyArray<[number, string]> = [[1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'k'], [1, ''], [1e-3, 'm'], [1e-6, 'u'], [1e-9, 'n'], [1e-12, 'p']];

/**
 * An SI value the way a spec would write it: 100000 ohm → "100 kohm", 1e-5 S → "10 uS". Used by
 * `plugins describe`, the report and plausibility warnings alike.
 */
export function formatValue(value: unknown, unit: ParamMeta['unit'] | undefined): string {
  if (value === undefined) return '-';
  if (typeof value !== 'number') return JSON.stringify(value);
  if (!unit || unit === '1') return String(value);
  if (unit === 'bits') return String(value);
  if (value === 0) return `0 ${unit}`;
  // SI prefixes read well on a plain symbol (kΩ, µS, mK), not on a compound unit (1/K, V/s).
  if (!/^[A-Za-z]+$/.test(unit)) return `${Number(value.toPrecision(6))} ${unit}`;
  const [scale, prefix] = PREFIXES.find(([s]) => Math.abs(value) >= s * (1 - 1e-12)) ?? PREFIXES[PREFIXES.length - 1]!;
  return `${Number((value / scale).toPrecision(6))} ${prefix}${unit}`;
}
