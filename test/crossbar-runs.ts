import { Matrix, networkServices, softmaxCrossEntropy, type Dataset, type TiledCrossbar } from '@txsim/core';
import { createRunContainer, resolveSpecData, type BackendChoice } from '@txsim/experiment';
import { buildNetwork } from '@txsim/models';

/** What a few training steps of a crossbar network left: the per-step losses and every G+ and G− array. */
export interface CrossbarRun {
  readonly losses: number[];
  readonly state: Float64Array[];
}

/**
 * Builds the network of spec `raw` (file `file`, seed 1, `backend`), lets `configure` set each crossbar's
 * switches, and trains `steps` SGD steps over consecutive batches of `data` at the spec's learning rate (or
 * `learningRate`). The test helper of the equal-path tests (fused vs hook by hook, sparse vs whole array).
 */
export function trainCrossbars(raw: object, file: string, data: Dataset, o: {
  backend: BackendChoice; batch: number; steps: number; learningRate?: number; configure: (c: TiledCrossbar) => void;
}): CrossbarRun & { crossbars: TiledCrossbar[] } {
  const resolved = resolveSpecData(raw, file, createRunContainer({ seed: 1, backend: o.backend }));
  const net = buildNetwork(resolved, networkServices(createRunContainer({ seed: 1, backend: o.backend })));
  const crossbars = (net as unknown as { layers: Array<{ crossbar?: TiledCrossbar }> }).layers.flatMap((l) => (l.crossbar ? [l.crossbar] : []));
  for (const c of crossbars) o.configure(c);
  const losses: number[] = [];
  for (let s = 0; s < o.steps; s++) {
    const start = (s * o.batch) % data.labels.length;
    const x = new Matrix(o.batch, data.inputs.cols, data.inputs.data.slice(start * data.inputs.cols, (start + o.batch) * data.inputs.cols));
    const r = softmaxCrossEntropy(net.forward(x, true), data.labels.subarray(start, start + o.batch));
    net.backward(r.grad);
    net.update(o.learningRate ?? resolved.spec.training.learningRate);
    losses.push(r.loss);
  }
  return { losses, crossbars, state: crossbars.flatMap((c) => [c.conductances('plus').slice(), c.conductances('minus').slice()]) };
}

/** Cells that differ in any bit (not toEqual: its diff of 400k numbers takes minutes when they do). */
export function differing(a: Float64Array[], b: Float64Array[]): number {
  let n = 0;
  a.forEach((x, i) => x.forEach((v, k) => {
    if (!Object.is(v, b[i]![k])) n++;
  }));
  return n;
}
