// Nanoseconds per element of the converters' kernels (DAC codes, ADC codes), per input of the bit-streamed
// DAC plugin and per output of the ADC saturation check: the median of 9 timed rounds each. Shapes are
// LeNet-5's (conv1 50,176 × 28 patches, conv2 6,400 × 64) and a batch of 64.
//   node scripts/bench-converters.mjs [REPO]   (REPO: another built checkout to time, default this one)
const root = process.argv[2] ?? new URL('..', import.meta.url).pathname.replace(/\/$/, '');
const { kernels } = await import(`${root}/packages/core/dist/index.js`);
const { dacCodes, adcCodes } = await import(`${root}/packages/devices/dist/converter-kernels.js`);
const { dac, adc } = await import(`${root}/packages/devices/dist/index.js`);
const { pluginContext } = await import(`${root}/packages/core/dist/testing/index.js`);
const med = (a) => a.sort((x, y) => x - y)[a.length >> 1];

function time(n, f) {
  const reps = Math.max(3, Math.floor(2e7 / n));
  for (let k = 0; k < 3; k++) f();
  const xs = [];
  for (let r = 0; r < 9; r++) { const t0 = process.hrtime.bigint(); for (let k = 0; k < reps; k++) f(); xs.push(Number(process.hrtime.bigint() - t0) / reps / n); }
  return med(xs).toFixed(3);
}
const fill = (a) => { for (let i = 0; i < a.length; i++) a[i] = Math.random() < 0.3 ? 0 : Math.random() * 2 - 1; return a; };
const out = [];
for (const [batch, lines] of [[50176, 28], [6400, 64], [6400, 24], [64, 64]]) {
  const n = batch * lines;
  const src = fill(kernels.float32(n)), dst = kernels.float32(n), sc = kernels.float32(batch);
  out.push(`dac absMax 127 ${batch}x${lines}: ${time(n, () => dacCodes(src, dst, batch, lines, sc, true, 1, 127, 0.2))}`);
  out.push(`dac fixed 127 ${batch}x${lines}: ${time(n, () => dacCodes(src, dst, batch, lines, sc, false, 1, 127, 0.2))}`);
  out.push(`dac absMax unq ${batch}x${lines}: ${time(n, () => dacCodes(src, dst, batch, lines, sc, true, 1, 0, 0.2))}`);
}
for (const [batch, width] of [[50176, 64], [6400, 128], [64, 256]]) {
  const n = batch * width;
  const src = fill(kernels.float32(n)), dst = kernels.float32(n);
  const steps = Float64Array.from({ length: width / 64 }, (_, g) => 0.01 * (g + 1));
  out.push(`adc 127 ${batch}x${width}: ${time(n, () => adcCodes(src, dst, batch, width, 64, steps, 127))}`);
}
for (const bits of [8]) for (const streamSign of ['split', 'signed']) {
  const d = dac.create(pluginContext(), dac.meta.params.parse({ bits, streamBits: 1, streamSign }));
  const [batch, lines] = [64, 64];
  const n = batch * lines;
  const src = fill(kernels.float32(n)), dst = kernels.float32(n * d.passes), sc = kernels.float32(batch);
  out.push(`dac stream1 ${streamSign} ${batch}x${lines} (${d.passes} passes, per input): ${time(n, () => d.convert(src, dst, batch, lines, sc))}`);
}
{
  const a = adc.create(pluginContext(), adc.meta.params.parse({ bits: 8, calibrationReads: 1 }));
  const [batch, width] = [6400, 64];
  const n = batch * width;
  const src = fill(kernels.float32(n)), dst = kernels.float32(n);
  const ctx = { direction: 'forward', block: 0, batch, width, groupWidth: 64 };
  a.convert(src, dst, ctx);
  out.push(`adc plugin ${batch}x${width}: ${time(n, () => a.convert(src, dst, ctx))}`);
}
console.log(out.join('\n'));
{
  const a = adc.create(pluginContext(), adc.meta.params.parse({ bits: 9, fullScale: 12 }));
  const [batch, width] = [64, 256];
  const n = batch * width;
  const src = fill(kernels.float32(n)), dst = kernels.float32(n);
  for (let i = 0; i < n; i++) src[i] *= 11.9;
  const ctx = { direction: 'forward', block: 0, batch, width, groupWidth: 64 };
  a.convert(src, dst, ctx);
  const hit = new Uint8Array(batch);
  console.log(`adc saturated ${batch}x${width} (no hits): ${time(n, () => { hit.fill(0); a.saturated(dst, ctx, hit); })}`);
}
