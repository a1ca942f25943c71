// Times the read's row-wise kernels on 1 and 2 threads (kernels/threads.ts row chunks), on LeNet-5 conv1-shaped
// blocks (64 images × 28·28 patch rows = 50,176 rows): node scripts/bench-row-kernels.mjs. Medians of 31 calls,
// best of two alternated rounds per thread count.
const root = new URL('..', import.meta.url).pathname.replace(/\/$/, '');
const core = await import(`${root}/packages/core/dist/index.js`);
const dev = await import(`${root}/packages/devices/dist/converter-kernels.js`);
const { kernels, elementwiseThreads, startElementwiseThreads, elementwiseModule } = core;
const rows = 50176, lines = 25, width = 64;
const src = kernels.float32(rows * lines).map((_, i) => Math.sin(i));
const dst = kernels.float32(rows * lines), scales = kernels.float32(rows);
const cur = kernels.float32(rows * width).map((_, i) => Math.cos(i) * 1e-5), out = kernels.float32(rows * 6), acc = kernels.float64(rows * 6);
const steps = Float64Array.from([1e-7]);
const jobs = {
  dac: () => dev.dacCodes(src, dst, rows, lines, scales, true, 1, 127, 0.2),
  adc: () => dev.adcCodes(cur, cur, rows, width, 64, steps, 127, 8),
  accumulateNarrow: () => kernels.accumulateNarrow(cur, scales, out, rows, width, 6, 0.5),
  accumulate: () => kernels.accumulate(acc, cur, scales, rows, width, 6, true),
  narrow: () => kernels.narrow(acc, out, rows, 6, 6, 0.5),
};
const med = (a) => a.sort((x, y) => x - y)[a.length >> 1];
const res = {};
for (const t of [1, 2, 1, 2]) {
  elementwiseThreads(t);
  if (t > 1) startElementwiseThreads(elementwiseModule(), 5000);
  for (const [k, f] of Object.entries(jobs)) {
    for (let i = 0; i < 5; i++) f();
    const ts = [];
    for (let i = 0; i < 31; i++) { const s = process.hrtime.bigint(); f(); ts.push(Number(process.hrtime.bigint() - s) / 1e3); }
    (res[`${k} t${t}`] ??= []).push(med(ts));
  }
}
console.log(`helper chunks: ${core.elementwiseWorkerChunks()}`);
for (const k of Object.keys(jobs)) console.log(`${k.padEnd(17)} t1 ${Math.min(...res[k + ' t1']).toFixed(0)} µs, t2 ${Math.min(...res[k + ' t2']).toFixed(0)} µs`);
