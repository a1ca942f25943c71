import { describe, expect, it } from 'vitest';
import { container } from '../di.js';
import { specIssues } from '../testing/fixtures.js';
import { dataShape, sourceDataShape } from './data-shape.js';
import { resolveSpec } from './resolve.js';
import { specSchema } from './schema.js';

const scope = container.createChildContainer();
const issues = (raw: unknown) => specIssues(raw, scope).map((i) => `${i.path}: ${i.message}`);
const crop = (top: number, left: number, height: number, width: number) => ({ name: 'crop', top, left, height, width });

describe('data.transforms in the spec', () => {
  it('plans the layers for the transformed shape (NeuroSim: 20×20 crop of MNIST → 400 inputs)', () => {
    const neurosim = { data: { transforms: [crop(4, 4, 20, 20), { name: 'binarize', threshold: 0.5 }] }, model: { hidden: [100] } };
    const r = resolveSpec(neurosim, scope);
    expect(r.layers.map((l) => [l.name, l.inputs, l.outputs])).toEqual([['fc1', 400, 100], ['fc2', 100, 10]]);
    expect(dataShape(r.spec.data)).toEqual({ channels: 1, height: 20, width: 20, classes: 10 });
    expect(sourceDataShape(r.spec.data)).toEqual({ channels: 1, height: 28, width: 28, classes: 10 });
  });

  it('a conv model follows the crop too (LeNet-5 on 20×20: conv pad 2 → 20, pool → 10, conv 5 → 6, pool → 3)', () => {
    const r = resolveSpec({ data: { transforms: [crop(4, 4, 20, 20)] }, model: { type: 'lenet5' } }, scope);
    expect(r.layers.find((l) => l.name === 'fc1')!.inputs).toBe(16 * 3 * 3);
    expect(r.layers.find((l) => l.name === 'conv1')!.conv).toMatchObject({ height: 20, width: 20, outHeight: 20 });
  });

  it('crops compose: the second is checked against the first one’s output', () => {
    const r = resolveSpec({ data: { dataset: 'synthetic', shape: [3, 10, 12], transforms: [crop(1, 2, 8, 9), crop(0, 0, 8, 9), crop(7, 8, 1, 1)] }, model: { hidden: [4] } }, scope);
    expect(r.layers[0]!.inputs).toBe(3);
    expect(issues({ data: { dataset: 'synthetic', shape: [1, 10, 12], transforms: [crop(1, 2, 8, 9), crop(0, 1, 8, 9)] } }))
      .toEqual(['data.transforms[1].width: width 9 from left 1 reaches column 9, outside the 9-column image the crop gets (columns 0 … 8); valid width with left 1: 1 … 8']);
  });

  it('a crop outside the image names the field and the valid range, before any data is read', () => {
    expect(issues({ data: { transforms: [crop(4, 4, 30, 20)] } }))
      .toEqual(['data.transforms[0].height: height 30 from top 4 reaches row 33, outside the 28-row image the crop gets (rows 0 … 27); valid height with top 4: 1 … 24']);
    expect(issues({ data: { transforms: [crop(28, 0, 1, 1)] } }))
      .toEqual(['data.transforms[0].top: top 28 is outside the 28-row image the crop gets; valid top: 0 … 27']);
    expect(issues({ data: { dataset: 'cifar10', dir: '.', transforms: [crop(0, 0, 32, 33)] } })[0]).toMatch(/^data\.transforms\[0\]\.width: .*valid width with left 0: 1 … 32$/);
    expect(issues({ data: { transforms: [crop(0, -1, 3, 3)] } })[0]).toMatch(/^data\.transforms\[0\]\.left: must be ≥ 0/);
    expect(issues({ data: { transforms: [{ ...crop(0, 0, 0, 3) }] } })[0]).toMatch(/^data\.transforms\[0\]\.height: must be ≥ 1/);
  });

  it('refuses unknown transforms, misspelt fields and meaningless parameters', () => {
    expect(issues({ data: { transforms: [{ name: 'blur' }] } })).toEqual(['data.transforms[0].name: expected a transform { name: crop | scale | standardize | binarize, … }']);
    expect(issues({ data: { transforms: [{ name: 'scale', factor: 2, ofset: 1 }] } }))
      .toEqual(['data.transforms[0].ofset: unknown field (did you mean "offset"?); valid fields: name, factor, offset']);
    expect(issues({ data: { transforms: [{ name: 'standardize', std: 0 }] } })[0]).toMatch(/^data\.transforms\[0\]\.std: must be > 0/);
    expect(issues({ data: { transforms: [{ name: 'standardize', targetStd: -1 }] } })[0]).toMatch(/^data\.transforms\[0\]\.targetStd: must be > 0/);
    expect(issues({ data: { transforms: [{ name: 'binarize' }] } })[0]).toMatch(/^data\.transforms\[0\]\.threshold: expected a number/);
  });

  it('fills transform defaults (scale offset 0, standardize targetStd 1) and leaves specs without transforms as they were', () => {
    const d = specSchema.parse({ data: { transforms: [{ name: 'scale', factor: 3 }, { name: 'standardize' }] } }).data;
    expect(d.transforms).toEqual([{ name: 'scale', factor: 3, offset: 0 }, { name: 'standardize', targetStd: 1 }]);
    expect('transforms' in specSchema.parse({}).data).toBe(false);
  });
});

describe('training.sampler in the spec', () => {
  it('accepts the three samplers and is absent by default', () => {
    expect(specSchema.parse({ training: { sampler: 'in-order' } }).training.sampler).toBe('in-order');
    expect(specSchema.parse({ training: { sampler: { name: 'with-replacement', samples: 8000 } } }).training.sampler).toEqual({ name: 'with-replacement', samples: 8000 });
    expect(specSchema.parse({}).training.sampler).toBeUndefined();
  });

  it('names the field and what is valid', () => {
    expect(issues({ training: { sampler: 'random' } })).toEqual(["training.sampler: expected 'shuffle', 'in-order' or { name: with-replacement, samples: <examples per epoch> }"]);
    expect(issues({ training: { sampler: { name: 'with-replacement', samples: 0 } } })).toEqual(['training.sampler.samples: must be > 0 (draws per epoch)']);
    expect(issues({ training: { sampler: { name: 'with-replacement' } } })[0]).toMatch(/^training\.sampler/);
  });
});
