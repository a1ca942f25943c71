import { describe, expect, it } from 'vitest';
import { specSchema } from '../spec/schema.js';
import { trainingRecipe } from './recipe.js';
import { epochRates, scheduledRate } from './schedule.js';

const rates = (schedule: Parameters<typeof scheduledRate>[0], base: number, epochs: number) => Array.from({ length: epochs }, (_, i) => scheduledRate(schedule, base, i + 1, epochs));

describe('learning-rate schedules against hand computation', () => {
  it('constant', () => {
    expect(rates(undefined, 0.1, 3)).toEqual([0.1, 0.1, 0.1]);
    expect(rates({ name: 'constant' }, 0.1, 3)).toEqual([0.1, 0.1, 0.1]);
  });

  it('step: aihwkit example 03\'s StepLR(step_size 10, gamma 0.5) halves after epochs 10 and 20', () => {
    const r = rates({ name: 'step', stepSize: 10, gamma: 0.5 }, 0.05, 30);
    expect(r.slice(0, 10).every((v) => v === 0.05)).toBe(true);
    expect(r.slice(10, 20).every((v) => v === 0.025)).toBe(true);
    expect(r.slice(20).every((v) => v === 0.0125)).toBe(true);
  });

  it('exponential', () => {
    const r = rates({ name: 'exponential', gamma: 0.9 }, 1, 4);
    [1, 0.9, 0.81, 0.729].forEach((v, i) => expect(r[i]).toBeCloseTo(v, 12));
  });

  it('cosine: from the base rate at epoch 1 towards minRate over the period', () => {
    // period 4, base 1, min 0.2: 0.2 + 0.8·(1 + cos(π·e/4))/2 for e = 0…4.
    const r = rates({ name: 'cosine', minRate: 0.2, period: 4 }, 1, 5);
    [1, 0.2 + 0.4 * (1 + Math.SQRT1_2), 0.6, 0.2 + 0.4 * (1 - Math.SQRT1_2), 0.2].forEach((v, i) => expect(r[i]).toBeCloseTo(v, 12));
    // The period defaults to the run's epochs.
    expect(rates({ name: 'cosine', minRate: 0 }, 1, 2)).toEqual([1, 0.5]);
  });

  it('piecewise: boundaries count completed epochs (PyTorch MultiStepLR milestones)', () => {
    expect(rates({ name: 'piecewise', boundaries: [2, 3], rates: [0.5, 0.2, 0.1] }, 9, 5)).toEqual([0.5, 0.5, 0.2, 0.1, 0.1]);
  });

  it('scales a layer\'s own base rate by the schedule\'s factor; exactly as written under a constant schedule', () => {
    expect(epochRates(undefined, 0.3, { fc1: 0.4 }, 1, 3)).toEqual({ learningRate: 0.3, layers: { fc1: 0.4 } });
    expect(epochRates({ name: 'step', stepSize: 1, gamma: 0.5 }, 0.2, { fc2: 0.1 }, 3, 3)).toEqual({ learningRate: 0.05, layers: { fc2: 0.025 } });
    expect(epochRates(undefined, 0.3, undefined, 1, 3)).toEqual({ learningRate: 0.3 });
  });

  it('the recipe of a spec fixes a cosine\'s default period to the run\'s epochs (a shorter calibration run keeps it)', () => {
    const spec = specSchema.parse({ training: { epochs: 7, schedule: { name: 'cosine' }, loss: 'squared-error' }, layers: { fc1: { learningRate: 0.4 } } });
    expect(trainingRecipe(spec)).toEqual({ learningRate: 0.1, loss: { name: 'squared-error', outputs: 'sigmoid' }, schedule: { name: 'cosine', minRate: 0, period: 7 }, layerRates: { fc1: 0.4 } });
    expect(trainingRecipe(specSchema.parse({}))).toEqual({ learningRate: 0.1 });
  });
});
