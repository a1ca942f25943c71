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

/**
 * The container and its ancestors, root first. tsyringe's `resolveAll` in a child that registers a
 * token returns the child's registrations only, hiding the parent's; to merge them we walk the chain
 * ourselves. tsyringe 4.10 keeps a child's parent in the runtime field `parent` (private in its typings,
 * set by `createChildContainer`); this is the one place that reads it.
 */
export function containerChain(container: DependencyContainer): DependencyContainer[] {
  const chain: DependencyContainer[] = [];
  for (let c: DependencyContainer | undefined = container; c; c = (c as unknown as { parent?: DependencyContainer }).parent) chain.unshift(c);
  return chain;
}

/** The plugins registered in this container itself (not its parents), in registration order. */
function ownPlugins(container: DependencyContainer, kind: PluginKind): AnyPlugin[] {
  const token = PLUGIN_TOKENS[kind];
  return container.isRegistered(token, false) ? container.resolveAll(token) : [];
}

/**
 * Every plugin of a kind visible from `container`: its own and its ancestors', one per name. A child's
 * plugin replaces the parent's of the same name (in the parent's position), and within one container
 * the last registration wins.
 */
export function listPlugins(container: DependencyContainer, kind: PluginKind): AnyPlugin[] {
  const byName = new Map<string, AnyPlugin>();
  for (const c of containerChain(container)) for (const p of ownPlugins(c, kind)) byName.set(p.meta.name, p);
  return [...byName.values()];
}

/**
 * Registers plugins in the given container. A name already registered in this same container is an
 * error unless `override` is set, so two packages cannot silently shadow each other. In a child
 * container, registering a name a parent has is how a layer or phase overrides it, and is allowed.
 */
export function registerPlugins(container: DependencyContainer, plugins: readonly AnyPlugin[], options: { override?: boolean } = {}): void {
  for (const plugin of plugins) {
    const { kind, name } = plugin.meta;
    const existing = ownPlugins(container, kind).some((p) => p.meta.name === name);
    if (existing && !options.override) throw new Error(`${kind} plugin "${name}" is already registered`);
    container.register(PLUGIN_TOKENS[kind], { useValue: plugin });
  }
}

export function findPlugin<K extends PluginKind>(container: DependencyContainer, kind: K, name: string): Plugin<K> {
  const all = listPlugins(container, kind);
  const found = all.find((p) => p.meta.name === name);
  if (!found) throw new UnknownPluginError(kind, name, all.map((p) => p.meta.name));
  return found as unknown as Plugin<K>;
}

/** Validates raw params against a plugin's schema; returns zod's issues instead of throwing. */
export function parsePluginParams(plugin: { meta: { params: unknown } }, raw: unknown) {
  return (plugin.meta.params as z.ZodType).safeParse(raw ?? {});
}
