import { dirname, resolve } from 'node:path';
import type { z } from 'zod';
import type { DependencyContainer } from '../di.js';
import { listPlugins, parsePluginParams, UnknownPluginError, findPlugin } from '../plugin/registry.js';
import type { Phase, PluginKind, ReadDirection } from '../plugin/types.js';
import { absoluteFiles, type ParamSchema } from '../plugin/params.js';
import { fromZod, formatPath, SpecError, type SpecIssue } from './errors.js';
import { weightClipLimit } from './weight-clip.js';
import { checkCrossbarMemory, checkNetworkMemory } from './memory.js';
import { specWarnings } from './warnings.js';
import { stackConflicts } from './stack-conflicts.js';
import { layerCrossbar } from './layer-crossbar.js';
import { modelLayers, type ConvShape } from './model-layers.js';
import { applyPresets, type PresetMap } from './presets.js';
import { resolveCost, type ResolvedCost } from '../cost/resolve.js';
import { costSchema, crossbarSchema, specSchema, type BiasPlacement, type CrossbarSpec, type ParsedSpec, type PluginRef, type WeightClip } from './schema.js';

export interface ResolvedPlugin {
  readonly name: string;
  /** Parsed parameters: SI numbers, every default filled in. */
  readonly params: Readonly<Record<string, unknown>>;
  readonly phases: readonly Phase[];
}

export interface ResolvedPeripherals {
  readonly dac: ResolvedPlugin;
  readonly senseAmp: ResolvedPlugin;
  readonly adc: ResolvedPlugin;
}

export interface ResolvedCrossbar {
  readonly tile: { readonly rows: number; readonly cols: number; readonly fit?: boolean };
  readonly device: ResolvedPlugin;
  readonly mapping: CrossbarSpec['mapping'];
  /** Absent: every read happens once (no bound management). */
  readonly boundManagement?: CrossbarSpec['boundManagement'];
  readonly read: Readonly<Record<ReadDirection, ResolvedPeripherals>>;
  readonly updateRule: ResolvedPlugin;
  readonly nonidealities: readonly ResolvedPlugin[];
}

export interface LayerPlan {
  readonly name: string;
  readonly inputs: number;
  readonly outputs: number;
  /** A convolution's geometry (its weights are inputs = channels·kernel² × outputs = outChannels). */
  readonly conv?: ConvShape;
  /** null: the layer trains in plain digital arithmetic. */
  readonly crossbar: ResolvedCrossbar | null;
  /** Where the bias lives; absent: digital. analog on a digital layer stays digital (there is no array). */
  readonly bias?: BiasPlacement;
  /** Weight clipping; absent: none. */
  readonly weightClip?: WeightClip;
}

export interface ResolvedSpec {
  readonly spec: ParsedSpec;
  readonly layers: readonly LayerPlan[];
  /** Values that validate but are probably slips (a conductance of 10 S meant as 10 µS), each with its path. */
  readonly warnings?: readonly SpecIssue[];
  /** The hardware-cost model, when the spec has a `cost` section. */
  readonly cost?: ResolvedCost;
}

const SLOT_KIND: Record<string, PluginKind> = { device: 'device', dac: 'dac', senseAmp: 'sense-amp', adc: 'adc', updateRule: 'update-rule' };

/** What plugin references are resolved against: the registered plugins, and the folder relative file paths start from. */
interface Scope {
  readonly container: DependencyContainer;
  readonly baseDir: string;
}

function resolvePlugin({ container, baseDir }: Scope, kind: PluginKind, ref: PluginRef, path: PropertyKey[], issues: SpecIssue[]): ResolvedPlugin | undefined {
  let plugin;
  try {
    plugin = findPlugin(container, kind, ref.name);
  } catch (e) {
    if (!(e instanceof UnknownPluginError)) throw e;
    issues.push({ path: formatPath([...path, 'name']), message: e.message });
    return undefined;
  }
  // Errors quote what the spec wrote; the plugin (and its checks) see absolute paths.
  const parsed = parsePluginParams(plugin, absoluteFiles(plugin.meta.params as ParamSchema, ref.params, baseDir));
  if (!parsed.success) {
    issues.push(...fromZod(parsed.error, plugin.meta.params as z.ZodType, [...path, 'params'], ref.params));
    return undefined;
  }
  const declared = plugin.meta.phases;
  const phases = ref.phases ?? declared;
  for (const p of phases) {
    if (!declared.includes(p)) issues.push({ path: formatPath([...path, 'phases']), message: `"${ref.name}" acts only in ${declared.join(', ')}; "${p}" is not one of them` });
  }
  return { name: ref.name, params: parsed.data as Record<string, unknown>, phases };
}

function resolveCrossbar(scope: Scope, cb: CrossbarSpec, path: PropertyKey[], issues: SpecIssue[]): ResolvedCrossbar | undefined {
  const before = issues.length;
  const slot = (key: keyof typeof SLOT_KIND, ref: PluginRef, p: PropertyKey[]) => resolvePlugin(scope, SLOT_KIND[key]!, ref, p, issues);
  const device = slot('device', cb.device, [...path, 'device']);
  const updateRule = slot('updateRule', cb.updateRule, [...path, 'updateRule']);
  const forward = { dac: slot('dac', cb.dac, [...path, 'dac']), senseAmp: slot('senseAmp', cb.senseAmp, [...path, 'senseAmp']), adc: slot('adc', cb.adc, [...path, 'adc']) };
  // The backward read uses the forward converters unless overridden (resolved once, so errors appear once).
  const back = (k: 'dac' | 'senseAmp' | 'adc') => (cb.backward[k] ? slot(k, cb.backward[k], [...path, 'backward', k]) : forward[k]);
  const backward = { dac: back('dac'), senseAmp: back('senseAmp'), adc: back('adc') };
  const nonidealities = cb.nonidealities.map((ref, i) => resolvePlugin(scope, 'nonideality', ref, [...path, 'nonidealities', i], issues));
  if (issues.length > before) return undefined;
  return {
    tile: cb.tile,
    device: device!,
    mapping: cb.mapping,
    ...(cb.boundManagement ? { boundManagement: cb.boundManagement } : {}),
    read: { forward: forward as ResolvedPeripherals, backward: backward as ResolvedPeripherals },
    updateRule: updateRule!,
    nonidealities: nonidealities as ResolvedPlugin[],
  };
}

/**
 * The paths of own `__proto__` keys in parsed data (JSON.parse and yaml create them as plain
 * properties). Assigning or merging such a key sets an object's prototype instead of a field, so
 * it would vanish without a word; every such key is reported instead.
 */
function reservedKeys(raw: unknown, path: string[] = [], out: string[][] = [], depth = 0): string[][] {
  if (typeof raw !== 'object' || raw === null || depth > 64) return out;
  if (Array.isArray(raw)) raw.forEach((v, i) => reservedKeys(v, [...path, String(i)], out, depth + 1));
  else {
    if (Object.hasOwn(raw, '__proto__')) out.push([...path, '__proto__']);
    for (const [k, v] of Object.entries(raw)) reservedKeys(v, [...path, k], out, depth + 1);
  }
  return out;
}

function reservedIssue(path: readonly string[]): SpecIssue {
  return { path: formatPath(path.map((k) => (/^\d+$/.test(k) ? Number(k) : k))), message: 'unknown field "__proto__" (a reserved JavaScript name, never a spec field); remove it' };
}

export interface ResolveOptions {
  /** Presets a spec may name in `preset`, by name; each a partial spec. */
  readonly presets?: PresetMap;
  /** Folder a relative file parameter starts from (default: `source`'s folder, else the working directory). */
  readonly baseDir?: string;
}

/**
 * Validates a raw spec (parsed YAML/JSON) completely — presets, structure, units, plugin names,
 * plugin parameters, layer overrides, memory — and throws one SpecError listing every problem with
 * its path. Layering: schema defaults → presets in order → the spec → per-layer overrides. A relative
 * path in a file parameter is taken from the spec's folder (`options.baseDir`), so the resolved spec
 * holds absolute paths and means the same from any working directory.
 */
export function resolveSpec(raw: unknown, container: DependencyContainer, source?: string, options: ResolveOptions = {}): ResolvedSpec {
  if (raw === null || raw === undefined || (typeof raw === 'string' && raw.trim() === '')) {
    throw new SpecError([{ path: '', message: 'the spec is empty' }], source);
  }
  const issues: SpecIssue[] = [];
  const scope: Scope = { container, baseDir: options.baseDir ?? (source !== undefined ? dirname(resolve(source)) : process.cwd()) };
  const reserved = reservedKeys(raw);
  const merged = applyPresets(raw, options.presets ?? {}, issues);
  const top = specSchema.safeParse(merged);
  if (!top.success) {
    issues.push(...reserved.map((p) => reservedIssue(p)).filter((r) => !issues.some((i) => i.path === r.path)));
    // Still check the plugins of a well-formed crossbar section, so one run reports every problem.
    issues.push(...fromZod(top.error, specSchema, [], merged));
    const cb = crossbarSchema.safeParse((merged as { crossbar?: unknown }).crossbar);
    if (cb.success) resolveCrossbar(scope, cb.data, ['crossbar'], issues);
    const cost = costSchema.safeParse((merged as { cost?: unknown }).cost);
    if (cost.success && cost.data) resolveCost(container, cost.data, issues);
    throw new SpecError(issues, source);
  }
  const { preset: _applied, ...spec } = top.data;
  let layers;
  try {
    layers = modelLayers(spec);
  } catch (e) {
    if (e instanceof SpecError) throw new SpecError(e.issues, source);
    throw e;
  }
  // Resolved relative to the crossbar, so that the layers can tell their inherited problems from their own.
  const baseIssues: SpecIssue[] = [];
  const base = spec.crossbar ? resolveCrossbar(scope, spec.crossbar, [], baseIssues) : undefined;
  issues.push(...baseIssues.map((i) => ({ path: joinPath(['crossbar'], i.path), message: i.message })));
  const baseNames = spec.crossbar?.nonidealities.map((n) => n.name) ?? [];
  issues.push(...stackConflicts(container, baseNames, (i) => `crossbar.nonidealities[${i}]`));
  const inherited = new Set(baseIssues.map((i) => `${i.path}\u0000${i.message}`));

  // An own "__proto__" key never reaches spec.layers (merging and the schema drop it), so it is taken from what was written.
  const layerKeys = [...Object.keys(spec.layers), ...reserved.filter((p) => p.length === 2 && p[0] === 'layers').map((p) => p[1]!)];
  issues.push(...reserved.filter((p) => !(p.length === 2 && p[0] === 'layers')).map((p) => reservedIssue(p)).filter((r) => !issues.some((i) => i.path === r.path)));
  for (const name of layerKeys) {
    if (!layers.some((l) => l.name === name)) {
      issues.push({ path: formatPath(['layers', name]), message: `no layer named "${name}"; this model's layers are ${layers.map((l) => l.name).join(', ')}` });
    }
  }
  const plans: LayerPlan[] = layers.map((planned) => {
    const over = spec.layers[planned.name];
    const bias = over?.bias ?? spec.model.bias;
    const weightClip = over?.weightClip ?? spec.model.weightClip;
    const l = { ...planned, ...(bias && bias !== 'digital' ? { bias } : {}), ...(weightClip ? { weightClip } : {}) };
    if (over?.digital || (!spec.crossbar && !over?.crossbar)) return { ...l, crossbar: null };
    if (!over?.crossbar) return { ...l, crossbar: base ?? null };
    const path = ['layers', l.name, 'crossbar'];
    const layer = layerCrossbar(spec.crossbar ?? crossbarSchema.parse({}), over.crossbar, path, issues);
    const own: SpecIssue[] = [];
    const parsed = crossbarSchema.safeParse(layer.raw);
    if (!parsed.success) own.push(...fromZod(parsed.error, crossbarSchema, [], layer.raw));
    const cb = parsed.success ? resolveCrossbar(scope, parsed.data, [], own) : undefined;
    if (parsed.success) {
      const names = parsed.data.nonidealities.map((n) => n.name);
      // Inherited entries are named where they were written; a pair inherited whole was reported there, once.
      const from = (i: number) => layer.attribute(`nonidealities[${i}]`).base;
      const at = (i: number) => (from(i) !== undefined ? joinPath(['crossbar'], from(i)!) : joinPath(path, layer.attribute(`nonidealities[${i}]`).user));
      issues.push(...stackConflicts(container, names, at, (i) => from(i) === undefined));
    }
    for (const issue of own) {
      // A problem the layer inherits from the experiment-wide crossbar is reported there, once.
      const at = layer.attribute(issue.path);
      if (at.base === undefined || !inherited.has(`${at.base}\u0000${issue.message}`)) issues.push({ path: joinPath(path, at.user), message: issue.message });
    }
    return { ...l, crossbar: cb ?? null };
  });
  const cost = spec.cost ? resolveCost(container, spec.cost, issues) : undefined;
  if (!issues.length) checkCrossbarMemory(plans, issues);
  // Both set an analog layer's mapped weight range (tile/compose.ts): one silently winning would hide the
  // other. Equal values agree (a spec that also trains `--digital` clips there at the same limit).
  for (const plan of plans) {
    if (!plan.weightClip || plan.crossbar?.mapping.wMax === undefined || weightClipLimit(plan) === plan.crossbar.mapping.wMax) continue;
    const at = spec.layers[plan.name]?.weightClip ? ['layers', plan.name, 'weightClip'] : ['model', 'weightClip'];
    if (issues.some((i) => i.path === formatPath(at))) continue;
    issues.push({ path: formatPath(at), message: `sets ${plan.name}'s mapped weight range on the crossbar, and so does crossbar.mapping.wMax (${plan.crossbar.mapping.wMax}); keep one of the two` });
  }
  if (!issues.length) checkNetworkMemory(spec, plans, issues);
  if (issues.length) throw new SpecError(issues, source);
  const warnings = specWarnings(container, merged, base, plans);
  const data = resolvedData(spec, plans, base);
  // The resolved spec records every cost parameter, as it does the crossbar's.
  if (cost) data.cost = structuredClone(cost) as typeof data.cost;
  return { spec: data, layers: plans, ...(warnings.length ? { warnings } : {}), ...(cost ? { cost } : {}) };
}

/** `prefix` followed by a formatted relative path. */
function joinPath(prefix: readonly PropertyKey[], relative: string): string {
  const head = formatPath(prefix);
  return !relative ? head : relative.startsWith('[') ? `${head}${relative}` : `${head}.${relative}`;
}

/** A resolved crossbar as spec data: every slot named, every parameter filled in, the stack as a list. */
function crossbarData(cb: ResolvedCrossbar): CrossbarSpec {
  const ref = (r: ResolvedPlugin) => ({ name: r.name, params: { ...r.params }, phases: [...r.phases] });
  return {
    tile: { rows: cb.tile.rows, cols: cb.tile.cols, fit: cb.tile.fit ?? false },
    device: ref(cb.device),
    mapping: cb.mapping,
    ...(cb.boundManagement ? { boundManagement: cb.boundManagement } : {}),
    dac: ref(cb.read.forward.dac),
    senseAmp: ref(cb.read.forward.senseAmp),
    adc: ref(cb.read.forward.adc),
    updateRule: ref(cb.updateRule),
    nonidealities: cb.nonidealities.map(ref),
    backward: { dac: ref(cb.read.backward.dac), senseAmp: ref(cb.read.backward.senseAmp), adc: ref(cb.read.backward.adc) },
  };
}

/**
 * The spec as data again, with every plugin's parameters filled in, the experiment-wide crossbar's
 * and each overridden layer's: what a run directory records, and what resolves to the same plans.
 */
function resolvedData(spec: ParsedSpec, plans: readonly LayerPlan[], cb: ResolvedCrossbar | undefined): ParsedSpec {
  const layers = Object.fromEntries(Object.entries(spec.layers).map(([name, over]) => {
    const plan = plans.find((l) => l.name === name)?.crossbar;
    return [name, over.crossbar && plan ? { ...over, crossbar: crossbarData(plan) } : over];
  }));
  // A copy throughout: the YAML printer would write objects shared between layers as anchors.
  return structuredClone({ ...spec, ...(spec.crossbar && cb ? { crossbar: crossbarData(cb) } : {}), layers });
}

export function pluginNames(container: DependencyContainer, kind: PluginKind): string[] {
  return listPlugins(container, kind).map((p) => p.meta.name);
}

// Re-exported here so the package index (owned elsewhere) needs no new lines.
export { modelLayers, type ConvShape, type PlannedLayer } from './model-layers.js';
export { applyPresets, type PresetMap } from './presets.js';
export { checkCrossbarMemory, checkNetworkMemory, CROSSBAR_MEMORY_BUDGET, KERNEL_MEMORY, NETWORK_MEMORY_BUDGET } from './memory.js';
export { runNameProblem, SPEC_LIMITS } from './limits.js';
export { specJsonSchema, type JsonSchemaObject } from './json-schema.js';
