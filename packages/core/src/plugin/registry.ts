import { z } from 'zod';
import type { DependencyContainer, InjectionToken } from '../di.js';
import { closest } from '../spec/suggest.js';
import { PLUGIN_KINDS, type AnyPlugin, type Plugin, type PluginKind } from './types.js';

/** One token per slot kind; several plugins are registered under each (tsyringe `useValue`). */
export const PLUGIN_TOKENS: Record<PluginKind, InjectionToken<AnyPlugin>> = Object.fromEntries(
  PLUGIN_KINDS.map((k) => [k, Symbol.for(`txsim.plugin.${k}`)]),
) as Record<PluginKind, InjectionToken<AnyPlugin>>;

export class UnknownPluginError extends Error {
  constructor(readonly kind: PluginKind, readonly pluginName: string, readonly known: string[]) {
    const near = closest(pluginName, known);
    super(`unknown ${kind} plugin "${pluginName}"${near ? ` (did you mean "${near}"?)` : ''}; known: ${known.join(', ') || 'none'}`);
  }
}

export function listPlugins(container: DependencyContainer, kind: PluginKind): AnyPlugin[] {
  const token = PLUGIN_TOKENS[kind];
  return container.isRegistered(token, true) ? container.resolveAll(token) : [];
}

/**
 * Registers plugins in the given container. A name already registered for the same kind is an error
 * unless `override` is set, so two packages cannot silently shadow each other.
 */
export function registerPlugins(container: DependencyContainer, plugins: readonly AnyPlugin[], options: { override?: boolean } = {}): void {
  for (const plugin of plugins) {
    const { kind, name } = plugin.meta;
    const existing = listPlugins(container, kind).some((p) => p.meta.name === name);
    if (existing && !options.override) throw new Error(`${kind} plugin "${name}" is already registered`);
    container.register(PLUGIN_TOKENS[kind], { useValue: plugin });
  }
}

export function findPlugin<K extends PluginKind>(container: DependencyContainer, kind: K, name: string): Plugin<K> {
  const all = listPlugins(container, kind);
  // The last registration wins, so an explicit override replaces the earlier plugin of that name.
  const found = [...all].reverse().find((p) => p.meta.name === name);
  if (!found) throw new UnknownPluginError(kind, name, all.map((p) => p.meta.name));
  return found as unknown as Plugin<K>;
}

/** Validates raw params against a plugin's schema; returns zod's issues instead of throwing. */
export function parsePluginParams(plugin: { meta: { params: unknown } }, raw: unknown) {
  return (plugin.meta.params as z.ZodType).safeParse(raw ?? {});
}
