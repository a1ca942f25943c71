import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Rng } from '../random/rng.js';
import { ArgKind, chunkCount, elementwisePool, rowChunkCount } from './threads.js';
import { elementwiseModule, type ElementwiseModule } from './wasm.js';

/**
 * A compiled kernel module a package ships (AssemblyScript or any WASM): registered once with
 * `defineKernels`, instantiated lazily on the same shared memory as core's kernels, so its functions work
 * in place on arrays from `kernels.float64()`/`float32()` (and `int32()`, `uint16()` here). The module must
 * import its memory as `env.memory` (shared) and keep no static data in it (no data segment): the memory
 * belongs to core's allocator. scripts/build-wasm-kernels.mjs has the compiler flags.
 */
export interface KernelModule<E> {
  readonly name: string;
  /** The module's exports, or null where compiled kernels cannot run (see `defineKernels`). */
  readonly api: E | null;
  /** The kernel memory the module runs on (null as `api`). */
  readonly memory: ElementwiseModule | null;
}

/** Where a module's bytes come from: a file URL or path (read when first used), or the bytes themselves. */
export type KernelSource = URL | string | Uint8Array;

const registered = new Map<string, KernelModule<unknown>>();
/** What worker threads need to run a module's kernels (runChunked). */
const sources = new WeakMap<KernelModule<unknown>, { compiled: object; imports: Record<string, unknown>; exports: Record<string, unknown> }>();

/**
 * Registers a kernel module under `name` (one per package, e.g. '@txsim/devices/pulsed'). Its `api` is null
 * when the core kernels are off (no WebAssembly SIMD, TXSIM_KERNELS=ts), TXSIM_PLUGIN_KERNELS=ts, or the module's build is missing,
 * and callers then run the TypeScript references. A module with a data segment is refused: its static data
 * would overwrite arrays of the shared memory.
 */
export function defineKernels<E>(name: string, source: KernelSource, imports: Record<string, unknown> = {}): KernelModule<E> {
  const old = registered.get(name);
  if (old) return old as KernelModule<E>;
  let api: E | null | undefined;
  const module: KernelModule<E> = {
    name,
    get memory() {
      return this.api ? elementwiseModule() : null;
    },
    get api() {
      if (api !== undefined) return api;
      api = null;
      const m = elementwiseModule();
      // TXSIM_PLUGIN_KERNELS=ts keeps core's kernels but runs the plugins' TypeScript references (A/B timing).
      if (!m || process.env.TXSIM_PLUGIN_KERNELS === 'ts') return api;
      let bytes: Uint8Array;
      if (source instanceof Uint8Array) bytes = source;
      else {
        const path = source instanceof URL ? fileURLToPath(source) : source;
        if (!existsSync(path)) return api;
        bytes = readFileSync(path);
      }
      if (hasDataSegment(bytes)) {
        throw new Error(`kernel module ${name}: it has static data (a WASM data section), which would overwrite the shared kernel memory; ` +
          'compile it without constant arrays or strings (scripts/build-wasm-kernels.mjs flags)');
      }
      const compiled = m.compile(bytes);
      api = m.instantiate(compiled, imports) as E;
      sources.set(module as KernelModule<unknown>, { compiled, imports, exports: api as Record<string, unknown> });
      return api;
    },
  };
  registered.set(name, module as KernelModule<unknown>);
  return module;
}

/**
 * One argument of a chunked call (runChunked), formed per chunk t of cells [start, start + length): a number
 * is passed as is; `{ cells, bytes }` is the address of the chunk's first cell of an array at `cells` with
 * `bytes` per cell; `{ chunks, bytes }` is chunk t's own block of a per-chunk array (cells + t·bytes); 'length'
 * and 'start' are the chunk's cell count and first cell.
 */
export type ChunkArg = number | { readonly cells: number; readonly bytes: number } | { readonly chunks: number; readonly bytes: number } | 'length' | 'start';

/**
 * Runs export `name` of a registered module over n cells on every thread the element-wise kernels may use
 * (TXSIM_THREADS): cut into chunkCount(n) chunks that depend on n alone, each an ordinary call of the export
 * with its arguments formed by `args`. Small arrays, one thread, or a module with imports other than Math
 * functions run as one call over all cells (start 0, length n, chunk 0). The kernel must give the same
 * result however the cells are cut (element-wise, or random draws from positions fixed by the chunk, as
 * core's update chain does), so results never depend on the thread count. Needs the compiled module
 * (`module.api` not null). Returns the chunks it ran (1 for one call).
 *
 * `options.rowCells`: the cells are rows of that many elements each (a row-wise kernel, e.g. a converter over
 * a batch): the chunk count comes from the n·rowCells elements (rowChunkCount, at most one chunk per row) and
 * the cuts fall at any whole row, so `{ cells, bytes }` strides are per row.
 */
export function runChunked<E>(module: KernelModule<E>, name: string & keyof E, n: number, args: readonly ChunkArg[], options: RunChunkedOptions = {}): number {
  const api = module.api;
  const source = sources.get(module as KernelModule<unknown>);
  const m = module.memory;
  if (!api || !source || !m) throw new Error(`runChunked: kernel module ${module.name} is not available (check module.api first)`);
  if (args.length > 16) throw new RangeError(`runChunked: at most 16 arguments, got ${args.length}`);
  const kinds: number[] = [];
  const strides: number[] = [];
  const values: number[] = [];
  for (const a of args) {
    if (typeof a === 'number') kinds.push(ArgKind.value), strides.push(0), values.push(a);
    else if (a === 'length') kinds.push(ArgKind.length), strides.push(0), values.push(0);
    else if (a === 'start') kinds.push(ArgKind.start), strides.push(0), values.push(0);
    else if ('cells' in a) kinds.push(ArgKind.perCell), strides.push(a.bytes), values.push(a.cells);
    else kinds.push(ArgKind.perChunk), strides.push(a.bytes), values.push(a.chunks);
  }
  const byRows = options.rowCells !== undefined;
  const chunks = byRows ? rowChunkCount(n, options.rowCells!) : chunkCount(n);
  const pool = chunks > 1 ? elementwisePool(m) : null;
  if (pool?.runPlugin(m.api, source.compiled, source.exports, source.imports, name, n, chunks, kinds, strides, values, byRows)) return chunks;
  const fn = (api as Record<string, (...x: number[]) => unknown>)[name]!;
  fn(...kinds.map((k, i) => (k === ArgKind.length ? n : k === ArgKind.start ? 0 : values[i]!)));
  return 1;
}

/** How runChunked cuts its cells. */
export interface RunChunkedOptions {
  /** Elements per cell: the cells are rows, cut anywhere between rows (see runChunked). */
  readonly rowCells?: number;
}

/** The names of the registered kernel modules. */
export function registeredKernels(): string[] {
  return [...registered.keys()];
}

/**
 * One kernel, declared once: its TypeScript reference (the fallback and the oracle of the equality tests)
 * and how to run it compiled (given the module's exports and memory). Calling the result runs the
 * compiled version when the module is available and the reference otherwise; `.reference` and
 * `.compiled` (null without the module) are the two sides the tests compare.
 */
export type Kernel<A extends unknown[], R> = ((...args: A) => R) & {
  readonly reference: (...args: A) => R;
  readonly compiled: ((...args: A) => R) | null;
};

export function defineKernel<E, A extends unknown[], R>(
  module: KernelModule<E>,
  compiled: (api: E, memory: ElementwiseModule, ...args: A) => R,
  reference: (...args: A) => R,
): Kernel<A, R> {
  const run = (...args: A): R => {
    const api = module.api;
    return api ? compiled(api, module.memory!, ...args) : reference(...args);
  };
  Object.defineProperty(run, 'reference', { value: reference });
  Object.defineProperty(run, 'compiled', {
    get: () => (module.api ? (...args: A) => compiled(module.api!, module.memory!, ...args) : null),
  });
  return run as Kernel<A, R>;
}

/**
 * An Rng's state in kernel memory (32 bytes): `enter` copies the stream in and returns the block's address,
 * `leave` takes the advanced state back, so a compiled kernel continues the stream's exact sequence.
 */
export class RngBlock {
  readonly #floats: Float64Array;
  readonly #words: Uint32Array;

  constructor(memory: ElementwiseModule) {
    this.#floats = memory.float64(4);
    this.#words = new Uint32Array(this.#floats.buffer, this.#floats.byteOffset, 8);
  }

  enter(rng: Rng): number {
    rng.storeBlock(this.#words, this.#floats);
    return this.#floats.byteOffset;
  }

  leave(rng: Rng): void {
    rng.loadBlock(this.#words, this.#floats);
  }
}

/** True when a WASM binary has a data section (id 11) with at least one segment. */
function hasDataSegment(b: Uint8Array): boolean {
  let p = 8;
  const leb = (): number => {
    let v = 0;
    let shift = 0;
    let byte: number;
    do {
      byte = b[p++]!;
      v += (byte & 127) * 2 ** shift;
      shift += 7;
    } while (byte & 128);
    return v;
  };
  while (p < b.length) {
    const id = b[p++]!;
    const size = leb();
    if (id === 11) {
      const start = p;
      const count = leb();
      p = start;
      if (count > 0) return true;
    }
    p += size;
  }
  return false;
}
