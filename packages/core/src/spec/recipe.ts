import { z } from 'zod';
import { closest } from './suggest.js';

/**
 * The training-recipe fields of a spec (issue #15): initialisation, loss and learning-rate schedule.
 * Kept out of schema.ts so that each field's meaning sits next to its definition.
 */

const finite = (what: string) => z.number({ error: `expected a number (${what})` }).refine(Number.isFinite, { error: `must be finite (${what})` });
const positive = (what: string) => z.number({ error: `expected a number (${what})` }).positive({ error: `must be > 0 (${what})` });
const nonNegative = (what: string) => z.number({ error: `expected a number (${what})` }).nonnegative({ error: `must be ≥ 0 (${what})` });

/**
 * The initial-value distributions. fan_in / fan_out are the layer's: a linear layer's inputs and
 * outputs, a conv's in_channels·k² and out_channels·k² (PyTorch's convention). A bias drawn from a
 * fan-based distribution uses its layer's fans.
 */
const initVariants = [
  /** U(±gain·√(6/(fan_in + fan_out))) (Glorot & Bengio 2010). */
  z.strictObject({ name: z.literal('glorot-uniform'), gain: positive('gain, dimensionless').default(1) }),
  /** N(0, gain·√(2/(fan_in + fan_out))). */
  z.strictObject({ name: z.literal('glorot-normal'), gain: positive('gain, dimensionless').default(1) }),
  /** U(±√(6/((1 + a²)·fan_in))) (He et al. 2015; a is the leaky-ReLU slope, 0 for ReLU). */
  z.strictObject({ name: z.literal('kaiming-uniform'), a: nonNegative('negative slope a, dimensionless').default(0) }),
  /** N(0, √(2/((1 + a²)·fan_in))). */
  z.strictObject({ name: z.literal('kaiming-normal'), a: nonNegative('negative slope a, dimensionless').default(0) }),
  /** PyTorch's nn.Linear / nn.Conv2d reset_parameters: weights kaiming-uniform a = √5 (U(±1/√fan_in)), bias U(±1/√fan_in). */
  z.strictObject({ name: z.literal('pytorch-default') }),
  /** U(±limit), limit in weight units. */
  z.strictObject({ name: z.literal('uniform'), limit: positive('limit, in weight units') }),
  /** N(0, std), std in weight units. */
  z.strictObject({ name: z.literal('normal'), std: positive('std, in weight units') }),
  /** Each value one of `values`, equally likely (NeuroSim's (rand()%7 − 3)/3 is values −1, −2/3, …, 1). */
  z.strictObject({ name: z.literal('discrete'), values: z.array(finite('a value, in weight units')).min(1, { error: 'needs at least one value' }) }),
  /** U(±4·√(6/(fan_in + fan_out))): Glorot & Bengio's choice for sigmoid units (CrossSim v2's init). */
  z.strictObject({ name: z.literal('bengio') }),
  z.strictObject({ name: z.literal('zeros') }),
  z.strictObject({ name: z.literal('constant'), value: finite('value, in weight units') }),
] as const;

/** "expected an init name (…), got "xavier"", with the nearest name when it looks like a typo. */
function unknownName(what: string, names: readonly string[], input: unknown): string {
  const got = typeof input === 'object' && input !== null ? (input as { name?: unknown }).name : input;
  const near = typeof got === 'string' ? closest(got, [...names]) : undefined;
  return `expected ${what} name (${names.join(', ')}) or { name, ...params }${got !== undefined ? `, got ${JSON.stringify(got)}` : ''}${near ? ` (did you mean "${near}"?)` : ''}`;
}

export const INIT_NAMES = initVariants.map((v) => v.shape.name.value);

/** An initial-value distribution: its name, or `{ name, ...params }`. */
export const initRefSchema = z.preprocess(
  (v) => (typeof v === 'string' ? { name: v } : v),
  z.discriminatedUnion('name', initVariants, { error: (issue) => (issue.code === 'invalid_union' ? unknownName('an init', INIT_NAMES, issue.input) : undefined) }),
);
export type InitRef = z.output<typeof initRefSchema>;

/** Initial weights and bias of a layer (model-wide, or one layer's fields over it). */
export const initSpecSchema = z.strictObject({
  /** Default: glorot-uniform (conv nets with ReLU: kaiming-uniform, as before this field existed). */
  weights: initRefSchema.optional(),
  /** Default: zeros. */
  bias: initRefSchema.optional(),
});
export type InitSpec = z.output<typeof initSpecSchema>;

/**
 * cross-entropy: softmax then cross-entropy, mean over the batch. squared-error: Σ over outputs of
 * (y − onehot)², mean over the batch, on sigmoid outputs (a sigmoid after the last layer; NeuroSim's
 * MLP) or on the linear outputs themselves.
 */
export const lossSchema = z.union([
  z.enum(['cross-entropy', 'squared-error']).transform((name) => (name === 'squared-error' ? { name, outputs: 'sigmoid' as const } : { name })),
  z.strictObject({ name: z.literal('cross-entropy') }),
  z.strictObject({ name: z.literal('squared-error'), outputs: z.enum(['sigmoid', 'linear']).default('sigmoid') }),
], { error: (issue) => `expected "cross-entropy", "squared-error" or { name: squared-error, outputs: sigmoid | linear }${issue.input !== undefined ? `, got ${JSON.stringify(issue.input)}` : ''}` });
export type LossSpec = { readonly name: 'cross-entropy' } | { readonly name: 'squared-error'; readonly outputs: 'sigmoid' | 'linear' };

const epochCount = (what: string) => z.number({ error: `expected a number of epochs (${what})` }).int({ error: `expected a whole number of epochs (${what})` }).positive({ error: `must be > 0 (${what})` });

/**
 * The learning rate η(e) of epoch e = 1, 2, …, from the base rate η₀ = training.learningRate. A layer
 * with its own `learningRate` ηₗ trains at ηₗ·η(e)/η₀: the schedule scales every rate alike.
 */
export const scheduleSchema = z.preprocess((v) => (typeof v === 'string' ? { name: v } : v), z.discriminatedUnion('name', [
  /** η₀ throughout. */
  z.strictObject({ name: z.literal('constant') }),
  /** η₀·gamma^⌊(e − 1)/stepSize⌋ (PyTorch's StepLR stepped once per epoch). */
  z.strictObject({ name: z.literal('step'), stepSize: epochCount('stepSize'), gamma: positive('gamma, a factor') }),
  /** η₀·gamma^(e − 1). */
  z.strictObject({ name: z.literal('exponential'), gamma: positive('gamma, a factor') }),
  /** minRate + (η₀ − minRate)·(1 + cos(π·(e − 1)/period))/2 (PyTorch's CosineAnnealingLR closed form). */
  z.strictObject({ name: z.literal('cosine'), minRate: nonNegative('minRate, a learning rate').default(0), period: epochCount('period').optional() }),
  /** rates[i] for the epochs after boundaries[i − 1] and up to boundaries[i] (epochs completed, as PyTorch's MultiStepLR milestones). */
  z.strictObject({
    name: z.literal('piecewise'),
    boundaries: z.array(epochCount('a boundary')).min(1, { error: 'needs at least one boundary' }),
    rates: z.array(positive('a learning rate')),
  }).superRefine((s, ctx) => {
    if (s.rates.length !== s.boundaries.length + 1) ctx.addIssue({ code: 'custom', path: ['rates'], message: `needs ${s.boundaries.length + 1} rates (one more than the ${s.boundaries.length} boundaries), got ${s.rates.length}` });
    s.boundaries.forEach((b, i) => {
      if (i > 0 && b <= s.boundaries[i - 1]!) ctx.addIssue({ code: 'custom', path: ['boundaries', i], message: `boundaries must increase; ${b} follows ${s.boundaries[i - 1]}` });
    });
  }),
], { error: (issue) => (issue.code === 'invalid_union' ? unknownName('a schedule', SCHEDULE_NAMES, issue.input) : undefined) }));
const SCHEDULE_NAMES = ['constant', 'step', 'exponential', 'cosine', 'piecewise'];
export type ScheduleSpec = z.output<typeof scheduleSchema>;
