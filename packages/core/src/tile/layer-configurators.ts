import type { DependencyContainer, InjectionToken } from '../di.js';
import { containerChain } from '../plugin/registry.js';
import type { LayerPlan } from '../spec/resolve.js';

/**
 * Called once per crossbar layer with that layer's plan and its own child container, before the layer's
 * backend, random streams and plugins are resolved there: what it registers in `scope` (a plugin of the
 * same name with `registerPlugins(scope, [p], { override: true })`, a `BACKEND`, an `RngFactory`) applies
 * to that layer only; everything else falls back to the experiment-wide container. A pack's
 * `configureLayer` is one.
 */
export type LayerConfigurator = (layer: LayerPlan, scope: DependencyContainer) => void;

/** Where layer configurators are registered (`useValue`, several under the one token). */
export const LAYER_CONFIGURATORS: InjectionToken<LayerConfigurator> = Symbol.for('txsim.layer-configurators');

/**
 * Every layer configurator visible from `container`: the parents' first, then the container's own, each
 * in registration order (a child's registrations add to its parents', as plugin look-ups do).
 */
export function listLayerConfigurators(container: DependencyContainer): LayerConfigurator[] {
  return containerChain(container).flatMap((c) => (c.isRegistered(LAYER_CONFIGURATORS, false) ? c.resolveAll(LAYER_CONFIGURATORS) : []));
}
