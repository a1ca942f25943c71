import { describe, expect, it } from 'vitest';
import {
  BACKEND, container, createWasmBackend, MASTER_SEED, Matrix, networkServices, resolveSpec, softmaxCrossEntropy, type SpecInput, type TiledCrossbar,
} from '@txsim/core';
import { registerDevices } from '@txsim/devices';
import { randomMatrix } from '@txsim/core/testing';
import { buildNetwork } from '../networks/mlp.js';
import type { Layer } from './layer.js';

/**
 * Analog layers read into buffers they reuse across steps (no allocation per read). These tests hold every
 * buffer a consumer keeps against a network whose crossbars hand out a fresh matrix per read: a buffer
 * shared between layers, between the forward and backward reads, between training and evaluation, or
 * between bound management's first read and its re-reads would change a kept value and the results.
 */

// Two equal hidden widths (a square middle layer: its forward and backward outputs have the same shape), ReLU
// (which keeps the analog layer's output for its backward), converters that quantise, and bound management
// with an ADC range small enough that rows saturate and are re-read.
const spec: SpecInput = {
  seed: 11,
  data: { dataset: 'synthetic', shape: [1, 4, 5], classes: 6 },
  model: { hidden: [24, 24], activation: 'relu' },
  training: { learningRate: 0.2, batchSize: 8 },
  crossbar: {
    tile: { rows: 16, cols: 16 },
    device: 'ideal',
    mapping: { autoScale: 4 },
    dac: { name: 'dac', params: { bits: 6 } },
    adc: { name: 'adc', params: { bits: 6, headroom: 0.5 } },
    boundManagement: { name: 'iterative', maxHalvings: 3 },
  },
};

/** Random rows at mixed scales, so bound management re-reads some rows of a batch and not others. */
function inputs(rows: number, name: string): Matrix {
  const x = randomMatrix(rows, 20, name);
  const scale = [3, 0.2, 1, 0.05, 2, 0.3, 0.1, 1.5];
  for (let k = 0; k < x.data.length; k++) x.data[k] = x.data[k]! * scale[Math.floor(k / 20) % scale.length]!;
  return x;
}

function network(fresh: boolean) {
  const c = container.createChildContainer();
  registerDevices(c);
  c.register(BACKEND, { useValue: createWasmBackend() });
  c.register(MASTER_SEED, { useValue: 11 });
  const net = buildNetwork(resolveSpec(spec, c), networkServices(c));
  const crossbars = net.layers.flatMap((l: Layer) => ('crossbar' in l ? [l.crossbar as TiledCrossbar] : []));
  if (fresh) {
    // The reference: every read allocates its output, as before outputs were reused.
    for (const xb of crossbars) {
      const [f, b] = [xb.forward.bind(xb), xb.backward.bind(xb)];
      xb.forward = (x: Matrix) => f(x);
      xb.backward = (d: Matrix) => b(d);
    }
  }
  return { net, crossbars };
}

describe('analog layers reading into reused buffers', () => {
  it('train exactly as with a fresh output per read, evaluations of two batch sizes between steps', () => {
    const runs = [network(false), network(true)].map(({ net, crossbars }) => {
      const trace: number[] = [];
      for (let s = 0; s < 6; s++) {
        const x = inputs(8, `x${s}`);
        const labels = Uint8Array.from({ length: 8 }, (_, i) => (i * 5 + s) % 6);
        const r = softmaxCrossEntropy(net.forward(x, true), labels);
        net.backward(r.grad);
        net.update(0.2);
        trace.push(r.loss);
        // Evaluations at the training batch size and another one, as a trainer runs between epochs.
        for (const rows of [8, 3]) trace.push(...net.forward(inputs(rows, `e${s}-${rows}`), false).data);
      }
      return { trace, weights: crossbars.map((xb) => Array.from(xb.conductances('plus'))) };
    });
    expect(runs[0]!.trace.some((v) => v !== 0)).toBe(true);
    expect(runs[0]!.trace).toEqual(runs[1]!.trace);
    expect(runs[0]!.weights).toEqual(runs[1]!.weights);
    // Bound management did re-read (more tile reads than one per row): its re-reads were exercised.
    const { net, crossbars } = network(false);
    net.forward(inputs(8, 'bm'), false);
    const reads = crossbars[0]!.activity.forward.tileReads / (crossbars[0]!.geometry.gridRows * crossbars[0]!.geometry.gridCols);
    expect(reads).toBeGreaterThan(8);
  });

  it('keep each layer output, of each mode and batch size, until that layer reads again', () => {
    const { net } = network(false);
    const analog = net.layers.filter((l: Layer) => 'crossbar' in l);
    const [a, b] = [analog[0]!, analog[1]!];
    const x = randomMatrix(8, 20, 'x');
    const ya = a.forward(x, true);
    const kept = ya.data.slice();
    // Another layer's read, an evaluation of the same batch size and one of another size: none may touch ya.
    const yb = b.forward(new Matrix(8, 24, ya.data.map((v) => Math.max(v, 0))), true);
    const keptB = yb.data.slice();
    const ye = a.forward(randomMatrix(8, 20, 'e'), false);
    a.forward(randomMatrix(3, 20, 'f'), true);
    expect(ya.data).toEqual(kept);
    expect(yb.data).toEqual(keptB);
    expect(ye.data).not.toEqual(kept);
    // The backward read of a layer leaves its forward output alone.
    const dx = b.backward(randomMatrix(8, 24, 'd'), true)!;
    expect(yb.data).toEqual(keptB);
    expect(dx.data.buffer === yb.data.buffer && dx.data.byteOffset === yb.data.byteOffset).toBe(false);
  });
});
