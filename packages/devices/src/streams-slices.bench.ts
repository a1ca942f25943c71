// `npx vitest bench --run --project devices packages/devices/src/streams-slices.bench.ts`: one forward read of a 784×256 layer
// (batch 64, 64×64 tiles) with 8-bit inputs as 1-bit sign-split streams (7 streams × 2 signs) and an 8-bit
// ADC, stacked into one GEMM per tile row against one GEMM per stream; the plain multi-bit read for scale.
import { bench, describe } from 'vitest';
import { createWasmBackend, emptyActivity, tileGeometry, type CrossbarComponents } from '@txsim/core';
import { pluginContext, randomMatrix } from '@txsim/core/testing';
import { EffectiveCache } from '../../core/src/tile/effective.js';
import { readLayer } from '../../core/src/tile/read-pipeline.js';
import { Scratch } from '../../core/src/tile/scratch.js';
import { adc } from './adc.js';
import { dac } from './dac.js';
import { levels } from './levels.js';
import { senseAmp } from './sense-amp.js';
import { txsimUpdate } from './txsim-update.js';

const geometry = tileGeometry(784, 256, 64, 64);
const backend = createWasmBackend();
const x = randomMatrix(64, 784, 'x', 0, 1);

function reader(streamBits: number, stacked: boolean) {
  const ctx = pluginContext('bench', geometry, backend);
  const read = () => ({
    dac: dac.create(ctx, dac.meta.params.parse({ bits: 8, streamBits })),
    senseAmp: senseAmp.create(ctx, senseAmp.meta.params.parse({})),
    adc: adc.create(ctx, adc.meta.params.parse({ bits: 8 })),
  });
  const components: CrossbarComponents = {
    device: levels.create(ctx, levels.meta.params.parse({ bits: 4 })),
    updateRule: txsimUpdate.create(ctx, txsimUpdate.meta.params.parse({})),
    read: { forward: read(), backward: read() },
    stack: [],
    wMax: 1,
    scheme: 'mid-range',
  };
  const n = geometry.paddedRows * geometry.paddedCols;
  const w = randomMatrix(1, n, 'w', 1e-6, 1e-5).data;
  const state = { plus: Float64Array.from(w), minus: Float64Array.from(w.reverse()) };
  const cache = new EffectiveCache(geometry, components, () => state);
  const scratch = new Scratch();
  const activity = emptyActivity();
  return () => {
    readLayer('forward', x, geometry, components, cache.get('forward'), backend, scratch, activity.forward, 1e5, { stacked });
  };
}

describe('forward read, 784×256, batch 64, 64×64 tiles, 8-bit inputs', () => {
  bench('1-bit streams stacked (one GEMM per tile row)', reader(1, true), { time: 6000 });
  bench('1-bit streams, one GEMM per stream', reader(1, false), { time: 6000 });
  bench('multi-bit DAC (one pass)', reader(0, true), { time: 6000 });
});
