import { softmaxCrossEntropy, type Dataset } from '@txsim/core';
import type { Sequential } from './sequential.js';

/** Test helper: the per-step losses of `steps` SGD steps of `net` over consecutive batches of `data`. */
export function stepLosses(net: Sequential, data: Dataset, steps: number, batch: number, learningRate: number): number[] {
  const out: number[] = [];
  for (let s = 0; s < steps; s++) {
    const start = (s * batch) % data.labels.length;
    const r = softmaxCrossEntropy(net.forward(data.inputs.rowSlice(start, start + batch).clone(), true), data.labels.subarray(start, start + batch));
    net.backward(r.grad);
    net.update(learningRate);
    out.push(r.loss);
  }
  return out;
}
