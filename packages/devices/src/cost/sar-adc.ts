import { defineCost, integer, params, real } from '@txsim/core';
import { amount, arrays, isRead, readSteps, sensedLines, TRANSISTOR_AREA, ZERO, conversionsInSequence } from './shared.js';

/**
 * A successive-approximation ADC shared by `columnsPerAdc` lines through a multiplexer. Per conversion
 * of L = 2^bits levels NeuroSim's fit (SarADC.cpp, GetColumnPower, 32 nm HP) draws
 * P = (a·log2 L + b) + c·exp(k·log10 R_col) watts for (log2 L + 1) cycles: the bit decisions plus
 * sampling; R_col is the resistance of the sensed line (every row on at the mean conductance),
 * rescaled to NeuroSim's 0.5 V read as NeuroSim does. Its area counts NeuroSim's transistors per ADC
 * (269 + 109·(bits − 1) NMOS, 209 + 73·(bits − 1) PMOS).
 */
export const sarAdc = defineCost({
  meta: {
    name: 'sar-adc',
    component: 'adc',
    description: 'SAR ADC per group of multiplexed lines, with NeuroSim\'s 32 nm power fit.',
    phases: ['forward', 'backward'],
    params: params({
      bits: integer({ description: 'Resolution; 0 takes the crossbar ADC\'s bits (or 8 when it is unquantised).', default: 0, min: 0, max: 16, unit: 'bits' }),
      columnsPerAdc: integer({ description: 'Lines sharing one ADC (MLP_NeuroSim_V3.0 Param.cpp numColMuxed).', default: 16, min: 1 }),
      powerPerBit: amount('W', 'Power per bit of resolution (SarADC.cpp, 32 nm HP: 1.0157 uW).', 1.0157e-6),
      powerBase: amount('W', 'Power independent of resolution (SarADC.cpp, 32 nm HP: 7.6286 uW).', 7.6286e-6),
      powerLine: amount('W', 'Coefficient of the line-resistance term (SarADC.cpp, 32 nm HP: 0.083709 W).', 0.083709),
      lineExponent: real({ description: 'Exponent k of exp(k·log10 R_col) (SarADC.cpp, 32 nm HP: −2.313).', default: -2.313 }),
      cycle: amount('s', 'Time per SAR cycle (SarADC.cpp CalculateLatency: 1 ns).', 1e-9),
      transistorArea: amount('m^2', 'Footprint of one transistor (estimate: 30 F² at 32 nm).', TRANSISTOR_AREA),
    }),
    references: ['DNN_NeuroSim V1.4 NeuroSIM/SarADC.cpp: GetColumnPower, CalculateLatency, CalculateUnitArea (Peng et al., IEDM 2019).'],
  },
  create: (_ctx, p) => {
    const bitsOf = (b: number) => p.bits || b || 8;
    /** One conversion's energy (J) for a line of `rows` cells at mean conductance g, read at vRead. */
    const conversion = (bits: number, rows: number, g: number, vRead: number) => {
      const rCol = (1 / (rows * g)) * (0.5 / vRead);
      const power = p.powerPerBit * bits + p.powerBase + p.powerLine * Math.exp(p.lineExponent * Math.log10(rCol));
      return power * (bits + 1) * p.cycle;
    };
    const perAdc = (bits: number) => p.transistorArea * (269 + (bits - 1) * 109 + 209 + (bits - 1) * 73);
    return {
      cost(a, layer, phase) {
        if (!isRead(phase) || !a.adcConversions) return ZERO;
        const bits = bitsOf(layer.adcBits[phase]);
        // Lines driven per conversion: the rows of a tile forward, its columns backward.
        const driven = phase === 'forward' ? layer.geometry.tileRows : layer.geometry.tileCols;
        const energyJ = a.adcConversions * conversion(bits, driven, (layer.gmin + layer.gmax) / 2, layer.vRead);
        const latencyS = readSteps(a, layer) * conversionsInSequence(layer, phase, p.columnsPerAdc) * (bits + 1) * p.cycle;
        return { energyJ, latencyS };
      },
      area(layer) {
        const per = (dir: 'forward' | 'backward') => Math.ceil(sensedLines(layer, dir) / p.columnsPerAdc) * perAdc(bitsOf(layer.adcBits[dir]));
        return arrays(layer) * (per('forward') + per('backward'));
      },
    };
  },
});
