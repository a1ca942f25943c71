import type { DependencyContainer } from '../di.js';
import { BACKEND, type ComputeBackend } from '../matrix/backend.js';
import type { Matrix } from '../matrix/matrix.js';
import { findPlugin } from '../plugin/registry.js';
import type { Phase, PluginContext, PluginKind, ReadDirection } from '../plugin/types.js';
import { RngFactory } from '../random/rng-factory.js';
import type { LayerPlan, ResolvedPlugin } from '../spec/resolve.js';
import { arrayRows, weightClipLimit } from '../spec/weight-clip.js';
import type { CrossbarComponents, ReadPeripherals } from './components.js';
import { fittedTile, tileGeometry } from './geometry.js';
import { listLayerConfigurators } from './layer-configurators.js';
import { TiledCrossbar } from './tiled-crossbar.js';

export { LAYER_CONFIGURATORS, listLayerConfigurators, type LayerConfigurator } from './layer-configurators.js';

/** Builds one layer's crossbar from its plan and initial weights (inputs × outputs). */
export type CrossbarFactory = (plan: LayerPlan, initialWeights: Matrix) => TiledCrossbar;

/** What a network needs to be built: handed to the model builders, which never see a container. */
export interface NetworkServices {
  /** The experiment's compute backend, used by digital layers and by the analog layers' digital parts. */
  readonly backend: ComputeBackend;
  /** The experiment's random streams (initial weights are drawn from `stream(layer, 'init')`). */
  readonly rngs: RngFactory;
  readonly crossbar: CrossbarFactory;
}

/**
 * The services of a network, taken from the composition root's container: the one place where models
 * meet the container. Each crossbar is composed by `buildCrossbar` in its own layer scope.
 */
export function networkServices(container: DependencyContainer): NetworkServices {
  return { backend: container.resolve(BACKEND), rngs: container.resolve(RngFactory), crossbar: crossbarFactory(container) };
}

export function crossbarFactory(container: DependencyContainer): CrossbarFactory {
  return (plan, initialWeights) => buildCrossbar(container, plan, initialWeights);
}

/** The layer's child container, after every layer configurator visible from `container` has run on it. */
export function layerScope(container: DependencyContainer, plan: LayerPlan): DependencyContainer {
  const scope = container.createChildContainer();
  for (const configure of listLayerConfigurators(container)) configure(plan, scope);
  return scope;
}

/**
 * Composes one layer's crossbar in the layer's own scope (see `layerScope`): its backend, random streams
 * and plugins come from there, so a layer configurator can override any of them for this layer alone.
 * Each plugin instance gets its own random stream, forked by layer, slot and name.
 */
export function buildCrossbar(container: DependencyContainer, plan: LayerPlan, initialWeights: Matrix): TiledCrossbar {
  const cb = plan.crossbar;
  if (!cb) throw new Error(`layer ${plan.name} is digital; it has no crossbar`);
  const scope = layerScope(container, plan);
  const backend = scope.resolve(BACKEND);
  const rngs = scope.resolve(RngFactory);
  // An analog bias is one more row of the array (its input always 1), tiled like the others.
  const rows = arrayRows(plan);
  const tile = cb.tile.fit ? fittedTile(rows, plan.outputs, cb.tile.rows, cb.tile.cols) : cb.tile;
  const geometry = tileGeometry(rows, plan.outputs, tile.rows, tile.cols);
  let range: PluginContext['range'];
  const make = <K extends PluginKind>(kind: K, ref: ResolvedPlugin, ...where: Array<string | number>) => {
    const ctx: PluginContext = { layer: plan.name, geometry, backend, range, rng: rngs.stream(plan.name, ...where, ref.name) };
    return findPlugin(scope, kind, ref.name).create(ctx, ref.params as never);
  };

  const device = make('device', cb.device, 'device');
  let maxAbs = 0;
  for (const w of initialWeights.data) maxAbs = Math.max(maxAbs, Math.abs(w));
  // Weight clipping is the mapped range itself: the devices' bounds clip the weights at ±wMax.
  const wMax = weightClipLimit(plan) ?? cb.mapping.wMax ?? cb.mapping.autoScale * (maxAbs || 1);
  // As TiledCrossbar maps weights: one device spans 2·wMax under reference-column, the pair's difference wMax otherwise.
  const siemensPerWeight = (device.gmax - device.gmin) / (cb.mapping.scheme === 'reference-column' ? 2 * wMax : wMax);
  range = { gmin: device.gmin, gmax: device.gmax, siemensPerWeight };
  const peripherals = (dir: ReadDirection): ReadPeripherals => ({
    dac: make('dac', cb.read[dir].dac, dir, 'dac'),
    senseAmp: make('sense-amp', cb.read[dir].senseAmp, dir, 'sense-amp'),
    adc: make('adc', cb.read[dir].adc, dir, 'adc'),
  });
  const stack = cb.nonidealities.map((ref, i) => ({
    name: ref.name,
    hooks: make('nonideality', ref, 'stack', i),
    phases: new Set<Phase>(ref.phases),
  }));
  const components: CrossbarComponents = {
    device,
    updateRule: make('update-rule', cb.updateRule, 'update-rule'),
    read: { forward: peripherals('forward'), backward: peripherals('backward') },
    stack,
    wMax,
    scheme: cb.mapping.scheme ?? 'mid-range',
    ...(cb.mapping.scheme === 'reference-column' ? {
      reference: { conductance: cb.mapping.reference?.conductance ?? (device.gmin + device.gmax) / 2, subtract: cb.mapping.reference?.subtract ?? 'analog' },
    } : {}),
    ...(cb.boundManagement && cb.boundManagement !== 'none' ? { boundManagement: { maxHalvings: cb.boundManagement.maxHalvings } } : {}),
  };
  return new TiledCrossbar(plan.name, geometry, components, backend, initialWeights);
}
