import type { ComputeBackend } from '../matrix/backend.js';
import { kernels } from '../kernels/elementwise.js';
import { assertShape, Matrix } from '../matrix/matrix.js';
import type { Polarity, SnapshotHooks, TileGeometry } from '../plugin/types.js';
import type { CrossbarComponents } from './components.js';
import { emptyActivity, type ActivityCounts, type LayerActivity } from './counters.js';
import { EffectiveCache } from './effective.js';
import { readWithBoundManagement } from './bound-management.js';
import { readLayer, type ReadOptions } from './read-pipeline.js';
import { Scratch } from './scratch.js';
import { updateConductances } from './update-pipeline.js';

/** What a checkpoint keeps of a crossbar besides its conductances: activity counts and plugin closure state. */
export interface CrossbarState {
  readonly activity: LayerActivity;
  /** `snapshot()` of each plugin instance that has one, keyed by slot ('device', 'forward/adc', 'stack/1/wire-circuit', …). */
  readonly plugins: Readonly<Record<string, unknown>>;
}

/**
 * Work buffers of reads, shared by every tile in the process: a read uses them only while it runs and
 * reads never nest, so one set sized for the largest layer serves all. (One set per tile held ~1.7 GB for
 * ResNet-20 at batch 32 with the TxSim preset, and a second such network in the same process overflowed
 * the kernels' 4 GiB memory.) Update buffers stay per tile: some carry state from one step to the next.
 */
const readScratch = new Scratch();

/**
 * A layer's weight matrix held as conductances on a grid of crossbar tiles, as a differential pair
 * with s = (gmax − gmin)/wMax siemens per weight unit, so |w| ≤ wMax fits. The mid-range mapping puts
 * w at G± = gmid ± w·s/2 (both devices can move either way); the sign-split mapping (TxSim's positive
 * and negative arrays) at G+ = gmin + max(w, 0)·s, G− = gmin + max(−w, 0)·s. The stored state is the device's high-precision ("ideal") conductance; reads see it
 * through the device's read model and the non-ideality stack.
 */
export class TiledCrossbar {
  readonly activity: LayerActivity = emptyActivity();
  /** Siemens of differential conductance per unit of weight. */
  readonly siemensPerWeight: number;
  private readonly state: Record<Polarity, Float64Array>;
  private readonly effective: EffectiveCache;
  private readonly scratch = new Scratch();

  constructor(
    readonly name: string,
    readonly geometry: TileGeometry,
    readonly components: CrossbarComponents,
    private readonly backend: ComputeBackend,
    initialWeights: Matrix,
  ) {
    const { device, wMax } = components;
    if (!(wMax > 0) || !Number.isFinite(wMax)) throw new RangeError(`${name}: wMax must be a positive finite number, got ${wMax}`);
    if (!(device.gmax > device.gmin)) throw new RangeError(`${name}: device gmax (${device.gmax}) must exceed gmin (${device.gmin})`);
    const ref = components.scheme === 'reference-column' ? components.reference : undefined;
    if (components.scheme === 'reference-column') {
      if (!ref) throw new RangeError(`${name}: the reference-column mapping needs its reference`);
      if (!(ref.conductance >= device.gmin && ref.conductance <= device.gmax)) {
        throw new RangeError(`${name}: mapping.reference.conductance ${ref.conductance} S lies outside the device range [${device.gmin}, ${device.gmax}] S`);
      }
      if (device.slices && device.slices.count > 1) throw new RangeError(`${name}: the reference-column mapping does not support devices sensed in slices`);
    }
    // One device spans 2·wMax under reference-column (aihwkit's single device with bounds ±wMax); the
    // pair's difference spans it otherwise.
    this.siemensPerWeight = (device.gmax - device.gmin) / (ref ? 2 * wMax : wMax);
    const n = geometry.paddedRows * geometry.paddedCols;
    // In the element-wise kernels' memory, so update and read kernels use the stored state without copies.
    this.state = { plus: kernels.float64(n), minus: kernels.float64(n) };
    this.effective = new EffectiveCache(geometry, components, () => this.state);
    this.program(initialWeights);
  }

  /** Writes weights directly (no update non-idealities), clipping to ±wMax (to the device range under reference-column). */
  program(weights: Matrix): void {
    const { rows, cols, paddedCols } = this.geometry;
    assertShape(weights, rows, cols, `${this.name}.program`);
    const { gmin, gmax } = this.components.device;
    const wMax = this.components.wMax;
    const ref = this.components.reference;
    if (this.components.scheme === 'reference-column' && ref) {
      this.programReferenced(weights, ref.conductance);
      return;
    }
    const split = this.components.scheme === 'sign-split';
    const base = split ? gmin : (gmin + gmax) / 2;
    const s = split ? this.siemensPerWeight : this.siemensPerWeight / 2;
    this.state.plus.fill(base);
    this.state.minus.fill(base);
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) {
        const w = Math.max(-wMax, Math.min(wMax, weights.data[i * cols + j]!));
        const k = i * paddedCols + j;
        if (split) {
          this.state.plus[k] = base + Math.max(w, 0) * s;
          this.state.minus[k] = base + Math.max(-w, 0) * s;
        } else {
          this.state.plus[k] = base + w * s;
          this.state.minus[k] = base - w * s;
        }
      }
    }
    this.effective.invalidate();
  }

  /**
   * reference-column: G = gref + w·s on the one device, clipped to [gmin, gmax]; G− holds the reference
   * (every cell at gref, padding included, so the padding reads zero).
   */
  private programReferenced(weights: Matrix, gref: number): void {
    const { rows, cols, paddedCols } = this.geometry;
    const { gmin, gmax } = this.components.device;
    const s = this.siemensPerWeight;
    this.state.plus.fill(gref);
    this.state.minus.fill(gref);
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) {
        this.state.plus[i * paddedCols + j] = Math.max(gmin, Math.min(gmax, gref + weights.data[i * cols + j]! * s));
      }
    }
    this.effective.invalidate();
  }

  /**
   * Whether the common update and read stacks run as fused kernels (default true); false runs every hook
   * in turn, the reference the fused kernels are tested against (the results are bit-identical).
   */
  get fused(): boolean {
    return this.effective.fused;
  }

  set fused(on: boolean) {
    this.effective.fused = on;
    this.effective.invalidate();
  }

  /**
   * Whether a sparse pulse update works on its changed cells only (default true): the rule writes only the
   * cells it lists and the reads are patched there. false clears and rebuilds whole arrays: the reference
   * the sparse path is tested against (the results are bit-identical).
   */
  sparse = true;

  /** The weights the stored (ideal) conductances represent, (G+ − G−)/s. */
  weights(): Matrix {
    const { rows, cols, paddedCols } = this.geometry;
    const w = new Matrix(rows, cols);
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) {
        const k = i * paddedCols + j;
        w.data[i * cols + j] = (this.state.plus[k]! - this.state.minus[k]!) / this.siemensPerWeight;
      }
    }
    return w;
  }

  /** A copy of one device array of the pair (paddedRows × paddedCols, siemens). */
  conductances(polarity: Polarity): Float64Array {
    return this.state[polarity].slice();
  }

  /** Replaces the stored conductances (checkpoint restore). */
  restore(plus: Float64Array, minus: Float64Array): void {
    this.state.plus.set(plus);
    this.state.minus.set(minus);
    this.effective.invalidate();
  }

  /**
   * Activity counts and every plugin's closure state, as plain JSON (the conductances are
   * `conductances()`). A checkpoint is a synchronisation point: the effective-conductance cache is
   * dropped here as it is on restore, so an uninterrupted run rebuilds it exactly where a resumed one
   * must (a rebuild can advance plugin state, e.g. wire-circuit's interpolation counters).
   */
  snapshot(): CrossbarState {
    const plugins: Record<string, unknown> = {};
    for (const [key, hooks] of this.pluginInstances()) if (hooks.snapshot) plugins[key] = hooks.snapshot();
    this.effective.invalidate();
    return { activity: structuredClone(this.activity), plugins };
  }

  /** Takes over a `snapshot()` of a crossbar built from the same plan. */
  restoreState(state: CrossbarState): void {
    for (const phase of Object.keys(this.activity) as Array<keyof LayerActivity>) {
      Object.assign(this.activity[phase], state.activity[phase] as ActivityCounts);
    }
    for (const [key, hooks] of this.pluginInstances()) {
      if (!(key in state.plugins)) continue;
      if (!hooks.restore) throw new Error(`${this.name}: checkpoint holds state for ${key}, which cannot restore it`);
      hooks.restore(state.plugins[key]);
    }
    this.effective.invalidate();
  }

  private pluginInstances(): Array<[string, SnapshotHooks]> {
    const { device, updateRule, read, stack } = this.components;
    const out: Array<[string, SnapshotHooks]> = [['device', device], ['update-rule', updateRule]];
    for (const dir of ['forward', 'backward'] as const) {
      out.push([`${dir}/dac`, read[dir].dac], [`${dir}/sense-amp`, read[dir].senseAmp], [`${dir}/adc`, read[dir].adc]);
    }
    stack.forEach((e, i) => out.push([`stack/${i}/${e.name}`, e.hooks]));
    return out;
  }

  /**
   * x (batch × rows) → x·W through the array, as the hardware would compute it. Written into `out`
   * (batch × cols) when given, else into a fresh matrix: a layer passes a buffer it reuses across steps, and
   * owns its lifetime (the crossbar keeps no reference to it).
   */
  forward(x: Matrix, out?: Matrix): Matrix {
    const read = (input: Matrix, options: ReadOptions = {}) =>
      readLayer('forward', input, this.geometry, this.components, this.effective.get('forward'), this.backend, readScratch, this.activity.forward, 1 / this.siemensPerWeight, options);
    const bm = this.components.boundManagement;
    // As in aihwkit, bound management acts on forward reads only.
    return bm ? readWithBoundManagement(read, x, bm.maxHalvings, this.scratch, out) : read(x, out ? { out } : {});
  }

  /** δ (batch × cols) → δ·Wᵀ through the array, into `out` (batch × rows) when given, as `forward`. */
  backward(delta: Matrix, out?: Matrix): Matrix {
    return readLayer('backward', delta, this.geometry, this.components, this.effective.get('backward'), this.backend, readScratch, this.activity.backward, 1 / this.siemensPerWeight, out ? { out } : {});
  }

  /**
   * Applies W ← W − lr·grad through the update rule, the device and the update non-idealities.
   * `x` (batch × rows) and `d` (batch × cols) are the input and error the gradient was formed from
   * (grad = xᵀ·d); pulse-train update rules work from them rather than from the gradient. `grad` may be
   * a function giving it: it is then called only if the update rule reads the gradient.
   */
  update(grad: Matrix | (() => Matrix), learningRate: number, x: Matrix, d: Matrix): void {
    const { rows, cols, paddedRows, paddedCols } = this.geometry;
    if (typeof grad !== 'function') assertShape(grad, rows, cols, `${this.name}.update`);
    if (x.cols !== rows || d.cols !== cols || x.rows !== d.rows) {
      throw new RangeError(`${this.name}.update: x is ${x.rows}×${x.cols} and d is ${d.rows}×${d.cols}; expected batch×${rows} and batch×${cols}`);
    }
    // The padded gradient is formed when the update rule first reads it (pulse-train rules work from x
    // and d and never do): a function `grad` is only called then.
    let padded: Float32Array | undefined;
    const gradient = () => {
      if (padded) return padded;
      const g = typeof grad === 'function' ? grad() : grad;
      assertShape(g, rows, cols, `${this.name}.update`);
      if (rows === paddedRows && cols === paddedCols) return (padded = g.data);
      // Only the layer's own block is written here, so the padding keeps the zeros the buffer was
      // allocated with (this tile is its only user): no fill per step.
      padded = this.scratch.float32('grad', paddedRows * paddedCols);
      if (cols === paddedCols) padded.set(g.data);
      else for (let i = 0; i < rows; i++) padded.set(g.data.subarray(i * cols, (i + 1) * cols), i * paddedCols);
      return padded;
    };
    const step = {
      get grad() {
        return gradient();
      },
      x, d, learningRate, siemensPerWeight: this.siemensPerWeight, geometry: this.geometry,
    };
    const changed = updateConductances(step, this.state, this.components, this.scratch, this.activity.update, { fused: this.effective.fused, sparse: this.sparse });
    // A sparse pulse update lists the cells it changed: only those are rebuilt for the next reads.
    if (changed) this.effective.patch(changed);
    else this.effective.invalidate();
  }

  /** Resets every device through the device's `reset` (aihwkit's reset_weights); an error if it has none. */
  resetDevices(): void {
    const { device } = this.components;
    if (!device.reset) throw new Error(`${this.name}: the device has no reset model`);
    device.reset(this.state.plus, { polarity: 'plus' });
    if (this.components.scheme !== 'reference-column') device.reset(this.state.minus, { polarity: 'minus' });
    this.effective.invalidate();
  }
}
