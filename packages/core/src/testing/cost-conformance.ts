import type { z } from 'zod';
import { COST_COMPONENTS, COST_PHASES, type CostActivity, type CostLayer } from '../cost/types.js';
import type { Plugin, PluginContext } from '../plugin/types.js';
import { tileGeometry } from '../tile/geometry.js';
import type { TestApi } from './conformance.js';

/** A 100 × 10 layer on a 2 × 1 grid of 64 × 64 tiles: what the cost checks price. */
export const COST_TEST_LAYER: CostLayer = {
  name: 'fc', geometry: tileGeometry(100, 10, 64, 64), slices: 1,
  dacBits: { forward: 8, backward: 8 }, passes: { forward: 1, backward: 1 }, adcBits: { forward: 8, backward: 8 },
  vRead: 0.2, gmin: 1e-6, gmax: 1e-5,
};

const NONE: CostActivity = { tileReads: 0, dacConversions: 0, adcConversions: 0, cellReads: 0, updatePulses: 0, macs: 0, updateSteps: 0, outputs: 0 };
/** Some of every kind of activity (3 vectors read, a weight gradient, one update of 70 events). */
const SOME: CostActivity = { tileReads: 6, dacConversions: 384, adcConversions: 384, cellReads: 49152, updatePulses: 70, macs: 500, updateSteps: 1, outputs: 30 };

/**
 * What every cost plugin must do: name a component, price no activity at zero, never price below zero,
 * scale linearly with the activity (costs are per event: twice the work, twice the energy and time),
 * and give a finite, non-negative area.
 */
export function costChecks(plugin: Plugin<'cost'>, api: TestApi, sample?: Record<string, unknown>): void {
  const { it, expect } = api;
  const make = () => plugin.create({} as PluginContext, (plugin.meta.params as z.ZodType).parse(sample ?? {}) as never);
  it('names the component it prices', () => {
    expect(COST_COMPONENTS).toContain(plugin.meta.component);
  });
  it('prices no activity at zero and more activity linearly', () => {
    const model = make();
    const twice = Object.fromEntries(Object.entries(SOME).map(([k, v]) => [k, 2 * v])) as unknown as CostActivity;
    for (const phase of COST_PHASES) {
      expect(model.cost(NONE, COST_TEST_LAYER, phase), `${phase}: no activity`).toEqual({ energyJ: 0, latencyS: 0 });
      const one = model.cost(SOME, COST_TEST_LAYER, phase);
      const two = model.cost(twice, COST_TEST_LAYER, phase);
      expect(one.energyJ >= 0 && one.latencyS >= 0, `${phase}: non-negative`).toBe(true);
      expect(Math.abs(two.energyJ - 2 * one.energyJ) <= 1e-12 * Math.abs(two.energyJ), `${phase}: energy linear`).toBe(true);
      expect(Math.abs(two.latencyS - 2 * one.latencyS) <= 1e-12 * Math.abs(two.latencyS), `${phase}: latency linear`).toBe(true);
    }
  });
  it('gives a finite, non-negative area', () => {
    const area = make().area(COST_TEST_LAYER);
    expect(Number.isFinite(area) && area >= 0).toBe(true);
  });
}
