import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tileGeometry, type PluginContext } from '@txsim/core';
import { pluginContext, sampleStats, updateContext } from '@txsim/core/testing';
import { lookupTable } from './lookup-table.js';
import { BUNDLED_LUT, loadLut, parseLut } from './lut-file.js';

const dir = mkdtempSync(join(tmpdir(), 'txsim-lut-'));
const write = (name: string, text: string) => {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
};
const ctxOf = (rows: number, cols: number, seed = 'lut'): PluginContext => ({ ...pluginContext(seed), geometry: tileGeometry(rows, cols, rows, cols) });

// A small table with uneven knots: 1, 2, 4 µS.
const TABLE = 'g,dg_up,dg_down,sd_up,sd_down\n1e-6,3e-7,-1e-7,2e-8,1e-8\n2e-6,2e-7,-2e-7,4e-8,2e-8\n4e-6,0,-4e-7,8e-8,4e-8\n';

/** The table's mean step at g, by hand: linear interpolation between the neighbouring knots. */
function interp(g: number, col: 1 | 2 | 3 | 4): number {
  const rows = TABLE.trim().split('\n').slice(1).map((l) => l.split(',').map(Number));
  const x = Math.min(Math.max(g, rows[0]![0]!), rows.at(-1)![0]!);
  for (let i = 0; i + 1 < rows.length; i++) {
    const [a, b] = [rows[i]!, rows[i + 1]!];
    if (x <= b[0]!) return a[col]! + ((x - a[0]!) / (b[0]! - a[0]!)) * (b[col]! - a[col]!);
  }
  return rows.at(-1)![col]!;
}

describe('lookup-table device', () => {
  const file = write('small.csv', TABLE);

  it('follows its table exactly without noise: pulses, interleaving and fractional (analog) requests', () => {
    const dev = lookupTable.create(ctxOf(1, 4), lookupTable.meta.params.parse({ file, noiseScale: 0 }));
    expect(dev.gmin).toBe(1e-6);
    expect(dev.gmax).toBe(4e-6);
    const g = Float64Array.of(1.5e-6, 3e-6, 1.2e-6, 3.9e-6);
    const out = new Float64Array(4);
    dev.pulse!(g, Float32Array.of(1, 0, 2, 1), Float32Array.of(0, 1, 1, 0), out, updateContext(g));
    expect(out[0]).toBeCloseTo(1.5e-6 + interp(1.5e-6, 1), 18);
    expect(out[1]).toBeCloseTo(3e-6 + interp(3e-6, 2), 18);
    let s = 1.2e-6;
    for (const col of [1, 2, 1] as const) s += interp(s, col);
    expect(out[2]).toBeCloseTo(s, 18);
    // Held at the table's top: 3.9 µS + 0.05·... stays ≤ 4 µS.
    expect(out[3]).toBeLessThanOrEqual(4e-6);
    expect(out[3]).toBeCloseTo(Math.min(4e-6, 3.9e-6 + interp(3.9e-6, 1)), 18);
    const step = dev.pulseStep!;
    expect(step).toBeCloseTo((3e-7 + 2e-7 + 0) / 3, 18);
    dev.respond!(g, Float64Array.of(1.5 * step, 0, -0.5 * step, 0), out, updateContext(g));
    let r = 1.5e-6 + interp(1.5e-6, 1);
    r += 0.5 * interp(r, 1);
    expect(out[0]).toBeCloseTo(r, 18);
    expect(out[1]).toBe(3e-6);
    expect(out[2]).toBeCloseTo(1.2e-6 + 0.5 * interp(1.2e-6, 2), 18);
  });

  it('draws one pulse\'s noise from the measured spread at the present conductance', () => {
    const rows = 200;
    const cols = 200;
    const n = rows * cols;
    const dev = lookupTable.create(ctxOf(rows, cols, 'noise'), lookupTable.meta.params.parse({ file }));
    for (const [g0, up] of [[1.5e-6, true], [3e-6, false]] as const) {
      const g = new Float64Array(n).fill(g0);
      const out = new Float64Array(n);
      const one = new Float32Array(n).fill(1);
      const zero = new Float32Array(n);
      dev.pulse!(g, up ? one : zero, up ? zero : one, out, updateContext(g));
      const { mean, std } = sampleStats(out.map((v) => v - g0));
      const sd = interp(g0, up ? 3 : 4);
      expect(Math.abs(mean - interp(g0, up ? 1 : 2))).toBeLessThan(0.02 * sd);
      expect(std / sd).toBeGreaterThan(0.97);
      expect(std / sd).toBeLessThan(1.03);
    }
  });

  it('assigns each cell one measured device of a multi-device table (d2d)', () => {
    const multi = write('multi.csv', 'device,g,dg_up,dg_down\nA,0,1e-7,-1e-7\nA,1e-5,1e-7,-1e-7\nB,0,3e-7,-1e-7\nB,1e-5,3e-7,-1e-7\n');
    const rows = 100;
    const n = rows * rows;
    const dev = lookupTable.create(ctxOf(rows, rows, 'd2d'), lookupTable.meta.params.parse({ file: multi }));
    const g = new Float64Array(n).fill(5e-6);
    const out = new Float64Array(n);
    dev.pulse!(g, new Float32Array(n).fill(1), new Float32Array(n), out, updateContext(g));
    const a = out.filter((v) => Math.abs(v - 5.1e-6) < 1e-15).length;
    const b = out.filter((v) => Math.abs(v - 5.3e-6) < 1e-15).length;
    expect(a + b).toBe(n);
    expect(Math.abs(a / n - 0.5)).toBeLessThan(0.03);
  });

  it('reports a missing or malformed file with its name, line and column at parameter parsing', () => {
    const issue = (f: string) => {
      const r = lookupTable.meta.params.safeParse({ file: f });
      return r.success ? '' : r.error.issues.map((i) => i.message).join('\n');
    };
    expect(issue(join(dir, 'nope.csv'))).toMatch(/nope\.csv: cannot read the lookup table \(no such file\)/);
    // Not a regular file: refused before any read, so neither blocks (FIFO) nor never ends (/dev/zero).
    const fifo = join(dir, 'pipe.csv');
    execFileSync('mkfifo', [fifo]);
    expect(issue(fifo)).toMatch(/pipe\.csv: the lookup table is a named pipe \(FIFO\), not a regular file/);
    symlinkSync('/dev/zero', join(dir, 'zero.csv'));
    expect(issue(join(dir, 'zero.csv'))).toMatch(/zero\.csv: the lookup table is a character device/);
    mkdirSync(join(dir, 'folder.csv'));
    expect(issue(join(dir, 'folder.csv'))).toMatch(/folder\.csv: the lookup table is a directory/);
    const big = join(dir, 'big.csv');
    writeFileSync(big, '');
    truncateSync(big, 64 * 1024 * 1024 + 1); // sparse: no 64 MiB written to disk
    expect(issue(big)).toMatch(/big\.csv: the lookup table is 67108865 bytes .* over the 64 MiB limit/);
    expect(issue(write('bad-number.csv', 'g,dg_up,dg_down\n1e-6,2e-7,-1e-7\n2e-6,x,-1e-7\n'))).toMatch(/bad-number\.csv: line 3, column 2: "x" is not a number/);
    expect(issue(write('bad-col.csv', '# c\ng,dg_up,dgdown\n'))).toMatch(/bad-col\.csv: line 2, column 3: unknown column "dgdown"/);
    expect(issue(write('unsorted.csv', 'g,dg_up,dg_down\n2e-6,2e-7,-1e-7\n1e-6,2e-7,-1e-7\n'))).toMatch(/unsorted\.csv: line 3, column 1: g must increase/);
    expect(issue(write('sign.csv', 'g,dg_up,dg_down\n1e-6,-2e-7,-1e-7\n2e-6,2e-7,-1e-7\n'))).toMatch(/line 2, column 2: dg_up .* is negative/);
    expect(issue(write('ragged.csv', 'g,dg_up,dg_down\n1e-6,2e-7\n'))).toMatch(/line 2: 2 columns, but the header \(line 1\) has 3/);
    expect(issue(write('empty.csv', '# nothing\n'))).toMatch(/empty file/);
    expect(issue(file)).toBe('');
  });

  it('ships a bundled table that parses and matches its generating model at the ends', () => {
    const lut = loadLut('');
    expect(lut.file).toBe(BUNDLED_LUT);
    expect(lut.g[0]).toBeCloseTo(3.0769e-9, 20);
    expect(lut.g.at(-1)).toBeCloseTo(3.8462e-8, 20);
    // NeuroSim's first LTP pulse from Gmin: B(1 − e^(−1/A)), A = 0.499181·97.
    const A = 0.499181 * 97;
    const R = 3.8462e-8 - 3.0769e-9;
    expect(lut.dgUp[0]! / ((R / (1 - Math.exp(-97 / A))) * (1 - Math.exp(-1 / A)))).toBeCloseTo(1, 5);
    expect(parseLut('g,dg_up,dg_down\n0,1,-1\n1,1,-1\n', 'x').devices).toEqual(['']);
  });
});
