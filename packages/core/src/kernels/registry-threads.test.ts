import { existsSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { Rng } from '../random/rng.js';
import { kernels } from './elementwise.js';
import { defineKernels, runChunked } from './registry.js';
import { chunkBounds, chunkCount, elementwisePool, elementwiseThreads, startElementwiseThreads } from './threads.js';
import { elementwiseModule } from './wasm.js';
import { onOneAndTwoThreads as onOneAndTwo } from '../testing/threads.js';

// A registered module's kernels on the element-wise worker pool (runChunked), with the example plugin pack's
// compiled kernel (a plain per-cell update) as the plugin.
const PACK = new URL('../../../../examples/plugin-pack/build/arrhenius.wasm', import.meta.url);
const wasm = elementwiseModule();
const before = elementwiseThreads();
afterAll(() => void elementwiseThreads(before));

interface Pack {
  respond(g: number, delta: number, dst: number, n: number, factor: number, gmin: number, gmax: number): void;
}


describe.skipIf(!wasm || !existsSync(PACK))('runChunked: registered kernels on the worker pool', () => {
  const n = 70_001;

  it('a per-cell kernel gives the bits of one call and of its TypeScript loop, on 1 and 2 threads', () => {
    const pack = defineKernels<Pack>('test/threads-pack', PACK);
    expect(chunkCount(n)).toBeGreaterThan(1);
    const g = kernels.float64(n);
    const delta = kernels.float64(n);
    g.set(new Rng('g').fillUniform(new Float64Array(n), 0, 2) as Float64Array);
    delta.set(new Rng('d').fillUniform(new Float64Array(n), -1, 1) as Float64Array);
    const run = () => {
      const dst = kernels.float64(n);
      const chunks = runChunked(pack, 'respond', n, [{ cells: g.byteOffset, bytes: 8 }, { cells: delta.byteOffset, bytes: 8 }, { cells: dst.byteOffset, bytes: 8 }, 'length', 0.75, 0.5, 1.5]);
      return { dst: Array.from(dst), chunks };
    };
    const [one, two] = onOneAndTwo(run);
    expect(one.chunks).toBe(1);
    expect(two.chunks).toBe(chunkCount(n));
    expect(two.dst).toEqual(one.dst);
    for (let k = 0; k < n; k += 997) {
      const next = g[k]! + delta[k]! * 0.75;
      expect(one.dst[k]).toBe(next < 0.5 ? 0.5 : next > 1.5 ? 1.5 : next);
    }
  });

  it("per-chunk blocks and the chunk's start reach each chunk", () => {
    // respond(g, delta, dst, n, factor, …) = g + factor·delta: with g a per-chunk block (chunk t reads from
    // g + t cells), delta = 1 and factor = the chunk's start, cell k of chunk t gets g[t + k − start] + start.
    const pack = defineKernels<Pack>('test/threads-pack', PACK);
    elementwiseThreads(2);
    startElementwiseThreads(wasm, 10_000);
    const chunks = chunkCount(n);
    const g = kernels.float64(n + chunks);
    g.set(new Rng('g2').fillUniform(new Float64Array(n + chunks), 0, 1) as Float64Array);
    const delta = kernels.float64(n).fill(1);
    const dst = kernels.float64(n);
    expect(runChunked(pack, 'respond', n, [{ chunks: g.byteOffset, bytes: 8 }, { cells: delta.byteOffset, bytes: 8 }, { cells: dst.byteOffset, bytes: 8 },
      'length', 'start', -1, 1e9])).toBe(chunks);
    expect(elementwisePool(wasm!)).not.toBeNull();
    for (let t = 0; t < chunks; t++) {
      const lo = chunkBounds(n, chunks, t);
      for (const k of [lo, chunkBounds(n, chunks, t + 1) - 1]) expect(dst[k]).toBe(g[t + k - lo]! + lo);
    }
  });
});
