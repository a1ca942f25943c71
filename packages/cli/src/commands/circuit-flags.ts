import { readFileSync } from 'node:fs';
import { toSI, UnitError, type SiUnit } from '@txsim/core';
import { parseNumericCsv, type NumericCsv, type ParseCsvOptions } from '../csv.js';

/** Wire resistances as the solver takes them, in ohm. */
export interface WireFlags {
  readonly rRow?: string;
  readonly rCol?: string;
  readonly rSource?: string;
  readonly rSink?: string;
}

/**
 * Reads command-line flags into SI numbers, collecting every problem (each naming its flag) so one
 * run reports them all; `done()` throws them together before any work starts.
 */
export class FlagReader {
  readonly problems: string[] = [];

  /** A physical quantity with units ("4.6 ohm", "1 kohm") or a bare SI number. */
  quantity(flag: string, value: string | undefined, unit: SiUnit, limits: { min?: number; positive?: boolean } = {}): number {
    if (value === undefined) return Number.NaN; // commander enforces required flags; callers pass defaults
    let x: number;
    try {
      x = toSI(value, unit);
    } catch (e) {
      if (!(e instanceof UnitError)) throw e;
      this.problems.push(`${flag}: ${e.message}`);
      return Number.NaN;
    }
    if (!Number.isFinite(x)) this.problems.push(`${flag}: "${value}" is not a finite ${unit} value`);
    else if (limits.positive && !(x > 0)) this.problems.push(`${flag}: must be > 0 ${unit}, got "${value}"`);
    else if (limits.min !== undefined && x < limits.min) this.problems.push(`${flag}: must be ≥ ${limits.min} ${unit}, got "${value}"`);
    return x;
  }

  /** A whole number in [min, max]. */
  integer(flag: string, value: string | undefined, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
    if (value === undefined) return fallback;
    const n = Number(value);
    if (value.trim() === '' || !Number.isInteger(n) || n < min || n > max) {
      this.problems.push(`${flag}: expected a whole number in [${min}, ${max}], got "${value}"`);
      return fallback;
    }
    return n;
  }

  /** One of a fixed set of words. */
  choice<T extends string>(flag: string, value: string | undefined, choices: readonly T[], fallback: T): T {
    if (value === undefined) return fallback;
    if ((choices as readonly string[]).includes(value)) return value as T;
    this.problems.push(`${flag}: expected ${choices.map((c) => `"${c}"`).join(' or ')}, got "${value}"`);
    return fallback;
  }

  /** `--r-row`, `--r-col` (required) and `--r-source`, `--r-sink` (default 0), in ohm. */
  wires(flags: WireFlags): { rRow: number; rCol: number; rSource: number; rSink: number } {
    return {
      rRow: this.quantity('--r-row', flags.rRow, 'ohm', { min: 0 }),
      rCol: this.quantity('--r-col', flags.rCol, 'ohm', { min: 0 }),
      rSource: this.quantity('--r-source', flags.rSource ?? '0', 'ohm', { min: 0 }),
      rSink: this.quantity('--r-sink', flags.rSink ?? '0', 'ohm', { min: 0 }),
    };
  }

  /** Reads and parses a numeric CSV named by `flag`; a problem, not a throw, when it cannot. */
  csv(flag: string, file: string, options: Omit<ParseCsvOptions, 'file'> = {}): NumericCsv | undefined {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      this.problems.push(`${flag}: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
      return undefined;
    }
    try {
      return parseNumericCsv(text, { ...options, file });
    } catch (e) {
      if (!(e instanceof Error)) throw e;
      this.problems.push(`${flag} ${e.message.replace(/\n/g, '\n  ')}`);
      return undefined;
    }
  }

  /** Throws every collected problem at once. */
  done(): void {
    if (this.problems.length === 1) throw new Error(this.problems[0]);
    if (this.problems.length > 1) throw new Error(`${this.problems.length} problems with the options\n${this.problems.map((p) => `  ${p}`).join('\n')}`);
  }
}
