import { afterAll, describe, expect, it } from 'vitest';
import { Rng } from '../random/rng.js';
import { onOneAndTwoThreads } from '../testing/threads.js';
import { kernels } from './elementwise.js';
import { NormalStream } from './normal-stream.js';
import { elementwiseThreads } from './threads.js';
import { elementwiseModule } from './wasm.js';

// A large NormalStream fill runs in chunks on the worker pool, each chunk jumping its own copy of the state to
// its first round: the values and the state afterwards must be those of one call, whatever the thread count,
// and the stream must go on as if one call had drawn them.
const wasm = elementwiseModule();
const before = elementwiseThreads();
afterAll(() => void elementwiseThreads(before));

describe.skipIf(!wasm)('NormalStream fills on the worker pool', () => {
  it('fill: the values and state of one call on one thread (odd sizes, mean and std, then the next fill)', () => {
    for (const n of [32768, 70001, 131072 + 13]) {
      const run = () => {
        const s = new NormalStream(new Rng(`pool-${n}`));
        const out = kernels.float64(n).fill(Number.NaN);
        s.fill(out, 0.25, 3);
        const next = s.fill(new Float64Array(20));
        return { out: Array.from(out), state: Array.from(s.state), next: Array.from(next) };
      };
      const [one, two] = onOneAndTwoThreads(run);
      expect(two.out).toEqual(one.out);
      expect(two.state).toEqual(one.state);
      expect(two.next).toEqual(one.next);
      expect(one.out.some(Number.isNaN)).toBe(false);
    }
  });

  it('fillCount into a longer buffer writes n values and leaves the rest alone, as on one thread', () => {
    const n = 50000;
    const run = () => {
      const s = new NormalStream(new Rng('count'));
      const out = kernels.float64(n + 100).fill(7);
      s.fillCount(out, n);
      return { out: Array.from(out), state: Array.from(s.state) };
    };
    const [one, two] = onOneAndTwoThreads(run);
    expect(two).toEqual(one);
    expect(one.out.slice(n)).toEqual(Array(100).fill(7));
  });

  it('fillCountF32: fillCount\'s values as f32 and its stream position, on one call and on the pool', () => {
    for (const n of [13, 1001, 50000, 70001]) {
      const run = () => {
        const s = new NormalStream(new Rng(`f32-${n}`));
        const out = kernels.float32(n + 10).fill(7);
        s.fillCountF32(out, n);
        return { out: Array.from(out), state: Array.from(s.state) };
      };
      // Below 32,768 normals a fill is one call, so only the larger ones run on the pool.
      const [one, two] = n >= 32768 ? onOneAndTwoThreads(run) : [run(), run()];
      expect(two).toEqual(one);
      const s = new NormalStream(new Rng(`f32-${n}`));
      const wide = kernels.float64(n);
      s.fillCount(wide, n);
      expect(one.out.slice(0, n)).toEqual(Array.from(wide, (v) => Math.fround(v)));
      expect(one.out.slice(n)).toEqual(Array(10).fill(7));
      expect(one.state).toEqual(Array.from(s.state));
      // A plain array gets the same values.
      const plain = new Float32Array(n);
      new NormalStream(new Rng(`f32-${n}`)).fillCountF32(plain, n);
      expect(Array.from(plain)).toEqual(one.out.slice(0, n));
    }
  });

  it('a plain (non-kernel) output array gets the same values', () => {
    const n = 40000;
    const run = () => {
      const s = new NormalStream(new Rng('plain'));
      return Array.from(s.fill(new Float64Array(n)));
    };
    const [one, two] = onOneAndTwoThreads(run);
    expect(two).toEqual(one);
  });
});
