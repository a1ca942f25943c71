import { readFileSync } from 'node:fs';

/**
 * A measured pulse response, one cycle: an up sweep (potentiating pulses from the low state) and a
 * down sweep (depressing pulses from where the up sweep ended). `pulse` counts the pulses of that
 * direction applied since its sweep began (0: before the first), `conductance` is in siemens.
 */
export interface PulseResponse {
  readonly file: string;
  readonly up: { readonly pulse: Float64Array; readonly g: Float64Array };
  readonly down: { readonly pulse: Float64Array; readonly g: Float64Array };
}

export class FitDataError extends Error {}

const COLUMNS = ['pulse', 'conductance', 'direction'] as const;
const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i;
const MAX_SHOWN = 10;
/**
 * Measurement rows a fit reads. Measured pulse responses have hundreds to a few thousand points; the
 * Levenberg–Marquardt fit costs rows × parameters × starts per iteration, so past this it runs for
 * minutes without improving the fit. Thin the data (every k-th pulse) instead.
 */
export const MAX_FIT_ROWS = 100_000;
/** NeuroSim's maxLevel bound: a pulse index above it cannot be a device's level count. */
export const MAX_PULSE_INDEX = 1_000_000;

/** Reads a pulse-response CSV; every problem is reported with its line and column. */
export function readPulseResponse(file: string): PulseResponse {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new FitDataError(`${file}: cannot read the data (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  return parsePulseResponse(text, file);
}

export function parsePulseResponse(text: string, file: string): PulseResponse {
  const problems: string[] = [];
  const rows = { up: [] as Array<[number, number]>, down: [] as Array<[number, number]> };
  type Index = Record<(typeof COLUMNS)[number], number>;
  let index: Index | undefined;
  let width = 0;
  let badHeader = false;
  let headerLine = 0;
  let dataRows = 0;
  let tooMany = false;
  text.replace(/^\uFEFF/, '').split(/\r?\n/).forEach((raw, i) => {
    if (tooMany) return;
    const line = raw.trim();
    const at = i + 1;
    if (line === '' || line.startsWith('#')) return;
    const cells = line.split(',').map((c) => c.trim());
    if (!index) {
      const names = cells.map((c) => c.toLowerCase());
      const missing = COLUMNS.filter((c) => !names.includes(c));
      if (missing.length) {
        problems.push(`line ${at}: expected a header naming the columns ${COLUMNS.join(', ')} (missing: ${missing.join(', ')})`);
        badHeader = true;
        index = { pulse: 0, conductance: 1, direction: 2 };
      } else {
        index = Object.fromEntries(COLUMNS.map((c) => [c, names.indexOf(c)])) as Index;
      }
      width = cells.length;
      headerLine = at;
      return;
    }
    if (badHeader) return;
    if (++dataRows > MAX_FIT_ROWS) {
      problems.push(`line ${at}: more than ${MAX_FIT_ROWS.toLocaleString('en-US')} measurement rows; a fit needs no more (thin the data, e.g. every 10th pulse)`);
      tooMany = true;
      return;
    }
    if (cells.length !== width) {
      problems.push(`line ${at}: ${cells.length} columns, but the header (line ${headerLine}) has ${width}`);
      return;
    }
    const where = (c: (typeof COLUMNS)[number]) => `line ${at}, column ${index![c] + 1}`;
    const p = cells[index.pulse]!;
    const g = cells[index.conductance]!;
    const dir = cells[index.direction]!.toLowerCase();
    const pulse = Number(p);
    const cond = Number(g);
    let ok = true;
    if (!NUMBER.test(p) || !Number.isInteger(pulse) || pulse < 0) {
      problems.push(`${where('pulse')}: pulse index ${JSON.stringify(p)} is not a non-negative integer`);
      ok = false;
    } else if (pulse > MAX_PULSE_INDEX) {
      problems.push(`${where('pulse')}: pulse index ${p} is over ${MAX_PULSE_INDEX.toLocaleString('en-US')}, more levels than any device model takes`);
      ok = false;
    }
    if (!NUMBER.test(g) || cond < 0) {
      problems.push(`${where('conductance')}: conductance ${JSON.stringify(g)} is not a number ≥ 0 (siemens)`);
      ok = false;
    } else if (!Number.isFinite(cond)) {
      // 1e400 reads as Infinity, which the fit would carry into every parameter.
      problems.push(`${where('conductance')}: conductance ${g} is beyond the float64 range (siemens; is the exponent right?)`);
      ok = false;
    }
    if (dir !== 'up' && dir !== 'down') {
      problems.push(`${where('direction')}: direction ${JSON.stringify(cells[index.direction])} is neither "up" nor "down"`);
      ok = false;
    }
    if (ok) rows[dir as 'up' | 'down'].push([pulse, cond]);
  });
  if (!index) problems.push('no header and no data: expected "pulse,conductance,direction" and one row per measurement');
  else if (!badHeader) {
    for (const dir of ['up', 'down'] as const) {
      if (new Set(rows[dir].map((r) => r[0])).size < 3) problems.push(`the ${dir} sweep needs at least 3 distinct pulse indices, got ${new Set(rows[dir].map((r) => r[0])).size}`);
    }
  }
  if (!problems.length) {
    let lo = Infinity;
    let hi = -Infinity;
    for (const [, g] of [...rows.up, ...rows.down]) {
      lo = Math.min(lo, g);
      hi = Math.max(hi, g);
    }
    if (!(hi > lo)) problems.push(`every conductance is ${lo} S: the data has no variation, so there is no curve to fit (is the conductance column the right one?)`);
  }
  if (problems.length) {
    const shown = problems.slice(0, MAX_SHOWN).map((p) => `  ${p}`);
    if (problems.length > MAX_SHOWN) shown.push(`  … and ${problems.length - MAX_SHOWN} more`);
    throw new FitDataError(`${file}: ${problems.length === 1 ? '1 problem' : `${problems.length} problems`}\n${shown.join('\n')}`);
  }
  const sweep = (r: Array<[number, number]>) => ({ pulse: Float64Array.from(r, (x) => x[0]), g: Float64Array.from(r, (x) => x[1]) });
  return { file, up: sweep(rows.up), down: sweep(rows.down) };
}
