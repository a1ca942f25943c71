import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { exactCurrents, exactEffectiveConductance, linearIv, sinhIv, type CircuitDirection, type IvModel } from '@txsim/nonidealities';
import type { Command } from 'commander';
import { formatNumericCsv } from '../csv.js';
import type { CliIo } from '../io.js';
import { checkRunDir, writeFileAtomic } from '@txsim/experiment';
import { addCircuitErrorCommand } from './circuit-error.js';
import { FlagReader, type WireFlags } from './circuit-flags.js';

export interface CircuitSolveFlags extends WireFlags {
  readonly conductances: string;
  readonly voltages?: string;
  readonly direction?: string;
  readonly iv?: string;
  readonly v0?: string;
  readonly out: string;
}

const DIRECTIONS = ['forward', 'backward'] as const satisfies readonly CircuitDirection[];

/**
 * Bounds of `circuit solve`. The exact solve grows as cells^1.5 (0.5 s at 128 × 128, 5.5 s at 256 × 256,
 * 46 s at 512 × 512 measured): a size bound rather than progress output, since past 512 × 512 (about
 * 6 min at 1000 × 1000) the per-tile wire models are the tool. Conductances above 1 S (a 1 Ω device,
 * far above any memristor) make the nodal system too ill-conditioned to solve in f64.
 */
export const CIRCUIT_LIMITS = { cells: 512 * 512, conductance: 1 } as const;

/**
 * An exact solve of a passive network has Geff ≥ 0 everywhere; a negative or non-finite entry means
 * the system lost its precision (extreme conductance or resistance ratios). Returns the first bad entry.
 */
export function unphysical(geff: ArrayLike<number>, cols: number): string | undefined {
  let top = 0;
  for (let i = 0; i < geff.length; i++) top = Math.max(top, Math.abs(geff[i]!));
  for (let i = 0; i < geff.length; i++) {
    const x = geff[i]!;
    // Round-off of a well-conditioned solve stays within a few ulps of the largest entry.
    if (!Number.isFinite(x) || x < -1e-9 * top) return `Geff[${Math.floor(i / cols)}][${i % cols}] = ${x} S`;
  }
  return undefined;
}
const IV_MODELS = ['linear', 'sinh'] as const;

/**
 * `txsim circuit solve`: the exact nodal solve of one crossbar. Every flag and file is checked
 * before the solve, and nothing is written unless all of them are valid. Returns the output directory.
 */
export function circuitSolve(flags: CircuitSolveFlags, io: CliIo): string {
  const read = new FlagReader();
  const wires = read.wires(flags);
  const direction = read.choice('--direction', flags.direction, DIRECTIONS, 'forward');
  const ivName = read.choice('--iv', flags.iv, IV_MODELS, 'linear');
  let iv: IvModel = linearIv;
  if (ivName === 'sinh') {
    if (flags.v0 === undefined) read.problems.push('--iv sinh: needs --v0, the voltage scale of I = G·v0·sinh(V/v0)');
    else {
      const v0 = read.quantity('--v0', flags.v0, 'V', { positive: true });
      if (v0 > 0) iv = sinhIv(v0);
    }
    if (flags.voltages === undefined) read.problems.push('--iv sinh: needs --voltages (geff.csv is always the linear network\'s)');
  } else if (flags.v0 !== undefined) {
    read.problems.push('--v0: applies only with --iv sinh');
  }
  const g = read.csv('--conductances', flags.conductances, {
    what: 'conductances in siemens',
    check: (x) => (x < 0 ? 'is negative (conductances must be ≥ 0 S)'
      : x > CIRCUIT_LIMITS.conductance ? `is over ${CIRCUIT_LIMITS.conductance} S (device conductances are µS to mS; is the file in siemens?)` : undefined),
  });
  if (g && g.rows * g.cols > CIRCUIT_LIMITS.cells) {
    read.problems.push(`--conductances ${flags.conductances}: ${g.rows}×${g.cols} is ${g.rows * g.cols} cells, more than the ${CIRCUIT_LIMITS.cells} (512×512, about 46 s) `
      + 'an exact solve is run for; solve a tile of it, or use the wire-resistance plugins for whole layers');
  }
  const v = flags.voltages === undefined ? undefined : read.csv('--voltages', flags.voltages, { what: 'voltages in volts' });
  const inputs = g && (direction === 'forward' ? g.rows : g.cols);
  const outputs = g && (direction === 'forward' ? g.cols : g.rows);
  if (g && v && v.cols !== inputs) {
    read.problems.push(`--voltages ${flags.voltages}: ${v.cols} values per row, but a ${direction} read of the ${g.rows}×${g.cols} network `
      + `in ${flags.conductances} drives ${inputs} inputs (one per ${direction === 'forward' ? 'row' : 'column'})`);
  }
  read.done();
  if (!g || inputs === undefined || outputs === undefined) throw new Error('unreachable: conductances missing after validation');
  checkRunDir(flags.out);

  const t0 = performance.now();
  const geff = exactEffectiveConductance(g.data, g.rows, g.cols, wires, direction);
  const t1 = performance.now();
  const bad = unphysical(geff, outputs);
  if (bad) {
    throw new Error(`circuit solve: the solution is not physical (${bad}; a passive network has Geff ≥ 0): the conductances in ${flags.conductances} `
      + 'and the wire resistances differ by too many orders of magnitude for an f64 solve; check the units (siemens, ohm)');
  }
  const currents = v && exactCurrents(g.data, g.rows, g.cols, wires, direction, v.data, v.rows, iv);
  const t2 = performance.now();

  mkdirSync(flags.out, { recursive: true });
  writeFileAtomic(join(flags.out, 'geff.csv'), formatNumericCsv(geff, inputs, outputs));
  if (v && currents) writeFileAtomic(join(flags.out, 'currents.csv'), formatNumericCsv(currents, v.rows, outputs));
  const sec = (ms: number) => `${(ms / 1000).toFixed(3)} s`;
  io.stderr.write(`circuit solve: ${g.rows}×${g.cols} ${direction}, Geff ${sec(t1 - t0)}`
    + (v ? `, ${v.rows} vector${v.rows === 1 ? '' : 's'} ${ivName} ${sec(t2 - t1)}` : '') + ` → ${flags.out}\n`);
  io.stdout.write(`${flags.out}\n`);
  return flags.out;
}

/** Adds `circuit solve` and `circuit error` to `program`. */
export function addCircuitCommand(program: Command, io: CliIo): void {
  const circuit = program.command('circuit').description('exact crossbar circuit (nodal) solves and the error of the fast wire models');
  circuit.command('solve')
    .description('solve one crossbar exactly: write geff.csv (inputs × outputs) and, with --voltages, currents.csv')
    .requiredOption('--conductances <csv>', 'conductance matrix, M rows × N columns, plain numbers in siemens')
    .option('--voltages <csv>', 'input vectors in volts, one per line, one value per input')
    .requiredOption('--r-row <ohm>', 'row wire resistance per cell segment ("1 ohm", "1 kohm" or a number in ohm)')
    .requiredOption('--r-col <ohm>', 'column wire resistance per cell segment')
    .option('--r-source <ohm>', 'driver output resistance (default 0)')
    .option('--r-sink <ohm>', 'sense input resistance (default 0)')
    .option('--direction <dir>', 'forward (drive rows, sense columns) or backward (drive columns, sense rows)', 'forward')
    .option('--iv <model>', 'device I–V model for currents.csv: linear or sinh', 'linear')
    .option('--v0 <volts>', 'voltage scale of the sinh model, I = G·v0·sinh(V/v0)')
    .requiredOption('--out <dir>', 'output directory (must not hold files)')
    .action((flags: CircuitSolveFlags) => {
      circuitSolve(flags, io);
    });
  addCircuitErrorCommand(circuit, io);
}
