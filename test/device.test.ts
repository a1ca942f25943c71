import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineDevice, listPlugins, params, quantity, real, registerPlugins, RngFactory, type AnyPlugin, type Plugin } from '@txsim/core';
import { chooseDevice, createDeviceCells, pulseTrajectory } from '@txsim/cli';
import { createPluginContainer } from '@txsim/experiment';
import { describe, expect, it } from 'vitest';
import { tempDir, txsimInProcess } from './cli.js';

interface Row { pulse: number; direction: string; mean: number; std: number; min: number; max: number; readMean: number; readStd: number }

function parseCsv(text: string): Row[] {
  const [header, ...lines] = text.trim().split('\n');
  expect(header).toBe('pulse,direction,mean_S,std_S,min_S,max_S,read_mean_S,read_std_S');
  return lines.map((l) => {
    const [pulse, direction, mean, std, min, max, readMean, readStd] = l.split(',');
    return { pulse: Number(pulse), direction: direction!, mean: Number(mean), std: Number(std), min: Number(min), max: Number(max), readMean: Number(readMean), readStd: Number(readStd) };
  });
}

const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-30);

describe('txsim device', () => {
  it('refuses --pulses 1e12 and a pulses × cells product past 10^8 updates, naming the flags', async () => {
    const huge = await txsimInProcess(['device', 'ideal', '--pulses', '1e12']);
    expect(huge.code).toBe(1);
    expect(huge.stderr).toBe('txsim: --pulses: at most 1,000,000 (one CSV row per pulse), got 1000000000000\n');
    const product = await txsimInProcess(['device', 'ideal', '--pulses', '100000', '--cells', '1000']);
    expect(product.stderr).toMatch(/^txsim: --pulses 100000 × --cells 1000: 2\.00e\+8 device updates/);
    expect((await txsimInProcess(['device', 'ideal', '--pulses', '3', '--cells', '2'])).code).toBe(0);
  });

  it('ramps an ideal device linearly by exactly N pulse steps and back', async () => {
    const dir = tempDir('device');
    const csv = join(dir, 'ideal.csv');
    const r = await txsimInProcess(['device', 'ideal', '--pulses', '40', '--cells', '7', '--params', '{"gmin": "1 uS", "gmax": "11 uS"}', '--csv', csv]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(csv);
    const rows = parseCsv(readFileSync(csv, 'utf8'));
    expect(rows).toHaveLength(81);
    const step = (11e-6 - 1e-6) / 1000; // devices without pulseStep: 1000 steps over the range
    rows.forEach((row, k) => {
      const want = 1e-6 + (k <= 40 ? k : 80 - k) * step;
      expect(row.pulse).toBe(k);
      expect(row.direction).toBe(k === 0 ? 'start' : k <= 40 ? 'up' : 'down');
      expect(rel(row.mean, want), `pulse ${k}`).toBeLessThan(1e-12);
      expect(row.std).toBeLessThan(1e-20);
      expect(rel(row.min, want)).toBeLessThan(1e-12);
      expect(rel(row.max, want)).toBeLessThan(1e-12);
      expect(row.readMean).toBe(row.mean);
    });
  });

  it('clips at gmax after the range is used up, then comes back down', async () => {
    const r = await txsimInProcess(['device', 'ideal', '--pulses', '1100', '--cells', '3']);
    expect(r.code, r.stderr).toBe(0);
    const rows = parseCsv(r.stdout);
    const step = 1e-5 / 1000;
    for (const k of [0, 500, 1000, 1050, 1100, 1150, 2200]) {
      const want = k <= 1100 ? Math.min(k, 1000) * step : Math.max(0, 1e-5 - (k - 1100) * step);
      expect(Math.abs(rows[k]!.mean - want), `pulse ${k}`).toBeLessThan(1e-18);
    }
  });

  it('levels: the stored state ramps, reads see the nearest of 2^bits levels', async () => {
    const r = await txsimInProcess(['device', 'levels', '--pulses', '300', '--cells', '2', '--params', '{"bits": 2}']);
    expect(r.code, r.stderr).toBe(0);
    const rows = parseCsv(r.stdout);
    const gmin = 1 / 1e6;
    const gmax = 1 / 100e3;
    const step = (gmax - gmin) / 1000;
    const spacing = (gmax - gmin) / 3;
    for (const row of rows) {
      const stored = gmin + (row.pulse <= 300 ? row.pulse : 600 - row.pulse) * step;
      expect(rel(row.mean, stored)).toBeLessThan(1e-9);
      expect(rel(row.readMean, gmin + Math.round((stored - gmin) / spacing) * spacing)).toBeLessThan(1e-9);
    }
    expect(new Set(rows.map((x) => x.readMean.toPrecision(6))).size).toBe(2); // 300/1000 of the range spans levels 0 and 1
  });

  it("takes a preset's crossbar.device with its params, under --params", async () => {
    const r = await txsimInProcess(['device', 'txsim-agsi-reram', '--pulses', '2', '--cells', '1']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('device levels (preset txsim-agsi-reram)');
    expect(r.stderr).toContain('"slices":4');
    const rows = parseCsv(r.stdout);
    expect(rel(rows[0]!.mean, 1e-6)).toBeLessThan(1e-12); // rmax 1 Mohm
    const o = await txsimInProcess(['device', 'txsim-agsi-reram', '--pulses', '2', '--params', '{"rmax": "2 Mohm"}']);
    expect(o.code, o.stderr).toBe(0);
    expect(rel(parseCsv(o.stdout)[0]!.mean, 0.5e-6)).toBeLessThan(1e-12);
    expect(o.stderr).toContain('"slices":4');
  });

  it('draws mean ± std as SVG', async () => {
    const dir = tempDir('device-svg');
    const svg = join(dir, 'sub', 'levels.svg');
    const r = await txsimInProcess(['device', 'levels', '--pulses', '1000', '--svg', svg]);
    expect(r.code, r.stderr).toBe(0);
    const text = readFileSync(svg, 'utf8');
    expect(text.startsWith('<svg')).toBe(true);
    for (const label of ['mean', 'mean + std', 'mean − std']) expect(text).toContain(`data-label="${label}"`);
    // 2001 rows thinned to at most ~400 markers per series.
    expect((text.match(/<circle/g) ?? []).length).toBeLessThanOrEqual(3 * 402);
    expect(r.stdout).toContain('pulse,direction');
    expect(r.stdout.trim().endsWith(svg)).toBe(true);
  });

  it('suggests the closest device or preset for an unknown name and exits 1', async () => {
    const r = await txsimInProcess(['device', 'levls', '--pulses', '3']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('did you mean "levels"');
    const p = await txsimInProcess(['device', 'txsim-agsi-rerm', '--pulses', '3']);
    expect(p.code).toBe(1);
    expect(p.stderr).toContain('did you mean "txsim-agsi-reram"');
  });

  it('reports bad params and flags with their names and exits 1', async () => {
    const bad = await txsimInProcess(['device', 'levels', '--pulses', '3', '--params', '{"bits": 0}']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/params\.bits: must be ≥ 1/);
    const unknown = await txsimInProcess(['device', 'ideal', '--pulses', '3', '--params', '{"gmaxx": 1}']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('gmaxx');
    const notJson = await txsimInProcess(['device', 'ideal', '--pulses', '3', '--params', '{bits: 2}']);
    expect(notJson.code).toBe(1);
    expect(notJson.stderr).toContain('--params: not JSON');
    const pulses = await txsimInProcess(['device', 'ideal', '--pulses', '2.5']);
    expect(pulses.code).toBe(1);
    expect(pulses.stderr).toContain('--pulses: expected a positive integer');
    const missing = await txsimInProcess(['device', 'ideal']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('--pulses');
  });

  it('runs every registered device: up pulses raise the mean, down pulses lower it', async () => {
    const devices = listPlugins(createPluginContainer(), 'device').map((p) => p.meta.name);
    expect(devices).toEqual(expect.arrayContaining(['ideal', 'levels']));
    for (const name of devices) {
      const r = await txsimInProcess(['device', name, '--pulses', '20', '--cells', '50', '--start', 'mid', '--seed', '3']);
      expect(r.code, `${name}: ${r.stderr}`).toBe(0);
      const rows = parseCsv(r.stdout);
      expect(rows, name).toHaveLength(41);
      expect(rows.every((x) => Number.isFinite(x.mean) && Number.isFinite(x.std)), name).toBe(true);
      expect(rows[20]!.mean, name).toBeGreaterThan(rows[0]!.mean);
      expect(rows[40]!.mean, name).toBeLessThan(rows[20]!.mean);
    }
  });

  // A device defined here, registered in a child container: a soft-bounds pulse response
  // g ← g + α(gmax − g) up, g ← g − α(g − gmin) down, with a per-cell α drawn from the device's stream.
  const softBounds = defineDevice({
    meta: {
      name: 'soft-test',
      description: 'Soft-bounds test device.',
      phases: ['update'],
      params: params({
        gmax: quantity('S', { description: 'Upper bound.', default: 2e-6, min: 0, exclusiveMin: true }),
        alpha: real({ description: 'Relative step.', default: 0.05, min: 0 }),
        spread: real({ description: 'Relative spread of α between cells.', default: 0.2, min: 0 }),
      }),
    },
    create: (ctx, p) => {
      const n = ctx.geometry.paddedRows * ctx.geometry.paddedCols;
      const alpha = ctx.rng.fillUniform(new Float64Array(n), p.alpha * (1 - p.spread), p.alpha * (1 + p.spread)) as Float64Array;
      return {
        gmin: 0,
        gmax: p.gmax,
        clipsItself: true,
        pulse(g, up, down, dst) {
          for (let k = 0; k < g.length; k++) {
            let v = g[k]!;
            for (let i = 0; i < up[k]!; i++) v += alpha[k]! * (p.gmax - v);
            for (let i = 0; i < down[k]!; i++) v -= alpha[k]! * v;
            dst[k] = v;
          }
        },
      };
    },
  });

  it('follows the pulse law of a device defined in the test, found by name in a container', () => {
    const container = createPluginContainer();
    registerPlugins(container, [softBounds as unknown as AnyPlugin]);
    const chosen = chooseDevice(container, 'soft-test', { alpha: 0.1, spread: 0 }, []);
    const rows = pulseTrajectory(createDeviceCells(chosen.plugin, chosen.params, 5, 1), { pulses: 30, cells: 5 });
    const gmax = 2e-6;
    const a = 0.1;
    const top = gmax * (1 - (1 - a) ** 30);
    for (const row of rows) {
      const want = row.pulse <= 30 ? gmax * (1 - (1 - a) ** row.pulse) : top * (1 - a) ** (row.pulse - 30);
      expect(rel(row.mean, want), `pulse ${row.pulse}`).toBeLessThan(1e-12);
      expect(row.std).toBeLessThan(1e-12 * gmax);
    }
    // With a spread, cells differ and the same seed gives the same population.
    const spread = chooseDevice(container, 'soft-test', {}, []);
    const a1 = pulseTrajectory(createDeviceCells(spread.plugin, spread.params, 200, 7), { pulses: 10, cells: 200 });
    const a2 = pulseTrajectory(createDeviceCells(spread.plugin, spread.params, 200, 7), { pulses: 10, cells: 200 });
    expect(a1).toEqual(a2);
    expect(a1[10]!.std).toBeGreaterThan(0);
    expect(a1[10]!.max).toBeGreaterThan(a1[10]!.min);
  });

  // Per-device lower bounds above gmin: b_k uniform in [gmin, gmin + range/4], linear steps, own clipping.
  const bounded = defineDevice({
    meta: { name: 'bounded-test', description: 'Test device with per-device lower bounds.', phases: ['update'], params: params({}) },
    create: (ctx) => {
      const n = ctx.geometry.paddedRows * ctx.geometry.paddedCols;
      const floor = ctx.rng.fillUniform(new Float64Array(n), 1e-6, 1e-6 + 2.5e-6) as Float64Array;
      return {
        gmin: 1e-6,
        gmax: 11e-6,
        pulseStep: 0.1e-6,
        clipsItself: true,
        pulse(g, up, down, dst) {
          for (let k = 0; k < g.length; k++) dst[k] = Math.min(11e-6, Math.max(floor[k]!, g[k]! + (up[k]! - down[k]!) * 0.1e-6));
        },
        reset(g) {
          g.fill(5e-6);
        },
      };
    },
  });

  it("starts from each device's own lower bound by default, or from gmin, mid or reset", async () => {
    const make = () => createDeviceCells(bounded as unknown as Plugin<'device'>, {}, 30, 4);
    const floors = new RngFactory(4).stream('device', 'device', 'bounded-test').fillUniform(new Float64Array(30), 1e-6, 1e-6 + 2.5e-6) as Float64Array;
    const mean = floors.reduce((a, v) => a + v, 0) / 30;
    const floor = pulseTrajectory(make(), { pulses: 5, cells: 30 });
    expect(rel(floor[0]!.mean, mean)).toBeLessThan(1e-12);
    expect(floor[0]!.min).toBe(Math.min(...floors));
    expect(rel(floor[5]!.mean, mean + 0.5e-6)).toBeLessThan(1e-12);
    // From gmin the first pulse lands on max(b_k, gmin + step): the jump the floor start avoids.
    const fromGmin = pulseTrajectory(make(), { pulses: 5, cells: 30, start: 'gmin' });
    expect(rel(fromGmin[0]!.mean, 1e-6)).toBeLessThan(1e-12);
    const first = floors.reduce((a, v) => a + Math.max(v, 1.1e-6), 0) / 30;
    expect(rel(fromGmin[1]!.mean, first)).toBeLessThan(1e-12);
    expect(pulseTrajectory(make(), { pulses: 1, cells: 30, start: 'mid' })[0]!.mean).toBeCloseTo(6e-6, 18);
    expect(pulseTrajectory(make(), { pulses: 1, cells: 30, start: 'reset' })[0]!.mean).toBeCloseTo(5e-6, 18);
    expect(() => pulseTrajectory(createDeviceCells(softBounds as unknown as Plugin<'device'>, softBounds.meta.params.parse({}), 3, 0), { pulses: 1, cells: 3, start: 'reset' })).toThrow(/no reset model/);
    const bad = await txsimInProcess(['device', 'ideal', '--pulses', '3', '--start', 'top']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--start: expected one of floor, gmin, mid, reset');
  });
});
