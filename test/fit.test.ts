import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir, txsimInProcess } from './cli.js';

const dir = tempDir('fit');

/** One measured cycle written as the documented CSV: NeuroSim's TaOx/HfOx-like curves with a little deterministic jitter. */
function writeCycle(name: string): string {
  const [gmin, gmax, p] = [1e-6, 1e-5, 64];
  // A from NeuroSim's table: label 1.00 → 1.251653, label −2.00 → −0.609035 (normalised by P).
  const G = (x: number, A: number) => ((gmax - gmin) / (1 - Math.exp(-p / A))) * (1 - Math.exp(-x / A)) + gmin;
  const au = 1.251653 * p;
  const ad = -0.609035 * p;
  const jitter = (i: number) => 0.002 * (gmax - gmin) * Math.sin(12.9898 * i);
  const lines = ['# pulse response of one device, conductance in siemens', 'pulse,conductance,direction'];
  for (let n = 0; n <= p; n++) lines.push(`${n},${G(n, au) + jitter(n)},up`);
  for (let n = 0; n <= p; n++) lines.push(`${n},${G(p - n, ad) + jitter(1000 + n)},down`);
  const file = join(dir, name);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

describe('txsim fit', () => {
  it('fits NeuroSim\'s model to a pulse-response CSV and prints parameters with units (--json)', async () => {
    const file = writeCycle('cycle.csv');
    const r = await txsimInProcess(['fit', 'neurosim', '--data', file, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { params: Record<string, { value: number; unit: string }>; residual: { rms: number; unit: string; relative: number } };
    expect(out.params.gmin!.unit).toBe('S');
    expect(out.params.gmin!.value).toBeCloseTo(1e-6, 7);
    expect(out.params.gmax!.value).toBeCloseTo(1e-5, 7);
    expect(out.params.nlLtp!.value).toBeCloseTo(1, 1);
    expect(out.params.nlLtd!.value).toBeCloseTo(-2, 1);
    expect(out.params.maxLevel!.value).toBe(64);
    expect(out.residual.unit).toBe('S');
    expect(out.residual.relative).toBeLessThan(0.003);
  });

  it('prints a table by default and fits soft bounds too', async () => {
    const file = writeCycle('cycle2.csv');
    const text = await txsimInProcess(['fit', 'neurosim', '--data', file]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^neurosim fit to .*cycle2\.csv \(65 up, 65 down points\)/);
    expect(text.stdout).toMatch(/gmin\s+1\.00\d* uS/);
    expect(text.stdout).toMatch(/residual: RMS [0-9.]+ nS, [0-9.]+ % of gmax − gmin/);
    const sb = await txsimInProcess(['fit', 'soft-bounds', '--data', file, '--json']);
    expect(sb.code).toBe(0);
    expect(Object.keys((JSON.parse(sb.stdout) as { params: object }).params)).toEqual(['gmin', 'gmax', 'stepUp', 'stepDown', 'dgUpAtGmin', 'dgDownAtGmax']);
  });

  it('explains bad input: a malformed CSV (line and column), a missing file, an unknown model', async () => {
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, 'pulse,conductance,direction\n0,1e-6,up\n1,oops,up\n');
    const r = await txsimInProcess(['fit', 'neurosim', '--data', bad]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/bad\.csv: \d+ problems/);
    expect(r.stderr).toMatch(/line 3, column 2: conductance "oops" is not a number/);
    const missing = await txsimInProcess(['fit', 'neurosim', '--data', join(dir, 'none.csv')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/none\.csv: cannot read the data \(ENOENT\)/);
    const unknown = await txsimInProcess(['fit', 'linear', '--data', bad]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/unknown model "linear"; models: neurosim, soft-bounds/);
  });
});

describe('lookup-table device through the CLI', () => {
  it('reports a malformed table at spec validation, with the spec path, file, line and column', async () => {
    const table = join(dir, 'lut.csv');
    writeFileSync(table, '# measured\ng,dg_up,dg_down\n1e-6,2e-7,-1e-7\n2e-6,2e-7x,-1e-7\n');
    const spec = join(dir, 'lut-spec.yaml');
    writeFileSync(spec, `crossbar:\n  device: { name: lookup-table, params: { file: ${JSON.stringify(table)} } }\n`);
    const r = await txsimInProcess(['validate', spec]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`crossbar.device.params.file: ${table}: line 4, column 2: "2e-7x" is not a number (dg_up, in siemens)`);
    writeFileSync(table, 'g,dg_up,dg_down\n1e-6,2e-7,-1e-7\n2e-6,2e-7,-1e-7\n');
    expect((await txsimInProcess(['validate', spec])).stdout).toBe('ok\n');
  });
});
