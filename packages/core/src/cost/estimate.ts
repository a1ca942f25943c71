import type { ActivityCounts, LayerActivity } from '../tile/counters.js';
import type { CostLayer } from './types.js';

/** The data one epoch moves through a layer. */
export interface EpochShape {
  readonly trainExamples: number;
  /** Examples of the test-set evaluation after the epoch (forward reads only). */
  readonly testExamples: number;
  readonly batchSize: number;
}

export interface LayerEstimateOptions {
  /** Crossbar reads per example (output positions of a convolution, else 1). */
  readonly positions: number;
  /** False for the network's first weight layer: it needs no input gradient, so it has no backward read. */
  readonly backward: boolean;
  /** Devices programmed per changed weight: 2 under the mid-range mapping, 1 under sign-split. */
  readonly devicesPerChange: number;
}

/** What one read of `vectors` input vectors counts, by the rules of the read pipeline (read-pipeline.ts). */
function readCounts(layer: CostLayer, dir: 'forward' | 'backward', vectors: number): ActivityCounts {
  const g = layer.geometry;
  const passes = vectors * layer.passes[dir];
  const blocks = dir === 'forward' ? g.gridRows : g.gridCols;
  const lines = dir === 'forward' ? g.tileRows : g.tileCols;
  const width = dir === 'forward' ? g.paddedCols : g.paddedRows;
  const arrays = (dir === 'forward' ? g.gridCols : g.gridRows) * layer.slices;
  return {
    tileReads: passes * blocks * arrays,
    dacConversions: passes * blocks * lines * arrays,
    adcConversions: passes * blocks * width * layer.slices,
    cellReads: 2 * passes * layer.slices * g.paddedRows * g.paddedCols,
    updatePulses: 0,
  };
}

/**
 * One epoch's activity of a layer, from the spec alone. The read counts are exact (they follow from the
 * shapes, tiles, passes and slices as the read pipeline counts them). The update count is an estimate:
 * it takes every weight (padding excluded) as programmed once per mini-batch on each device the mapping
 * moves. For an analog rule that is exact on dense data and an upper bound otherwise (zero inputs, MNIST's
 * blank border, leave their rows unchanged). A pulse rule's counts are pulses, whose expectation depends
 * on the gradients' magnitudes (stochastic trains: BL·p_x·p_δ coincidences per cell), which the spec
 * alone does not give: there it is only a placeholder of one per weight and step.
 */
export function estimateEpochActivity(layer: CostLayer, epoch: EpochShape, o: LayerEstimateOptions): LayerActivity {
  const steps = Math.ceil(epoch.trainExamples / epoch.batchSize);
  const none = readCounts(layer, 'backward', 0);
  return {
    forward: readCounts(layer, 'forward', (epoch.trainExamples + epoch.testExamples) * o.positions),
    backward: o.backward ? readCounts(layer, 'backward', epoch.trainExamples * o.positions) : none,
    update: { ...none, updatePulses: steps * layer.geometry.rows * layer.geometry.cols * o.devicesPerChange },
  };
}

/** Examples per epoch of a data section, where the spec alone tells (`trainLimit` and `testLimit` win). */
export function epochExamples(data: { dataset: string; trainLimit?: number; testLimit?: number; trainSize?: number; testSize?: number }): { train?: number; test?: number } {
  const sizes: Record<string, [number, number]> = { mnist: [60000, 10000], cifar10: [50000, 10000] };
  const known = sizes[data.dataset];
  const train = data.trainSize ?? known?.[0];
  const test = data.testSize ?? known?.[1];
  return {
    train: data.trainLimit !== undefined && train !== undefined ? Math.min(train, data.trainLimit) : data.trainLimit ?? train,
    test: data.testLimit !== undefined && test !== undefined ? Math.min(test, data.testLimit) : data.testLimit ?? test,
  };
}
