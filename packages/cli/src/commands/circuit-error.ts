import { performance } from 'node:perf_hooks';
import { RngFactory } from '@txsim/core';
import { directPathEffectiveConductance, exactCurrents, exactEffectiveConductance, relaxedEffectiveConductance, type WireParams } from '@txsim/nonidealities';
import type { Command } from 'commander';
import type { CliIo } from '../io.js';
import { FlagReader, type WireFlags } from './circuit-flags.js';

export interface CircuitErrorFlags extends WireFlags {
  readonly size: string;
  readonly rmin: string;
  readonly rmax: string;
  readonly samples?: string;
  readonly seed?: string;
  readonly json?: boolean;
}

/** One model's line of `circuit error`: how far its sensed currents are from the exact solve's, and its cost. */
export interface CircuitErrorRow {
  readonly model: string;
  readonly size: number;
  readonly rmin: number;
  readonly rmax: number;
  readonly rRow: number;
  readonly rCol: number;
  readonly rSource: number;
  readonly rSink: number;
  readonly samples: number;
  readonly seed: string;
  /** max over vectors b and outputs j of |I_model[b,j] − I_exact[b,j]| / |I_exact[b,j]|. */
  readonly maxRelError: number;
  /** The same ratio averaged over every vector and output. */
  readonly meanRelError: number;
  /** Median wall time of building the model's Geff for the tile, after one warm-up build. */
  readonly seconds: number;
  /** How many timed builds the median is over. */
  readonly runs: number;
}

type GeffModel = (g: Float64Array, n: number, wires: WireParams) => Float64Array;

/** The exact Geff first (its error is round-off: it checks the solver against its own currents), then the fast models. */
const MODELS: ReadonlyArray<readonly [string, GeffModel]> = [
  ['exact', (g, n, w) => exactEffectiveConductance(g, n, n, w, 'forward')],
  ['direct-path', (g, n, w) => directPathEffectiveConductance(g, n, n, w, 'forward')],
  ...[1, 2, 4].map((k) => [`relaxation-${k}`, (g: Float64Array, n: number, w: WireParams) => relaxedEffectiveConductance(g, n, n, w, 'forward', k)] as const),
];

/**
 * Runs `fn` once untimed (so the JIT has compiled it), then up to 5 timed times (fewer once 2 s are
 * spent, at least once); its result and the median of the timed runs.
 */
function timed<T>(fn: () => T): { result: T; seconds: number; runs: number } {
  const result = fn();
  const times: number[] = [];
  let spent = 0;
  do {
    const t0 = performance.now();
    fn();
    const dt = (performance.now() - t0) / 1000;
    times.push(dt);
    spent += dt;
  } while (times.length < 5 && spent < 2);
  times.sort((a, b) => a - b);
  const mid = times.length >> 1;
  const seconds = times.length % 2 ? times[mid]! : (times[mid - 1]! + times[mid]!) / 2;
  return { result, seconds, runs: times.length };
}

/** Relative errors of I = V·Geff (batch × n inputs, n × n Geff) against the exact currents. */
function relativeErrors(v: Float64Array, geff: Float64Array, exact: Float64Array, batch: number, n: number): { max: number; mean: number } {
  let max = 0;
  let sum = 0;
  const row = new Float64Array(n);
  for (let b = 0; b < batch; b++) {
    row.fill(0);
    for (let i = 0; i < n; i++) {
      const vi = v[b * n + i]!;
      for (let j = 0; j < n; j++) row[j] += vi * geff[i * n + j]!;
    }
    for (let j = 0; j < n; j++) {
      const ref = exact[b * n + j]!;
      const diff = Math.abs(row[j]! - ref);
      const rel = diff === 0 ? 0 : diff / Math.abs(ref); // ref > 0 here: inputs ≥ 0 and every cell conducts
      max = Math.max(max, rel);
      sum += rel;
    }
  }
  return { max, mean: sum / (batch * n) };
}

/**
 * `txsim circuit error`: random conductances uniform in [1/rmax, 1/rmin] on an n×n tile and `samples`
 * input vectors uniform in [0, 1] V, read forward; each model's error against the exact nodal solve.
 */
export function circuitError(flags: CircuitErrorFlags): CircuitErrorRow[] {
  const read = new FlagReader();
  const size = read.integer('--size', flags.size, 1, 1, 4096);
  const rmin = read.quantity('--rmin', flags.rmin, 'ohm', { positive: true });
  const rmax = read.quantity('--rmax', flags.rmax, 'ohm', { positive: true });
  if (rmax < rmin) read.problems.push(`--rmax: must be ≥ --rmin, got "${flags.rmax}" < "${flags.rmin}"`);
  const wires = read.wires(flags);
  const samples = read.integer('--samples', flags.samples, 16, 1, 100_000);
  const seed = flags.seed ?? '0';
  read.done();

  const rng = new RngFactory(seed);
  const g = rng.stream('circuit-error', 'conductances').fillUniform(new Float64Array(size * size), 1 / rmax, 1 / rmin) as Float64Array;
  const v = rng.stream('circuit-error', 'voltages').fillUniform(new Float64Array(samples * size), 0, 1) as Float64Array;
  const exact = exactCurrents(g, size, size, wires, 'forward', v, samples);
  return MODELS.map(([model, build]) => {
    const { result: geff, seconds, runs } = timed(() => build(g, size, wires));
    const err = relativeErrors(v, geff, exact, samples, size);
    return { model, size, rmin, rmax, ...wires, samples, seed, maxRelError: err.max, meanRelError: err.mean, seconds, runs };
  });
}

const ohm = (x: number) => (x >= 1e3 ? `${x / 1e3} kohm` : `${x} ohm`);

export function formatCircuitErrorTable(rows: readonly CircuitErrorRow[]): string {
  const r = rows[0]!;
  const head = `${r.size}×${r.size} tile, R uniform in conductance over [${ohm(r.rmin)}, ${ohm(r.rmax)}], rRow ${ohm(r.rRow)}, rCol ${ohm(r.rCol)}, `
    + `rSource ${ohm(r.rSource)}, rSink ${ohm(r.rSink)}; ${r.samples} input vectors, seed ${r.seed}; error = |I − I_exact| / |I_exact|`;
  const lines = [head, `${'model'.padEnd(14)}${'max rel err'.padStart(13)}${'mean rel err'.padStart(14)}${'Geff seconds'.padStart(14)}`];
  for (const row of rows) {
    lines.push(`${row.model.padEnd(14)}${row.maxRelError.toExponential(3).padStart(13)}${row.meanRelError.toExponential(3).padStart(14)}`
      + `${row.seconds.toExponential(3).padStart(14)}`);
  }
  return `${lines.join('\n')}\n`;
}

export function addCircuitErrorCommand(circuit: Command, io: CliIo): void {
  circuit.command('error')
    .description('error of the fast wire models (direct path, relaxation) against the exact solve on a random tile')
    .requiredOption('--size <n>', 'tile size n (n×n)')
    .requiredOption('--rmin <ohm>', 'lowest device resistance ("10 kohm" or a number in ohm)')
    .requiredOption('--rmax <ohm>', 'highest device resistance')
    .requiredOption('--r-row <ohm>', 'row wire resistance per cell segment')
    .requiredOption('--r-col <ohm>', 'column wire resistance per cell segment')
    .option('--r-source <ohm>', 'driver output resistance (default 0)')
    .option('--r-sink <ohm>', 'sense input resistance (default 0)')
    .option('--samples <k>', 'random input vectors (default 16)')
    .option('--seed <s>', 'seed of the conductances and vectors (default 0)')
    .option('--json', 'one JSON object per model and line instead of a table')
    .action((flags: CircuitErrorFlags) => {
      const rows = circuitError(flags);
      io.stdout.write(flags.json ? rows.map((row) => `${JSON.stringify(row)}\n`).join('') : formatCircuitErrorTable(rows));
    });
}
