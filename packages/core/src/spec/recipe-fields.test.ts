import { describe, expect, it } from 'vitest';
import { container } from '../di.js';
import { registerPlugins } from '../plugin/registry.js';
import type { AnyPlugin } from '../plugin/types.js';
import { specIssues } from '../testing/fixtures.js';
import { testAdc, testDac, testDevice, testSenseAmp, testUpdate } from '../tile/test-components.js';
import { resolveSpec } from './resolve.js';
import { clipBaseline, weightClipLimit } from './weight-clip.js';

const scope = container.createChildContainer();
registerPlugins(scope, [testDevice, testDac, testSenseAmp, testAdc, testUpdate] as unknown as AnyPlugin[]);
const crossbar = { device: 'test-device', dac: 'test-dac', senseAmp: 'test-sense-amp', adc: 'test-adc', updateRule: 'test-update' };

describe('recipe fields of the crossbar and the model (issue #15)', () => {
  it('parse: the reference conductance with units, iterative bound management with its default, bias and clipping per layer', () => {
    const r = resolveSpec({
      model: { hidden: [16], bias: 'none', weightClip: { relative: 1.5 } },
      crossbar: { ...crossbar, mapping: { scheme: 'reference-column', reference: { conductance: '20 uS', subtract: 'digital' } }, boundManagement: { name: 'iterative' } },
      layers: { fc2: { bias: 'analog', weightClip: { max: 0.6 } } },
    }, scope);
    const [fc1, fc2] = r.layers;
    expect(fc1!.crossbar!.mapping.reference).toEqual({ conductance: 2e-5, subtract: 'digital' });
    expect(fc1!.crossbar!.boundManagement).toEqual({ name: 'iterative', maxHalvings: 4 });
    expect([fc1!.bias, fc2!.bias]).toEqual(['none', 'analog']);
    expect(weightClipLimit(fc1!)).toBeCloseTo(1.5 * 4 * Math.sqrt(6 / (784 + 16)), 12);
    // fc2's analog bias is one more row of its array: 16 + 1 rows, 10 columns.
    expect(clipBaseline(fc2!)).toBeCloseTo(4 * Math.sqrt(6 / (17 + 10)), 12);
    expect(weightClipLimit(fc2!)).toBe(0.6);
  });

  it('leaves plans as they were when the fields are absent (defaults unchanged)', () => {
    const r = resolveSpec({ model: { hidden: [16] }, crossbar }, scope);
    expect(Object.keys(r.layers[0]!).sort()).toEqual(['crossbar', 'inputs', 'name', 'outputs']);
    expect(r.layers[0]!.crossbar!.boundManagement).toBeUndefined();
  });

  it('names the field and what would be valid', () => {
    const cases: Array<[Record<string, unknown>, string, RegExp | undefined]> = [
      [{ crossbar: { ...crossbar, mapping: { reference: { subtract: 'analog' } } } }, 'crossbar.mapping.reference', /applies to scheme reference-column only/],
      [{ crossbar: { ...crossbar, mapping: { scheme: 'reference-column', reference: { subtract: 'both' } } } }, 'crossbar.mapping.reference.subtract', /digital|analog/],
      [{ crossbar: { ...crossbar, mapping: { scheme: 'reference-column', reference: { subtract: 'analog', conductance: '3 ohm' } } } }, 'crossbar.mapping.reference.conductance', /conductance/],
      [{ crossbar: { ...crossbar, mapping: { scheme: 'reference-column', reference: { subtract: 'analog', conductance: -1 } } } }, 'crossbar.mapping.reference.conductance', /> 0/],
      [{ crossbar: { ...crossbar, boundManagement: { name: 'shift' } } }, 'crossbar.boundManagement', /none or \{ name: iterative/],
      [{ crossbar: { ...crossbar, boundManagement: { name: 'iterative', maxHalvings: 0 } } }, 'crossbar.boundManagement.maxHalvings', /≥ 1/],
      [{ model: { bias: 'row' } }, 'model.bias', /digital, none or analog/],
      [{ model: { weightClip: { max: -1 } } }, 'model.weightClip.max', /> 0/],
      [{ layers: { fc1: { weightClip: { limit: 1 } } } }, 'layers.fc1.weightClip', /\{ max: <weight> \} or \{ relative/],
      // Both would set the mapped range: refused rather than one silently winning.
      [{ crossbar: { ...crossbar, mapping: { wMax: 0.5 } }, layers: { fc1: { weightClip: { max: 1 } } } }, 'layers.fc1.weightClip', /crossbar\.mapping\.wMax \(0\.5\); keep one/],
      [{ crossbar: { ...crossbar, mapping: { wMax: 0.5 } }, model: { weightClip: { relative: 1 } } }, 'model.weightClip', /keep one/],
      [{ crossbar: { ...crossbar, mapping: { wMax: 0.5 } }, model: { weightClip: { max: 0.5 } } }, 'model.weightClip', undefined],
    ];
    for (const [spec, path, message] of cases) {
      const found = specIssues(spec, scope);
      const got = found.find((i) => i.path === path)?.message;
      // An equal clip and wMax agree: no problem there.
      if (message === undefined) expect(got, `${path}: ${JSON.stringify(found)}`).toBeUndefined();
      else expect(got, `${path}: ${JSON.stringify(found)}`).toMatch(message);
    }
  });
});
