import { kernels, type ReadChain } from '../kernels/elementwise.js';
import { Matrix } from '../matrix/matrix.js';
import type { ActiveCells, ConductanceContext, DeviceModel, Polarity, ReadDirection, TileGeometry } from '../plugin/types.js';
import type { CrossbarComponents, StackEntry } from './components.js';
import { listedCombine } from './listed.js';

/** Effective conductances seen by reads in one direction. */
export interface EffectiveConductance {
  /**
   * G+ − G− after every conductance hook: paddedRows × paddedCols forward, its transpose backward. Read per
   * slice, the slices' arrays sit side by side along the output (slice-major): paddedRows × slices·paddedCols.
   */
  readonly diff: Matrix;
  /** G+² + G−² in the same layout, computed on first use (read-noise models need it). */
  squared(): Matrix;
  /** Present when each slice is sensed separately: the shift-and-add weight of each slice's outputs. */
  readonly sliceWeights?: readonly number[];
}

/**
 * Whether a device's slices must be read separately in this direction: only when something between the
 * array and the digital sum is not linear and exact (an ADC, a sense amplifier, an output hook) or a
 * conductance hook could treat each slice's cells differently. Otherwise Σ_s w_s·(v·G_s) = v·Σ_s w_s·G_s,
 * and one read of the combined conductance is exactly equal and `slices` times cheaper.
 */
export function readsPerSlice(components: CrossbarComponents, direction: ReadDirection): boolean {
  const { device, read, stack } = components;
  if (!device.slices || device.slices.count < 2) return false;
  const { adc, senseAmp } = read[direction];
  const hooked = stack.some((e) => (e.hooks.output || e.hooks.conductance) && e.phases.has(direction));
  return !(adc.exact && senseAmp.exact) || hooked;
}

/** One built direction of the cache. */
interface Built {
  readonly direction: ReadDirection;
  /** Combined from the stored state itself (no device read or conductance hook between). */
  readonly direct: boolean;
  readonly diff: Matrix;
  squared?: Matrix;
}

/**
 * Builds and caches the effective conductance per read direction. Conductance hooks are expensive
 * relative to a read (a wire model touches every cell), so they run only when the stored state has
 * changed since the last build, and once for both directions unless a hook is directional.
 */
export class EffectiveCache {
  private readonly cache = new Map<ReadDirection, EffectiveConductance>();
  /** The read conductance of each polarity after the hooks: one array, or one per slice. */
  private pair: { key: string; plus: Float64Array[]; minus: Float64Array[] } | undefined;

  /**
   * Run a device read and conductance hooks that all describe themselves (`fusedRead`, `fusedConductance`)
   * as one fused kernel (default); false runs each in turn: the reference the fused read is tested against
   * (bit-identical).
   */
  fused = true;

  constructor(
    private readonly geometry: TileGeometry,
    private readonly components: CrossbarComponents,
    private readonly state: () => Record<Polarity, Float64Array>,
  ) {}

  invalidate(): void {
    this.cache.clear();
    this.built.clear();
    this.pair = undefined;
    this.direct = false;
    this.fusedForward = undefined;
  }

  /** G+ − G− (forward layout) formed by readCombine since the last change, when the fused path applies. */
  private fusedForward: Matrix | undefined;

  /**
   * The stored state changed at the listed cells only. When the reads see the state itself (no device read,
   * no conductance hook, one array per polarity) the built directions are patched there: G+ − G− (and
   * G+² + G−² where built) of those cells, with the combine kernel's rounding, so the result is the full
   * rebuild's bit for bit. Otherwise the cache is dropped and rebuilt on the next read.
   */
  patch(cells: ActiveCells): void {
    if (!this.pair || [...this.built.values()].some((b) => !b.direct)) {
      this.invalidate();
      return;
    }
    const plus = this.pair.plus[0]!;
    const minus = this.components.reference?.subtract === 'digital' ? this.zeros() : this.pair.minus[0]!;
    const { paddedRows: R, paddedCols: C } = this.geometry;
    for (const built of this.built.values()) {
      const transposed = built.direction === 'backward';
      listedCombine(built.diff.data, plus, minus, cells, R, C, transposed, false);
      if (built.squared) listedCombine(built.squared.data, plus, minus, cells, R, C, transposed, true);
    }
  }

  /** Whether the pair read is the stored state itself (set when the pair is built). */
  private direct = false;
  /** The combined matrices of each built direction (cache entries) and whether they read the state itself, for `patch`. */
  private readonly built = new Map<ReadDirection, Built>();

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
    const sliced = readsPerSlice(this.components, direction);
    const key = (sliced ? 'sliced:' : '') + (directional ? direction : hooks.map((e) => e.name).join('|'));
    const transposed = direction === 'backward';
    const fused = !sliced && !directional && (!this.pair || this.pair.key !== key) ? this.fusedDiff(hooks) : undefined;
    if (fused) {
      // The backward layout is the forward one transposed: each cell's f32 G+ − G− is the same either way.
      let diff = fused;
      if (transposed) kernels.transpose(fused.data, (diff = this.matrix('backward/diff', true, 1)).data, fused.rows, fused.cols);
      const built: Built = { direction, direct: false, diff };
      this.built.set(direction, built);
      return {
        diff,
        squared: () => {
          if (built.squared) return built.squared;
          const pair = this.pairFor(key, direction, hooks, false);
          const sq = this.matrix(`${direction}/squared`, transposed, 1);
          this.combine(sq, pair.plus, pair.minus, transposed, true);
          return (built.squared = sq);
        },
      };
    }
    const pair = this.pairFor(key, direction, hooks, sliced);
    const { plus } = pair;
    // Digital subtraction reads the weight column alone (the reference column is sensed on its own).
    const minus = this.components.reference?.subtract === 'digital' ? [this.zeros()] : pair.minus;
    const diff = this.matrix(`${direction}/diff`, transposed, plus.length);
    this.combine(diff, plus, minus, transposed, false);
    const built: Built = { direction, direct: this.direct, diff };
    this.built.set(direction, built);
    return {
      diff,
      squared: () => {
        if (built.squared) return built.squared;
        const sq = this.matrix(`${direction}/squared`, transposed, plus.length);
        this.combine(sq, plus, minus, transposed, true);
        return (built.squared = sq);
      },
      ...(sliced ? { sliceWeights: this.components.device.slices!.weights } : {}),
    };
  }

  /** The read conductance of each polarity under `key`, built when the state or the key changed. */
  private pairFor(key: string, direction: ReadDirection, hooks: ReturnType<EffectiveCache['hooksFor']>, sliced: boolean): { plus: Float64Array[]; minus: Float64Array[] } {
    if (!this.pair || this.pair.key !== key) {
      const pair = (polarity: Polarity) => sliced ? this.applySliced(key, polarity, direction, hooks) : [this.apply(key, polarity, direction, hooks)];
      this.pair = { key, plus: pair('plus'), minus: pair('minus') };
      const state = this.state();
      this.direct = this.pair.plus.length === 1 && this.pair.plus[0] === state.plus && this.pair.minus[0] === state.minus;
    }
    return this.pair;
  }

  /**
   * G+ − G− in the forward layout straight from the stored state, when both polarities' reads are one fused
   * read chain each (and the pair is a plain pair: no reference column): kernels.readCombine forms it in one
   * pass without storing either effective conductance, the same bits as both chains then combine. Formed
   * once per change of the state for both directions; undefined where the pair must be built.
   */
  private fusedDiff(hooks: ReturnType<EffectiveCache['hooksFor']>): Matrix | undefined {
    if (this.fusedForward) return this.fusedForward;
    if (!this.fused || this.components.scheme === 'reference-column') return undefined;
    const { device } = this.components;
    const levels = device.read ? device.fusedRead : null;
    // The hooks are not directional here, so the forward context describes both directions.
    const plus = readChain(levels, hooks, { direction: 'forward', polarity: 'plus' });
    const minus = readChain(levels, hooks, { direction: 'forward', polarity: 'minus' });
    if (!plus || !minus) return undefined;
    const diff = this.matrix('forward/diff', false, 1);
    const state = this.state();
    kernels.readCombine(diff.data, state.plus, state.minus, plus, minus);
    return (this.fusedForward = diff);
  }

  /** Combines each slice's pair and places it at its slice offset along the output dimension. */
  private combine(out: Matrix, plus: Float64Array[], minus: Float64Array[], transposed: boolean, squared: boolean): void {
    const { paddedRows: R, paddedCols: C } = this.geometry;
    if (plus.length === 1) {
      kernels.combine(out.data, plus[0]!, minus[0]!, R, C, transposed, squared);
      return;
    }
    const one = this.matrix(`slice/${transposed}/${squared}`, transposed, 1).data;
    const n = transposed ? C : R;
    const m = transposed ? R : C;
    const stride = m * plus.length;
    plus.forEach((p, s) => {
      kernels.combine(one, p, minus[s]!, R, C, transposed, squared);
      for (let i = 0; i < n; i++) out.data.set(one.subarray(i * m, (i + 1) * m), i * stride + s * m);
    });
  }

  // Output matrices are reused across rebuilds: a rebuild follows every update step, and a fresh
  // layer-sized allocation each time mostly feeds the garbage collector.
  private readonly matrices = new Map<string, Matrix>();

  private matrix(key: string, transposed: boolean, slices: number): Matrix {
    let m = this.matrices.get(key);
    const { paddedRows: R, paddedCols: C } = this.geometry;
    if (!m || m.data.length !== R * C * slices) {
      const data = kernels.float32(R * C * slices);
      this.matrices.set(key, (m = transposed ? new Matrix(C, R * slices, data) : new Matrix(R, C * slices, data)));
    }
    return m;
  }

  private zeroArray: Float64Array | undefined;

  private zeros(): Float64Array {
    return (this.zeroArray ??= kernels.float64(this.state().minus.length).fill(0));
  }

  private apply(key: string, polarity: Polarity, direction: ReadDirection, hooks: ReturnType<EffectiveCache['hooksFor']>): Float64Array {
    // The reference column's cells are read as their nominal conductance (docs/recipes-crossbar.md).
    if (polarity === 'minus' && this.components.scheme === 'reference-column') return this.state().minus;
    // Ping-pong between two buffers per pair key and polarity, reused across rebuilds (this runs after
    // every update step); the stored state itself is only read. Directional stacks get their own
    // buffers per direction, so one direction's rebuild never overwrites the other's result.
    const work = this.buffers(`${key}/${polarity}`, this.state()[polarity].length);
    const { device } = this.components;
    const ctx: ConductanceContext = { direction, polarity };
    const chain = this.fused ? readChain(device.read ? device.fusedRead : null, hooks, ctx) : undefined;
    if (chain) {
      kernels.readChain(this.state()[polarity], work[0], chain);
      return work[0];
    }
    const read = device.read ? (a: Float64Array, b: Float64Array) => device.read!(a, b, { polarity }) : undefined;
    return this.hooked(this.state()[polarity], work, hooks, read, ctx);
  }

  /**
   * Each slice is its own array of physical devices: the device reads the stored state as slice digits,
   * then the conductance hooks see each slice array as they would a whole layer's array.
   */
  private applySliced(key: string, polarity: Polarity, direction: ReadDirection, hooks: ReturnType<EffectiveCache['hooksFor']>): Float64Array[] {
    const n = this.state()[polarity].length;
    const slices = this.components.device.slices!;
    const digits = Array.from({ length: slices.count }, (_, s) => this.buffers(`${key}/${polarity}/digits`, n, s)[0]);
    slices.read(this.state()[polarity], digits, { polarity });
    return digits.map((d, s) => this.hooked(d, this.buffers(`${key}/${polarity}/${s}`, n), hooks, undefined, { direction, polarity, slice: s }));
  }

  private hooked(
    src: Float64Array, work: [Float64Array, Float64Array], hooks: ReturnType<EffectiveCache['hooksFor']>,
    first: ((from: Float64Array, to: Float64Array) => void) | undefined, ctx: ConductanceContext,
  ): Float64Array {
    let flip = 0;
    const step = (run: (from: Float64Array, to: Float64Array) => void) => {
      const dst = work[flip]!;
      run(src, dst);
      src = dst;
      flip ^= 1;
    };
    if (first) step(first);
    for (const e of hooks) step((a, b) => e.hooks.conductance!(a, b, ctx));
    return src;
  }

  private readonly work = new Map<string, [Float64Array, Float64Array]>();

  private buffers(key: string, n: number, index = 0): [Float64Array, Float64Array] {
    if (index) key = `${key}#${index}`;
    let w = this.work.get(key);
    // In the kernels' memory, so the device read, conductance hooks and combine run on them without copies.
    if (!w) this.work.set(key, (w = [kernels.float64(n), kernels.float64(n)]));
    return w;
  }
}

/**
 * The device read and conductance hooks as one kernels.readChain, or undefined when one of them does not
 * describe itself (`levels` undefined: the device reads without describing it; null: it has no read) or
 * they do not come in the kernel's order (factors before series resistance, each at most once).
 */
function readChain(levels: DeviceModel['fusedRead'] | null, hooks: readonly StackEntry[], ctx: ConductanceContext): ReadChain | undefined {
  if (levels === undefined) return undefined;
  let factors: Float64Array | undefined;
  let resistance: Float64Array | undefined;
  for (const e of hooks) {
    const stage = e.hooks.fusedConductance?.(ctx);
    if (!stage) return undefined;
    if (stage.kind === 'identity') continue;
    if (stage.kind === 'multiply') {
      if (factors || resistance) return undefined;
      factors = stage.factors;
    } else {
      if (resistance) return undefined;
      resistance = stage.resistance;
    }
  }
  // Nothing to do: the plain path reads the stored state itself, without a copy.
  if (!levels && !factors && !resistance) return undefined;
  return { ...(levels ? { levels } : {}), ...(factors ? { factors } : {}), ...(resistance ? { resistance } : {}) };
}
