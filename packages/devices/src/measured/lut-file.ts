import { MiB, readTextFileSafely, statRegularFile } from '@txsim/core';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * A measured per-pulse response table (format: docs/devices-measured.md). Several measured devices
 * are stored one after another: device d owns rows offsets[d] … offsets[d + 1] − 1, sorted by g.
 */
export interface Lut {
  readonly file: string;
  readonly devices: readonly string[];
  readonly offsets: Int32Array;
  /** Conductance of each row (S), increasing within a device. */
  readonly g: Float64Array;
  /** Mean change of one potentiating pulse at g (S, ≥ 0) and of one depressing pulse (S, ≤ 0). */
  readonly dgUp: Float64Array;
  readonly dgDown: Float64Array;
  /** Standard deviation of those changes (S); zero where the file has no std columns. */
  readonly sdUp: Float64Array;
  readonly sdDown: Float64Array;
}

/** The table used when the spec names none: examples/devices/neurosim-agsi-lut.csv (src/ and dist/ sit at the same depth). */
export const BUNDLED_LUT = fileURLToPath(new URL('../../../../examples/devices/neurosim-agsi-lut.csv', import.meta.url));

export class LutError extends Error {}

const REQUIRED = ['g', 'dg_up', 'dg_down'] as const;
const OPTIONAL = ['sd_up', 'sd_down', 'device'] as const;
const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i;
const cache = new Map<string, { stamp: string; lut: Lut }>();
/** Measured tables are kilobytes to a few megabytes; a larger file is almost certainly the wrong one. */
export const MAX_LUT_BYTES = 64 * MiB;

/**
 * The file a `file` parameter names: '' → the bundled table. A resolved spec holds absolute paths; a
 * relative one (a plugin created from code) is taken from the working directory.
 */
export function lutPath(file: string): string {
  return file === '' ? BUNDLED_LUT : resolve(file);
}

/** Reads and checks a table (cached per path, modification time and size). Throws a LutError naming file, line and column. */
export function loadLut(file: string): Lut {
  const path = lutPath(file);
  let stamp: string;
  let text: string;
  const name = file || path;
  try {
    const st = statRegularFile(path, { maxBytes: MAX_LUT_BYTES, what: 'lookup table' });
    stamp = `${st.mtimeMs}/${st.size}`;
    const hit = cache.get(path);
    if (hit && hit.stamp === stamp) return hit.lut;
    text = readTextFileSafely(path, { maxBytes: MAX_LUT_BYTES, what: 'lookup table' });
  } catch (e) {
    // The safe reader names the resolved path; the user wrote `name`.
    const why = e instanceof Error ? e.message.replace(`${path}: `, '') : String(e);
    throw new LutError(`${name}: ${why}`);
  }
  const lut = parseLut(text, file || path);
  cache.set(path, { stamp, lut });
  return lut;
}

/** Parses the text of a table; `file` names it in messages. */
export function parseLut(text: string, file: string): Lut {
  const fail = (line: number, col: number | undefined, msg: string): never => {
    throw new LutError(`${file}: line ${line}${col === undefined ? '' : `, column ${col}`}: ${msg}`);
  };
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  let header: string[] | undefined;
  let headerLine = 0;
  const rows: Array<{ line: number; device: string; v: Record<string, number> }> = [];
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const cells = line.split(',').map((c) => c.trim());
    if (!header) {
      header = cells.map((c) => c.toLowerCase());
      headerLine = i + 1;
      header.forEach((h, j) => {
        if (![...REQUIRED, ...OPTIONAL].includes(h as never)) fail(i + 1, j + 1, `unknown column "${cells[j]}"; columns are ${[...REQUIRED, ...OPTIONAL].join(', ')}`);
        if (header!.indexOf(h) !== j) fail(i + 1, j + 1, `column "${h}" appears twice`);
      });
      for (const r of REQUIRED) if (!header.includes(r)) fail(i + 1, undefined, `the header lacks the column "${r}" (required: ${REQUIRED.join(', ')})`);
      if (header.includes('sd_up') !== header.includes('sd_down')) fail(i + 1, undefined, 'give both sd_up and sd_down, or neither');
      return;
    }
    if (cells.length !== header.length) fail(i + 1, undefined, `${cells.length} columns, but the header (line ${headerLine}) has ${header.length}`);
    const v: Record<string, number> = {};
    let device = '';
    header.forEach((h, j) => {
      if (h === 'device') {
        if (cells[j] === '') fail(i + 1, j + 1, 'empty device name');
        device = cells[j]!;
        return;
      }
      if (!NUMBER.test(cells[j]!)) fail(i + 1, j + 1, `${cells[j] === '' ? 'an empty cell' : `"${cells[j]}"`} is not a number (${h}, in siemens)`);
      const x = Number(cells[j]);
      if (h === 'g' && !(x >= 0)) fail(i + 1, j + 1, `conductance ${x} S is negative`);
      if (h === 'dg_up' && x < 0) fail(i + 1, j + 1, `dg_up ${x} S is negative: a potentiating pulse must not lower the mean conductance`);
      if (h === 'dg_down' && x > 0) fail(i + 1, j + 1, `dg_down ${x} S is positive: a depressing pulse must not raise the mean conductance`);
      if (h.startsWith('sd_') && x < 0) fail(i + 1, j + 1, `standard deviation ${x} S is negative`);
      v[h] = x;
    });
    rows.push({ line: i + 1, device, v });
  });
  if (!header) fail(1, undefined, 'empty file: expected a header line (g,dg_up,dg_down[,sd_up,sd_down][,device]) and rows');
  const devices = [...new Set(rows.map((r) => r.device))];
  const n = rows.length;
  const lut = {
    file, devices, offsets: new Int32Array(devices.length + 1),
    g: new Float64Array(n), dgUp: new Float64Array(n), dgDown: new Float64Array(n), sdUp: new Float64Array(n), sdDown: new Float64Array(n),
  };
  let at = 0;
  devices.forEach((name, d) => {
    const own = rows.filter((r) => r.device === name);
    const gCol = header!.indexOf('g') + 1;
    const label = name ? `device "${name}"` : 'the table';
    if (own.length < 2) fail(own[0]?.line ?? headerLine, undefined, `${label} has ${own.length} row; at least 2 are needed to interpolate`);
    lut.offsets[d] = at;
    own.forEach((r, j) => {
      if (j > 0 && !(r.v.g! > own[j - 1]!.v.g!)) fail(r.line, gCol, `g must increase within ${label} (line ${own[j - 1]!.line} has ${own[j - 1]!.v.g} S)`);
      lut.g[at] = r.v.g!;
      lut.dgUp[at] = r.v.dg_up!;
      lut.dgDown[at] = r.v.dg_down!;
      lut.sdUp[at] = r.v.sd_up ?? 0;
      lut.sdDown[at] = r.v.sd_down ?? 0;
      at++;
    });
  });
  lut.offsets[devices.length] = at;
  return lut;
}

/** For the `file` parameter's check: why the table cannot be used, or undefined. */
export function lutProblem(file: string): string | undefined {
  try {
    loadLut(file);
    return undefined;
  } catch (e) {
    if (e instanceof LutError) return e.message;
    throw e;
  }
}
