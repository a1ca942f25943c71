import type { ActivityCounts, LayerActivity } from '../tile/counters.js';
import {
  COST_COMPONENTS, COST_PHASES, type ComponentCost, type CostActivity, type CostComponent, type CostLayer, type CostModel,
  type CostPhase, type CostReport, type LayerCost, type PhaseCost,
} from './types.js';

/** The training a set of activity counts covers: what the counters themselves do not record. */
export interface TrainingExtent {
  /** Training examples processed (epochs × examples per epoch). */
  readonly examples: number;
  /** Mini-batch updates made. */
  readonly updateSteps: number;
}

/** One layer's crossbar reads per example: 1 for a fully connected layer, output positions for a convolution. */
export type PositionsPerExample = (layer: string) => number;

const ZERO = { tileReads: 0, dacConversions: 0, adcConversions: 0, cellReads: 0, updatePulses: 0, macs: 0, updateSteps: 0, outputs: 0 };

/**
 * The activity of each cost phase of one layer, from its tile counters. Counters count every DAC pass and
 * slice; the digital outputs are the layer's own (after the shift-and-add), so they are taken per input
 * vector: vectors = tile reads / (tiles · slices · passes).
 */
export function phaseActivity(layer: CostLayer, counts: LayerActivity, extent: TrainingExtent, positions = 1): Record<CostPhase, CostActivity> {
  const g = layer.geometry;
  const tiles = g.gridRows * g.gridCols * layer.slices;
  const vectors = (dir: 'forward' | 'backward') => counts[dir].tileReads / (tiles * layer.passes[dir]);
  const vectorsPerExample = extent.examples * positions;
  return {
    forward: { ...ZERO, ...counts.forward, outputs: vectors('forward') * g.cols },
    backward: { ...ZERO, ...counts.backward, outputs: vectors('backward') * g.rows },
    weightGradient: { ...ZERO, macs: vectorsPerExample * g.rows * g.cols, outputs: extent.updateSteps * g.rows * g.cols },
    update: { ...ZERO, updatePulses: counts.update.updatePulses, updateSteps: extent.updateSteps },
  };
}

function sum(costs: readonly ComponentCost[]): ComponentCost {
  let energyJ = 0;
  let latencyS = 0;
  for (const c of costs) {
    energyJ += c.energyJ;
    latencyS += c.latencyS;
  }
  return { energyJ, latencyS };
}

/**
 * Prices one layer. Within a phase the components of a read run one after another for each vector
 * (DAC → array → sense amplifier → ADC → digital sum), so their latencies add; every tile of the layer
 * works in parallel, which the components' own latency formulas account for.
 */
export function layerCost(models: Readonly<Record<CostComponent, CostModel>>, layer: CostLayer, activity: Record<CostPhase, CostActivity>): LayerCost {
  const phases = {} as Record<CostPhase, PhaseCost>;
  for (const phase of COST_PHASES) {
    const components: Partial<Record<CostComponent, ComponentCost>> = {};
    for (const c of COST_COMPONENTS) components[c] = models[c].cost(activity[phase], layer, phase);
    phases[phase] = { ...sum(Object.values(components)), components };
  }
  const area: Partial<Record<CostComponent, number>> = {};
  for (const c of COST_COMPONENTS) area[c] = models[c].area(layer);
  const total = sum(Object.values(phases));
  return { phases, ...total, areaM2: Object.values(area).reduce((a, b) => a + b, 0), area };
}

/** The network's cost: every layer priced, then totals per phase and component (layers run in sequence). */
export function costReport(layers: Readonly<Record<string, LayerCost>>, notes?: readonly string[]): CostReport {
  const all = Object.values(layers);
  const phases = Object.fromEntries(COST_PHASES.map((p) => [p, sum(all.map((l) => l.phases[p]))])) as Record<CostPhase, ComponentCost>;
  const components = Object.fromEntries(COST_COMPONENTS.map((c) => [c, sum(all.flatMap((l) => COST_PHASES.map((p) => l.phases[p].components[c] ?? { energyJ: 0, latencyS: 0 })))]));
  const total = sum(all);
  const arrayAreaM2 = all.reduce((a, l) => a + (l.area['array-read'] ?? 0), 0);
  const areaM2 = all.reduce((a, l) => a + l.areaM2, 0);
  return { layers, ...total, areaM2, arrayAreaM2, peripheryAreaM2: areaM2 - arrayAreaM2, phases, components, ...(notes?.length ? { notes } : {}) };
}

/** Prices the activity of every crossbar layer. */
export function rollUpCost(
  models: Readonly<Record<CostComponent, CostModel>>, layers: readonly CostLayer[], activity: Readonly<Record<string, LayerActivity>>,
  extent: TrainingExtent, positions: PositionsPerExample = () => 1, notes?: readonly string[],
): CostReport {
  const out: Record<string, LayerCost> = {};
  for (const layer of layers) {
    const counts = activity[layer.name];
    if (!counts) continue;
    out[layer.name] = layerCost(models, layer, phaseActivity(layer, counts, extent, positions(layer.name)));
  }
  return costReport(out, notes);
}

/** The activity counted between two snapshots (an epoch's share of the running totals). */
export function activityDelta(after: Readonly<Record<string, LayerActivity>>, before: Readonly<Record<string, LayerActivity>> = {}): Record<string, LayerActivity> {
  const minus = (a: ActivityCounts, b?: ActivityCounts): ActivityCounts =>
    Object.fromEntries(Object.entries(a).map(([k, v]) => [k, v - (b?.[k as keyof ActivityCounts] ?? 0)])) as unknown as ActivityCounts;
  const out: Record<string, LayerActivity> = {};
  for (const [name, a] of Object.entries(after)) {
    const b = before[name];
    out[name] = { forward: minus(a.forward, b?.forward), backward: minus(a.backward, b?.backward), update: minus(a.update, b?.update) };
  }
  return out;
}
