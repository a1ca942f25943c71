import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir, txsimInProcess } from './cli.js';

const dir = tempDir('limits');
const spec = join(dir, 'tiny.yaml');
writeFileSync(spec, 'name: tiny\ndata: { dataset: synthetic, shape: [1, 4, 4], classes: 3, trainSize: 32, testSize: 16 }\nmodel: { hidden: [4] }\n');

describe('limits and output checks before any work', () => {
  it('train refuses an empty --out and one below a file before reading data, naming --out', async () => {
    const empty = await txsimInProcess(['train', spec, '--out', '', '--no-progress']);
    expect(empty).toMatchObject({ code: 1, stdout: '' });
    expect(empty.stderr).toBe('txsim: --out is empty: give the run directory to write, or leave --out out for runs/<name>-<time>\n');
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    const below = await txsimInProcess(['train', spec, '--out', join(file, 'run'), '--no-progress']);
    expect(below.code).toBe(1);
    // The network line is printed after the data are loaded: its absence shows nothing was read.
    expect(below.stderr).toBe(`txsim: cannot create output directory ${join(file, 'run')}: ${file} is a file; choose another --out\n`);
  });

  it('validate --out runs the same output check; validate alone still reads nothing', async () => {
    const r = await txsimInProcess(['validate', spec, '--out', '']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--out is empty/);
    expect(await txsimInProcess(['validate', spec, '--out', join(dir, 'fresh')])).toEqual({ code: 0, stdout: 'ok\n', stderr: '' });
    expect(existsSync(join(dir, 'fresh'))).toBe(false);
  });

  it('sweep --seeds 1000000 is refused before any spec file is written', async () => {
    const out = join(dir, 'sweep');
    const r = await txsimInProcess(['sweep', spec, '--seeds', '1000000', '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^txsim: the sweep would have 1,000,000 runs \(1000000 seeds\), more than the 10,000 one sweep may hold/);
    expect(existsSync(out)).toBe(false);
  });
});
