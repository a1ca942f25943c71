import { kernels } from '../kernels/elementwise.js';
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
      this.pair = { key, plus: this.apply(key, 'plus', direction, hooks), minus: this.apply(key, 'minus', direction, hooks) };
    }
    const { plus, minus } = this.pair;
    const { paddedRows: R, paddedCols: C } = this.geometry;
    const transposed = direction === 'backward';
    const diff = this.matrix(`${direction}/diff`, transposed);
    kernels.combine(diff.data, plus, minus, R, C, transposed, false);
    let squaredDone = false;
    return {
      diff,
      squared: () => {
        const sq = this.matrix(`${direction}/squared`, transposed);
        if (!squaredDone) kernels.combine(sq.data, plus, minus, R, C, transposed, true);
        squaredDone = true;
        return sq;
      },
    };
  }

  // Output matrices are reused across rebuilds: a rebuild follows every update step, and a fresh
  // layer-sized allocation each time mostly feeds the garbage collector.
  private readonly matrices = new Map<string, Matrix>();

  private matrix(key: string, transposed: boolean): Matrix {
    let m = this.matrices.get(key);
    if (!m) {
      const { paddedRows: R, paddedCols: C } = this.geometry;
      this.matrices.set(key, (m = transposed ? new Matrix(C, R, kernels.float32(R * C)) : new Matrix(R, C, kernels.float32(R * C))));
    }
    return m;
  }

  private apply(key: string, polarity: Polarity, direction: ReadDirection, hooks: ReturnType<EffectiveCache['hooksFor']>): Float64Array {
    // Ping-pong between two buffers per pair key and polarity, reused across rebuilds (this runs after
    // every update step); the stored state itself is only read. Directional stacks get their own
    // buffers per direction, so one direction's rebuild never overwrites the other's result.
    const work = this.buffers(`${key}/${polarity}`, this.state()[polarity].length);
    let src = this.state()[polarity];
    let flip = 0;
    const step = (run: (from: Float64Array, to: Float64Array) => void) => {
      const dst = work[flip]!;
      run(src, dst);
      src = dst;
      flip ^= 1;
    };
    const { device } = this.components;
    if (device.read) step((a, b) => device.read!(a, b, { polarity }));
    for (const e of hooks) step((a, b) => e.hooks.conductance!(a, b, { direction, polarity }));
    return src;
  }

  private readonly work = new Map<string, [Float64Array, Float64Array]>();

  private buffers(key: string, n: number): [Float64Array, Float64Array] {
    let w = this.work.get(key);
    // In the kernels' memory, so the device read, conductance hooks and combine run on them without copies.
    if (!w) this.work.set(key, (w = [kernels.float64(n), kernels.float64(n)]));
    return w;
  }
}
