// Microseconds per call of the fused update and read chains on the TxSim MLP's arrays (254,016 cells a
// polarity: 64×64 tiles of 784-256-128-10), each stage combination, beside the plainest kernels over the same
// arrays (stepClip, combine): medians of 5 rounds of 200 calls, one call's worth of work per "step".
//   TXSIM_THREADS=1 [CELLS=n] node scripts/bench-chains.mjs [REPO]   (REPO: another built checkout to time, default this one)
const root = process.argv[2] ?? new URL('..', import.meta.url).pathname.replace(/\/$/, '');
const { kernels, NormalStream, Rng } = await import(`${root}/packages/core/dist/index.js`);

// Per polarity, as the TxSim MLP's tiles hold them; CELLS=n for another size (e.g. one that fits the caches).
const cells = Number(process.env.CELLS ?? 212992 + 32768 + 8192 + 64);
const gmin = 1e-6;
const gmax = 1e-5;
const range = gmax - gmin;
const filled = (n, f) => {
  const a = kernels.float64(n);
  for (let i = 0; i < n; i++) a[i] = f(i);
  return a;
};
const plus = filled(cells, (i) => gmin + ((i % 97) / 97) * range);
const minus = filled(cells, (i) => gmin + ((i % 89) / 89) * range);
// Both polarities in one array, every other cell unchanged (sign-split moves one device per weight).
const g = filled(2 * cells, (i) => (i < cells ? plus[i] : minus[i - cells]));
const d = filled(2 * cells, (i) => (i % 2 ? 0 : (((i * 2654435761) % 1000) - 500) * 1e-9));
const out = kernels.float32(cells);
const factors = filled(cells, (i) => 1 + ((i % 13) - 6) * 0.01);
const resistance = filled(cells, (i) => 200 + (i % 64) * 5);
const v = 0.01;
const nonlinear = { gmin, gmax, w0: range / -Math.expm1(-v), k: v / range };
const noise = { stream: new NormalStream(new Rng('bench-chains')), scale: 0.05, range };
const levels = { gmin, step: range / 255, steps: 255 };

function time(name, f, reps = 200) {
  for (let i = 0; i < 20; i++) f();
  const xs = [];
  for (let r = 0; r < 5; r++) {
    const t = performance.now();
    for (let i = 0; i < reps; i++) f();
    xs.push((performance.now() - t) / reps);
  }
  xs.sort((a, b) => a - b);
  console.log(`${name.padEnd(52)} ${(xs[2] * 1000).toFixed(0).padStart(6)} µs`);
}

time('update chain, non-linearity + write noise', () => kernels.updateChain(g, d, 1, { nonlinear, noise }, gmin, gmax));
time('update chain, non-linearity only', () => kernels.updateChain(g, d, 1, { nonlinear }, gmin, gmax));
time('update chain, write noise only', () => kernels.updateChain(g, d, 1, { noise }, gmin, gmax));
time('update chain, no stage', () => kernels.updateChain(g, d, 1, {}, gmin, gmax));
time('stepClip (g = clip(g + f·d))', () => kernels.stepClip(g, d, 1e-30, gmin, gmax));
// Sign-split: signSplit then one chain per device, against splitChain (each stage once per weight). Weights of both
// signs; every weight asks for a small change, a few cross zero. The states are put back before each call
// (outside the timing would need a second loop; the copy is timed alike in both rows: "copy only").
const pair = { plus: kernels.float64(cells), minus: kernels.float64(cells), want: kernels.float64(cells) };
const routed = { plus: kernels.float64(cells), minus: kernels.float64(cells) };
const rng = new Rng('bench-split');
for (let i = 0; i < cells; i++) {
  const w = (rng.next() - 0.5) * range;
  pair.plus[i] = w > 0 ? gmin + w : gmin;
  pair.minus[i] = w > 0 ? gmin : gmin - w;
  pair.want[i] = (rng.next() - 0.5) * 1e-3 * range;
}
const start = { plus: pair.plus.slice(), minus: pair.minus.slice() };
const reset = () => {
  pair.plus.set(start.plus);
  pair.minus.set(start.minus);
};
const txsim = { nonlinear, noise };
time('sign split: copy only', reset);
time('sign split: signSplit + updateChain × 2 (TxSim)', () => {
  reset();
  kernels.signSplit(pair.plus, pair.minus, pair.want, routed.plus, routed.minus);
  kernels.updateChain(pair.plus, routed.plus, 1, txsim, gmin, gmax);
  kernels.updateChain(pair.minus, routed.minus, 1, txsim, gmin, gmax);
});
if (kernels.splitChain) {
  time('sign split: splitChain (TxSim)', () => {
    reset();
    kernels.splitChain(pair.plus, pair.minus, pair.want, 1, txsim, gmin, gmax);
  });
}
time('readCombine, levels + factors + series', () => kernels.readCombine(out, plus, minus, { levels, factors, resistance }, { levels, factors, resistance }));
time('readCombine, levels only', () => kernels.readCombine(out, plus, minus, { levels }, { levels }));
time('readCombine, series only', () => kernels.readCombine(out, plus, minus, { resistance }, { resistance }));
time('combine (G+ − G−)', () => kernels.combine(out, plus, minus, 1, cells, false, false));
