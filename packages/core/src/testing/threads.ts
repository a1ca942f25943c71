import { elementwiseThreads, elementwiseWorkerChunks, startElementwiseThreads } from '../kernels/threads.js';
import { elementwiseModule } from '../kernels/wasm.js';

/**
 * Runs `f` on one element-wise thread, then on two with the helper booted, repeating the two-thread call
 * until the helper has taken chunks of one (up to 50 tries): the pair a thread-count determinism test
 * compares. Throws when the helper never took a chunk (the two-thread side would not have been tested).
 * Leaves the pool at two threads; restore the count with `elementwiseThreads(before)` after the tests.
 */
export function onOneAndTwoThreads<T>(f: () => T): [T, T] {
  const wasm = elementwiseModule();
  if (!wasm) throw new Error('onOneAndTwoThreads: the element-wise kernels are not available');
  elementwiseThreads(1);
  const one = f();
  elementwiseThreads(2);
  startElementwiseThreads(wasm, 10_000);
  const chunks = elementwiseWorkerChunks();
  let two = f();
  for (let i = 0; i < 50 && elementwiseWorkerChunks() === chunks; i++) two = f();
  if (elementwiseWorkerChunks() === chunks) throw new Error('onOneAndTwoThreads: the helper thread took no chunk in 50 calls');
  return [one, two];
}
