import { defineCost, integer, params } from '@txsim/core';
import { amount, F, isRead, ZERO } from './shared.js';

/**
 * On-chip SRAM buffers between layers: every input driven into the arrays is read from a buffer
 * (`valueBits` per line per pass) and every output written to one; the weight gradient reads x and δ
 * once per example and weight row or column. Energy per bit accessed; latency = bits / (bus width ·
 * clock). The area holds one input and one output vector per tile row or column, in NeuroSim's 10F × 28F
 * SRAM cells.
 */
export const sramBuffer = defineCost({
  meta: {
    name: 'sram-buffer',
    component: 'buffer',
    description: 'SRAM buffers: energy per bit read or written, bus-limited latency, cell-sized area.',
    phases: ['forward', 'backward', 'update'],
    params: params({
      energyPerBit: amount('J', 'Energy per bit read or written (estimate: 5 fJ at 32 nm).', 5e-15),
      valueBits: integer({ description: 'Bits per buffered value.', default: 16, min: 1, unit: 'bits' }),
      busWidth: integer({ description: 'Bits moved per clock per layer.', default: 512, min: 1, unit: 'bits' }),
      clock: amount('Hz', 'Buffer clock (MLP_NeuroSim_V3.0 Param.cpp clkFreq: 2 GHz).', 2e9),
      cellArea: amount('m^2', 'SRAM cell (DNN_NeuroSim Param.cpp heightInFeatureSizeSRAM 10 × widthInFeatureSizeSRAM 28, F = 32 nm).', 280 * F * F),
    }),
    references: ['DNN_NeuroSim V1.x Param.cpp: SRAM cell size; MLP_NeuroSim_V3.0 Param.cpp clkFreq.'],
  },
  create: (_ctx, p) => {
    const price = (bits: number) => ({ energyJ: bits * p.energyPerBit, latencyS: bits / (p.busWidth * p.clock) });
    return {
      cost(a, layer, phase) {
        if (isRead(phase)) {
          // A driven value reaches every tile across the block (and every slice) from one buffer read.
          const fanOut = layer.slices * (phase === 'forward' ? layer.geometry.gridCols : layer.geometry.gridRows);
          return a.tileReads ? price((a.dacConversions / fanOut + a.outputs) * p.valueBits) : ZERO;
        }
        if (phase === 'weightGradient') {
          // Each example's x (rows) and δ (cols) read once per MAC row/column sweep.
          const g = layer.geometry;
          return a.macs ? price((a.macs / g.cols + a.macs / g.rows) * p.valueBits) : ZERO;
        }
        return ZERO;
      },
      area: (layer) => 2 * (layer.geometry.paddedRows + layer.geometry.paddedCols) * p.valueBits * p.cellArea,
    };
  },
});
