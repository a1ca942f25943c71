import { describe, expect, it } from 'vitest';
import { tileGeometry } from '../tile/geometry.js';
import type { LayerActivity } from '../tile/counters.js';
import { activityDelta, phaseActivity, rollUpCost } from './rollup.js';
import { COST_COMPONENTS, type CostComponent, type CostLayer, type CostModel } from './types.js';

// A hand-made tile: 20 × 13 weights on 8 × 8 arrays (3 × 2 grid), 2 slices, a 2-pass DAC forward.
const layer: CostLayer = {
  name: 'fc1', geometry: tileGeometry(20, 13, 8, 8), slices: 2,
  dacBits: { forward: 4, backward: 8 }, passes: { forward: 2, backward: 1 }, adcBits: { forward: 6, backward: 6 },
  vRead: 0.2, gmin: 1e-6, gmax: 1e-5,
};
// 5 vectors forward (× 2 passes), 4 backward, 30 programming events: counts as the read pipeline makes them.
const counts: LayerActivity = {
  forward: { tileReads: 10 * 3 * 2 * 2, dacConversions: 10 * 3 * 8 * 2 * 2, adcConversions: 10 * 3 * 16 * 2, cellReads: 2 * 10 * 2 * 24 * 16, updatePulses: 0 },
  backward: { tileReads: 4 * 2 * 3 * 2, dacConversions: 4 * 2 * 8 * 3 * 2, adcConversions: 4 * 2 * 24 * 2, cellReads: 2 * 4 * 2 * 24 * 16, updatePulses: 0 },
  update: { tileReads: 0, dacConversions: 0, adcConversions: 0, cellReads: 0, updatePulses: 30 },
};

/** A component whose price is a weighted sum of the counts, so every roll-up step can be checked by hand. */
function linear(w: Partial<Record<string, number>>, area: number): CostModel {
  return {
    cost: (a) => {
      const e = Object.entries(w).reduce((s, [k, v]) => s + (a as unknown as Record<string, number>)[k]! * v!, 0);
      return { energyJ: e, latencyS: e / 1000 };
    },
    area: () => area,
  };
}

describe('cost roll-up', () => {
  it('derives each phase\'s activity from the tile counters', () => {
    const a = phaseActivity(layer, counts, { examples: 4, updateSteps: 2 });
    expect(a.forward.outputs).toBe(5 * 13); // 5 vectors of 13 outputs (passes and slices are shift-added)
    expect(a.backward.outputs).toBe(4 * 20);
    expect(a.weightGradient.macs).toBe(4 * 20 * 13);
    expect(a.weightGradient.tileReads).toBe(0);
    expect(a.update).toMatchObject({ updatePulses: 30, updateSteps: 2, tileReads: 0 });
    expect(a.forward.adcConversions).toBe(counts.forward.adcConversions);
  });

  it('sums components per phase, phases per layer, and totals per phase and component', () => {
    const models = Object.fromEntries(COST_COMPONENTS.map((c, i) => [c, linear(c === 'digital' ? { macs: 1 } : c === 'array-write' ? { updatePulses: 100 } : { tileReads: i + 1 }, i + 1)])) as Record<CostComponent, CostModel>;
    const r = rollUpCost(models, [layer], { fc1: counts }, { examples: 4, updateSteps: 2 });
    const fc1 = r.layers.fc1!;
    // Read components other than digital and array-write weigh tile reads by 1, 2, 3, 4, 7 (their index + 1).
    const readWeights = 1 + 2 + 3 + 4 + 7;
    expect(fc1.phases.forward.energyJ).toBe(120 * readWeights);
    expect(fc1.phases.backward.energyJ).toBe(48 * readWeights);
    expect(fc1.phases.weightGradient.energyJ).toBe(4 * 20 * 13);
    expect(fc1.phases.update.energyJ).toBe(3000);
    expect(fc1.energyJ).toBe(168 * readWeights + 1040 + 3000);
    expect(fc1.latencyS).toBeCloseTo(fc1.energyJ / 1000, 12);
    expect(r.energyJ).toBe(fc1.energyJ);
    expect(r.components['array-write']!.energyJ).toBe(3000);
    expect(r.components.adc!.energyJ).toBe(2 * 168);
    // Areas 1…7; the array area is array-read's (index 3 → 4).
    expect(r.areaM2).toBe(28);
    expect(r.arrayAreaM2).toBe(4);
    expect(r.peripheryAreaM2).toBe(24);
  });

  it('an epoch\'s activity is the difference of the running totals', () => {
    const half = structuredClone(counts);
    half.forward.tileReads = 20;
    const d = activityDelta({ fc1: counts }, { fc1: half });
    expect(d.fc1!.forward.tileReads).toBe(100);
    expect(d.fc1!.update.updatePulses).toBe(0);
    expect(activityDelta({ fc1: counts }).fc1).toEqual(counts);
  });
});
