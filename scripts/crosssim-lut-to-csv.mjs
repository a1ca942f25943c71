#!/usr/bin/env node
// Converts CrossSim v2.0 DG_LOOKUP tables (data/lookup_tables/<name>/dG_increasing.txt and
// dG_decreasing.txt) into the CSV the `lookup-table` device reads, as docs/devices-measured.md
// ("From CrossSim's DG_LOOKUP tables") describes:
//
//   node scripts/crosssim-lut-to-csv.mjs <cross-sim>/cross_sim/data/lookup_tables/TaOx > taox.csv
//   node scripts/crosssim-lut-to-csv.mjs TaOx_all/1 TaOx_all/3 … --out taox-multi.csv   # several devices
//
// Each argument is a folder holding one device's pair of files (dG_increasing*.txt and
// dG_decreasing*.txt, the names CrossSim's single- and multi-LUT folders use). Each file is: a header
// line, the conductance bins G_1 … G_m (siemens), the CDF levels c_1 … c_k, then k rows of m values,
// row i column j the change of one pulse at G_j at cumulative probability c_i. Per bin, the mean is
// CrossSim's own weighting Σ_{i<k} (c_{i+1} − c_i)·ΔG[i, j] (dGLookupParams.ave_dw_*_vec) and the
// spread the square root of the same weighting of the squared deviations. With several folders every
// row carries a `device` column named after its folder (CrossSim's multi-LUT assignment).
//
// CrossSim's tables are measurements: a bin's weighted mean can come out with the wrong sign (a
// "potentiating" mean below zero). The lookup-table device refuses those, so they are set to 0 and
// counted in a comment line of the output.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';

function fail(msg) {
  console.error(`crosssim-lut-to-csv: ${msg}`);
  process.exit(1);
}

const args = process.argv.slice(2);
let out;
const dirs = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--out') out = args[++i] ?? fail('--out needs a file name');
  else if (args[i] === '--help' || args[i] === '-h') {
    console.error('usage: node scripts/crosssim-lut-to-csv.mjs <lut folder> [<lut folder> …] [--out file.csv]');
    process.exit(0);
  } else if (args[i].startsWith('--')) fail(`unknown option ${args[i]}`);
  else dirs.push(resolve(args[i]));
}
if (dirs.length === 0) fail('give at least one folder holding dG_increasing*.txt and dG_decreasing*.txt');

const numbers = (line, file, n) => line.split(',').map((c, j) => {
  const v = Number(c.trim());
  if (c.trim() === '' || !Number.isFinite(v)) fail(`${file}: line ${n}, value ${j + 1}: "${c.trim()}" is not a number`);
  return v;
});

/** One CrossSim table file: { g, cdf, dg[k][m] }. */
function readTable(file) {
  const lines = readFileSync(file, 'utf8').split(/\r?\n/).filter((l, i) => i === 0 || l.trim() !== '');
  if (lines.length < 4) fail(`${file}: expected a header, the G bins, the CDF levels and at least one row of changes`);
  const g = numbers(lines[1], file, 2);
  const cdf = numbers(lines[2], file, 3);
  const dg = lines.slice(3).map((l, i) => numbers(l, file, i + 4));
  if (dg.length !== cdf.length) fail(`${file}: ${dg.length} rows of changes for ${cdf.length} CDF levels`);
  dg.forEach((row, i) => { if (row.length !== g.length) fail(`${file}: line ${i + 4} has ${row.length} values for ${g.length} conductance bins`); });
  for (let j = 1; j < g.length; j++) if (!(g[j] > g[j - 1])) fail(`${file}: the conductance bins must increase (bin ${j + 1}: ${g[j]} after ${g[j - 1]})`);
  for (let i = 1; i < cdf.length; i++) if (!(cdf[i] >= cdf[i - 1])) fail(`${file}: the CDF levels must not decrease (level ${i + 1})`);
  return { g, cdf, dg };
}

/** CrossSim's per-bin weighted mean and the matching spread. */
function moments({ g, cdf, dg }) {
  const mean = new Float64Array(g.length);
  const sd = new Float64Array(g.length);
  for (let j = 0; j < g.length; j++) {
    let m = 0;
    for (let i = 0; i + 1 < cdf.length; i++) m += (cdf[i + 1] - cdf[i]) * dg[i][j];
    let v = 0;
    for (let i = 0; i + 1 < cdf.length; i++) v += (cdf[i + 1] - cdf[i]) * (dg[i][j] - m) ** 2;
    mean[j] = m;
    sd[j] = Math.sqrt(v);
  }
  return { mean, sd };
}

function pick(dir, prefix) {
  if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) fail(`${dir} is not a folder`);
  const hits = readdirSync(dir).filter((f) => f.startsWith(prefix) && f.endsWith('.txt'));
  if (hits.length !== 1) fail(`${dir}: expected one ${prefix}*.txt, found ${hits.length ? hits.join(', ') : 'none'}`);
  return join(dir, hits[0]);
}

const rows = [];
let clamped = 0;
for (const dir of dirs) {
  const inc = readTable(pick(dir, 'dG_increasing'));
  const dec = readTable(pick(dir, 'dG_decreasing'));
  if (inc.g.length !== dec.g.length || inc.g.some((v, j) => v !== dec.g[j])) fail(`${dir}: the increasing and decreasing files must share their conductance bins (CrossSim requires it too)`);
  if (inc.g[0] < 0) fail(`${dir}: conductance ${inc.g[0]} S is negative`);
  const up = moments(inc);
  const down = moments(dec);
  for (let j = 0; j < inc.g.length; j++) {
    let u = up.mean[j];
    let d = down.mean[j];
    if (u < 0) { u = 0; clamped++; }
    if (d > 0) { d = 0; clamped++; }
    rows.push([inc.g[j], u, d, up.sd[j], down.sd[j], dirs.length > 1 ? basename(dir) : undefined]);
  }
}

const fmt = (v) => v.toExponential(6);
const lines = [
  `# Converted from CrossSim v2.0 DG_LOOKUP tables by scripts/crosssim-lut-to-csv.mjs: ${dirs.map((d) => basename(d)).join(', ')}`,
  '# dg_up/dg_down: CDF-weighted mean change per pulse (CrossSim ave_dw_*_vec); sd_up/sd_down: CDF-weighted spread. Units: siemens.',
  ...(clamped ? [`# ${clamped} bin mean(s) had the wrong sign for their direction and were set to 0.`] : []),
  dirs.length > 1 ? 'g,dg_up,dg_down,sd_up,sd_down,device' : 'g,dg_up,dg_down,sd_up,sd_down',
  ...rows.map((r) => r.slice(0, 5).map(fmt).concat(r[5] ? [r[5]] : []).join(',')),
];
const text = `${lines.join('\n')}\n`;
if (out) writeFileSync(out, text);
else process.stdout.write(text);
if (out) console.error(`crosssim-lut-to-csv: ${rows.length} rows from ${dirs.length} device(s) → ${out}${clamped ? `; ${clamped} wrong-sign mean(s) set to 0` : ''}`);
