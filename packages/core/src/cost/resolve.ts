import type { z } from 'zod';
import type { DependencyContainer } from '../di.js';
import { findPlugin, parsePluginParams, UnknownPluginError } from '../plugin/registry.js';
import type { PluginContext } from '../plugin/types.js';
import { formatPath, fromZod, type SpecIssue } from '../spec/errors.js';
import type { CostSpec } from '../spec/schema.js';
import type { CostComponent, CostModel } from './types.js';

/** The spec's `cost` slots and the component each must price. */
export const COST_SLOTS: ReadonlyArray<readonly [keyof CostSpec, CostComponent]> = [
  ['dac', 'dac'], ['adc', 'adc'], ['senseAmp', 'sense-amp'], ['arrayRead', 'array-read'],
  ['arrayWrite', 'array-write'], ['digital', 'digital'], ['buffer', 'buffer'],
];

/** A spec's cost section with every plugin found and its parameters parsed (SI numbers, defaults filled in). */
export type ResolvedCost = Readonly<Record<keyof CostSpec, { readonly name: string; readonly params: Readonly<Record<string, unknown>> }>>;

/**
 * Checks every cost slot: the plugin exists (kind `cost`), prices that slot's component, and its
 * parameters parse. Problems are appended with their paths (`cost.adc.params.bits`).
 */
export function resolveCost(container: DependencyContainer, cost: CostSpec, issues: SpecIssue[]): ResolvedCost | undefined {
  const before = issues.length;
  const out: Record<string, { name: string; params: Record<string, unknown> }> = {};
  for (const [slot, component] of COST_SLOTS) {
    const ref = cost[slot];
    const path = ['cost', slot];
    let plugin;
    try {
      plugin = findPlugin(container, 'cost', ref.name);
    } catch (e) {
      if (!(e instanceof UnknownPluginError)) throw e;
      issues.push({ path: formatPath([...path, 'name']), message: e.message });
      continue;
    }
    if (plugin.meta.component !== component) {
      issues.push({ path: formatPath([...path, 'name']), message: `cost plugin "${ref.name}" prices the ${plugin.meta.component ?? 'unnamed'} component, not the ${component}` });
      continue;
    }
    const parsed = parsePluginParams(plugin, ref.params);
    if (!parsed.success) {
      issues.push(...fromZod(parsed.error, plugin.meta.params as z.ZodType, [...path, 'params'], ref.params));
      continue;
    }
    out[slot] = { name: ref.name, params: parsed.data as Record<string, unknown> };
  }
  return issues.length > before ? undefined : (out as unknown as ResolvedCost);
}

/**
 * The cost models of a resolved cost section, one per component. Cost plugins are network-wide and
 * pure, so they get no layer, stream or backend: their context is empty.
 */
export function costModels(container: DependencyContainer, cost: ResolvedCost): Record<CostComponent, CostModel> {
  const out = {} as Record<CostComponent, CostModel>;
  for (const [slot, component] of COST_SLOTS) {
    out[component] = findPlugin(container, 'cost', cost[slot].name).create({} as PluginContext, cost[slot].params as never);
  }
  return out;
}
