import { describe, expect, it } from 'vitest';
import { pluginConformance, pluginContext, randomConductances, TEST_GEOMETRY } from '@txsim/core/testing';
import { thermalTcr } from './thermal-tcr.js';

pluginConformance([thermalTcr], { describe, it, expect });

describe('thermal-tcr', () => {
  const read = (raw: Record<string, unknown>) => {
    const g = randomConductances('tcr');
    const out = new Float64Array(g.length);
    const p = thermalTcr.meta.params.parse(raw);
    thermalTcr.create(pluginContext(), p).conductance!(g, out, { direction: 'forward', polarity: 'plus' });
    return { g, out };
  };

  it('reads G/(1 + α(T − T0)): 2e-3/K at 350 K against 300 K is G/1.1', () => {
    const { g, out } = read({ temperature: '350 K', tcr: '0.002 K^-1' });
    for (let k = 0; k < TEST_GEOMETRY.paddedRows * TEST_GEOMETRY.paddedCols; k++) expect(out[k]).toBeCloseTo(g[k]! / 1.1, 18);
  });

  it('reads higher below the reference temperature (degrees Celsius accepted)', () => {
    const { g, out } = read({ temperature: '0 degC', reference: '300 K' });
    // 1 + 1e-3·(273.15 − 300) = 0.97315
    expect(out[7]! / g[7]!).toBeCloseTo(1 / 0.97315, 12);
  });

  it('refuses a coefficient that drives the resistance through zero', () => {
    expect(thermalTcr.meta.params.safeParse({ temperature: '400 K', tcr: '-0.02 K^-1' }).success).toBe(false);
  });
});
