import { afterAll, describe, expect, it } from 'vitest';
import { Rng } from '../random/rng.js';
import { kernels, reference } from './elementwise.js';
import { elementwiseThreads, rowBounds, rowChunkCount } from './threads.js';
import { elementwiseModule } from './wasm.js';
import { onOneAndTwoThreads as onOneAndTwo } from '../testing/threads.js';

// The read's row-wise kernels (gather, accumulate, narrow, accumulateNarrow) on the worker pool in chunks of
// whole batch rows: the same bits as one call on one thread, and as the TypeScript loops.
const wasm = elementwiseModule();
const before = elementwiseThreads();
afterAll(() => void elementwiseThreads(before));


/** Float32 values in ±2 with signed zeros and NaNs sprinkled in (each must come through as itself). */
function values32(n: number, seed: string): Float32Array {
  const a = kernels.float32(n);
  const rng = new Rng(seed);
  for (let i = 0; i < n; i++) a[i] = i % 53 === 7 ? -0 : i % 101 === 3 ? Number.NaN : rng.next() * 4 - 2;
  return a;
}

/** The bits of a float array (NaN, −0 compared exactly). */
const bits = (a: Float32Array | Float64Array): number[] =>
  Array.from(a instanceof Float32Array ? new Uint32Array(a.buffer, a.byteOffset, a.length) : new Uint32Array(a.buffer, a.byteOffset, 2 * a.length));

describe('row chunks', () => {
  it('depend on the shape alone, cover the rows once, and keep a batch-1 block one call', () => {
    expect(rowChunkCount(1, 1_000_000)).toBe(1);
    expect(rowChunkCount(64, 64)).toBe(1); // a 64 × 64 MLP block: below the pool's threshold
    for (const [rows, cells] of [[1001, 67], [64, 1024], [3, 50_000], [50_176, 25]] as const) {
      const chunks = rowChunkCount(rows, cells);
      expect(chunks).toBeGreaterThan(1);
      expect(chunks).toBeLessThanOrEqual(rows);
      expect(rowBounds(rows, chunks, 0)).toBe(0);
      expect(rowBounds(rows, chunks, chunks)).toBe(rows);
      for (let t = 1; t <= chunks; t++) expect(rowBounds(rows, chunks, t)).toBeGreaterThan(rowBounds(rows, chunks, t - 1));
    }
  });
});

describe.skipIf(!wasm)('the read\'s row-wise kernels on the worker pool', () => {
  // 1001 rows: uneven chunks (250/250/250/251 rows) with widths that are not multiples of 4.
  const batch = 1001;

  it('gather: one block\'s slice of the inputs, padded with zeros', () => {
    const srcWidth = 203;
    const [start, used, lines] = [128, 75, 77];
    expect(rowChunkCount(batch, lines)).toBeGreaterThan(2);
    const src = values32(batch * srcWidth, 'gather');
    const run = (): number[] => {
      const dst = kernels.float32(batch * lines).fill(9);
      kernels.gather(src, dst, batch, srcWidth, start, used, lines);
      return bits(dst);
    };
    const [one, two] = onOneAndTwo(run);
    const ref = new Float32Array(batch * lines);
    reference.gather(src, ref, batch, srcWidth, start, used, lines);
    expect(two).toEqual(one);
    expect(one).toEqual(bits(ref));
  });

  it('accumulate (fresh and onto a sum), narrow and accumulateNarrow', () => {
    const [width, accWidth] = [71, 69];
    expect(rowChunkCount(batch, width)).toBeGreaterThan(2);
    const cur = values32(batch * width, 'cur');
    const scales = values32(batch, 'scales');
    scales[5] = 0;
    const start = Float64Array.from(values32(batch * accWidth, 'acc'));
    const f = 0.37;
    const run = (): number[][] => {
      const fresh = kernels.float64(batch * accWidth).fill(7);
      kernels.accumulate(fresh, cur, scales, batch, width, accWidth, true);
      const onto = kernels.float64(batch * accWidth);
      onto.set(start);
      kernels.accumulate(onto, cur, scales, batch, width, accWidth);
      const narrowed = kernels.float32(batch * 60);
      kernels.narrow(onto, narrowed, batch, accWidth, 60, f);
      const direct = kernels.float32(batch * 67);
      kernels.accumulateNarrow(cur, scales, direct, batch, width, 67, f);
      return [bits(fresh), bits(onto), bits(narrowed), bits(direct)];
    };
    const [one, two] = onOneAndTwo(run);
    expect(two).toEqual(one);
    // The TypeScript loops (NaN payloads aside, which the two may carry differently, every bit agrees).
    const fresh = new Float64Array(batch * accWidth);
    reference.accumulate(fresh, cur, scales, batch, width, accWidth, true);
    const onto = Float64Array.from(start);
    reference.accumulate(onto, cur, scales, batch, width, accWidth);
    const narrowed = new Float32Array(batch * 60);
    reference.narrow(onto, narrowed, batch, accWidth, 60, f);
    const direct = new Float32Array(batch * 67);
    reference.accumulateNarrow(cur, scales, direct, batch, width, 67, f);
    const canon = (b: number[], a: Float32Array | Float64Array): number[] => {
      const out = [...b];
      const per = a instanceof Float32Array ? 1 : 2;
      a.forEach((v, i) => {
        if (Number.isNaN(v)) for (let k = 0; k < per; k++) out[i * per + k] = -1;
      });
      return out;
    };
    expect(canon(one[0]!, fresh)).toEqual(canon(bits(fresh), fresh));
    expect(canon(one[1]!, onto)).toEqual(canon(bits(onto), onto));
    expect(canon(one[2]!, narrowed)).toEqual(canon(bits(narrowed), narrowed));
    expect(canon(one[3]!, direct)).toEqual(canon(bits(direct), direct));
  });
});
