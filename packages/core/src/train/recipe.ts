import type { ParsedSpec } from '../spec/schema.js';
import type { TrainOptions } from './trainer.js';

/**
 * What a spec says about how to train, as trainer options: the base rate, the loss, the schedule and
 * the layers with a base rate of their own. The run and its calibration run both take it from here.
 */
export function trainingRecipe(spec: Pick<ParsedSpec, 'training' | 'layers'>): Pick<TrainOptions, 'learningRate' | 'loss' | 'schedule' | 'layerRates'> {
  const schedule = spec.training.schedule;
  const own = Object.entries(spec.layers).filter(([, o]) => o.learningRate !== undefined).map(([name, o]) => [name, o.learningRate!] as const);
  return {
    learningRate: spec.training.learningRate,
    ...(spec.training.loss ? { loss: spec.training.loss } : {}),
    // A cosine's default period is the run's length, fixed here so a shorter run (calibration) keeps it.
    ...(schedule ? { schedule: schedule.name === 'cosine' ? { ...schedule, period: schedule.period ?? spec.training.epochs } : schedule } : {}),
    ...(own.length ? { layerRates: Object.fromEntries(own) } : {}),
  };
}
