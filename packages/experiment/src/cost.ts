import {
  activityDelta, buildCrossbar, SpecError, costLayer, costModels, epochExamples, estimateEpochActivity, Matrix, positionsPerExample, rollUpCost, samplesPerEpoch,
  type CostLayer, type CostReport, type DependencyContainer, type CostPhase, type LayerActivity, type ResolvedSpec, type TiledCrossbar, COST_PHASES,
} from '@txsim/core';
import { createRunContainer, type BackendChoice } from './composition.js';
import { openSpec, type PluginOptions } from './open-spec.js';
import type { LoadSpecOptions } from './spec-file.js';

/** What a run's layers offer the cost model: their built crossbars, where they have one. */
export type BuiltLayer = { readonly name: string; readonly crossbar?: TiledCrossbar };

/** The cost view of every crossbar layer of a built network. */
export function networkCostLayers(resolved: ResolvedSpec, built: readonly BuiltLayer[]): CostLayer[] {
  return resolved.layers.flatMap((plan) => {
    const cb = built.find((l) => l.name === plan.name)?.crossbar;
    return plan.crossbar && cb ? [costLayer(plan, cb.geometry, cb.components)] : [];
  });
}

/** Prices a run's counted activity (the spec's `cost` section must be present). */
export function countedCost(container: DependencyContainer, resolved: ResolvedSpec, layers: readonly CostLayer[], activity: Readonly<Record<string, LayerActivity>>, examples: number, updateSteps: number): CostReport {
  const positions = new Map(resolved.layers.map((p) => [p.name, positionsPerExample(p)]));
  return rollUpCost(costModels(container, resolved.cost!), layers, activity, { examples, updateSteps }, (n) => positions.get(n) ?? 1, [
    'Counted activity; forward includes the test-set evaluation after each epoch.',
    'Array energies take the mean device conductance (gmin + gmax)/2; write pulses are split by setFraction.',
  ]);
}

/**
 * One epoch's cost from the spec alone, without data or training (`txsim cost`): every layer's
 * crossbar is built with zero weights, in a container of its own, to learn its geometry, slices and
 * DAC passes; the activity follows from the shapes (see `estimateEpochActivity` for what is estimated).
 */
export async function estimateEpochCost(spec: string | Record<string, unknown>, options: PluginOptions & LoadSpecOptions = {}): Promise<CostReport> {
  const opened = await openSpec(spec, options);
  const { resolved } = opened;
  if (!resolved.cost) throw new SpecError([{ path: 'cost', message: 'the spec has no cost section; add `cost: {}` (or `preset: neurosim-32nm`) to price it' }], opened.file);
  const { train: trainSize, test } = epochExamples(resolved.spec.data);
  if (trainSize === undefined || test === undefined) {
    const field = trainSize === undefined ? 'trainLimit' : 'testLimit';
    throw new SpecError([{ path: `data.${field}`, message: `needed to know an epoch's size without reading the ${resolved.spec.data.dataset} files` }], opened.file);
  }
  // An epoch is the sampler's draws (with-replacement: `samples`), not the training set's size.
  const train = samplesPerEpoch(resolved.spec.training.sampler, trainSize);
  const container = createRunContainer({ seed: resolved.spec.seed, backend: 'reference' as BackendChoice }, opened.container);
  const crossbarPlans = resolved.layers.filter((p) => p.crossbar);
  const layers = crossbarPlans.map((plan) => {
    const cb = buildCrossbar(container, plan, new Matrix(plan.inputs, plan.outputs));
    return costLayer(plan, cb.geometry, cb.components);
  });
  const epoch = { trainExamples: train, testExamples: test, batchSize: resolved.spec.training.batchSize };
  const first = resolved.layers[0]?.name;
  const activity = Object.fromEntries(layers.map((l) => {
    const plan = resolved.layers.find((p) => p.name === l.name)!;
    // sign-split moves one device per change; reference-column only its G+ (the reference is fixed).
    const devicesPerChange = plan.crossbar!.mapping.scheme === 'mid-range' ? 2 : 1;
    return [l.name, estimateEpochActivity(l, epoch, { positions: positionsPerExample(plan), backward: l.name !== first, devicesPerChange })];
  }));
  const steps = Math.ceil(train / epoch.batchSize);
  const positions = new Map(resolved.layers.map((p) => [p.name, positionsPerExample(p)]));
  return rollUpCost(costModels(container, resolved.cost), layers, activity, { examples: train, updateSteps: steps }, (n) => positions.get(n) ?? 1, [
    `Estimate from the spec alone: one epoch of ${train} training and ${test} test examples, batch ${epoch.batchSize}.`,
    'Read counts are exact; the update assumes every weight programmed once per mini-batch on each device the mapping moves: for an analog rule an upper bound (zero inputs leave their rows unchanged), for a pulse rule (whose counts are pulses) a guess, since the expected pulses depend on the gradients.',
    'Array energies take the mean device conductance (gmin + gmax)/2; write pulses are split by setFraction.',
  ]);
}

/** Energy and latency per phase, summed over the layers: what metrics.jsonl keeps per epoch. */
export function costPhaseTotals(c: CostReport): Record<CostPhase, { energyJ: number; latencyS: number }> {
  return Object.fromEntries(COST_PHASES.map((p) => [p, { energyJ: c.phases[p].energyJ, latencyS: c.phases[p].latencyS }])) as Record<CostPhase, { energyJ: number; latencyS: number }>;
}

export { activityDelta };
