import { Matrix } from '../matrix/matrix.js';
import type { Polarity, ReadDirection, TileGeometry } from '../plugin/types.js';
import type { CrossbarComponents } from './components.js';

/** Effective conductances seen by reads in one direction. */
export interface EffectiveConductance {
  /** G+ − G− after every conductance hook: paddedRows × paddedCols forward, its transpose backward. */
  readonly diff: Matrix;
  /** G+² + G−² in the same layout, computed on first use (read-noise models need it). */
  squared(): Matrix;
}

/**
 * Builds and caches the effective conductance per read direction. Conductance hooks are expensive
 * relative to a read (a wire model touches every cell), so they run only when the stored state has
 * changed since the last build, and once for both directions unless a hook is directional.
 */
export class EffectiveCache {
  private readonly cache = new Map<ReadDirection, EffectiveConductance>();
  private pair: { key: string; plus: Float64Array; minus: Float64Array } | undefined;

  constructor(
    private readonly geometry: TileGeometry,
    private readonly components: CrossbarComponents,
    private readonly state: () => Record<Polarity, Float64Array>,
  ) {}

  invalidate(): void {
    this.cache.clear();
    this.pair = undefined;
  }

  get(direction: ReadDirection): EffectiveConductance {
    let eff = this.cache.get(direction);
    if (!eff) this.cache.set(direction, (eff = this.build(direction)));
    return eff;
  }

  private hooksFor(direction: ReadDirection) {
    return this.components.stack.filter((e) => e.hooks.conductance && e.phases.has(direction));
  }

  private build(direction: ReadDirection): EffectiveConductance {
    const hooks = this.hooksFor(direction);
    const directional = hooks.some((e) => e.hooks.directional);
    const key = directional ? direction : hooks.map((e) => e.name).join('|');
    if (!this.pair || this.pair.key !== key) {
      this.pair = { key, plus: this.apply('plus', direction, hooks), minus: this.apply('minus', direction, hooks) };
    }
    const { plus, minus } = this.pair;
    const { paddedRows: R, paddedCols: C } = this.geometry;
    const transposed = direction === 'backward';
    const diff = transposed ? new Matrix(C, R) : new Matrix(R, C);
    combine(diff.data, plus, minus, R, C, transposed, false);
    let sq: Matrix | undefined;
    return {
      diff,
      squared: () => {
        if (!sq) {
          sq = transposed ? new Matrix(C, R) : new Matrix(R, C);
          combine(sq.data, plus, minus, R, C, transposed, true);
        }
        return sq;
      },
    };
  }

  private apply(polarity: Polarity, direction: ReadDirection, hooks: ReturnType<EffectiveCache['hooksFor']>): Float64Array {
    // Ping-pong between two buffers per polarity, reused across rebuilds (this runs after every
    // update step); the stored state itself is only read.
    const work = this.buffers(polarity, this.state()[polarity].length);
    let src = this.state()[polarity];
    let flip = 0;
    const step = (run: (from: Float64Array, to: Float64Array) => void) => {
      const dst = work[flip]!;
      run(src, dst);
      src = dst;
      flip ^= 1;
    };
    const { device } = this.components;
    if (device.read) step((a, b) => device.read!(a, b));
    for (const e of hooks) step((a, b) => e.hooks.conductance!(a, b, { direction, polarity }));
    return src;
  }

  private readonly work = new Map<Polarity, [Float64Array, Float64Array]>();

  private buffers(polarity: Polarity, n: number): [Float64Array, Float64Array] {
    let w = this.work.get(polarity);
    if (!w || w[0].length !== n) this.work.set(polarity, (w = [new Float64Array(n), new Float64Array(n)]));
    return w;
  }
}

/** Writes G+ − G− (or G+² + G−²) into `out`, transposed for backward reads so each tile column block is contiguous. */
function combine(out: Float32Array, plus: Float64Array, minus: Float64Array, R: number, C: number, transposed: boolean, squared: boolean): void {
  const n = R * C;
  if (!transposed && !squared) {
    for (let k = 0; k < n; k++) out[k] = plus[k]! - minus[k]!;
  } else if (!transposed) {
    for (let k = 0; k < n; k++) out[k] = plus[k]! * plus[k]! + minus[k]! * minus[k]!;
  } else {
    for (let i = 0; i < R; i++) {
      for (let j = 0; j < C; j++) {
        const p = plus[i * C + j]!;
        const m = minus[i * C + j]!;
        out[j * R + i] = squared ? p * p + m * m : p - m;
      }
    }
  }
}
