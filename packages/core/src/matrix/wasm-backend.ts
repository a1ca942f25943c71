import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { gemmShape, type ComputeBackend, type GemmOptions } from './backend.js';
import { GemmWorkers, MAX_CHUNKS, type GemmJob } from './gemm-threads.js';
import type { Matrix } from './matrix.js';

// Both src/matrix/ (vitest) and dist/matrix/ (compiled) sit two levels below the package root.
const SIMD_URL = new URL('../../build/gemm-simd.wasm', import.meta.url);
const RELAXED_URL = new URL('../../build/gemm-relaxed.wasm', import.meta.url);

const PAGE = 65536;
const MAX_PAGES = 65536; // wasm32: 4 GiB
const ALIGN = 64; // operands start on a cache line, like the pack buffers
const MAX_THREADS = 64;
// Below this many flops (2·m·n·k) a GEMM runs on the calling thread alone. Waking a sleeping worker costs a
// futex call, each extra chunk repacks the shared operand, and on a busy machine a worker that claimed a chunk
// and was then preempted holds up the caller for a time slice. On the 2-core build VM under load (wall clock,
// best of 25), 2 threads ran at 0.5–0.7× of 1 thread from 64×64×128 to 128³ and broke even only by about
// 64×784×256; kernels.md measured 1.8× at 128³ (4.2 MFLOP) on a quiet machine.
const PARALLEL_MIN_FLOP = 4_000_000;
// Columns are split in multiples of the kernel's 16-wide tile, rows in multiples of its 2-row tile times 4,
// so that each chunk has few edge tiles.
const COL_UNIT = 16;
const ROW_UNIT = 8;
// Chunks per thread: more balance the load when a thread starts late, fewer repack the shared operand less
// (every column chunk packs all of A, every row chunk all of B).
const CHUNKS_PER_THREAD = 2;

// @types/node 20 does not declare the WebAssembly global and the project compiles without the DOM lib, so the
// few members used here are typed locally.
/** A compiled gemm module, as returned by `new WebAssembly.Module`. */
export type WasmModule = object & { readonly __wasmModule?: never };
interface WasmMemory {
  readonly buffer: ArrayBufferLike;
  grow(pages: number): number;
}
interface WasmApi {
  Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: object) => { readonly exports: unknown };
  validate(bytes: Uint8Array): boolean;
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

interface GemmExports {
  arenaBase(): number;
  scratchBytes(): number;
  sgemm(
    transA: number, transB: number, m: number, n: number, k: number, alpha: number,
    a: number, lda: number, b: number, ldb: number, beta: number, c: number, ldc: number, scratch: number,
  ): void;
  /** sgemm without its small-M (≤ 4 rows) path, which reads A and B in place; same bits, slower there. */
  sgemmPacked: GemmExports['sgemm'];
}

export interface WasmBackendOptions {
  /** Use the relaxed-SIMD FMA build when the runtime supports it; default true. */
  relaxed?: boolean;
  /**
   * Threads one GEMM may use, the calling thread included; default TXSIM_THREADS from the environment, else
   * os.availableParallelism(). Results are bit-identical for every thread count.
   */
  threads?: number;
}

/** The default thread count: TXSIM_THREADS when it is a positive integer, else the cores Node reports. */
export function defaultThreads(): number {
  const env = Number(process.env.TXSIM_THREADS);
  if (Number.isInteger(env) && env >= 1) return Math.min(env, MAX_THREADS);
  return Math.min(availableParallelism(), MAX_THREADS);
}

export type WasmBackendName = 'wasm-simd' | 'wasm-relaxed-simd';

/** True when `pnpm build` has produced the .wasm files this backend loads. */
export function wasmAvailable(): boolean {
  return existsSync(SIMD_URL) && existsSync(RELAXED_URL);
}

// Compiling is per process, instantiating is per backend: each backend owns its memory, so two backends never
// overwrite each other's operands.
const modules = new Map<string, WasmModule>();
let relaxedSupported: boolean | undefined;

function readBuild(url: URL): Uint8Array {
  if (!existsSync(url)) {
    throw new Error(`WASM backend: ${fileURLToPath(url)} is missing; run \`pnpm build\` to compile the kernels`);
  }
  return readFileSync(url);
}

function loadModule(url: URL): WasmModule {
  let mod = modules.get(url.href);
  if (!mod) {
    mod = new wasm.Module(readBuild(url));
    modules.set(url.href, mod);
  }
  return mod;
}

/** Whether this runtime accepts the relaxed-SIMD build, enabling V8's flag first where that is needed. */
export function relaxedSimdAvailable(): boolean {
  if (relaxedSupported !== undefined) return relaxedSupported;
  const bytes = readBuild(RELAXED_URL);
  let ok = wasm.validate(bytes);
  if (!ok) {
    // Node 20 (V8 11.3) has relaxed SIMD only behind this flag; V8 ≥ 11.4 enables it by default, so newer
    // Node never reaches this line. The flag only widens what validates, so setting it late is safe.
    try {
      setFlagsFromString('--experimental-wasm-relaxed-simd');
      ok = wasm.validate(bytes);
    } catch {
      ok = false;
    }
  }
  relaxedSupported = ok;
  return ok;
}

// Workers of a backend nobody references any more are stopped (they would otherwise sleep until exit).
const orphans = new FinalizationRegistry<GemmWorkers>((workers) => workers.terminate());

/**
 * GEMM on the AssemblyScript SIMD128 kernel (packed BLIS-style, 2×16 register tile). Operands are copied into
 * the module's shared memory per call; the buffers are reused, so steady-state calls allocate nothing but the
 * first output view of each result size. Large products are split between the calling thread and worker
 * threads by rows or by columns of C; the call stays synchronous.
 */
export class WasmBackend implements ComputeBackend {
  readonly name: WasmBackendName;
  /** Threads requested (calling thread included); `activeThreads` says how many are working now. */
  readonly threads: number;
  readonly #memory: WasmMemory;
  readonly #wasm: GemmExports;
  /** Per-thread scratch regions (pack buffers) start here: the caller's first, then one per worker. */
  readonly #scratch: number;
  readonly #scratchBytes: number;
  /** Operands (C, then A, then B) start here. */
  readonly #arena: number;
  readonly #workers: GemmWorkers | undefined;
  #heap: Float32Array;
  /**
   * False sends every product through the packed kernel on the calling thread alone, skipping the small-M
   * path that C with at most 4 rows otherwise takes. Both give the same bits; tests and benchmarks compare them.
   */
  smallM = true;
  /** Views of C's result, keyed by length (C always starts at the arena base, so length identifies the view). */
  readonly #outViews = new Map<number, Float32Array>();

  constructor(module: WasmModule, name: WasmBackendName, threads = 1) {
    this.name = name;
    this.threads = Math.max(1, Math.min(MAX_THREADS, Math.floor(threads)));
    this.#memory = new wasm.Memory({ initial: 1, maximum: MAX_PAGES, shared: true });
    this.#wasm = new wasm.Instance(module, { env: { memory: this.#memory } }).exports as unknown as GemmExports;
    this.#scratch = align(this.#wasm.arenaBase());
    this.#scratchBytes = align(this.#wasm.scratchBytes());
    this.#arena = this.#scratch + this.threads * this.#scratchBytes;
    this.#heap = new Float32Array(this.#memory.buffer);
    this.#reserve(this.#arena);
    let workers: GemmWorkers | undefined;
    if (this.threads > 1) {
      try {
        const regions = Array.from({ length: this.threads - 1 }, (_, i) => this.#scratch + (i + 1) * this.#scratchBytes);
        workers = new GemmWorkers(module, this.#memory, regions);
        orphans.register(this, workers, this);
      } catch {
        // No worker threads here (or none allowed): run single-threaded, which gives the same results.
        workers = undefined;
      }
    }
    this.#workers = workers;
  }

  /** Threads a large GEMM would use right now: 1 plus the workers that have booted. */
  get activeThreads(): number {
    return 1 + (this.#workers?.ready ?? 0);
  }

  /** Chunks of split GEMMs that worker threads (not the calling thread) have computed so far. */
  get workerChunks(): number {
    return this.#workers?.workerChunks ?? 0;
  }

  /**
   * Blocks until the workers have booted (they start in the background and the first GEMMs run without them),
   * or `timeoutMs` passes. Returns `activeThreads`. Only benchmarks and tests need this.
   */
  waitForThreads(timeoutMs = 10_000): number {
    this.#workers?.waitReady(timeoutMs);
    return this.activeThreads;
  }

  /**
   * Stops the worker threads; later GEMMs run on the calling thread alone. `createWasmBackend` hands out a
   * new backend for these options afterwards.
   */
  dispose(): void {
    for (const [key, be] of shared) if (be === this) shared.delete(key);
    if (!this.#workers) return;
    orphans.unregister(this);
    this.#workers.terminate();
  }

  gemm(a: Matrix, b: Matrix, c: Matrix, options: GemmOptions = {}): void {
    const { m, n, k } = gemmShape(a, b, c, options);
    const alpha = options.alpha ?? 1;
    const beta = options.beta ?? 0;
    if (m === 0 || n === 0) return;
    if (k === 0) {
      // No product: the kernel would never touch C, so apply the beta scaling here.
      const C = c.data;
      for (let i = 0; i < C.length; i++) C[i] = beta === 0 ? 0 : beta * C[i]!;
      return;
    }
    const cLen = m * n;
    // C goes first so its offset never moves and its output view can be cached by length alone.
    const cOff = this.#arena;
    const aOff = align(cOff + cLen * 4);
    const bOff = align(aOff + a.data.length * 4);
    this.#reserve(bOff + b.data.length * 4);
    const heap = this.#heap;
    heap.set(a.data, aOff >>> 2);
    heap.set(b.data, bOff >>> 2);
    if (beta !== 0) heap.set(c.data, cOff >>> 2);
    // The stored row stride is cols for both op(X) = X and op(X) = Xᵀ.
    const tA = options.transA ? 1 : 0;
    const tB = options.transB ? 1 : 0;
    this.#run({ transA: tA, transB: tB, m, n, k, alpha, a: aOff, lda: a.cols, b: bOff, ldb: b.cols, beta, c: cOff, ldc: n });
    c.data.set(this.#outView(cLen));
  }

  /**
   * Runs one sgemm, cut into chunks shared by the calling thread and the workers when it is large enough. C
   * is cut into column blocks when it is at least as wide as tall (each chunk then packs all of A, the smaller
   * operand to repeat) and into row blocks otherwise. The kernel's summation order does not depend on which
   * rows or columns a call covers, so the result is the same bits for any thread count and any cut.
   */
  #run(job: GemmJob): void {
    const workers = this.#workers;
    const { m, n, k } = job;
    if (!this.smallM) {
      this.#wasm.sgemmPacked(job.transA, job.transB, m, n, k, job.alpha, job.a, job.lda, job.b, job.ldb, job.beta, job.c, job.ldc, this.#scratch);
      return;
    }
    const helpers = workers && 2 * m * n * k >= PARALLEL_MIN_FLOP ? workers.ready : 0;
    const byCols = n >= m;
    const unit = byCols ? COL_UNIT : ROW_UNIT;
    const units = Math.ceil((byCols ? n : m) / unit);
    const chunks = Math.min(units, CHUNKS_PER_THREAD * (1 + helpers), MAX_CHUNKS);
    if (helpers === 0 || chunks <= 1) {
      this.#wasm.sgemm(job.transA, job.transB, m, n, k, job.alpha, job.a, job.lda, job.b, job.ldb, job.beta, job.c, job.ldc, this.#scratch);
      return;
    }
    workers!.run(this.#wasm.sgemm, job, { byCols, unit, units, chunks }, this.#scratch);
  }

  /** Grows memory to hold `bytes`; the old buffer object keeps its old length, so every cached view is rebuilt. */
  #reserve(bytes: number): void {
    const memory = this.#memory;
    const have = memory.buffer.byteLength;
    if (bytes <= have) return;
    const pages = Math.ceil((bytes - have) / PAGE);
    if (have / PAGE + pages > MAX_PAGES) {
      throw new RangeError(`WASM backend: operands need ${bytes} bytes, more than the 4 GiB a wasm32 memory can hold`);
    }
    memory.grow(pages);
    this.#heap = new Float32Array(memory.buffer);
    this.#outViews.clear();
  }

  #outView(length: number): Float32Array {
    let view = this.#outViews.get(length);
    if (!view) {
      // Bounded so a caller sweeping many shapes cannot make the cache grow without limit.
      if (this.#outViews.size >= 64) this.#outViews.clear();
      view = this.#heap.subarray(this.#arena >>> 2, (this.#arena >>> 2) + length);
      this.#outViews.set(length, view);
    }
    return view;
  }
}

function align(bytes: number): number {
  return Math.ceil(bytes / ALIGN) * ALIGN;
}

// One backend per build and thread count per thread of JS: a GEMM copies its operands in and its result out
// within one synchronous call, so callers can share a backend's memory, and a process that sets up many runs
// (a sweep) keeps one set of worker threads instead of one per run.
const shared = new Map<string, WasmBackend>();

/**
 * Returns the WASM backend for these options, created synchronously on first use. `relaxed` (default: whenever
 * the runtime supports it) selects the relaxed-SIMD FMA build; when the runtime rejects it, the baseline build
 * is used and `name` says so. `threads` (default `defaultThreads()`) caps the threads one GEMM uses; workers
 * boot in the background.
 */
export function createWasmBackend(options: WasmBackendOptions = {}): WasmBackend {
  const relaxed = (options.relaxed ?? true) && relaxedSimdAvailable();
  const threads = Math.max(1, Math.min(MAX_THREADS, Math.floor(options.threads ?? defaultThreads())));
  const name: WasmBackendName = relaxed ? 'wasm-relaxed-simd' : 'wasm-simd';
  const key = `${name}/${threads}`;
  let be = shared.get(key);
  if (!be) {
    be = new WasmBackend(loadModule(relaxed ? RELAXED_URL : SIMD_URL), name, threads);
    shared.set(key, be);
  }
  return be;
}
