#!/usr/bin/env node
// Trains each peer recipe (examples/peers/*.yaml) for a few epochs with several seeds, analog and
// `--digital` (the same recipe without crossbars), and prints one markdown table: per-epoch test
// accuracy and seconds per epoch, mean ± spread over the seeds (spread = half the range, max − min,
// which for two seeds is the distance of each from the mean).
//
//   node scripts/peer-runs.mjs                          # every examples/peers spec, 3 epochs, seeds 1 and 2
//   node scripts/peer-runs.mjs --epochs 1 --train-limit 10000 --test-limit 2000
//   node scripts/peer-runs.mjs examples/peers/neurosim-mlp-v3.yaml --seeds 1,2,3 --no-digital
//
// Each run is a plain `txsim train` in a child process (so a crash or an invalid spec costs one
// cell, not the table), written under --out; the table is built from the runs' metrics.jsonl and is
// also saved there as table.md with the raw numbers in results.json. Runs go one after another: on a
// shared machine parallel runs would only distort the seconds per epoch.
//
// Data sizes are the peers' unless --train-limit / --test-limit cut them (the table's header says so):
// aihwkit and CrossSim sweep all 60,000 training images per epoch; NeuroSim draws 8,000 with
// replacement per epoch (its sampler; a train limit shrinks the pool it draws from, not the draws).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'packages/cli/bin/txsim.js');

function usage(msg) {
  if (msg) console.error(`peer-runs: ${msg}`);
  console.error('usage: node scripts/peer-runs.mjs [spec.yaml ...] [--epochs N] [--seeds 1,2] [--train-limit N] [--test-limit N] [--no-digital | --only-digital] [--out DIR] [--backend NAME]');
  process.exit(msg ? 1 : 0);
}

const positive = (flag, v) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) usage(`${flag} expects a positive integer, got "${v}"`);
  return n;
};

const opts = { epochs: 3, seeds: [1, 2], digital: true, analog: true, specs: [], backend: undefined };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  const next = () => (i + 1 < argv.length ? argv[++i] : usage(`${a} needs a value`));
  if (a === '--help' || a === '-h') usage();
  else if (a === '--epochs') opts.epochs = positive(a, next());
  else if (a === '--seeds') opts.seeds = next().split(',').map((s) => {
    const n = Number(s);
    if (!Number.isInteger(n)) usage(`--seeds expects integers separated by commas, got "${s}"`);
    return n;
  });
  else if (a === '--train-limit') opts.trainLimit = positive(a, next());
  else if (a === '--test-limit') opts.testLimit = positive(a, next());
  else if (a === '--no-digital') opts.digital = false;
  else if (a === '--only-digital') opts.analog = false;
  else if (a === '--out') opts.out = resolve(next());
  else if (a === '--backend') opts.backend = next();
  else if (a.startsWith('--')) usage(`unknown option ${a}`);
  else opts.specs.push(resolve(a));
}
if (!opts.analog && !opts.digital) usage('--no-digital and --only-digital leave nothing to run');
if (opts.specs.length === 0) {
  const dir = join(root, 'examples/peers');
  opts.specs = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => join(dir, f));
}
for (const s of opts.specs) if (!existsSync(s)) usage(`no such spec: ${s}`);
const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
opts.out ??= join(root, 'runs', `peer-runs-${stamp}`);
if (existsSync(opts.out) && readdirSync(opts.out).length > 0) usage(`--out ${opts.out} exists and is not empty`);
mkdirSync(opts.out, { recursive: true });

/** One `txsim train`; returns the per-epoch metrics or the reason it failed. */
function train(spec, seed, digital) {
  const name = `${basename(spec).replace(/\.ya?ml$/, '')}-${digital ? 'digital' : 'analog'}-seed${seed}`;
  const out = join(opts.out, name);
  const args = [cli, 'train', spec, '--seed', String(seed), '--epochs', String(opts.epochs), '--out', out, '--no-progress'];
  if (digital) args.push('--digital');
  if (opts.trainLimit) args.push('--train-limit', String(opts.trainLimit));
  if (opts.testLimit) args.push('--test-limit', String(opts.testLimit));
  if (opts.backend) args.push('--backend', opts.backend);
  process.stderr.write(`peer-runs: ${name} ... `);
  const t0 = Date.now();
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const wall = (Date.now() - t0) / 1000;
  writeFileSync(join(opts.out, `${name}.log`), `${r.stdout ?? ''}${r.stderr ?? ''}`);
  const metricsFile = join(out, 'metrics.jsonl');
  if (r.status !== 0 || !existsSync(metricsFile)) {
    const why = `${r.stderr ?? ''}${r.stdout ?? ''}`.trim().split('\n').filter(Boolean).slice(-3).join(' / ') || `exit ${r.status}`;
    process.stderr.write(`failed (${why})\n`);
    return { name, error: why };
  }
  const epochs = readFileSync(metricsFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  process.stderr.write(`${epochs.map((e) => (100 * e.testAccuracy).toFixed(2)).join(' / ')} % in ${wall.toFixed(0)} s\n`);
  return { name, epochs };
}

const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const spread = (xs) => (Math.max(...xs) - Math.min(...xs)) / 2;
const cell = (xs, digits) => (xs.length === 0 ? '–' : xs.length === 1 ? xs[0].toFixed(digits) : `${mean(xs).toFixed(digits)} ± ${spread(xs).toFixed(digits)}`);

const results = [];
for (const spec of opts.specs) {
  for (const digital of [false, true]) {
    if (digital ? !opts.digital : !opts.analog) continue;
    const runs = opts.seeds.map((seed) => ({ seed, ...train(spec, seed, digital) }));
    results.push({ spec: basename(spec), mode: digital ? '--digital' : 'analog', runs });
    writeFileSync(join(opts.out, 'results.json'), `${JSON.stringify({ options: opts, results }, null, 2)}\n`);
  }
}

const lines = [];
const sizes = [opts.trainLimit ? `train limit ${opts.trainLimit}` : "peers' full training data", opts.testLimit ? `test limit ${opts.testLimit}` : 'full test set'].join(', ');
lines.push(`Test accuracy (%) and seconds per epoch, mean ± half-range over seeds ${opts.seeds.join(', ')}; ${opts.epochs} epoch(s); ${sizes}.`, '');
const head = ['spec', 'mode'];
for (let e = 1; e <= opts.epochs; e++) head.push(`acc ep ${e}`);
for (let e = 1; e <= opts.epochs; e++) head.push(`s ep ${e}`);
lines.push(`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`);
for (const r of results) {
  const ok = r.runs.filter((x) => x.epochs);
  const row = [r.spec.replace(/\.ya?ml$/, ''), r.mode];
  for (let e = 0; e < opts.epochs; e++) row.push(cell(ok.filter((x) => x.epochs[e]).map((x) => 100 * x.epochs[e].testAccuracy), 2));
  for (let e = 0; e < opts.epochs; e++) row.push(cell(ok.filter((x) => x.epochs[e]).map((x) => x.epochs[e].seconds), 1));
  lines.push(`| ${row.join(' | ')} |`);
  for (const f of r.runs.filter((x) => x.error)) lines.push(`|  | seed ${f.seed} failed: ${f.error.replace(/\|/g, '\\|')} |`);
}
const table = `${lines.join('\n')}\n`;
writeFileSync(join(opts.out, 'table.md'), table);
process.stdout.write(table);
process.stderr.write(`peer-runs: runs, logs, results.json and table.md in ${opts.out}\n`);
