import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveSpec, SpecError } from '@txsim/core';
import { describe, expect, it } from 'vitest';
import { createPluginContainer } from '@txsim/experiment';
import { parseParam } from './grid.js';
import { MAX_SWEEP_RUNS, planSweep } from './plan.js';
import { checkSweepDir, readPlan, runState, specFile, SweepLock, writePlan } from './store.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'txsim-sweep-plan-'));

function specWith(text: string): string {
  const file = join(tmp(), 'base.yaml');
  writeFileSync(file, text);
  return file;
}

const BASE = 'name: base\nseed: 4\nmodel: { hidden: [16] }\npreset: txsim-agsi-reram\ntraining: { epochs: 1 }\n';
const plan = (file: string, flags: string[], seeds = 1) => planSweep(file, flags.map(parseParam), seeds, {}, createPluginContainer());

describe('planSweep', () => {
  it('names a relative data folder by absolute path in every run spec (runs read them from the sweep directory)', () => {
    const file = specWith('name: d\ndata: { dataset: synthetic, dir: my-data }\nmodel: { hidden: [4] }\n');
    const runs = [...plan(file, ['training.learningRate=0.1,0.2']).specs.values()];
    expect(runs.map((s) => (s.data as { dir: string }).dir)).toEqual([join(dirname(file), 'my-data'), join(dirname(file), 'my-data')]);
  });

  it(`refuses more than ${MAX_SWEEP_RUNS} runs, naming the product of the grid, before anything is written`, () => {
    const file = specWith(BASE);
    expect(() => plan(file, [], 1_000_000)).toThrow('the sweep would have 1,000,000 runs (1000000 seeds), more than the 10,000 one sweep may hold');
    expect(() => plan(file, ['training.learningRate=0.1:10:0.1', 'seed=1:200:1'])).toThrow(/20,000 runs \(100 \(training\.learningRate\) × 200 \(seed\) × 1 seed\)/);
    expect(plan(file, [], 3).manifest.points[0]!.runs).toHaveLength(3);
  });

  it('writes each run a self-contained spec: presets applied, the point values and the seed set', () => {
    const p = plan(specWith(BASE), ['crossbar.nonidealities.write-noise.gamma=1,10', 'crossbar.device.rmax=500 kohm'], 2);
    expect(p.manifest.points.map((x) => x.id)).toEqual(['gamma=1_rmax=500kohm', 'gamma=10_rmax=500kohm']);
    expect(p.manifest.points[1]!.runs).toEqual([{ id: 'gamma=10_rmax=500kohm_seed=4', seed: 4 }, { id: 'gamma=10_rmax=500kohm_seed=5', seed: 5 }]);
    // Numbers in SI, read back from the resolved spec: 500 kohm = 5e5 ohm.
    expect(p.manifest.points[1]!.numeric).toEqual([10, 5e5]);
    const spec = p.specs.get('gamma=10_rmax=500kohm_seed=5') as { seed: number; preset?: unknown; crossbar: { device: { params: Record<string, unknown> }; nonidealities: Array<{ name: string; params: Record<string, unknown> }> } };
    expect(spec.seed).toBe(5);
    expect(spec.preset).toBeUndefined();
    // Crossbars are stored resolved (SI numbers, every default filled in), as spec.resolved.json holds them.
    expect(spec.crossbar.device.params).toMatchObject({ rmin: 1e5, rmax: 5e5, bits: 2, slices: 4 });
    expect(spec.crossbar.nonidealities.map((n) => n.name)).toEqual(['device-variation', 'wire-resistance', 'update-nonlinearity', 'write-noise']);
    expect(spec.crossbar.nonidealities[3]!.params).toMatchObject({ gamma: 10 });
  });

  it('stores a file parameter written relative to the sweep\'s spec as the absolute path it names', () => {
    const file = specWith('name: lut\nseed: 4\nmodel: { hidden: [16] }\ncrossbar: { device: { name: lookup-table, params: { file: table.csv } } }\n');
    writeFileSync(join(dirname(file), 'table.csv'), readFileSync(fileURLToPath(new URL('../../../../examples/devices/neurosim-agsi-lut.csv', import.meta.url))));
    const p = plan(file, ['training.learningRate=0.5,1']);
    // The runs read these specs from <sweep>/specs/, where "table.csv" would name another file.
    for (const spec of p.specs.values()) expect((spec as { crossbar: { device: { params: { file: string } } } }).crossbar.device.params.file).toBe(join(dirname(file), 'table.csv'));
  });

  it('sets whole objects given as YAML flow mappings, e.g. square tiles', () => {
    const p = plan(specWith(BASE), ['crossbar.tile={rows: 32, cols: 32},{rows: 128, cols: 128}']);
    expect(p.manifest.points.map((x) => x.id)).toEqual(['tile=rows32-cols32', 'tile=rows128-cols128']);
    expect(p.manifest.points[1]!.numeric).toEqual([null]);
    expect((p.specs.get('tile=rows128-cols128_seed=4') as { crossbar: { tile: unknown } }).crossbar.tile).toEqual({ rows: 128, cols: 128, fit: false });
  });

  it('reaches every layer that inherits the swept stack entry, and names those that replaced the stack', () => {
    const layers = [
      'model: { hidden: [16, 8] }',
      'layers:',
      '  fc1: { crossbar: { nonidealities: { add: [{ name: read-noise, before: write-noise }] } } }',
      '  fc2: { crossbar: { nonidealities: [{ name: write-noise, params: { gamma: 2 } }] } }',
    ].join('\n');
    const p = plan(specWith(`${BASE.replace('model: { hidden: [16] }\n', '')}${layers}\n`), ['crossbar.nonidealities.write-noise.gamma=7,9']);
    expect(p.notices).toEqual(['--param crossbar.nonidealities.write-noise.gamma does not reach layer fc2, which replaces the non-ideality stack with its own list']);
    const gamma = (id: string, layer: string) => resolveSpec(p.specs.get(id), createPluginContainer()).layers
      .find((l) => l.name === layer)!.crossbar!.nonidealities.find((n) => n.name === 'write-noise')!.params.gamma;
    expect(['fc1', 'fc2', 'fc3'].map((l) => gamma('gamma=9_seed=4', l))).toEqual([9, 2, 9]);
    expect(plan(specWith(BASE), ['crossbar.nonidealities.write-noise.gamma=7']).notices).toEqual([]);
  });

  it('validates every point before anything runs and names the path and the points', () => {
    const file = specWith(BASE);
    const err = (flags: string[]) => {
      try {
        plan(file, flags);
      } catch (e) {
        expect(e).toBeInstanceOf(SpecError);
        return (e as SpecError).message;
      }
      throw new Error('no error');
    };
    expect(err(['crossbar.nonidealities.write-noise.gamma=1,-2'])).toMatch(/crossbar\.nonidealities\[3\]\.params\.gamma: .*\[at gamma=-2\]/);
    expect(err(['training.learningRat=1'])).toMatch(/training\.learningRat: unknown field \(did you mean "learningRate"\?\)/);
    expect(err(['crossbar.nonidealities.read-noise.sigma=0.1'])).toMatch(/crossbar\.nonidealities\.read-noise\.sigma: crossbar\.nonidealities has no entry named "read-noise"/);
    expect(() => plan(file, ['seed=1,2'], 2)).toThrow(/--param seed and --seeds/);
    expect(() => plan(file, ['preset=ideal-crossbar'])).toThrow(/presets are applied before the values are set/);
  });
});

describe('sweep directory', () => {
  it('accepts a grid that only adds points, and refuses one that changes or drops runs', () => {
    const file = specWith(BASE);
    const dir = join(tmp(), 'sweep');
    writePlan(dir, plan(file, ['training.learningRate=0.5,1']));
    expect(readFileSync(specFile(dir, 'learningRate=0.5_seed=4'), 'utf8')).toContain('"learningRate": 0.5');
    writePlan(dir, plan(file, ['training.learningRate=0.5,1,2'], 2));
    expect(readPlan(dir).manifest.points.flatMap((p) => p.runs.map((r) => r.id))).toHaveLength(6);
    expect(() => writePlan(dir, plan(file, ['training.learningRate=0.5']))).toThrow(/run learningRate=1_seed=4 is not in the new grid/);
    expect(() => writePlan(dir, plan(file, ['training.batchSize=32']))).toThrow(/holds a sweep over training\.learningRate, not training\.batchSize/);
    writeFileSync(file, BASE.replace('hidden: [16]', 'hidden: [8]'));
    expect(() => writePlan(dir, plan(file, ['training.learningRate=0.5,1,2'], 2))).toThrow(/would get a different spec/);
  });

  it('refuses a non-empty directory that is not a sweep, and a directory a live sweep holds', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'notes.txt'), 'x');
    expect(() => checkSweepDir(dir)).toThrow(/holds no sweep\.json/);
    const held = join(tmp(), 's');
    const lock = new SweepLock(held);
    lock.add(process.ppid); // a process that is certainly alive
    expect(() => new SweepLock(held)).toThrow(new RegExp(`in use by process ${process.ppid}`));
    lock.release();
    expect(() => new SweepLock(held).release()).not.toThrow();
  });

  it('classifies runs: a directory without checkpoint is cleared to start afresh', () => {
    const dir = tmp();
    const run = (id: string) => join(dir, 'runs', id);
    for (const id of ['done', 'ckpt', 'empty']) mkdirSync(run(id), { recursive: true });
    writeFileSync(join(run('done'), 'summary.json'), JSON.stringify({ status: 'completed', testAccuracy: [0.5] }));
    writeFileSync(join(run('ckpt'), 'checkpoint.json'), '{}');
    writeFileSync(join(run('empty'), 'spec.resolved.json'), '{}');
    expect(['done', 'ckpt', 'empty', 'absent'].map((id) => runState(dir, id))).toEqual(['completed', 'resume', 'start', 'start']);
    expect(existsSync(run('empty'))).toBe(false);
  });

  it('validates the spec\'s sweep.slurm block, returns it, and keeps it out of every run\'s spec (a new time limit changes no run)', () => {
    const file = specWith(`${BASE}sweep: { slurm: { partition: cpu, time: 90, mem: 4G, options: ["--account=p1"] } }\n`);
    const p = plan(file, ['training.learningRate=0.1,0.2']);
    expect(p.slurm).toEqual({ partition: 'cpu', time: '90', mem: '4G', options: ['--account=p1'] });
    for (const spec of p.specs.values()) expect(spec).not.toHaveProperty('sweep');
    const bad = specWith(`${BASE}sweep: { slurm: { time: 4h, cpusPerTask: 0, queue: x } }\n`);
    let error: unknown;
    try {
      plan(bad, ['training.learningRate=0.1,0.2']);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SpecError);
    const issues = (error as SpecError).issues.map((i) => `${i.path}: ${i.message}`).sort();
    expect(issues).toHaveLength(3);
    expect(issues[0]).toBe('sweep.slurm.cpusPerTask: expected a whole number of CPUs ≥ 1');
    expect(issues[1]).toBe('sweep.slurm.queue: unknown field; valid fields: partition, time, mem, cpusPerTask, options');
    expect(issues[2]).toBe('sweep.slurm.time: expected a Slurm time limit: minutes, HH:MM:SS or D-HH:MM:SS (e.g. "90", "04:00:00", "1-12:00:00"), got "4h"');
    expect(() => plan(file, ['sweep.slurm.time=10,20'])).toThrow('--param sweep.slurm.time: the spec\'s sweep block says how the sweep runs, not what a run does; it cannot be swept');
  });
});
