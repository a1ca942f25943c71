import { availableParallelism } from 'node:os';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { CHUNK_FAILED, ClaimingWorkers, OWN_WORDS, SPINS, workerLoop } from './claim-pool.js';
import type { ElementwiseExports, ElementwiseModule } from './wasm.js';

// Helper threads for the element-wise kernels, on the claiming scheme of claim-pool.ts (as the GEMM's), on the
// element-wise module's shared memory: each worker instantiates the same compiled kernels on that memory and
// sleeps on a control word; the calling thread publishes a job cut into chunks and claims chunks like the
// workers, so a worker that is late simply gets none. Chunk boundaries depend only on the array's length
// (chunkBounds), never on the thread count, and every chunked kernel gives the bits of one call over the
// whole array (the random one through a stream that jumps to each chunk's position), so results are the same
// whatever the thread count.

/** The chunked kernels (job kinds). */
export const Job = { read: 1, update: 2, updateNoisy: 3, signSplit: 5, stepClip: 6, widen: 7, combine: 8, plugin: 9, readCombine: 10, transpose: 11,
  gather: 12, accumulate: 13, narrow: 14, accumulateNarrow: 15, fillNormal: 16, splitPrepare: 17, splitApply: 18 } as const;

/** Most chunks one job may have. */
export const MAX_CHUNKS = 64;
/**
 * Cells per chunk at least: below 2 chunks' worth an array runs as one call. On a 2-core Zen 4 (see
 * docs/performance.md) 2 chunks of 16,384 cells took the read chain from 45 to 25 µs and sign split from 28
 * to 15 µs; at 8–16k cells the hand-off to a helper (a futex wake when it sleeps) costs about what it saves.
 */
export const MIN_CHUNK = 16384;
/** Chunk boundaries are multiples of this many elements (whole cache lines, even for the f64x2 loops). */
const ALIGN = 64;

/** The chunks an array of n elements is cut into (1: not split); depends on n alone. */
export function chunkCount(n: number): number {
  return Math.max(1, Math.min(MAX_CHUNKS, Math.floor(n / MIN_CHUNK)));
}

/**
 * The chunks a row-wise kernel over `rows` rows of `rowCells` elements each is cut into: as many as
 * chunkCount gives the whole block, at most one per row (a batch-1 read stays one call). Depends on the
 * shape alone; rowBounds places the cuts at whole rows.
 */
export function rowChunkCount(rows: number, rowCells: number): number {
  return Math.max(1, Math.min(rows, chunkCount(rows * rowCells)));
}

// Control block, in int32s: claim-pool.ts's words, then the job's kind, length and arguments.
const KIND = OWN_WORDS;
const N = OWN_WORDS + 1;
const ARGS = 8; // 16 int32 arguments (addresses, flags)
const FLOATS = 24; // 12 float64 arguments (int32 index 24 = byte 96)
const PREFIX = 48; // per chunk t ≤ chunks: normals taken by the chunks before t (−1 until published)
// A registered module's kernel (Job.plugin): per argument its kind (ArgKind), its stride in bytes, and its value.
const PLUGIN_KINDS = PREFIX + MAX_CHUNKS + 1;
const PLUGIN_STRIDES = PLUGIN_KINDS + 16;
const PLUGIN_VALUES = PLUGIN_STRIDES + 16 + 1; // 16 float64, 8-byte aligned (int32 index 146)
const CONTROL_INTS = PLUGIN_VALUES + 32;
/** How a registered kernel's argument is formed per chunk [lo, lo + len): value, value + lo·stride, value + t·stride, len, lo. */
export const ArgKind = { value: 0, perCell: 1, perChunk: 2, length: 3, start: 4 } as const;

// The chunk → kernel call mapping, shared verbatim by the caller and the worker source.
const RUN_CHUNK = `function chunkBounds(n, chunks, t) {
  return t >= chunks ? n : Math.floor(Math.floor((t * n) / chunks) / ${ALIGN}) * ${ALIGN};
}
function rowBounds(rows, chunks, t) {
  return t >= chunks ? rows : Math.floor((t * rows) / chunks);
}
function runChunk(api, ctl, fl, t, chunks) {
  const n = ctl[${N}], a = ${ARGS};
  const lo = chunkBounds(n, chunks, t), len = chunkBounds(n, chunks, t + 1) - lo;
  const o8 = lo * 8;
  switch (ctl[${KIND}]) {
    case ${Job.read}:
      api.readChain((ctl[a] >>> 0) + o8, (ctl[a + 1] >>> 0) + o8, len, ctl[a + 4], fl[0], fl[1], fl[2], fl[3],
        ctl[a + 2] ? (ctl[a + 2] >>> 0) + o8 : 0, ctl[a + 3] ? (ctl[a + 3] >>> 0) + o8 : 0);
      break;
    case ${Job.update}:
      api.updateChain(0, (ctl[a] >>> 0) + o8, (ctl[a + 1] >>> 0) + o8, len, fl[0], ctl[a + 2], fl[1], fl[2], fl[3], fl[4], 0, 0, 0, fl[7], fl[8], 0);
      break;
    case ${Job.updateNoisy}: {
      // Each chunk stores its u and counts its draws, then waits for the chunk before it to publish where its
      // normals start (claimed earlier, so it is running: no cycle), publishes its own end and draws from there.
      const u = (ctl[a + 6] >>> 0) + o8;
      const used = api.updatePrepare((ctl[a] >>> 0) + o8, (ctl[a + 1] >>> 0) + o8, u, len, fl[0], ctl[a + 2], fl[1], fl[2], fl[3], fl[4]);
      let p = Atomics.load(ctl, ${PREFIX} + t);
      for (let i = 0; p < 0 && i < ${SPINS}; i++) p = Atomics.load(ctl, ${PREFIX} + t);
      while (p < 0) {
        if (Atomics.load(ctl, ${CHUNK_FAILED}) !== 0) throw new Error('an earlier chunk failed');
        Atomics.wait(ctl, ${PREFIX} + t, p, 20);
        p = Atomics.load(ctl, ${PREFIX} + t);
      }
      Atomics.store(ctl, ${PREFIX} + t + 1, p + used);
      Atomics.notify(ctl, ${PREFIX} + t + 1);
      api.updateApply((ctl[a + 3] >>> 0) + t * 64, ctl[a + 4] >>> 0, p, used, u, (ctl[a + 1] >>> 0) + o8, len, fl[5], fl[6], fl[7], fl[8],
        (ctl[a + 5] >>> 0) + (lo + 16 * t) * 4);
      break;
    }
    case ${Job.splitPrepare}:
      // Independent chunks: each stores its u and its three counts at counts + 16·t.
      api.splitPrepare((ctl[a] >>> 0) + o8, (ctl[a + 1] >>> 0) + o8, (ctl[a + 2] >>> 0) + o8, (ctl[a + 3] >>> 0) + o8, (ctl[a + 4] >>> 0) + o8, len,
        fl[0], ctl[a + 5], fl[1], fl[2], fl[3], fl[4], (ctl[a + 6] >>> 0) + t * 16);
      break;
    case ${Job.splitApply}:
      // The caller turned the counts into each chunk's first normals (plus, minus) at counts + 16·t.
      api.splitApply((ctl[a] >>> 0) + o8, (ctl[a + 1] >>> 0) + o8, (ctl[a + 3] >>> 0) + o8, (ctl[a + 4] >>> 0) + o8, len, ctl[a + 5],
        fl[5], fl[6], fl[7], fl[8], ctl[a + 7] >>> 0, ctl[a + 8] >>> 0, (ctl[a + 6] >>> 0) + t * 16);
      break;
    case ${Job.signSplit}:
      api.signSplit((ctl[a] >>> 0) + o8, (ctl[a + 1] >>> 0) + o8, (ctl[a + 2] >>> 0) + o8, (ctl[a + 3] >>> 0) + o8, (ctl[a + 4] >>> 0) + o8, len);
      break;
    case ${Job.stepClip}:
      api.stepClip((ctl[a] >>> 0) + o8, (ctl[a + 1] >>> 0) + o8, len, fl[0], fl[1], fl[2]);
      break;
    case ${Job.widen}:
      api.widen((ctl[a] >>> 0) + lo * 4, (ctl[a + 1] >>> 0) + o8, len, fl[0]);
      break;
    case ${Job.combine}: {
      // Cut by rows (n is the row count here), at multiples of 4 rows (the transposed kernel's blocks).
      const rows = n, cols = ctl[a + 3];
      const i0 = Math.floor(Math.floor((t * rows) / chunks) / 4) * 4;
      const i1 = t + 1 >= chunks ? rows : Math.floor(Math.floor(((t + 1) * rows) / chunks) / 4) * 4;
      if (i1 > i0) api.combineRows(ctl[a] >>> 0, ctl[a + 1] >>> 0, ctl[a + 2] >>> 0, rows, cols, ctl[a + 4], ctl[a + 5], i0, i1);
      break;
    }
    case ${Job.fillNormal}: {
      // Normals [lo, lo + len) of one stream: this chunk's copy of the state jumps to round lo/8 (lo is a
      // multiple of 64), then draws as one call would from there (as f32 when ctl[a + 3] is set).
      const st = (ctl[a] >>> 0) + t * 64;
      if (lo > 0) api.jumpRounds(st, ctl[a + 1] >>> 0, lo >>> 3);
      if (ctl[a + 3]) api.normalsF32(st, (ctl[a + 2] >>> 0) + lo * 4, len);
      else api.fillNormal(st, (ctl[a + 2] >>> 0) + o8, len, fl[0], fl[1]);
      break;
    }
    case ${Job.readCombine}: {
      // f64 inputs at lo·8, f32 output at lo·4; the optional factor and resistance arrays only where given.
      const at = (i) => (ctl[a + i] ? (ctl[a + i] >>> 0) + o8 : 0);
      api.readCombine((ctl[a] >>> 0) + o8, (ctl[a + 1] >>> 0) + o8, (ctl[a + 2] >>> 0) + lo * 4, len, ctl[a + 7], fl[0], fl[1], fl[2], fl[3],
        at(3), at(4), at(5), at(6));
      break;
    }
    case ${Job.transpose}: {
      // Cut by source rows (n is the row count here), at multiples of 4 rows (the kernel's blocks).
      const rows = n, cols = ctl[a + 2];
      const i0 = Math.floor(Math.floor((t * rows) / chunks) / 4) * 4;
      const i1 = t + 1 >= chunks ? rows : Math.floor(Math.floor(((t + 1) * rows) / chunks) / 4) * 4;
      if (i1 > i0) api.transposeRows(ctl[a] >>> 0, ctl[a + 1] >>> 0, rows, cols, i0, i1);
      break;
    }
    case ${Job.plugin}: {
      const fn = pluginFunction(ctl[a], ctl[a + 1]);
      const count = ctl[a + 2];
      // Cut at whole rows (n counts rows) or at multiples of ${ALIGN} cells.
      const c0 = ctl[a + 3] ? rowBounds(n, chunks, t) : lo;
      const cn = ctl[a + 3] ? rowBounds(n, chunks, t + 1) - c0 : len;
      const args = new Array(count);
      for (let i = 0; i < count; i++) {
        const kind = ctl[${PLUGIN_KINDS} + i], v = pv[i];
        args[i] = kind === 0 ? v : kind === 1 ? v + c0 * ctl[${PLUGIN_STRIDES} + i] : kind === 2 ? v + t * ctl[${PLUGIN_STRIDES} + i] : kind === 3 ? cn : c0;
      }
      fn(...args);
      break;
    }
    // The read's row-wise kernels, cut at whole batch rows (n counts rows): each chunk is the kernel over its
    // rows, its row pointers moved to the chunk's first row.
    case ${Job.gather}: {
      const b0 = rowBounds(n, chunks, t), rows = rowBounds(n, chunks, t + 1) - b0;
      const srcWidth = ctl[a + 2], lines = ctl[a + 5];
      api.gather((ctl[a] >>> 0) + b0 * srcWidth * 4, (ctl[a + 1] >>> 0) + b0 * lines * 4, rows, srcWidth, ctl[a + 3], ctl[a + 4], lines);
      break;
    }
    case ${Job.accumulate}: {
      const b0 = rowBounds(n, chunks, t), rows = rowBounds(n, chunks, t + 1) - b0;
      const width = ctl[a + 3], accWidth = ctl[a + 4];
      api.accumulate((ctl[a] >>> 0) + b0 * accWidth * 8, (ctl[a + 1] >>> 0) + b0 * width * 4, (ctl[a + 2] >>> 0) + b0 * 4, rows, width, accWidth, ctl[a + 5]);
      break;
    }
    case ${Job.narrow}: {
      const b0 = rowBounds(n, chunks, t), rows = rowBounds(n, chunks, t + 1) - b0;
      const width = ctl[a + 2], outWidth = ctl[a + 3];
      api.narrow((ctl[a] >>> 0) + b0 * width * 8, (ctl[a + 1] >>> 0) + b0 * outWidth * 4, rows, width, outWidth, fl[0]);
      break;
    }
    case ${Job.accumulateNarrow}: {
      const b0 = rowBounds(n, chunks, t), rows = rowBounds(n, chunks, t + 1) - b0;
      const width = ctl[a + 3], outWidth = ctl[a + 4];
      api.accumulateNarrow((ctl[a] >>> 0) + b0 * width * 4, (ctl[a + 1] >>> 0) + b0 * 4, (ctl[a + 2] >>> 0) + b0 * outWidth * 4, rows, width, outWidth, fl[0]);
      break;
    }
    default:
      throw new Error('unknown element-wise job ' + ctl[${KIND}]);
  }
}`;
// The calling thread's registered kernels, by pool id and function index (workers keep their own, see WORKER_SOURCE).
const callerFunctions: Array<Array<(...args: number[]) => unknown>> = [];
// The calling thread's copy of a registered kernel's argument values (workers read the control block's).
const callerValues = new Float64Array(16);
const { chunkBounds, rowBounds, runChunk } = new Function('pluginFunction', 'pv', `${RUN_CHUNK}; return { chunkBounds, rowBounds, runChunk };`)(
  (id: number, f: number) => callerFunctions[id]![f]!, callerValues,
) as {
  chunkBounds: (n: number, chunks: number, t: number) => number;
  rowBounds: (rows: number, chunks: number, t: number) => number;
  runChunk: (api: ElementwiseExports, ctl: Int32Array, fl: Float64Array, t: number, chunks: number) => void;
};
export { chunkBounds, rowBounds };

const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { module, memory, control, port } = workerData;
const { receiveMessageOnPort } = require('node:worker_threads');
const ctl = new Int32Array(control, 0, ${CONTROL_INTS});
const fl = new Float64Array(control, ${FLOATS * 4}, 12);
const pv = new Float64Array(control, ${PLUGIN_VALUES * 4}, 16);
// Registered modules arrive on the port before their first job is published: instantiated on first use.
const instances = [];
const plugins = [];
function pluginFunction(id, f) {
  while (!plugins[id] || !plugins[id][f]) {
    const m = receiveMessageOnPort(port);
    if (!m) throw new Error('kernel module ' + id + ' was not sent to this thread');
    const { id: got, module: mod, math, names } = m.message;
    if (!instances[got]) {
      const imports = { memory };
      for (const [k, name] of Object.entries(math)) imports[k] = Math[name];
      instances[got] = new WebAssembly.Instance(mod, { env: imports }).exports;
    }
    plugins[got] = names.map((n) => instances[got][n]);
  }
  return plugins[id][f];
}
${RUN_CHUNK}
let api;
${workerLoop('api = new WebAssembly.Instance(module, { env: { memory } }).exports;', 'runChunk(api, ctl, fl, t, chunks);')}`;

/** Worker threads running chunks of element-wise kernels on the kernel memory; the caller is one of them. */
export class ElementwisePool {
  readonly #pool: ClaimingWorkers;
  readonly #ctl: Int32Array;
  readonly #fl: Float64Array;
  /** The argument slots of the next job: int32 addresses and flags, float64 parameters. */
  readonly ints: Int32Array;
  readonly floats: Float64Array;
  readonly #ports: MessagePort[] = [];
  readonly #modules = new Map<object, { id: number; names: Map<string, number>; math: Record<string, string> }>();
  readonly #values: Float64Array;

  constructor(m: ElementwiseModule, helpers: number) {
    const control = new SharedArrayBuffer(CONTROL_INTS * 4);
    this.#ctl = new Int32Array(control);
    this.#fl = this.floats = new Float64Array(control, FLOATS * 4, 12);
    this.ints = this.#ctl.subarray(ARGS, ARGS + 16);
    this.#values = new Float64Array(control, PLUGIN_VALUES * 4, 16);
    const starts = Array.from({ length: helpers }, () => {
      const { port1, port2 } = new MessageChannel();
      port1.unref();
      this.#ports.push(port1);
      return { workerData: { module: m.module, memory: m.memory, control, port: port2 }, transferList: [port2] };
    });
    this.#pool = new ClaimingWorkers(control, WORKER_SOURCE, starts);
  }

  /** Helper threads (the caller not counted). */
  get count(): number {
    return this.#pool.count;
  }

  /** Chunks computed by helper threads so far. */
  get workerChunks(): number {
    return this.#pool.workerChunks;
  }

  /** Blocks until every helper has booted (or one failed) or `timeoutMs` passes; returns how many are ready. */
  waitReady(timeoutMs: number): number {
    return this.#pool.waitReady(timeoutMs);
  }

  /** Before an updateNoisy job: chunk 0's normals start at 0, the others' are not known yet. */
  resetPrefix(chunks: number): void {
    this.#ctl[PREFIX] = 0;
    this.#ctl.fill(-1, PREFIX + 1, PREFIX + chunks + 1);
  }

  /** After an updateNoisy job of `chunks` chunks: the normals all its cells took. */
  drawn(chunks: number): number {
    return this.#ctl[PREFIX + chunks]!;
  }

  /**
   * Runs export `name` of a registered module (compiled `module`, imports `imports` besides the memory) over
   * n cells in `chunks` chunks; `kinds`/`strides`/`values` describe each argument (ArgKind). Returns false,
   * running nothing, when the module cannot run on the helpers: an import that is not a Math function.
   * `byRows`: n counts rows and the chunks are cut at whole rows (rowBounds) instead of 64-cell multiples.
   */
  runPlugin(api: ElementwiseExports, module: object, exports: Record<string, unknown>, imports: Record<string, unknown>, name: string, n: number, chunks: number,
    kinds: readonly number[], strides: readonly number[], values: readonly number[], byRows = false): boolean {
    let entry = this.#modules.get(module);
    if (!entry) {
      const math: Record<string, string> = {};
      for (const [k, f] of Object.entries(imports)) {
        const found = Object.getOwnPropertyNames(Math).find((p) => (Math as unknown as Record<string, unknown>)[p] === f);
        if (!found) return false;
        math[k] = found;
      }
      entry = { id: callerFunctions.length, names: new Map(), math };
      callerFunctions.push([]);
      this.#modules.set(module, entry);
    }
    let f = entry.names.get(name);
    if (f === undefined) {
      // A new function: every helper gets the longer name list (a helper instantiates the module once).
      f = entry.names.size;
      entry.names.set(name, f);
      callerFunctions[entry.id]![f] = exports[name] as (...args: number[]) => unknown;
      for (const port of this.#ports) {
        port.postMessage({ id: entry.id, module, math: entry.math, names: [...entry.names.keys()] });
      }
    }
    const a = this.ints;
    a[0] = entry.id;
    a[1] = f;
    a[2] = kinds.length;
    a[3] = byRows ? 1 : 0;
    for (let i = 0; i < kinds.length; i++) {
      this.#ctl[PLUGIN_KINDS + i] = kinds[i]!;
      this.#ctl[PLUGIN_STRIDES + i] = strides[i]!;
      this.#values[i] = values[i]!;
      callerValues[i] = values[i]!;
    }
    this.run(api, Job.plugin, n, chunks);
    return true;
  }

  /** Runs job `kind` over n elements in `chunks` chunks (arguments set in ints/floats), on every awake thread. */
  run(api: ElementwiseExports, kind: number, n: number, chunks: number): void {
    this.#ctl[KIND] = kind;
    this.#ctl[N] = n;
    this.#pool.run(chunks, (t) => runChunk(api, this.#ctl, this.#fl, t, chunks), 'txsim kernels: an element-wise worker thread failed');
  }

  terminate(): void {
    this.#pool.terminate();
  }
}

let threads: number | undefined;
let pool: ElementwisePool | null | undefined;

/**
 * Threads the element-wise kernels may use, the calling thread included: TXSIM_THREADS when it is a positive
 * integer, else the cores Node reports (as the GEMM). Results never depend on it. Setting it stops the
 * current helpers; the next large kernel call starts the new count.
 */
export function elementwiseThreads(set?: number): number {
  if (set !== undefined) {
    if (!Number.isInteger(set) || set < 1) throw new RangeError(`elementwiseThreads: expected a positive integer, got ${set}`);
    pool?.terminate();
    pool = undefined;
    threads = Math.min(set, MAX_CHUNKS);
  }
  if (threads === undefined) {
    const env = Number(process.env.TXSIM_THREADS);
    threads = Math.min(MAX_CHUNKS, Number.isInteger(env) && env >= 1 ? env : availableParallelism());
  }
  return threads;
}

/** Chunks of element-wise kernels that helper threads (not the calling thread) have computed in this process. */
export function elementwiseWorkerChunks(): number {
  return pool?.workerChunks ?? 0;
}

/**
 * Starts the helper threads now (they otherwise start at the first large kernel call) and waits up to
 * `timeoutMs` for them to boot; returns how many are ready (0 without WASM kernels or with one thread).
 */
export function startElementwiseThreads(m: ElementwiseModule | null, timeoutMs = 5000): number {
  return m ? (elementwisePool(m)?.waitReady(timeoutMs) ?? 0) : 0;
}

/** The pool for module m, or null when one thread is allowed or no worker can be started. */
export function elementwisePool(m: ElementwiseModule): ElementwisePool | null {
  if (pool !== undefined) return pool;
  const n = elementwiseThreads();
  pool = null;
  if (n > 1) {
    try {
      pool = new ElementwisePool(m, n - 1);
    } catch {
      pool = null;
    }
  }
  return pool;
}
