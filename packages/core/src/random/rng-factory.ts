import { inject, injectable, type InjectionToken } from '../di.js';
import { Rng, type RngState } from './rng.js';

export const MASTER_SEED: InjectionToken<number | string> = Symbol.for('txsim.master-seed');

/** Every stream a factory handed out: its path key, then the states of its streams in creation order. */
export type RngFactoryState = Readonly<Record<string, readonly RngState[]>>;

/**
 * Forks independent streams by path, e.g. stream('fc1', 'tile', 'write-noise'). A stream depends only
 * on the master seed and its path, never on creation order, so adding a plugin cannot shift another
 * plugin's draws.
 */
@injectable()
export class RngFactory {
  // Streams handed out, per path: asking twice for a path gives two independent objects (both start
  // from the same state), so a checkpoint keeps each one's position, in the order they were made.
  readonly #streams = new Map<string, Rng[]>();

  constructor(@inject(MASTER_SEED) readonly seed: number | string) {}

  stream(...path: Array<string | number>): Rng {
    const key = [String(this.seed), ...path.map(String)].join('/');
    const rng = new Rng(key);
    const list = this.#streams.get(key);
    if (list) list.push(rng);
    else this.#streams.set(key, [rng]);
    return rng;
  }

  /** The state of every stream handed out so far (plain JSON). */
  snapshot(): RngFactoryState {
    const out: Record<string, RngState[]> = {};
    for (const [key, list] of this.#streams) out[key] = list.map((r) => r.snapshot());
    return out;
  }

  /**
   * Restores the streams this factory has handed out from a snapshot of a factory that made them in
   * the same order (a rebuilt network does). Streams the snapshot lacks keep their state; snapshot
   * entries with no stream here yet (e.g. a past epoch's shuffle) are ignored.
   */
  restore(state: RngFactoryState): void {
    for (const [key, list] of this.#streams) {
      const saved = state[key];
      if (!saved) continue;
      list.forEach((rng, i) => {
        if (saved[i]) rng.restore(saved[i]);
      });
    }
  }
}
