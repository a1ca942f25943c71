import { z } from 'zod';
import { SPEC_LIMITS as L } from './limits.js';

const SAMPLER_HELP = "expected 'shuffle', 'in-order' or { name: with-replacement, samples: <examples per epoch> }";

/**
 * `training.sampler` (train/sampler.ts): the order of each epoch. Absent means `shuffle`, today's seeded
 * per-epoch permutation; it is not written into resolved specs, so older run directories resume as before.
 */
export const samplerSchema = z.union([
  z.enum(['shuffle', 'in-order']),
  z.strictObject({
    name: z.literal('with-replacement'),
    samples: z.number({ error: 'expected a positive integer (draws per epoch)' }).int({ error: 'expected an integer (draws per epoch)' })
      .positive({ error: 'must be > 0 (draws per epoch)' })
      .max(L.examples, { error: `must be ≤ ${L.examples.toLocaleString('en-US')} (draws per epoch; see docs/limits.md)` }),
  }),
], { error: (issue) => (issue.code === 'invalid_union' ? SAMPLER_HELP : undefined) });
