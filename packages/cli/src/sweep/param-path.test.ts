import { describe, expect, it } from 'vitest';
import { getPath, ParamPathError, parsePath, setPath, unreachedLayers } from './param-path.js';

const stack = () => ({
  name: 'x',
  training: { epochs: 1 },
  crossbar: {
    device: 'ideal',
    tile: { rows: 64, cols: 64 },
    nonidealities: [
      { name: 'device-variation', params: { sigma: 0.1 } },
      { name: 'update-nonlinearity', params: { v: 0.01 } },
      { name: 'write-noise', params: { gamma: 5 } },
    ],
  },
});

describe('parsePath', () => {
  it('splits keys and list indexes', () => {
    expect(parsePath('crossbar.nonidealities[2].params.v')).toEqual([{ key: 'crossbar' }, { key: 'nonidealities' }, { index: 2 }, { key: 'params' }, { key: 'v' }]);
    expect(parsePath('model.hidden[0]')).toEqual([{ key: 'model' }, { key: 'hidden' }, { index: 0 }]);
    expect(parsePath('a[1][2]')).toEqual([{ key: 'a' }, { index: 1 }, { index: 2 }]);
    expect(parsePath('crossbar.nonidealities.update-nonlinearity.v').map((s) => ('key' in s ? s.key : s.index))).toEqual(['crossbar', 'nonidealities', 'update-nonlinearity', 'v']);
  });

  it('rejects malformed paths', () => {
    for (const bad of ['', 'a..b', 'a.', '.a', 'a[x]', 'a[1', 'a]', '[0].b']) expect(() => parsePath(bad), bad).toThrow();
  });
});

describe('setPath', () => {
  it('refuses __proto__, constructor and prototype, and leaves Object.prototype clean', () => {
    for (const path of ['__proto__.x', 'crossbar.__proto__.polluted', 'constructor.prototype.polluted', 'training.prototype', '__proto__[0]']) {
      expect(() => setPath({ crossbar: {} }, path, 1), path).toThrow(/not a spec field \(a reserved JavaScript name\)/);
    }
    expect(({} as Record<string, unknown>).x).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.keys(Object.prototype)).toEqual([]);
  });

  it('sets plain and indexed fields, creating absent objects, without touching the rest', () => {
    const spec = stack();
    expect(setPath(spec, 'training.learningRate', 0.5)).toEqual(['training', 'learningRate']);
    expect(spec.training).toEqual({ epochs: 1, learningRate: 0.5 });
    expect(setPath(spec, 'crossbar.nonidealities[1].params.v', 1)).toEqual(['crossbar', 'nonidealities', 1, 'params', 'v']);
    expect(spec.crossbar.nonidealities[1]).toEqual({ name: 'update-nonlinearity', params: { v: 1 } });
    setPath(spec, 'data.trainLimit', 600);
    expect((spec as Record<string, unknown>).data).toEqual({ trainLimit: 600 });
    expect(spec.crossbar.tile).toEqual({ rows: 64, cols: 64 });
    expect(spec.crossbar.nonidealities[0]).toEqual({ name: 'device-variation', params: { sigma: 0.1 } });
  });

  it('finds a stack entry by plugin name, with or without "params"', () => {
    const a = stack();
    expect(setPath(a, 'crossbar.nonidealities.write-noise.params.gamma', 10)).toEqual(['crossbar', 'nonidealities', 2, 'params', 'gamma']);
    const b = stack();
    expect(setPath(b, 'crossbar.nonidealities.write-noise.gamma', 10)).toEqual(['crossbar', 'nonidealities', 2, 'params', 'gamma']);
    expect(a).toEqual(b);
    expect(b.crossbar.nonidealities[2]!.params).toEqual({ gamma: 10 });
    // name and phases of a plugin are its own fields, not parameters.
    const c = stack();
    expect(setPath(c, 'crossbar.nonidealities.write-noise.phases', ['update'])).toEqual(['crossbar', 'nonidealities', 2, 'phases']);
  });

  it('turns a plugin given by bare name into a reference when a parameter is set', () => {
    const spec = stack();
    expect(setPath(spec, 'crossbar.device.rmax', '500 kohm')).toEqual(['crossbar', 'device', 'params', 'rmax']);
    expect(spec.crossbar.device).toEqual({ name: 'ideal', params: { rmax: '500 kohm' } });
  });

  it('does not take the spec root (which has a name) for a plugin reference', () => {
    const spec = stack();
    expect(setPath(spec, 'seed', 3)).toEqual(['seed']);
    expect((spec as Record<string, unknown>).seed).toBe(3);
  });

  it('names the path and the reason when it cannot be followed', () => {
    const err = (path: string) => {
      try {
        setPath(stack(), path, 1);
      } catch (e) {
        expect(e).toBeInstanceOf(ParamPathError);
        expect((e as ParamPathError).path).toBe(path);
        return (e as Error).message;
      }
      throw new Error(`no error for ${path}`);
    };
    expect(err('crossbar.nonidealities.write-nois.gamma')).toMatch(/no entry named "write-nois" \(did you mean "write-noise"\?\); its entries are device-variation, update-nonlinearity, write-noise/);
    expect(err('crossbar.nonidealities[3].params.v')).toMatch(/crossbar\.nonidealities has 3 entries; \[3\] is out of range/);
    expect(err('crossbar.tile[0]')).toMatch(/crossbar\.tile is an object, not a list/);
    expect(err('training.epochs.x')).toMatch(/training\.epochs is number 1; it has no field "x"/);
    expect(err('crossbar.nonidealities.write-noise')).toMatch(/whole plugin entry/);
    const twice = stack();
    twice.crossbar.nonidealities.push({ name: 'write-noise', params: { gamma: 1 } });
    expect(() => setPath(twice, 'crossbar.nonidealities.write-noise.gamma', 1)).toThrow(/2 entries named "write-noise" \(at \[2\], \[3\]\); use an index/);
  });

  it('getPath reads back what setPath wrote', () => {
    const spec = stack();
    const at = setPath(spec, 'crossbar.nonidealities.update-nonlinearity.v', 0.5);
    expect(getPath(spec, at)).toBe(0.5);
    expect(getPath(spec, ['crossbar', 'nope', 'x'])).toBeUndefined();
  });
});

describe('unreachedLayers', () => {
  const withLayers = (layers: Record<string, unknown>) => ({ ...stack(), layers });
  const reached = (layers: Record<string, unknown>, path: string) => {
    const spec = withLayers(layers);
    return unreachedLayers(spec, setPath(spec, path, 1));
  };

  it('names the layers that replace, remove or re-set a stack entry, not those that edit around it', () => {
    const layers = {
      fc1: { crossbar: { nonidealities: [{ name: 'write-noise', params: { gamma: 2 } }] } },
      fc2: { crossbar: { nonidealities: { add: [{ name: 'read-noise' }], set: { 'device-variation': { params: { sigma: 0.2 } } } } } },
      fc3: { crossbar: { nonidealities: { remove: ['write-noise'] } } },
      fc4: { crossbar: { nonidealities: { set: { 'write-noise': { params: { gamma: 3 } } } } } },
      fc5: { crossbar: { tile: { rows: 8 } } },
      fc6: { digital: true, crossbar: { nonidealities: [] } },
    };
    expect(reached(layers, 'crossbar.nonidealities.write-noise.gamma')).toEqual([
      { layer: 'fc1', why: 'replaces the non-ideality stack with its own list' },
      { layer: 'fc3', why: 'removes write-noise from its stack' },
      { layer: 'fc4', why: 'sets write-noise.params.gamma itself' },
    ]);
    // By index too: the entry is found by the name it has in the experiment-wide stack.
    expect(reached(layers, 'crossbar.nonidealities[0].params.sigma').map((u) => u.layer)).toEqual(['fc1', 'fc2']);
  });

  it('names the layers that use another plugin in the slot or set the field themselves', () => {
    const layers = {
      fc1: { crossbar: { device: 'levels' } },
      fc2: { crossbar: { device: { name: 'ideal', params: { rmax: 5 } } } },
      fc3: { crossbar: { device: 'ideal', tile: { rows: 8 } } },
    };
    expect(reached(layers, 'crossbar.device.rmax')).toEqual([
      { layer: 'fc1', why: 'uses another device plugin (levels)' },
      { layer: 'fc2', why: 'sets device.params.rmax itself' },
    ]);
    expect(reached(layers, 'crossbar.tile.rows')).toEqual([{ layer: 'fc3', why: 'sets tile.rows itself' }]);
    expect(reached(layers, 'training.epochs')).toEqual([]);
  });
});
