import { describe, expect, it } from 'vitest';
import { pluginConformance, pluginContext, updateContext } from '@txsim/core/testing';
import { arrheniusReram } from './arrhenius-reram.js';

pluginConformance([arrheniusReram], { describe, it, expect });

describe('arrhenius-reram', () => {
  const step = (raw: Record<string, unknown>, g0: number[], d: number[]) => {
    const p = arrheniusReram.meta.params.parse(raw);
    const device = arrheniusReram.create(pluginContext(), p);
    const g = Float64Array.from(g0);
    const out = new Float64Array(g.length);
    device.respond!(g, Float64Array.from(d), out, updateContext(g));
    return Array.from(out);
  };

  it('scales each change by exp(−Ea/k·(1/T − 1/T0)), computed here from eV and K', () => {
    // Ea = 0.3 eV, T = 330 K, T0 = 300 K: factor = exp(−0.3/8.617333262e-5·(1/330 − 1/300)) ≈ 2.8717
    const factor = Math.exp((-0.3 / 8.617333262e-5) * (1 / 330 - 1 / 300));
    const out = step({ temperature: '330 K', activation: '0.3 eV' }, [5e-6, 5e-6], [1e-7, -2e-7]);
    // mathjs's electronvolt and the CODATA k in eV/K agree to ~5e-8 (relative), hence the tolerance.
    expect(Math.abs((out[0]! - 5e-6) / (1e-7 * factor) - 1)).toBeLessThan(1e-7);
    expect(Math.abs((5e-6 - out[1]!) / (2e-7 * factor) - 1)).toBeLessThan(1e-7);
    expect(factor).toBeGreaterThan(2.8);
  });

  it('clips at its bounds', () => {
    expect(step({ gmin: '1 uS', gmax: '10 uS' }, [9.9e-6, 1.1e-6], [1e-6, -1e-6])).toEqual([1e-5, 1e-6]);
  });
});
