import { registerPlugins, RngFactory, type AnyPlugin } from '@txsim/core';
import { pluginConformance } from '@txsim/core/testing';
import { chooseDevice, createDeviceCells, pulseTrajectory, trajectoryCsv } from '@txsim/cli';
import { createPluginContainer } from '@txsim/experiment';
import { describe, expect, it } from 'vitest';
import { linearDrift } from '../docs/examples/linear-drift-device.js';

// The example device of docs/writing-a-device.md must stay a working, conformant device.
pluginConformance([linearDrift as unknown as AnyPlugin], { describe, it, expect });

const GMIN = 0.1e-6;
const GMAX = 10e-6;
const NOMINAL = (GMAX - GMIN) / 200;

/** The per-cell steps the device draws for polarity plus: the first fillNormal(1, stepDtod) of its stream. */
function plusSteps(cells: number, seed: number, stepDtod: number): Float64Array {
  const rng = new RngFactory(seed).stream('device', 'device', 'linear-drift');
  const s = rng.fillNormal(new Float64Array(cells), 1, stepDtod) as Float64Array;
  return s.map((v) => NOMINAL * Math.max(0, v));
}

function trajectory(params: object, cells: number, pulses: number, seed = 5, settle = false) {
  const container = createPluginContainer();
  registerPlugins(container, [linearDrift as unknown as AnyPlugin]);
  const chosen = chooseDevice(container, 'linear-drift', params as Record<string, unknown>, []);
  return pulseTrajectory(createDeviceCells(chosen.plugin, chosen.params, cells, seed), { pulses, cells, settle });
}

const close = (a: number, b: number, what: string) => expect(Math.abs(a - b), what).toBeLessThanOrEqual(1e-12 * GMAX);

describe('docs example device linear-drift', () => {
  it('ramps each cell by its own step, clipped at gmax, and down by asymmetry × step', () => {
    const cells = 40;
    const pulses = 260; // beyond the nominal 200 states: most cells reach gmax
    const rows = trajectory({ stepDtod: 0.2, asymmetry: 0.5 }, cells, pulses);
    const steps = plusSteps(cells, 5, 0.2);
    // Each cell in closed form: up k pulses from gmin, then down m pulses from where it stopped.
    const cell = (c: number, k: number) => {
      const top = Math.min(GMAX, GMIN + Math.min(k, pulses) * steps[c]!);
      return k <= pulses ? top : Math.max(GMIN, top - (k - pulses) * 0.5 * steps[c]!);
    };
    for (const row of rows) {
      const g = Array.from({ length: cells }, (_, c) => cell(c, row.pulse));
      const mean = g.reduce((a, v) => a + v, 0) / cells;
      const std = Math.sqrt(g.reduce((a, v) => a + (v - mean) ** 2, 0) / cells);
      close(row.mean, mean, `mean at ${row.pulse}`);
      close(row.std, std, `std at ${row.pulse}`);
      close(row.min, Math.min(...g), `min at ${row.pulse}`);
      close(row.max, Math.max(...g), `max at ${row.pulse}`);
    }
    expect(rows[pulses]!.std).toBeGreaterThan(0);
    expect(rows[pulses]!.max).toBe(GMAX);
  });

  it('drifts toward gmin by a constant amount after every update when settle runs', () => {
    const drift = 0.01e-6;
    const rows = trajectory({ stepDtod: 0, drift }, 3, 50, 1, true);
    for (const row of rows) {
      const want = row.pulse <= 50 ? GMIN + row.pulse * (NOMINAL - drift) : GMIN + 50 * (NOMINAL - drift) - (row.pulse - 50) * (NOMINAL + drift);
      close(row.mean, Math.max(GMIN, want), `pulse ${row.pulse}`);
    }
    const still = trajectory({ stepDtod: 0, drift }, 3, 50, 1, false);
    close(still[50]!.mean, GMIN + 50 * NOMINAL, 'no settle, no drift');
  });

  it('writes the same CSV as txsim device would for the same seed', () => {
    const a = trajectoryCsv(trajectory({}, 20, 30, 9));
    const b = trajectoryCsv(trajectory({}, 20, 30, 9));
    const c = trajectoryCsv(trajectory({}, 20, 30, 10));
    expect(a).toBe(b);
    expect(a).not.toBe(c);
    expect(a.split('\n')[0]).toBe('pulse,direction,mean_S,std_S,min_S,max_S,read_mean_S,read_std_S');
  });
});
