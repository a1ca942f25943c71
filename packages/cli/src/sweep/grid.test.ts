import { describe, expect, it } from 'vitest';
import { expandGrid, expandRange, paramKeys, parseParam, runId, seedList, slug } from './grid.js';

describe('parseParam', () => {
  it('reads values as YAML scalars, keeping the text as typed', () => {
    const p = parseParam('crossbar.device.params.rmax=500 kohm, 1 Mohm,2e6');
    expect(p.path).toBe('crossbar.device.params.rmax');
    expect(p.texts).toEqual(['500 kohm', '1 Mohm', '2e6']);
    expect(p.values).toEqual(['500 kohm', '1 Mohm', 2e6]);
    expect(parseParam('x=0.01,1,true,[32, 32]').values).toEqual([0.01, 1, true, [32, 32]]);
  });

  it('expands a:b:step ranges, inclusive, without float fuzz', () => {
    expect(parseParam('training.learningRate=0.1:0.5:0.1').values).toEqual([0.1, 0.2, 0.3, 0.4, 0.5]);
    expect(parseParam('crossbar.tile.rows=32:128:32,256').values).toEqual([32, 64, 96, 128, 256]);
    expect(expandRange(1, 0, -0.25)).toEqual([1, 0.75, 0.5, 0.25, 0]);
    expect(() => expandRange(0, 1, 0)).toThrow(/non-zero/);
    expect(() => expandRange(0, 1, -1)).toThrow(/empty/);
  });

  it('rejects a flag without "=", empty values, bad paths and repeated values', () => {
    expect(() => parseParam('training.learningRate')).toThrow(/expected PATH=v1,v2/);
    expect(() => parseParam('training.learningRate=1,,2')).toThrow(/empty value/);
    expect(() => parseParam('training..x=1')).toThrow(/malformed path/);
    expect(() => parseParam('x=1 Mohm,1Mohm')).toThrow(/repeat/);
  });
});

describe('expandGrid', () => {
  it('is the cartesian product, first param slowest, with stable names', () => {
    const v = parseParam('crossbar.nonidealities.update-nonlinearity.v=0.01,0.5');
    const rows = parseParam('crossbar.tile.rows=32,64,128');
    const grid = expandGrid([v, rows]);
    expect(grid.map((g) => g.choice)).toEqual([[0, 0], [0, 1], [0, 2], [1, 0], [1, 1], [1, 2]]);
    expect(grid.map((g) => g.id)).toEqual(['v=0.01_rows=32', 'v=0.01_rows=64', 'v=0.01_rows=128', 'v=0.5_rows=32', 'v=0.5_rows=64', 'v=0.5_rows=128']);
    expect(runId(grid[4]!, 7)).toBe('v=0.5_rows=64_seed=7');
    // The same flags give the same names (resuming relies on it).
    expect(expandGrid([v, rows])).toEqual(grid);
  });

  it('uses whole paths where last keys collide, and slugs values', () => {
    const a = parseParam('layers.fc1.crossbar.tile.rows=32');
    const b = parseParam('crossbar.tile.rows=64');
    expect(paramKeys([a, b])).toEqual(['layers.fc1.crossbar.tile.rows', 'crossbar.tile.rows']);
    expect(expandGrid([parseParam('crossbar.device.rmax=500 kohm')])[0]!.id).toBe('rmax=500kohm');
    expect(slug('1 µS/cm')).toBe('1_S_cm');
    expect(slug('{rows: 32, cols: 32}')).toBe('rows32-cols32');
    expect(slug('[32, 32]')).toBe('32-32');
    expect(expandGrid([])).toEqual([{ id: 'base', choice: [] }]);
  });

  it('seedList counts up from the spec seed', () => {
    expect(seedList(5, 3)).toEqual([5, 6, 7]);
  });
});
