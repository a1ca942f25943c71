import type { DependencyContainer, InjectionToken } from '../di.js';
import { BACKEND } from '../matrix/backend.js';
import type { Matrix } from '../matrix/matrix.js';
import { findPlugin } from '../plugin/registry.js';
import type { Phase, PluginContext, PluginKind, ReadDirection } from '../plugin/types.js';
import { RngFactory } from '../random/rng-factory.js';
import type { LayerPlan, ResolvedPlugin } from '../spec/resolve.js';
import type { CrossbarComponents, ReadPeripherals } from './components.js';
import { fittedTile, tileGeometry } from './geometry.js';
import { TiledCrossbar } from './tiled-crossbar.js';

/** The plan of the layer being composed, registered in that layer's child container. */
export const LAYER_PLAN: InjectionToken<LayerPlan> = Symbol.for('txsim.layer-plan');

/**
 * Composes one layer's crossbar: a child container carries the layer's plan and falls back to the
 * experiment-wide services (backend, random streams, plugin registrations), so a user can override any
 * of them for one layer by registering in that child. Each plugin instance gets its own random stream,
 * forked by layer, slot and name.
 */
export function buildCrossbar(container: DependencyContainer, plan: LayerPlan, initialWeights: Matrix): TiledCrossbar {
  const cb = plan.crossbar;
  if (!cb) throw new Error(`layer ${plan.name} is digital; it has no crossbar`);
  const scope = container.createChildContainer();
  scope.register(LAYER_PLAN, { useValue: plan });
  const backend = scope.resolve(BACKEND);
  const rngs = scope.resolve(RngFactory);
  const tile = cb.tile.fit ? fittedTile(plan.inputs, plan.outputs, cb.tile.rows, cb.tile.cols) : cb.tile;
  const geometry = tileGeometry(plan.inputs, plan.outputs, tile.rows, tile.cols);
  let range: PluginContext['range'];
  const make = <K extends PluginKind>(kind: K, ref: ResolvedPlugin, ...where: Array<string | number>) => {
    const ctx: PluginContext = { layer: plan.name, geometry, backend, range, rng: rngs.stream(plan.name, ...where, ref.name) };
    return findPlugin(scope, kind, ref.name).create(ctx, ref.params as never);
  };

  const device = make('device', cb.device, 'device');
  range = { gmin: device.gmin, gmax: device.gmax };
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
  let maxAbs = 0;
  for (const w of initialWeights.data) maxAbs = Math.max(maxAbs, Math.abs(w));
  const wMax = cb.mapping.wMax ?? cb.mapping.autoScale * (maxAbs || 1);
  const components: CrossbarComponents = {
    device,
    updateRule: make('update-rule', cb.updateRule, 'update-rule'),
    read: { forward: peripherals('forward'), backward: peripherals('backward') },
    stack,
    wMax,
    scheme: cb.mapping.scheme ?? 'mid-range',
  };
  return new TiledCrossbar(plan.name, geometry, components, backend, initialWeights);
}
