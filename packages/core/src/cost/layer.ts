import type { LayerPlan } from '../spec/resolve.js';
import type { CrossbarComponents } from '../tile/components.js';
import type { TileGeometry } from '../plugin/types.js';
import type { CostLayer } from './types.js';

const num = (v: unknown, fallback: number) => (typeof v === 'number' && Number.isFinite(v) ? v : fallback);

/**
 * What the cost model sees of one built crossbar: its geometry and the converters' settings. Bits and
 * the drive voltage are read from the converters' parameters (`bits`, `vRead`); plugins without them
 * count as unquantised (the cost models then assume their own default) and 0.2 V.
 */
export function costLayer(plan: LayerPlan, geometry: TileGeometry, components: CrossbarComponents): CostLayer {
  const cb = plan.crossbar!;
  const read = cb.read;
  return {
    name: plan.name,
    geometry,
    slices: components.device.slices?.count ?? 1,
    dacBits: { forward: num(read.forward.dac.params.bits, 0), backward: num(read.backward.dac.params.bits, 0) },
    passes: { forward: components.read.forward.dac.passes ?? 1, backward: components.read.backward.dac.passes ?? 1 },
    adcBits: { forward: num(read.forward.adc.params.bits, 0), backward: num(read.backward.adc.params.bits, 0) },
    vRead: num(read.forward.dac.params.vRead, 0.2),
    gmin: components.device.gmin,
    gmax: components.device.gmax,
  };
}

/** Crossbar reads per example of a layer: its output positions for a convolution, 1 otherwise. */
export function positionsPerExample(plan: LayerPlan): number {
  return plan.conv ? plan.conv.outHeight * plan.conv.outWidth : 1;
}
