import { existsSync, readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

// Both src/kernels/ (vitest) and dist/kernels/ (compiled) sit two levels below the package root.
const URL_SIMD = new URL('../../build/elementwise-simd.wasm', import.meta.url);
const PAGE = 65536;
const ALIGN = 64;
const MAX_PAGES = 65536; // wasm32: 4 GiB, reserved but not committed
// Past this much memory, growing first reclaims blocks whose views are garbage (see reclaim()), and again
// after every further RECLAIM_STEP of growth.
const RECLAIM_FROM = 1 << 30;
const RECLAIM_STEP = 256 << 20;

export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Memory: new (d: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: unknown };
  validate(bytes: Uint8Array): boolean;
}

/** The exports of packages/core/assembly/elementwise.ts; every address is a byte offset into `memory`. */
export interface ElementwiseExports {
  readonly memory: WasmMemory;
  arenaBase(): number;
  normalsF32(state: number, out: number, n: number): void;
  fillNormal(state: number, out: number, n: number, mean: number, std: number): void;
  writeNoise(state: number, d: number, out: number, n: number, scale: number, range: number, tmp: number): void;
  updateChain(state: number, d: number, g: number, n: number, f: number, nonlinear: number, gmin: number, gmax: number, w0: number, k: number,
    noisy: number, scale: number, range: number, lo: number, hi: number, tmp: number): void;
  readChain(src: number, out: number, n: number, quantise: number, gmin: number, step: number, inv: number, steps: number, f: number, r: number): void;
  readCombine(plus: number, minus: number, out: number, n: number, quantise: number, gmin: number, step: number, inv: number, steps: number,
    fp: number, fm: number, rp: number, rm: number): void;
  transposeRows(src: number, dst: number, rows: number, cols: number, i0: number, i1: number): void;
  updatePrepare(d: number, g: number, u: number, n: number, f: number, nonlinear: number, gmin: number, gmax: number, w0: number, k: number): number;
  jumpRounds(state: number, table: number, rounds: number): void;
  updateApply(state: number, table: number, prefix: number, used: number, u: number, g: number, n: number, scale: number, range: number,
    lo: number, hi: number, tmp: number): void;
  scale(src: number, out: number, n: number, f: number): void;
  addClip(g: number, d: number, out: number, n: number, lo: number, hi: number): void;
  stepClip(g: number, want: number, n: number, f: number, lo: number, hi: number): void;
  signSplit(p: number, m: number, want: number, outP: number, outM: number, n: number): void;
  splitPrepare(p: number, m: number, want: number, uP: number, uM: number, n: number, f: number, nonlinear: number, gmin: number, gmax: number,
    w0: number, k: number, counts: number): void;
  splitApply(p: number, m: number, uP: number, uM: number, n: number, noise: number, scale: number, range: number, lo: number, hi: number,
    xiP: number, xiM: number, offsets: number): void;
  updateNonlinearity(d: number, g: number, out: number, n: number, gmin: number, gmax: number, w0: number, k: number): void;
  levels(src: number, out: number, n: number, gmin: number, step: number, inv: number, steps: number): void;
  multiply(src: number, f: number, out: number, n: number): void;
  series(src: number, r: number, out: number, n: number): void;
  combine(plus: number, minus: number, out: number, rows: number, cols: number, transposed: number, squared: number): void;
  combineRows(plus: number, minus: number, out: number, rows: number, cols: number, transposed: number, squared: number, i0: number, i1: number): void;
  countNonzero(src: number, n: number): number;
  gather(src: number, dst: number, batch: number, srcWidth: number, start: number, used: number, lines: number): void;
  im2col(x: number, out: number, batch: number, channels: number, height: number, width: number, k: number, stride: number, pad: number, outH: number, outW: number): void;
  col2im(cols: number, out: number, batch: number, channels: number, height: number, width: number, k: number, stride: number, pad: number, outH: number, outW: number): void;
  accumulate(acc: number, cur: number, scales: number, batch: number, width: number, accWidth: number, fresh: number): void;
  narrow(acc: number, out: number, batch: number, width: number, outWidth: number, f: number): void;
  accumulateNarrow(cur: number, scales: number, out: number, batch: number, width: number, outWidth: number, f: number): void;
  widen(src: number, out: number, n: number, f: number): void;
  biasAdd(x: number, bias: number, out: number, rows: number, cols: number): void;
  columnSums(src: number, out: number, rows: number, cols: number, j0: number, j1: number): void;
  sgdStep(w: number, g: number, n: number, lr: number): void;
  sigmoid(x: number, out: number, n: number): void;
  sigmoidBackward(y: number, dy: number, dx: number, n: number): void;
  relu(x: number, out: number, n: number): void;
  reluBackward(x: number, dy: number, dx: number, n: number): void;
  softmaxCrossEntropy(logits: number, labels: number, grad: number, out: number, rows: number, cols: number): number;
}

/** The typed arrays the kernels take. */
export type Typed = Float64Array | Float32Array | Uint32Array;
/** The typed arrays that can live in module memory (the staged ones are Typed). */
export type ResidentArray = Typed | Int32Array | Uint16Array;

interface Block {
  readonly off: number;
  readonly bytes: number;
}

/**
 * The one instance of the element-wise module in this process. Its memory is shared, so growing it leaves every
 * existing view valid: arrays allocated here with `float64()`/`float32()` are *resident* and kernels use them
 * in place; any other operand is staged (copied in with `set()`, results copied back). Resident blocks return
 * to a free list (by size) when the view `float64()`/`float32()` returned is garbage-collected, so its owner
 * must keep that view (subarrays alone do not keep the block).
 *
 * Those arrays live outside the JavaScript heap, so the heap feels no pressure from them and the collector
 * may not run for a long time: a process that builds one large network after another kept every old
 * network's blocks (ResNet-20 with crossbars holds ~0.5 GB) until the 4 GiB memory overflowed. Past 1 GiB,
 * the module therefore collects garbage itself before growing and takes back the blocks of dead views.
 */
export class ElementwiseModule {
  readonly api: ElementwiseExports;
  /** The compiled module and its shared memory: worker threads instantiate the same kernels on it (threads.ts). */
  readonly module: object;
  readonly memory: WasmMemory;
  readonly #memory: WasmMemory;
  #top: number;
  readonly #free = new Map<number, number[]>();
  readonly #buffers = new Set<ArrayBufferLike>();
  readonly #residentViews = new WeakMap<ResidentArray, boolean>();
  readonly #registry = new FinalizationRegistry<Block>((b) => {
    this.#live.delete(b.off);
    this.#release(b);
  });
  /** Every block handed out as a view, by address: what #reclaim checks. */
  readonly #live = new Map<number, { readonly view: WeakRef<ResidentArray>; readonly block: Block }>();
  #nextReclaim = RECLAIM_FROM;
  #f64!: Float64Array;
  #f32!: Float32Array;
  #u32!: Uint32Array;
  readonly #views = new Map<number, Typed>();
  // Staging for non-resident operands: one block, bump-allocated per call and replaced when too small.
  #stage: Block = { off: 0, bytes: 0 };
  #stageUsed = 0;
  #retired: Block[] = [];
  readonly #pending: Array<[number, Typed]> = [];

  constructor(bytes: Uint8Array) {
    const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
    this.#memory = this.memory = new wasm.Memory({ initial: 1, maximum: MAX_PAGES, shared: true });
    this.module = new wasm.Module(bytes);
    this.api = new wasm.Instance(this.module, { env: { memory: this.#memory } }).exports as ElementwiseExports;
    this.#top = this.api.arenaBase();
    this.#refresh();
  }

  /** A Float64Array of n elements in module memory (zeroed). */
  float64(n: number): Float64Array {
    const b = this.#block(n * 8);
    return this.#track(new Float64Array(this.#memory.buffer, b.off, n), b);
  }

  /** A Float32Array of n elements in module memory (zeroed). */
  float32(n: number): Float32Array {
    const b = this.#block(n * 4);
    return this.#track(new Float32Array(this.#memory.buffer, b.off, n), b);
  }

  /** An Int32Array of n elements in module memory (zeroed): cell lists and counts for registered kernels. */
  int32(n: number): Int32Array {
    const b = this.#block(n * 4);
    return this.#track(new Int32Array(this.#memory.buffer, b.off, n), b);
  }

  /** A Uint16Array of n elements in module memory (zeroed). */
  uint16(n: number): Uint16Array {
    const b = this.#block(n * 2);
    return this.#track(new Uint16Array(this.#memory.buffer, b.off, n), b);
  }

  /**
   * Instantiates another compiled module on this memory (see registry.ts): its kernels then read and write
   * the arrays allocated here in place. `imports` adds to `env` (whose `memory` is this one).
   */
  instantiate(source: Uint8Array | object, imports: Record<string, unknown> = {}): unknown {
    const compiled = source instanceof Uint8Array ? this.compile(source) : source;
    const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
    return new wasm.Instance(compiled, { env: { ...imports, memory: this.#memory } }).exports;
  }

  /** A compiled WebAssembly module of `bytes` (instantiate takes it; worker threads receive it). */
  compile(bytes: Uint8Array): object {
    const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
    return new wasm.Module(bytes);
  }

  #track<T extends ResidentArray>(v: T, b: Block): T {
    this.#registry.register(v, b, b);
    this.#live.set(b.off, { view: new WeakRef(v), block: b });
    return v;
  }

  /**
   * Runs a full garbage collection (when the runtime lets one be started) and takes back at once the blocks
   * whose views it found dead, without waiting for their finalizers; free blocks at the top of the arena
   * return to it. Returns the bytes taken back. Growing memory calls this by itself past 1 GiB.
   */
  reclaim(): number {
    collectGarbage();
    let freed = 0;
    for (const [off, { view, block }] of this.#live) {
      if (view.deref() !== undefined) continue;
      this.#registry.unregister(block);
      this.#live.delete(off);
      this.#release(block);
      freed += block.bytes;
    }
    // Free blocks ending at the top give their space back to the arena, one at a time from the top down.
    const byEnd = new Map<number, number>();
    for (const [bytes, offs] of this.#free) for (const off of offs) byEnd.set(off + bytes, bytes);
    for (let bytes = byEnd.get(this.#top); bytes !== undefined; bytes = byEnd.get(this.#top)) {
      const offs = this.#free.get(bytes)!;
      offs.splice(offs.indexOf(this.#top - bytes), 1);
      byEnd.delete(this.#top);
      this.#top -= bytes;
    }
    return freed;
  }

  /** True if `a` lives in module memory (kernels then use it in place). */
  resident(a: ResidentArray): boolean {
    // Reading `a.buffer` costs ~20–45 ns (more than the Set lookup), and the same views come back every
    // step (scratch buffers, layer outputs, conductances), ~120 checks per image at batch 1: the answer is
    // kept per view. It never changes: a view's buffer is fixed, and memory only grows (no buffer leaves #buffers).
    let known = this.#residentViews.get(a);
    if (known === undefined) this.#residentViews.set(a, (known = this.#buffers.has(a.buffer)));
    return known;
  }

  /** Starts a call: staged operands of the previous call are dropped. */
  begin(): this {
    this.#stageUsed = 0;
    for (const b of this.#retired) this.#release(b);
    this.#retired.length = 0;
    return this;
  }

  /** The address of an input operand, staging a copy when it is not resident. */
  in(a: Typed): number {
    if (this.resident(a)) return a.byteOffset;
    const off = this.#staged(a.byteLength);
    this.#heap(a).set(a as never, off / a.BYTES_PER_ELEMENT);
    return off;
  }

  /** The address of an output operand; a staged one is copied back by `end()`. */
  out(a: Typed): number {
    if (this.resident(a)) return a.byteOffset;
    const off = this.#staged(a.byteLength);
    this.#pending.push([off, a]);
    return off;
  }

  /** An operand read and written in place. */
  inout(a: Typed): number {
    if (this.resident(a)) return a.byteOffset;
    const off = this.in(a);
    this.#pending.push([off, a]);
    return off;
  }

  /** Copies staged outputs back. */
  end(): void {
    for (const [off, a] of this.#pending) a.set(this.#view(off, a) as never);
    this.#pending.length = 0;
  }

  #staged(bytes: number): number {
    const need = this.#stageUsed + pad(bytes);
    if (need > this.#stage.bytes) {
      // Earlier operands of this call still sit in the old block, so it is released only at the next begin().
      if (this.#stage.bytes) this.#retired.push(this.#stage);
      this.#stage = this.#block(Math.max(need, 2 * this.#stage.bytes));
      this.#stageUsed = 0;
    }
    const off = this.#stage.off + this.#stageUsed;
    this.#stageUsed += pad(bytes);
    return off;
  }

  #block(bytes: number): Block {
    const size = pad(bytes);
    let reuse = this.#free.get(size)?.pop();
    if (reuse === undefined && this.#top + size + ALIGN > Math.min(this.#nextReclaim, MAX_PAGES * PAGE)) {
      // About to grow past the next reclaim mark (or past the maximum): take back dead views' blocks first.
      this.reclaim();
      reuse = this.#free.get(size)?.pop();
      this.#nextReclaim = Math.max(this.#nextReclaim, this.#top + size) + RECLAIM_STEP;
      if (reuse === undefined && this.#top + size + ALIGN > MAX_PAGES * PAGE) {
        throw new RangeError(
          `txsim kernels: ${size} more bytes would exceed the 4 GiB of WebAssembly memory ` +
          `(${this.#top} in use by live arrays); use a smaller batch or fewer networks alive at once`,
        );
      }
    }
    if (reuse !== undefined) {
      new Uint8Array(this.#memory.buffer, reuse, size).fill(0);
      return { off: reuse, bytes: size };
    }
    const off = this.#top;
    this.#top += size;
    // Kernels may load (never store) up to 64 bytes past an operand: keep that inside the memory.
    const have = this.#memory.buffer.byteLength;
    if (this.#top + ALIGN > have) {
      this.#memory.grow(Math.ceil((this.#top + ALIGN - have) / PAGE));
      this.#refresh();
    }
    return { off, bytes: size };
  }

  #release(b: Block): void {
    let list = this.#free.get(b.bytes);
    if (!list) this.#free.set(b.bytes, (list = []));
    list.push(b.off);
  }

  #heap(like: Typed): Typed {
    return like instanceof Float64Array ? this.#f64 : like instanceof Float32Array ? this.#f32 : this.#u32;
  }

  // Staged-output views are cached by address, length and type so steady-state calls allocate nothing.
  #view(off: number, like: Typed): Typed {
    const tag = like instanceof Float64Array ? 0 : like instanceof Float32Array ? 1 : 2;
    const key = (off * 4 + tag) * 2 ** 24 + like.length;
    let v = this.#views.get(key);
    if (!v) {
      if (this.#views.size >= 256) this.#views.clear();
      const start = off / like.BYTES_PER_ELEMENT;
      v = this.#heap(like).subarray(start, start + like.length);
      this.#views.set(key, v);
    }
    return v;
  }

  #refresh(): void {
    const buf = this.#memory.buffer;
    this.#buffers.add(buf);
    this.#f64 = new Float64Array(buf);
    this.#f32 = new Float32Array(buf);
    this.#u32 = new Uint32Array(buf);
    this.#views.clear();
  }
}

/**
 * A full garbage collection, through `gc` when Node exposes it (--expose-gc) and otherwise from a context
 * created after enabling the flag at run time; nothing if neither works.
 */
function collectGarbage(): void {
  if (gc === undefined) {
    gc = (globalThis as { gc?: () => void }).gc ?? null;
    if (!gc) {
      try {
        setFlagsFromString('--expose-gc');
        gc = runInNewContext('gc') as () => void;
      } catch {
        gc = null;
      }
    }
  }
  gc?.();
}
let gc: (() => void) | null | undefined;

function pad(bytes: number): number {
  return Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
}

let instance: ElementwiseModule | null | undefined;

/**
 * The element-wise module, or null where it cannot run: the build is missing (`pnpm build` compiles it), the
 * runtime lacks WebAssembly SIMD, or TXSIM_KERNELS=ts asks for the TypeScript loops.
 */
export function elementwiseModule(): ElementwiseModule | null {
  if (instance !== undefined) return instance;
  instance = null;
  const wasm = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
  if (process.env.TXSIM_KERNELS === 'ts' || !wasm || !existsSync(URL_SIMD)) return instance;
  const bytes = readFileSync(URL_SIMD);
  if (!wasm.validate(bytes)) return instance;
  instance = new ElementwiseModule(bytes);
  return instance;
}
