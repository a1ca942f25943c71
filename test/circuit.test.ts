import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, requireBuild, tempDir, txsim, txsimInProcess } from './cli.js';

const fixture = (file: string) => join(ROOT, 'test/circuit', file);
const readCsv = (file: string) => readFileSync(file, 'utf8').trimEnd().split('\n').map((l) => l.split(',').map(Number));
const outDir = (prefix: string) => join(tempDir(prefix), 'out');

/** Relative closeness, for values spanning many decades. */
function expectClose(actual: number[][], expected: number[][], rel = 1e-9): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((row, i) => {
    expect(row.length).toBe(expected[i]!.length);
    row.forEach((x, j) => expect(Math.abs(x - expected[i]![j]!), `[${i}][${j}]`).toBeLessThanOrEqual(rel * Math.abs(expected[i]![j]!)));
  });
}

interface ErrorRow { model: string; size: number; maxRelError: number; meanRelError: number; seconds: number }

async function errorRows(rRow: string, rCol: string): Promise<ErrorRow[]> {
  const r = await txsim(['circuit', 'error', '--json', '--size', '8', '--rmin', '1 kohm', '--rmax', '10 kohm', '--r-row', rRow, '--r-col', rCol, '--samples', '4']);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as ErrorRow);
}

describe('txsim circuit', () => {
  beforeAll(requireBuild);

  it.concurrent.each(['forward', 'backward'])('solve of a 1×1 network (%s) is the series closed form', async (direction) => {
    const dir = tempDir('circuit-1x1');
    writeFileSync(join(dir, 'g.csv'), '1e-4\n');
    const out = join(dir, 'out');
    const r = await txsim(['circuit', 'solve', '--conductances', join(dir, 'g.csv'), '--r-row', '1 ohm', '--r-col', '4.6 ohm',
      '--r-source', '10', '--r-sink', '0.5 kohm', '--direction', direction, '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`^circuit solve: 1×1 ${direction}, Geff [\\d.]+ s`));
    expectClose(readCsv(join(out, 'geff.csv')), [[1 / (1 / 1e-4 + 10 + 1 + 4.6 + 500)]], 1e-12);
    expect(existsSync(join(out, 'currents.csv'))).toBe(false);
  });

  it.concurrent.each(['forward', 'backward'])('with zero wire resistance, geff is G or, backward, its transpose (%s)', async (direction) => {
    const g = readCsv(fixture('g-2x3.csv'));
    const out = outDir('circuit-zero');
    const r = await txsim(['circuit', 'solve', '--conductances', fixture('g-2x3.csv'), '--r-row', '0', '--r-col', '0 ohm', '--direction', direction, '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expectClose(readCsv(join(out, 'geff.csv')), direction === 'forward' ? g : g[0]!.map((_, j) => g.map((row) => row[j]!)), 1e-12);
  });

  it.concurrent.each([['forward', 2], ['backward', 3]] as const)('linear currents are V·Geff (%s)', async (direction, inputs) => {
    const dir = tempDir('circuit-currents');
    const v = [[0.1, -0.2, 0.3].slice(0, inputs), [1, 0.5, 0.25].slice(0, inputs), [0, 0, 0].slice(0, inputs)];
    writeFileSync(join(dir, 'v.csv'), v.map((row) => row.join(',')).join('\n'));
    const out = join(dir, 'out');
    const r = await txsim(['circuit', 'solve', '--conductances', fixture('g-2x3.csv'), '--voltages', join(dir, 'v.csv'),
      '--r-row', '1 kohm', '--r-col', '4.6 kohm', '--r-source', '100', '--direction', direction, '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const geff = readCsv(join(out, 'geff.csv'));
    expect(geff.length).toBe(inputs);
    const expected = v.map((row) => geff[0]!.map((_, j) => row.reduce((s, vi, i) => s + vi * geff[i]![j]!, 0)));
    const currents = readCsv(join(out, 'currents.csv'));
    expectClose(currents.slice(0, 2), expected.slice(0, 2), 1e-9);
    currents[2]!.forEach((x) => expect(Math.abs(x)).toBeLessThan(1e-18)); // no drive, no current
  });

  it.concurrent('--iv sinh gives super-linear currents, above V·Geff', async () => {
    const dir = tempDir('circuit-sinh');
    writeFileSync(join(dir, 'v.csv'), '1,1\n0.5,0\n');
    const out = join(dir, 'out');
    const r = await txsim(['circuit', 'solve', '--conductances', fixture('g-2x3.csv'), '--voltages', join(dir, 'v.csv'),
      '--r-row', '1', '--r-col', '4.6', '--iv', 'sinh', '--v0', '250 mV', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('2 vectors sinh');
    const geff = readCsv(join(out, 'geff.csv'));
    const linear = [[1, 1], [0.5, 0]].map((v) => geff[0]!.map((_, j) => v[0]! * geff[0]![j]! + v[1]! * geff[1]![j]!));
    readCsv(join(out, 'currents.csv')).forEach((row, b) => row.forEach((x, j) => expect(x).toBeGreaterThan(1.2 * linear[b]![j]!)));
  });

  const rejected = [
    { name: 'a ragged row', args: ['--conductances', fixture('ragged.csv')], says: ['ragged.csv', 'line 2: 2 columns, but line 1 has 3'] },
    { name: 'a negative conductance', args: ['--conductances', fixture('negative.csv')], says: ['negative.csv', 'line 2, column 2: -1e-4 is negative'] },
    { name: 'a unit in a cell', args: ['--conductances', fixture('units.csv')], says: ['units.csv', 'line 2, column 2: "10 uS" is not a number', 'units are not accepted'] },
    { name: 'a missing file', args: ['--conductances', fixture('nope.csv')], says: ['--conductances: cannot read', 'nope.csv', 'ENOENT'] },
    { name: 'a wrong unit', args: ['--conductances', fixture('g-2x3.csv'), '--r-row', '10 uS'], says: ['--r-row: "10 uS" is not a resistance'] },
    { name: 'an unparseable resistance', args: ['--conductances', fixture('g-2x3.csv'), '--r-col', 'lots'], says: ['--r-col: cannot parse "lots" as a resistance'] },
    { name: 'a negative resistance', args: ['--conductances', fixture('g-2x3.csv'), '--r-sink', '-3 ohm'], says: ['--r-sink: must be ≥ 0 ohm'] },
    {
      name: 'voltages of the wrong width',
      args: ['--conductances', fixture('g-2x3.csv'), '--voltages', fixture('v-3-wide.csv')],
      says: ['v-3-wide.csv: 3 values per row', 'forward read of the 2×3 network', 'drives 2 inputs'],
    },
    { name: 'a negative --v0', args: ['--conductances', fixture('g-2x3.csv'), '--iv', 'sinh', '--v0', '-1 V'], says: ['--v0: must be > 0 V', '--iv sinh: needs --voltages'] },
    { name: 'an unknown direction', args: ['--conductances', fixture('g-2x3.csv'), '--direction', 'sideways'], says: ['--direction: expected "forward" or "backward"'] },
  ];

  // In-process for speed; the compiled CLI's exit code and stderr are checked by the next test.
  it.each(rejected)('solve rejects $name, naming it, and writes nothing', async ({ args, says }) => {
    const out = outDir('circuit-bad');
    const wires = [['--r-row', '1'], ['--r-col', '4.6']].filter(([flag]) => !args.includes(flag!)).flat();
    const r = await txsimInProcess(['circuit', 'solve', ...args, ...wires, '--out', out]);
    expect(r.code).toBe(1);
    for (const s of says) expect(r.stderr).toContain(s);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(r.stdout).toBe('');
    expect(existsSync(out)).toBe(false);
  });

  it.concurrent('solve lists every problem at once, exits 1 and writes nothing', async () => {
    const out = outDir('circuit-bad');
    const r = await txsim(['circuit', 'solve', '--conductances', fixture('ragged.csv'), '--r-row', '10 uS', '--r-col', '4.6', '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('2 problems');
    expect(r.stderr).toContain('--r-row: "10 uS" is not a resistance');
    expect(r.stderr).toContain('ragged.csv: 1 problem\n    line 2: 2 columns, but line 1 has 3');
    expect(r.stdout).toBe('');
    expect(existsSync(out)).toBe(false);
  });

  it.concurrent('error --json prints one line per model; direct-path error falls with the wire resistance', async () => {
    const [high, low] = await Promise.all([errorRows('1 ohm', '4.6 ohm'), errorRows('0.1 ohm', '0.46 ohm')]);
    for (const rows of [high, low]) {
      expect(rows.map((r) => r.model)).toEqual(['exact', 'direct-path', 'relaxation-1', 'relaxation-2', 'relaxation-4']);
      for (const row of rows) {
        expect(row.size).toBe(8);
        expect(row.maxRelError).toBeGreaterThanOrEqual(row.meanRelError);
        expect(row.meanRelError).toBeGreaterThanOrEqual(0);
        expect(row.seconds).toBeGreaterThanOrEqual(0);
      }
      expect(rows[0]!.maxRelError).toBeLessThan(1e-9); // the exact Geff reproduces the exact currents
    }
    const direct = (rows: ErrorRow[]) => rows.find((r) => r.model === 'direct-path')!;
    expect(direct(high).meanRelError).toBeGreaterThan(0);
    expect(direct(low).meanRelError).toBeLessThan(direct(high).meanRelError / 5);
    expect(direct(low).maxRelError).toBeLessThan(direct(high).maxRelError);
  });

  it.concurrent('error without --json prints a table, and rejects a bad --size', async () => {
    const r = await txsim(['circuit', 'error', '--size', '4', '--rmin', '10 kohm', '--rmax', '100 kohm', '--r-row', '1', '--r-col', '4.6']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^4×4 tile/);
    expect(r.stdout).toMatch(/^relaxation-4 +\d/m);
    const bad = await txsimInProcess(['circuit', 'error', '--size', '0', '--rmin', '10 kohm', '--rmax', '1 kohm', '--r-row', '1', '--r-col', '4.6']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--size: expected a whole number');
    expect(bad.stderr).toContain('--rmax: must be ≥ --rmin');
  });
});

describe('txsim circuit solve limits', () => {
  it('refuses conductances above 1 S (a 1e20 S cell gave negative effective conductances) with line and column', async () => {
    const dir = tempDir('circuit-range');
    const g = join(dir, 'g.csv');
    writeFileSync(g, '1e20,1e-5\n1e-5,1e20\n');
    const out = join(dir, 'out');
    const r = await txsimInProcess(['circuit', 'solve', '--conductances', g, '--r-row', '1', '--r-col', '1', '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/line 1, column 1: 1e20 is over 1 S/);
    expect(r.stderr).toMatch(/line 2, column 2: 1e20 is over 1 S/);
    expect(existsSync(out)).toBe(false);
  });

  it('refuses more than 512×512 cells before solving, naming the size', async () => {
    const dir = tempDir('circuit-size');
    const g = join(dir, 'g.csv');
    writeFileSync(g, `${Array.from({ length: 513 }, () => Array(512).fill('1e-5').join(',')).join('\n')}\n`);
    const r = await txsimInProcess(['circuit', 'solve', '--conductances', g, '--r-row', '1', '--r-col', '1', '--out', join(dir, 'out')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/513×512 is 262656 cells, more than the 262144/);
  });
});
