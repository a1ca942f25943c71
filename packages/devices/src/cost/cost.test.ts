import { describe, expect, it } from 'vitest';
import { pluginConformance } from '@txsim/core/testing';
import { paramDefaults, tileGeometry, type CostActivity, type CostLayer, type CostModel, type PluginContext } from '@txsim/core';
import { arrayRead, arrayWrite, costPlugins, currentSenseAmp, digitalPeriphery, flashAdc, lineDac, sarAdc, sramBuffer } from './index.js';

// A hand-made layer: 100 × 10 weights on 64 × 64 tiles (2 × 1 grid, padded 128 × 64), 8-bit converters.
const layer: CostLayer = {
  name: 'fc', geometry: tileGeometry(100, 10, 64, 64), slices: 1,
  dacBits: { forward: 8, backward: 8 }, passes: { forward: 1, backward: 1 }, adcBits: { forward: 8, backward: 8 },
  vRead: 0.2, gmin: 1e-6, gmax: 1e-5,
};
const none = { tileReads: 0, dacConversions: 0, adcConversions: 0, cellReads: 0, updatePulses: 0, macs: 0, updateSteps: 0, outputs: 0 };
// 3 input vectors read forward, as the read pipeline counts them: 2 blocks × 1 array per block.
const fwd: CostActivity = { ...none, tileReads: 3 * 2, dacConversions: 3 * 2 * 64, adcConversions: 3 * 2 * 64, cellReads: 2 * 3 * 128 * 64, outputs: 3 * 10 };
const make = (p: { meta: { params: unknown }; create: (c: PluginContext, p: never) => CostModel }, over: Record<string, unknown> = {}) =>
  p.create({} as PluginContext, { ...paramDefaults(p.meta.params as never), ...over } as never);

describe('cost components against hand computation', () => {
  it('sar-adc: NeuroSim 32 nm power fit × (bits + 1) cycles per conversion', () => {
    // Without the line term: (1.0157 uW · 8 + 7.6286 uW) · 9 ns per conversion.
    const flat = make(sarAdc, { powerLine: 0 }).cost(fwd, layer, 'forward');
    expect(flat.energyJ).toBeCloseTo(384 * (1.0157e-6 * 8 + 7.6286e-6) * 9e-9, 25);
    // 64 lines on 4 ADCs of 16 multiplexed lines: the 4 work in parallel, each converting its 16 lines
    // one after another, 9 cycles each, per vector; 3 vectors.
    expect(flat.latencyS).toBeCloseTo(3 * 16 * 9e-9, 20);
    // One line per ADC: 64 ADCs in parallel, one conversion each.
    expect(make(sarAdc, { powerLine: 0, columnsPerAdc: 1 }).cost(fwd, layer, 'forward').latencyS).toBeCloseTo(3 * 9e-9, 20);
    // The line term: R_col of 64 cells at 5.5 uS, rescaled to NeuroSim's 0.5 V read.
    const rCol = (1 / (64 * 5.5e-6)) * (0.5 / 0.2);
    const full = make(sarAdc).cost(fwd, layer, 'forward');
    expect(full.energyJ - flat.energyJ).toBeCloseTo(384 * 0.083709 * Math.exp(-2.313 * Math.log10(rCol)) * 9e-9, 25);
    expect(make(sarAdc).cost(fwd, layer, 'update')).toEqual({ energyJ: 0, latencyS: 0 });
    // Area: 2 arrays × (4 column ADCs + 4 row ADCs) × (269 + 7·109 + 209 + 7·73) transistors.
    expect(make(sarAdc, { transistorArea: 1 }).area(layer)).toBe(2 * 8 * (269 + 763 + 209 + 511));
  });

  it('flash-adc: 2^bits − 1 comparator decisions per conversion, one cycle', () => {
    const c = make(flashAdc, { comparatorEnergy: 1e-15, cycle: 1e-9 }).cost(fwd, layer, 'forward');
    expect(c.energyJ).toBeCloseTo(384 * 255 * 1e-15, 25);
    expect(c.latencyS).toBeCloseTo(3 * 16 * 1e-9, 20);
    // Against the SAR at 8 bits: more energy per conversion, a ninth of the time.
    expect(c.latencyS * 9).toBeCloseTo(make(sarAdc).cost(fwd, layer, 'forward').latencyS, 20);
    expect(make(flashAdc, { comparatorArea: 1 }).area(layer)).toBe(2 * 8 * 255);
  });

  it('line-dac: bits × energy per bit per conversion, one settling time per vector', () => {
    const c = make(lineDac, { energyPerBit: 1e-15, latency: 1e-9 }).cost(fwd, layer, 'forward');
    expect(c.energyJ).toBeCloseTo(384 * 8 * 1e-15, 25);
    expect(c.latencyS).toBeCloseTo(3e-9, 20);
  });

  it('array-read: V²·G·t per cell (access transistor in series) plus C·V² per driven line', () => {
    const c = make(arrayRead, { driveFactor: 1, accessResistance: 0 }).cost(fwd, layer, 'forward');
    const cells = 2 * 3 * 128 * 64;
    const cLine = 64 * 4 * 32e-9 * 0.2e-15 / 1e-6; // 64 cells of 4F pitch at 0.2 fF/um
    expect(c.energyJ).toBeCloseTo(cells * 0.04 * 5.5e-6 * 5e-9 + 384 * cLine * 0.04, 25);
    expect(c.latencyS).toBeCloseTo(3 * 5e-9, 20);
    const withAccess = make(arrayRead, { driveFactor: 1, wireCap: 0 }).cost(fwd, layer, 'forward');
    expect(withAccess.energyJ).toBeCloseTo(cells * 0.04 / (1 / 5.5e-6 + 15e3) * 5e-9, 25);
    // 2 arrays × 2 devices × 64 × 64 cells of 16 F².
    expect(make(arrayRead).area(layer)).toBeCloseTo(2 * 2 * 64 * 64 * 16 * 32e-9 ** 2, 25);
  });

  it('array-write: set and reset pulses priced apart, rows written one after another', () => {
    const up: CostActivity = { ...none, updatePulses: 1000, updateSteps: 2 };
    const w = make(arrayWrite, { wireCap: 0, setVoltage: 3, resetVoltage: 2, setPulseWidth: 1e-7, resetPulseWidth: 2e-7, setFraction: 0.25 });
    const c = w.cost(up, layer, 'update');
    expect(c.energyJ).toBeCloseTo(1000 * (0.25 * 9 * 5.5e-6 * 1e-7 + 0.75 * 4 * 5.5e-6 * 2e-7), 22);
    expect(c.latencyS).toBeCloseTo(2 * 64 * 3e-7, 18);
    // The column's wire: 64 cells of 4F at 0.2 fF/um, charged to V per pulse.
    const wired = make(arrayWrite, { setFraction: 1, setVoltage: 2, setPulseWidth: 0 }).cost(up, layer, 'update');
    expect(wired.energyJ).toBeCloseTo(1000 * 4 * 64 * 4 * 32e-9 * 0.2e-9, 25);
    expect(w.cost(fwd, layer, 'forward')).toEqual({ energyJ: 0, latencyS: 0 });
  });

  it('digital-periphery: bit-additions for accumulation, activation, MACs and update logic', () => {
    const d = make(digitalPeriphery, { bitAddEnergy: 1, accumulatorBits: 16, activationAdds: 32, operandBits: 8, macUnits: 4, clock: 1e9 });
    expect(d.cost(fwd, layer, 'forward').energyJ).toBe(384 * 16 + 30 * 32);
    const wg = d.cost({ ...none, macs: 4000 }, layer, 'weightGradient');
    expect(wg.energyJ).toBe(4000 * (64 + 16));
    expect(wg.latencyS).toBeCloseTo(4000 / (4 * 1e9), 20);
  });

  it('sram-buffer: bits read and written, bus-limited', () => {
    const b = make(sramBuffer, { energyPerBit: 1, valueBits: 16, busWidth: 64, clock: 1e9 });
    // Inputs: 3 vectors × 128 padded lines; outputs: 30 values.
    const c = b.cost(fwd, layer, 'forward');
    expect(c.energyJ).toBe((3 * 128 + 30) * 16);
    expect(c.latencyS).toBeCloseTo(((3 * 128 + 30) * 16) / 64e9, 20);
  });

  it('current-sense-amp: zero by default (NeuroSim counts it in the ADC), per sensed value when set', () => {
    expect(make(currentSenseAmp).cost(fwd, layer, 'forward').energyJ).toBe(0);
    expect(make(currentSenseAmp, { energy: 2 }).cost(fwd, layer, 'forward').energyJ).toBe(768);
  });
});

// Every cost plugin, from the registry's list: the shared suite a pack's cost plugins also run.
pluginConformance(costPlugins, { describe, it, expect });
