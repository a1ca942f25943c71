import { inject, injectable, type InjectionToken } from '../di.js';
import { Rng } from './rng.js';

export const MASTER_SEED: InjectionToken<number | string> = Symbol.for('txsim.master-seed');

/**
 * Forks independent streams by path, e.g. stream('fc1', 'tile', 'write-noise'). A stream depends only
 * on the master seed and its path, never on creation order, so adding a plugin cannot shift another
 * plugin's draws.
 */
@injectable()
export class RngFactory {
  constructor(@inject(MASTER_SEED) readonly seed: number | string) {}

  stream(...path: Array<string | number>): Rng {
    return new Rng([String(this.seed), ...path.map(String)].join('/'));
  }
}
