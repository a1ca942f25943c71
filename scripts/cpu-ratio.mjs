// CPU seconds of the TxSim example's crossbar pass against its --digital pass, interleaved, medians:
//   node scripts/cpu-ratio.mjs [REPS=3] [IMAGES=5000]
// ROOT=/path/to/other/checkout times another build (before/after comparisons side by side).
import { fileURLToPath } from 'node:url';

const ROOT = process.env.ROOT ?? fileURLToPath(new URL('..', import.meta.url));
const { loadMnist } = await import(`${ROOT}/packages/models/dist/index.js`);
const { createPluginContainer } = await import(`${ROOT}/packages/experiment/dist/index.js`);
const { timeTraining } = await import(`${ROOT}/scripts/time-training.mjs`);

const [reps = '3', limit = '5000'] = process.argv.slice(2);
const data = loadMnist({ trainLimit: Number(limit), testLimit: 1 });
const file = `${ROOT}/examples/mlp-mnist-txsim.yaml`;
const cpu = { digital: [], crossbar: [] };
for (let r = 0; r < Number(reps); r++) {
  for (const digital of [true, false]) {
    const t = await timeTraining(file, { plugins: createPluginContainer(), digital, data, backend: 'auto' });
    cpu[digital ? 'digital' : 'crossbar'].push(t.cpuSeconds);
  }
}
const median = (a) => [...a].sort((p, q) => p - q)[a.length >> 1];
console.log(JSON.stringify({ root: ROOT, images: Number(limit), digitalCpu: median(cpu.digital), crossbarCpu: median(cpu.crossbar), cpuRatio: median(cpu.crossbar) / median(cpu.digital) }));
process.exit(0);
