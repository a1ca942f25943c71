import { dirname, join, resolve } from 'node:path';
import { PackError, type DependencyContainer, type PluginPack, type PresetMap, type ResolvedSpec } from '@txsim/core';
import { createPluginContainer } from './composition.js';
import { loadPacks, type LoadedPack } from './packs.js';
import { readSpecFile, resolveSpecData, type LoadSpecOptions } from './spec-file.js';

/** Packs and where to look for them, shared by every entry that loads plugins. */
export interface PluginOptions {
  /** Packs beyond those a spec lists: module specifiers (relative to `cwd`) or pack objects. */
  readonly plugins?: readonly (string | PluginPack)[];
  /** Base of relative specifiers in `plugins` (default: the working directory). */
  readonly cwd?: string;
  /** Parent of the containers made here (default: tsyringe's root). */
  readonly container?: DependencyContainer;
}

/** The plugin registrations of a command or run: txsim's own plus its packs. */
export interface OpenedPlugins {
  readonly container: DependencyContainer;
  readonly packs: readonly LoadedPack[];
  /** Presets the packs ship, by name. */
  readonly presets: PresetMap;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The packs a raw spec lists under `plugins:`; a malformed list is left for validation to report. */
export function listedPacks(raw: unknown): string[] {
  return isObject(raw) && Array.isArray(raw.plugins) && raw.plugins.every((p) => typeof p === 'string') ? (raw.plugins as string[]) : [];
}

/** Loads packs (those a spec lists, relative to `specDir`, then `options.plugins`) and registers them. */
export async function openPlugins(options: PluginOptions = {}, specPacks: readonly string[] = [], specDir?: string): Promise<OpenedPlugins> {
  const cwd = options.cwd ?? process.cwd();
  const merged = await loadPacks([
    ...specPacks.map((pack) => ({ pack, baseDir: specDir ?? cwd })),
    ...(options.plugins ?? []).map((pack) => ({ pack, baseDir: cwd })),
  ]);
  const presets: Record<string, unknown> = {};
  for (const { pack } of merged) {
    for (const p of pack.presets ?? []) {
      if (p.name in presets) throw new PackError(p.name, `two plugin packs ship a preset named "${p.name}"`);
      presets[p.name] = p.spec;
    }
  }
  return { container: createPluginContainer(options.container, merged), packs: merged, presets };
}

/** A validated spec with the plugins it was validated against. */
export interface OpenedSpec extends OpenedPlugins {
  readonly resolved: ResolvedSpec;
  /** The spec file, or a name for a spec given as data. */
  readonly file: string;
}

/**
 * Reads a spec (a file, or data), loads the packs it lists and those in `options.plugins`, and
 * validates it against txsim's plugins plus theirs. The resolved spec lists every pack by absolute
 * path, so a run directory's `spec.resolved.json` (and a sweep's child runs) load the same ones.
 */
export async function openSpec(spec: string | Record<string, unknown>, options: PluginOptions & LoadSpecOptions = {}): Promise<OpenedSpec> {
  const file = typeof spec === 'string' ? spec : join(options.cwd ?? process.cwd(), 'spec (given as data)');
  const raw = typeof spec === 'string' ? readSpecFile(spec) : spec;
  const plugins = await openPlugins(options, listedPacks(raw), dirname(resolve(file)));
  const resolved = resolveSpecData(raw, file, plugins.container, { ...options, extraPresets: { ...options.extraPresets, ...plugins.presets } });
  const paths = plugins.packs.flatMap((p) => (p.path ? [p.path] : []));
  const withPaths = { ...resolved, spec: { ...resolved.spec, plugins: paths.length ? paths : undefined } };
  return { ...plugins, resolved: withPaths, file };
}

// Re-exported so that run.ts reaches the shared pre-data checks through the import it already has.
export { preflight } from './preflight.js';
