// Times one training pass of one spec, for profiling: node --cpu-prof scripts/prof-one.mjs SPEC [IMAGES] [DIGITAL 0|1] [COUNTING]
import { performance } from 'node:perf_hooks';
import { Trainer } from '../packages/core/dist/index.js';
import { buildNetwork, loadMnist } from '../packages/models/dist/index.js';
import { createPluginContainer, createRunContainer, loadSpec } from '../packages/cli/dist/index.js';
const [file, limit = '3200', digital = '0', counting] = process.argv.slice(2);
const data = loadMnist({ trainLimit: Number(limit), testLimit: 1 });
const plugins = createPluginContainer();
const resolved = loadSpec(file, plugins, { digital: digital === '1', overrides: { epochs: 1 } });
if (counting) for (const plan of resolved.layers) if (plan.crossbar) plan.crossbar.updateRule.params.counting = counting;
const run = createRunContainer({ seed: resolved.spec.seed, backend: 'auto' });
const net = buildNetwork(run, resolved);
const { batchSize, learningRate } = resolved.spec.training;
const t0 = performance.now();
await run.resolve(Trainer).train(net, data.train, data.test, { epochs: 1, batchSize, learningRate });
const s = (performance.now() - t0) / 1000;
console.log(`${file} ${limit}: ${s.toFixed(2)} s, ${(s * 60000 / Number(limit)).toFixed(1)} s/60k`);
