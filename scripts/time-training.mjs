// One timed training pass of a spec: what `pnpm bench` repeats per configuration and what
// scripts/prof-one.mjs profiles.
import { performance } from 'node:perf_hooks';
import { networkServices, Trainer } from '../packages/core/dist/index.js';
import { buildNetwork, loadDataset } from '../packages/models/dist/index.js';
import { createRunContainer, loadSpec } from '../packages/experiment/dist/index.js';

/**
 * Trains one pass (epochs: 1) of `file` and returns `{ seconds, examples }`. `data` is the MNIST slice to
 * train on; without it the spec's own data set is loaded (before the clock starts). `digital` trains the
 * same network digitally; `counting` overrides the pulse-train rule's counting mode on every crossbar.
 */
export async function timeTraining(file, { plugins, backend = 'auto', digital = false, counting, data } = {}) {
  const resolved = loadSpec(file, plugins, { digital, overrides: { epochs: 1 } });
  if (counting) {
    for (const plan of resolved.layers) if (plan.crossbar) plan.crossbar.updateRule.params.counting = counting;
  }
  const run = createRunContainer({ seed: resolved.spec.seed, backend });
  const net = buildNetwork(resolved, networkServices(run));
  const { batchSize, learningRate } = resolved.spec.training;
  const sets = data ?? loadDataset(resolved.spec.data, resolved.spec.seed);
  const t0 = performance.now();
  await run.resolve(Trainer).train(net, sets.train, sets.test, { epochs: 1, batchSize, learningRate });
  return { seconds: (performance.now() - t0) / 1000, examples: sets.train.labels.length };
}
