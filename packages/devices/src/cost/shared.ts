import { quantity, type CostActivity, type CostLayer, type CostPhase } from '@txsim/core';

/** NeuroSim's 32 nm node: MLP_NeuroSim_V3.0 Param.cpp `processNode = 32` (nm). */
export const F = 32e-9;
/** Supply at 32 nm HP: NeuroSim Technology.cpp (`featureSizeInNano >= 32`, HP) `vdd = 0.9`. */
export const VDD = 0.9;
/**
 * Gate capacitance of a 4F-wide transistor at 32 nm HP: (capIdealGate 6.42e-10 + capFringe 1.6e-10) F/m,
 * NeuroSim Technology.cpp, × 4F. Used where the preset estimates a logic gate's switched capacitance.
 */
export const GATE_CAP = (6.42e-10 + 1.6e-10) * 4 * F;
/**
 * Footprint of one logic transistor: an estimate (3F × 10F), not a NeuroSim constant; NeuroSim sizes
 * each gate from its layout rules (`CalculateGateArea`).
 */
export const TRANSISTOR_AREA = 30 * F * F;
/** Wire capacitance per length: NeuroSim Bus.cpp / HTree.cpp `unitLengthWireCap = 0.2e-15/1e-6` (0.2 fF/µm). */
export const WIRE_CAP = 0.2e-15 / 1e-6;

export type ReadDir = 'forward' | 'backward';
export const isRead = (phase: CostPhase): phase is ReadDir => phase === 'forward' || phase === 'backward';

/** Tiles of the layer, slices counted as tiles (each slice is its own array with its own converters). */
export function arrays(layer: CostLayer): number {
  return layer.geometry.gridRows * layer.geometry.gridCols * layer.slices;
}

/**
 * Read steps one after another: every array of the layer works in parallel, so each input vector pass
 * (a DAC pass of one example) is one step: tile reads / arrays.
 */
export function readSteps(a: CostActivity, layer: CostLayer): number {
  return a.tileReads / arrays(layer);
}

/** Lines each array senses (and converts) per read: its columns forward, its rows backward. */
export function sensedLines(layer: CostLayer, dir: ReadDir): number {
  return dir === 'forward' ? layer.geometry.tileCols : layer.geometry.tileRows;
}

/**
 * Conversions one ADC makes one after another per read: the `columnsPerAdc` lines multiplexed onto it
 * (fewer when the array senses fewer lines). The ADCs of an array, ⌈lines / columnsPerAdc⌉ of them, work
 * in parallel, so this, not their number, sets the read's conversion time.
 */
export function conversionsInSequence(layer: CostLayer, dir: ReadDir, columnsPerAdc: number): number {
  return Math.min(columnsPerAdc, sensedLines(layer, dir));
}

export const ZERO = { energyJ: 0, latencyS: 0 } as const;

/** A quantity field in `unit` with a default and no upper bound (costs are never negative). */
export const amount = (unit: string, description: string, value: number) => quantity(unit, { description, default: value, min: 0, plausible: [0, Number.MAX_VALUE] });
