import { defineCost, params, real } from '@txsim/core';
import { amount, arrays, F, isRead, readSteps, WIRE_CAP, ZERO } from './shared.js';

/**
 * Reading the cells: each cell read dissipates V²·G·t (G in series with its access transistor, as
 * NeuroSim's Array::ReadCell puts it), and every driven line charges its wire, C·V², with
 * C = cells along the line × cell pitch × wire capacitance per length. All arrays read in parallel,
 * one read pulse per input pass. The area is the cells of both devices of every pair and slice.
 */
export const arrayRead = defineCost({
  meta: {
    name: 'array-read',
    component: 'array-read',
    description: 'Crossbar read: V²·G·t per cell plus wire charging per driven line; the cell area.',
    phases: ['forward', 'backward'],
    params: params({
      voltage: amount('V', 'Read voltage at full scale; 0 takes the crossbar DAC\'s vRead (NeuroSim: 0.5 V, Cell.cpp readVoltage).', 0),
      pulseWidth: amount('s', 'Read pulse width (MLP_NeuroSim_V3.0 Cell.cpp readPulseWidth: 5 ns).', 5e-9),
      driveFactor: real({ description: 'Mean (V/V_full)² over driven lines (1: every line at full scale).', default: 0.5, min: 0, max: 1 }),
      accessResistance: amount('ohm', 'Access transistor in series with each cell (Cell.cpp resistanceAccess: 15 kohm, 1T1R).', 15e3),
      wireCap: amount('F/m', 'Wire capacitance per length (NeuroSim unitLengthWireCap: 0.2 fF/um).', WIRE_CAP),
      cellWidth: amount('m', 'Cell pitch along a row (1T1R: 4F, Cell.cpp widthInFeatureSize).', 4 * F),
      cellHeight: amount('m', 'Cell pitch along a column (1T1R: 4F, Cell.cpp heightInFeatureSize).', 4 * F),
    }),
    references: ['MLP_NeuroSim_V3.0 Cell.cpp (RealDevice) and Array.cpp ReadCell; Bus.cpp unitLengthWireCap.'],
  },
  create: (_ctx, p) => ({
    cost(a, layer, phase) {
      if (!isRead(phase) || !a.tileReads) return ZERO;
      const v = p.voltage || layer.vRead;
      const g = (layer.gmin + layer.gmax) / 2;
      const gEff = 1 / (1 / g + p.accessResistance);
      const g0 = layer.geometry;
      // A forward read drives rows (tileCols cells long), a backward read drives columns.
      const cLine = phase === 'forward' ? g0.tileCols * p.cellWidth * p.wireCap : g0.tileRows * p.cellHeight * p.wireCap;
      const energyJ = a.cellReads * p.driveFactor * v * v * gEff * p.pulseWidth + a.dacConversions * p.driveFactor * cLine * v * v;
      return { energyJ, latencyS: readSteps(a, layer) * p.pulseWidth };
    },
    area: (layer) => arrays(layer) * 2 * layer.geometry.tileRows * layer.geometry.tileCols * p.cellWidth * p.cellHeight,
  }),
});
