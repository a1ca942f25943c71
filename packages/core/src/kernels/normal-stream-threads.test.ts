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
