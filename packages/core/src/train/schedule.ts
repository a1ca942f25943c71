import type { ScheduleSpec } from '../spec/recipe.js';

/**
 * The learning rate of epoch `epoch` (1-based) under a schedule, from the base rate `base`
 * (recipe.ts gives each formula). A pure function of the epoch, so a resumed run continues the
 * schedule where it stopped. `epochs` is the run's length (the cosine's default period).
 */
export function scheduledRate(schedule: ScheduleSpec | undefined, base: number, epoch: number, epochs: number): number {
  const e = epoch - 1;
  switch (schedule?.name ?? 'constant') {
    case 'constant':
      return base;
    case 'step': {
      const s = schedule as Extract<ScheduleSpec, { name: 'step' }>;
      return base * s.gamma ** Math.floor(e / s.stepSize);
    }
    case 'exponential':
      return base * (schedule as Extract<ScheduleSpec, { name: 'exponential' }>).gamma ** e;
    case 'cosine': {
      const s = schedule as Extract<ScheduleSpec, { name: 'cosine' }>;
      const period = s.period ?? epochs;
      return s.minRate + ((base - s.minRate) * (1 + Math.cos((Math.PI * e) / period))) / 2;
    }
    case 'piecewise': {
      const s = schedule as Extract<ScheduleSpec, { name: 'piecewise' }>;
      // Boundaries count completed epochs: after boundary b, epoch b + 1 takes the next rate.
      return s.rates[s.boundaries.filter((b) => e >= b).length]!;
    }
  }
  throw new Error(`unknown learning-rate schedule ${JSON.stringify(schedule)}`);
}

/** The rates one epoch trains with: the scheduled rate, and each layer with a base rate of its own scaled alike. */
export interface EpochRates {
  readonly learningRate: number;
  /** Only the layers with their own base rate; the others train at `learningRate`. */
  readonly layers?: Readonly<Record<string, number>>;
}

/** `layerRates`: base rates of the layers that have their own (layers.<name>.learningRate). */
export function epochRates(schedule: ScheduleSpec | undefined, base: number, layerRates: Readonly<Record<string, number>> | undefined, epoch: number, epochs: number): EpochRates {
  const learningRate = scheduledRate(schedule, base, epoch, epochs);
  if (!layerRates || !Object.keys(layerRates).length) return { learningRate };
  // A factor, not η(e)·ηₗ/η₀: under a constant schedule it is exactly 1, so ηₗ is used as written.
  const factor = learningRate / base;
  return { learningRate, layers: Object.fromEntries(Object.entries(layerRates).map(([name, rate]) => [name, rate * factor])) };
}
