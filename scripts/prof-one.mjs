// Times one training pass of one spec, for profiling: node --cpu-prof scripts/prof-one.mjs SPEC [IMAGES] [DIGITAL 0|1] [COUNTING]
import { loadMnist } from '../packages/models/dist/index.js';
import { createPluginContainer } from '../packages/experiment/dist/index.js';
import { timeTraining } from './time-training.mjs';

const [file, limit = '3200', digital = '0', counting] = process.argv.slice(2);
const data = loadMnist({ trainLimit: Number(limit), testLimit: 1 });
const { seconds: s } = await timeTraining(file, { plugins: createPluginContainer(), digital: digital === '1', counting, data });
console.log(`${file} ${limit}: ${s.toFixed(2)} s, ${(s * 60000 / Number(limit)).toFixed(1)} s/60k`);
