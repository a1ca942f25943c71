import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { gemmShape, type ComputeBackend, type GemmOptions } from './backend.js';
import type { Matrix } from './matrix.js';

// Both src/matrix/ (vitest) and dist/matrix/ (compiled) sit two levels below the package root.
const SIMD_URL = new URL('../../build/gemm-simd.wasm', import.meta.url);
const RELAXED_URL = new URL('../../build/gemm-relaxed.wasm', import.meta.url);

const PAGE = 65536;
const MAX_PAGES = 65536; // wasm32: 4 GiB
const ALIGN = 64; // operands start on a cache line, like the pack buffers

// @types/node 20 does not declare the WebAssembly global and the project compiles without the DOM lib, so the
// few members used here are typed locally.
/** A compiled gemm module, as returned by `new WebAssembly.Module`. */
export type WasmModule = object & { readonly __wasmModule?: never };
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: object) => { readonly exports: unknown };
  validate(bytes: Uint8Array): boolean;
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

interface GemmExports {
  readonly memory: WasmMemory;
  arenaBase(): number;
  sgemm(
    transA: number, transB: number, m: number, n: number, k: number, alpha: number,
    a: number, lda: number, b: number, ldb: number, beta: number, c: number, ldc: number,
  ): void;
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

/**
 * GEMM on the AssemblyScript SIMD128 kernel (packed BLIS-style, 2×16 register tile). Operands are copied into
 * the module's memory per call; the buffers are reused, so steady-state calls allocate nothing but the first
 * output view of each result size.
 */
export class WasmBackend implements ComputeBackend {
  readonly name: WasmBackendName;
  readonly #wasm: GemmExports;
  readonly #arena: number;
  #heap: Float32Array;
  /** Views of C's result, keyed by length (C always starts at the arena base, so length identifies the view). */
  readonly #outViews = new Map<number, Float32Array>();

  constructor(module: WasmModule, name: WasmBackendName) {
    this.name = name;
    this.#wasm = new wasm.Instance(module, {}).exports as unknown as GemmExports;
    this.#arena = this.#wasm.arenaBase();
    this.#heap = new Float32Array(this.#wasm.memory.buffer);
    this.#reserve(this.#arena);
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
    this.#wasm.sgemm(tA, tB, m, n, k, alpha, aOff, a.cols, bOff, b.cols, beta, cOff, n);
    c.data.set(this.#outView(cLen));
  }

  /** Grows memory to hold `bytes`; a grow detaches the old buffer, so every cached view is rebuilt. */
  #reserve(bytes: number): void {
    const memory = this.#wasm.memory;
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

/**
 * Creates the WASM backend synchronously. `relaxed` (default: whenever the runtime supports it) selects the
 * relaxed-SIMD FMA build; when the runtime rejects it, the baseline build is used and `name` says so.
 */
export function createWasmBackend(options: { relaxed?: boolean } = {}): WasmBackend {
  const wantRelaxed = options.relaxed ?? true;
  if (wantRelaxed && relaxedSimdAvailable()) return new WasmBackend(loadModule(RELAXED_URL), 'wasm-relaxed-simd');
  return new WasmBackend(loadModule(SIMD_URL), 'wasm-simd');
}
