import type { DependencyContainer } from '../di.js';
import { LAYER_CONFIGURATORS } from '../tile/layer-configurators.js';
import { registerUnits } from '../units/register.js';
import { UnitError } from '../units/units.js';
import { PackError } from './pack-check.js';
import type { PluginPack } from './pack.js';
import { listPlugins, registerPlugins } from './registry.js';


/**
 * Registers a checked pack (see `checkPluginPack`): its units, its plugins, its layer configurator. A
 * plugin whose kind and name are already registered (a built-in, another pack's) is an error: packs add
 * plugins and never shadow one silently — a spec naming "soft-bounds" must mean the same thing whichever
 * packs it loads. Every collision is checked before anything is registered.
 */
export function registerPack(container: DependencyContainer, pack: PluginPack, source: string): void {
  const at = `pack "${pack.name}" (${source})`;
  for (const plugin of pack.plugins) {
    const { kind, name } = plugin.meta;
    if (listPlugins(container, kind).some((p) => p.meta.name === name)) {
      throw new PackError(source, `${at}: ${kind} plugin "${name}" is already registered (built in or from another pack); the name is taken, rename the pack's plugin`);
    }
  }
  try {
    registerUnits(pack.units ?? [], at);
  } catch (e) {
    if (e instanceof UnitError) throw new PackError(source, e.message);
    throw e;
  }
  registerPlugins(container, pack.plugins);
  if (pack.configureLayer) container.register(LAYER_CONFIGURATORS, { useValue: pack.configureLayer });
}
