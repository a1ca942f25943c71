import type { z } from 'zod';
import { pluginContext } from '../testing/fixtures.js';
import { pluginNameProblem } from './define.js';
import { isPluginPack, type PluginPack } from './pack.js';
import { metaOf, requiredParams, type ParamSchema } from './params.js';
import { phaseMismatch } from './phases.js';
import { COST_COMPONENTS } from '../cost/types.js';
import { PLUGIN_KINDS, type AnyPlugin } from './types.js';

/** A pack that cannot be loaded; the message is one line naming the pack (and the plugin, where one is at fault). */
export class PackError extends Error {
  override readonly name = 'PackError';
  constructor(readonly source: string, message: string) {
    super(message);
  }
}

/** npm's rules for new package names: lowercase, URL-safe, optionally scoped, at most 214 characters. */
const PACKAGE_NAME = /^(?:@[a-z0-9-~][a-z0-9-._~]*\/)?[a-z0-9-~][a-z0-9-._~]*$/;
/** semver.org's regular expression for a version. */
const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;
/** What mathjs accepts as a unit name. */
const UNIT_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const PHASES = ['forward', 'backward', 'update'];

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStringList = (v: unknown) => Array.isArray(v) && v.every((s) => typeof s === 'string');

function pluginProblem(entry: unknown): string | undefined {
  if (!isObject(entry) || !isObject(entry.meta) || typeof entry.create !== 'function') return 'is not a plugin (make it with defineDevice(), defineNonideality() or another define…())';
  const { meta } = entry;
  if (!PLUGIN_KINDS.includes(meta.kind as never)) return `has kind ${JSON.stringify(meta.kind)}, not one of ${PLUGIN_KINDS.join(', ')}`;
  if (typeof meta.name !== 'string') return 'has no name';
  return undefined;
}

/** Why a (well-formed) plugin of a pack cannot be used, or undefined. */
function pluginContentProblem(plugin: AnyPlugin): string | undefined {
  const { meta } = plugin;
  const named = pluginNameProblem(meta.name);
  if (named) return named;
  const schema = meta.params as unknown as ParamSchema | undefined;
  if (!isObject(schema) || !isObject(schema.shape) || typeof schema.safeParse !== 'function') return 'has no params schema (use params({ … }), even when empty)';
  if (!Array.isArray(meta.phases) || !meta.phases.length || !meta.phases.every((p) => PHASES.includes(p))) {
    return `declares phases ${JSON.stringify(meta.phases)}; expected a non-empty list of ${PHASES.join(', ')}`;
  }
  // A cost plugin is found by the component it prices (a spec's cost slot checks it).
  if (meta.kind === 'cost' && !COST_COMPONENTS.includes(meta.component as never)) {
    return `names component ${JSON.stringify(meta.component)}; a cost plugin prices one of ${COST_COMPONENTS.join(', ')} (meta.component)`;
  }
  for (const [key, field] of Object.entries(schema.shape)) {
    const f = field as z.ZodType;
    const missing = f.safeParse(undefined);
    if (metaOf(f)?.required !== true && (!missing.success || missing.data === undefined)) return `param "${key}" has no default and is not marked required (give it a default, or required: true)`;
  }
  // A plugin with required params cannot be created without values for them, which a pack does not
  // ship: its phase declaration is left to the conformance suite, run by the pack with sample params.
  if (requiredParams(schema).length) return undefined;
  let hooks: unknown;
  try {
    hooks = plugin.create(pluginContext(`pack-check/${meta.name}`), schema.parse({}) as never);
  } catch (e) {
    return `cannot be created with its default params: ${e instanceof Error ? e.message : String(e)}`;
  }
  return phaseMismatch(plugin, hooks);
}

function presetProblem(preset: unknown): string | undefined {
  if (!isObject(preset)) return 'is not an object';
  if (typeof preset.name !== 'string' || !preset.name) return 'has no name';
  if (typeof preset.description !== 'string' || !preset.description) return `"${preset.name}" has no description`;
  if (!isObject(preset.spec)) return `"${preset.name}" has no spec (a partial spec object)`;
  if (preset.source !== undefined && !isStringList(preset.source)) return `"${preset.name}" has a source that is not a list of strings`;
  return undefined;
}

function unitProblem(unit: unknown): string | undefined {
  if (!isObject(unit)) return 'is not an object';
  if (typeof unit.name !== 'string' || !UNIT_NAME.test(unit.name)) return `has name ${JSON.stringify(unit.name)}; expected letters, digits and _ (e.g. "mK")`;
  if (typeof unit.definition !== 'string' || !unit.definition.trim()) return `"${unit.name}" has no definition (e.g. "0.001 K")`;
  if (unit.aliases !== undefined && !(isStringList(unit.aliases) && (unit.aliases as string[]).every((a) => UNIT_NAME.test(a)))) {
    return `"${unit.name}" has aliases that are not a list of unit names`;
  }
  return undefined;
}

/**
 * Checks a module's default export is a usable plugin pack, before anything is registered: the loader's
 * one gate, so a broken pack fails at load with a message naming it, never halfway into a run. Creates
 * each plugin once with its defaults, in a small fixture context, to check its declared phases.
 */
export function checkPluginPack(value: unknown, source: string): PluginPack {
  if (!isPluginPack(value)) {
    throw new PackError(source, `${source}: the default export is not a plugin pack; write \`export default definePluginPack({ name, version, plugins })\` with definePluginPack from @txsim/core`);
  }
  const rawName = (value as { name?: unknown }).name;
  const at = `pack ${typeof rawName === 'string' ? `"${rawName}" ` : ''}(${source})`;
  const fail = (message: string): never => {
    throw new PackError(source, `${at}: ${message}`);
  };
  if (typeof rawName !== 'string' || rawName.length > 214 || !PACKAGE_NAME.test(rawName)) {
    fail(`name ${JSON.stringify(rawName)} is not an npm package name (lowercase, URL-safe, optionally scoped: "txsim-pack-fefet", "@lab/txsim-devices")`);
  }
  if (typeof value.version !== 'string' || !SEMVER.test(value.version)) fail(`version ${JSON.stringify(value.version)} is not a semver version (e.g. "1.0.0")`);
  if (!Array.isArray(value.plugins)) fail('plugins is not a list (give plugins: [] when the pack has none)');
  const seen = new Set<string>();
  value.plugins.forEach((entry: unknown, i) => {
    const shape = pluginProblem(entry);
    if (shape) fail(`plugins[${i}] ${shape}`);
    const plugin = entry as AnyPlugin;
    const label = `${plugin.meta.kind} plugin "${plugin.meta.name}"`;
    const key = `${plugin.meta.kind}/${plugin.meta.name}`;
    if (seen.has(key)) fail(`${label} appears twice; each kind's names must be unique`);
    seen.add(key);
    const problem = pluginContentProblem(plugin);
    if (problem) fail(`${label}: ${problem}`);
  });
  if (value.presets !== undefined && !Array.isArray(value.presets)) fail('presets is not a list');
  (value.presets ?? []).forEach((preset: unknown, i) => {
    const problem = presetProblem(preset);
    if (problem) fail(`presets[${i}] ${problem}`);
  });
  if (value.units !== undefined && !Array.isArray(value.units)) fail('units is not a list');
  (value.units ?? []).forEach((unit: unknown, i) => {
    const problem = unitProblem(unit);
    if (problem) fail(`units[${i}] ${problem}`);
  });
  if (value.configureLayer !== undefined && typeof value.configureLayer !== 'function') fail('configureLayer is not a function');
  return value;
}
