import { listPlugins, metaOf, PLUGIN_KINDS, type DependencyContainer, type ParamMeta, type PluginKind } from '@txsim/core';

/** The unit of a plugin parameter, from the plugin's schema; undefined when the plugin is not registered. */
export type ParamUnits = (kind: PluginKind, plugin: string, param: string) => ParamMeta['unit'] | undefined;

/** No plugins known: every value is shown as recorded. */
export const noUnits: ParamUnits = () => undefined;

/** Looks units up in the plugins registered in `container` (built-ins and the packs the caller loaded). */
export function paramUnits(container: DependencyContainer): ParamUnits {
  const units = new Map<string, ParamMeta['unit']>();
  for (const kind of PLUGIN_KINDS) {
    for (const plugin of listPlugins(container, kind)) {
      const shape = (plugin.meta.params as unknown as { shape?: Record<string, unknown> }).shape ?? {};
      for (const [key, schema] of Object.entries(shape)) {
        const unit = metaOf(schema as Parameters<typeof metaOf>[0])?.unit;
        if (unit) units.set(`${kind}/${plugin.meta.name}/${key}`, unit);
      }
    }
  }
  return (kind, plugin, param) => units.get(`${kind}/${plugin}/${param}`);
}
