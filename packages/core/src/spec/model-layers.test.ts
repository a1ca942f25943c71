import { specIssues } from '../testing/fixtures.js';
import { describe, expect, it } from 'vitest';
import { container } from '../di.js';
import { registerPlugins } from '../plugin/registry.js';
import type { AnyPlugin } from '../plugin/types.js';
import { testAdc, testDac, testDevice, testSenseAmp, testUpdate } from '../tile/test-components.js';
import { modelLayers } from './model-layers.js';
import { resolveSpec } from './resolve.js';
import { specSchema } from './schema.js';

const scope = container.createChildContainer();
registerPlugins(scope, [testDevice, testDac, testSenseAmp, testAdc, testUpdate] as unknown as AnyPlugin[]);
const crossbar = { device: 'test-device', dac: 'test-dac', senseAmp: 'test-sense-amp', adc: 'test-adc', updateRule: 'test-update' };

const plan = (raw: unknown) => modelLayers(specSchema.parse(raw)).map((l) => [l.name, l.inputs, l.outputs]);

const issues = (raw: unknown) => specIssues(raw, scope);

describe('modelLayers for conv nets', () => {
  it('LeNet-5 on 28×28 digits: 28 → pool 14 → 10 → pool 5, so fc1 takes 16·5·5', () => {
    expect(plan({ model: { type: 'lenet5' } })).toEqual([
      ['conv1', 25, 6], ['conv2', 150, 16], ['fc1', 400, 120], ['fc2', 120, 84], ['fc3', 84, 10],
    ]);
    // On 32×32×3 images: 32 → 16 → 12 → 6.
    expect(plan({ data: { dataset: 'cifar10', dir: '/nowhere' }, model: { type: 'lenet5' } })[2]).toEqual(['fc1', 16 * 6 * 6, 120]);
  });

  it('ResNet-20: 19 convs with strides 2 at conv8 and conv14, then fc1 from 64 pooled channels', () => {
    const layers = modelLayers(specSchema.parse({ data: { dataset: 'cifar10', dir: '/x' }, model: { type: 'resnet20' } }));
    expect(layers.map((l) => l.name)).toEqual([...Array.from({ length: 19 }, (_, i) => `conv${i + 1}`), 'fc1']);
    const strided = layers.filter((l) => l.conv?.stride === 2).map((l) => [l.name, l.conv!.channels, l.conv!.height, l.conv!.outChannels, l.conv!.outHeight]);
    expect(strided).toEqual([['conv8', 16, 32, 32, 16], ['conv14', 32, 16, 64, 8]]);
    expect(layers[0]!.inputs).toBe(27);
    expect(layers[18]!.inputs).toBe(64 * 9);
    expect(layers[19]).toEqual({ name: 'fc1', inputs: 64, outputs: 10 });
    const weights = layers.reduce((s, l) => s + l.inputs * l.outputs, 0);
    // 0.27 M weights, the count the ResNet paper gives for ResNet-20 (biases and BN not included).
    expect(weights).toBeGreaterThan(0.26e6);
    expect(weights).toBeLessThan(0.28e6);
  });

  it('mlp keeps its default hidden layers; other models default to none', () => {
    expect(specSchema.parse({}).model.hidden).toEqual([256, 128]);
    expect(specSchema.parse({ model: { type: 'vgg' } }).model.hidden).toEqual([]);
  });
});

describe('resolveSpec with conv models', () => {
  it('rejects hidden widths for a fixed architecture, naming model.hidden (an empty list is fine)', () => {
    const found = issues({ model: { type: 'lenet5', hidden: [32] } });
    expect(found).toEqual([{ path: 'model.hidden', message: expect.stringContaining('mlp only') }]);
    expect(issues({ model: { type: 'lenet5', hidden: [] } })).toEqual([]);
  });

  it('applies per-layer overrides by conv name and lists conv names for an unknown one', () => {
    const r = resolveSpec({ model: { type: 'lenet5' }, crossbar, layers: { conv2: { digital: true } } }, scope);
    expect(r.layers.map((l) => [l.name, l.crossbar !== null])).toEqual([['conv1', true], ['conv2', false], ['fc1', true], ['fc2', true], ['fc3', true]]);
    expect(r.layers[0]!.conv).toMatchObject({ channels: 1, height: 28, kernel: 5, pad: 2, outHeight: 28 });
    const bad = issues({ model: { type: 'lenet5' }, crossbar, layers: { conv9: { digital: true } } });
    expect(bad[0]!.path).toBe('layers.conv9');
    expect(bad[0]!.message).toContain('conv1, conv2, fc1, fc2, fc3');
  });

  it('names data.shape when the images are too small for the model', () => {
    const found = issues({ data: { dataset: 'synthetic', shape: [1, 8, 8] }, model: { type: 'lenet5' } });
    expect(found).toEqual([{ path: 'data.shape', message: expect.stringContaining('too small for lenet5') }]);
  });
});
