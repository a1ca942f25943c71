import { defineCost, integer, params, real } from '@txsim/core';
import { amount, arrays, F, TRANSISTOR_AREA, WIRE_CAP, ZERO } from './shared.js';

/**
 * Programming the cells, per pulse: V²·G·t through the cell plus charging its column, V²·C, as
 * MLP_NeuroSim_V3.0 Cell.cpp (RealDevice write energy) counts it; set (potentiating, LTP) and reset
 * (depressing, LTD) pulses each with their own voltage and width. txsim counts programming events
 * (cells asked to change); each is `pulsesPerEvent` pulses, a `setFraction` of them set pulses. Rows are
 * programmed one after another, set phase then reset phase, every array in parallel (NeuroSim's
 * row-by-row write), so a mini-batch update takes tileRows × pulsesPerEvent × (tSet + tReset).
 */
export const arrayWrite = defineCost({
  meta: {
    name: 'array-write',
    component: 'array-write',
    description: 'Cell programming: V²·G·t plus column charging per pulse, set and reset separately; row-by-row latency.',
    phases: ['update'],
    params: params({
      setVoltage: amount('V', 'Set (LTP) pulse voltage (Cell.cpp RealDevice writeVoltageLTP: 2 V).', 2),
      resetVoltage: amount('V', 'Reset (LTD) pulse voltage (Cell.cpp RealDevice writeVoltageLTD: 2 V).', 2),
      setPulseWidth: amount('s', 'Set pulse width (Cell.cpp RealDevice writePulseWidthLTP: 80 ns).', 80e-9),
      resetPulseWidth: amount('s', 'Reset pulse width (Cell.cpp RealDevice writePulseWidthLTD: 80 ns).', 80e-9),
      pulsesPerEvent: integer({ description: 'Pulses per counted programming event (txsim counts pulses directly for pulse rules: 1).', default: 1, min: 1 }),
      setFraction: real({ description: 'Share of pulses that are set pulses (txsim does not count them apart).', default: 0.5, min: 0, max: 1 }),
      wireCap: amount('F/m', 'Wire capacitance per length (NeuroSim unitLengthWireCap: 0.2 fF/um).', WIRE_CAP),
      cellHeight: amount('m', 'Cell pitch along a column (1T1R: 4F).', 4 * F),
      driverArea: amount('m^2', 'Area of one line\'s write driver (estimate: four transistors).', 4 * TRANSISTOR_AREA),
    }),
    references: ['MLP_NeuroSim_V3.0 Cell.cpp: RealDevice write parameters and write energy; Train.cpp write latency.'],
  },
  create: (_ctx, p) => ({
    cost(a, layer, phase) {
      if (phase !== 'update' || !a.updatePulses) return ZERO;
      const g = (layer.gmin + layer.gmax) / 2;
      const cCol = layer.geometry.tileRows * p.cellHeight * p.wireCap;
      const pulse = (v: number, t: number) => v * v * g * t + v * v * cCol;
      const perPulse = p.setFraction * pulse(p.setVoltage, p.setPulseWidth) + (1 - p.setFraction) * pulse(p.resetVoltage, p.resetPulseWidth);
      const energyJ = a.updatePulses * p.pulsesPerEvent * perPulse;
      const latencyS = a.updateSteps * layer.geometry.tileRows * p.pulsesPerEvent * (p.setPulseWidth + p.resetPulseWidth);
      return { energyJ, latencyS };
    },
    area: (layer) => arrays(layer) * (layer.geometry.tileRows + layer.geometry.tileCols) * p.driverArea,
  }),
});
