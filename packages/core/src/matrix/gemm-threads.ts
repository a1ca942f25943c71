import { Worker } from 'node:worker_threads';

// Helper threads for the WASM GEMM. Each worker instantiates the same compiled module on the backend's shared
// memory and sleeps on a control word. The calling thread publishes a job cut into chunks (blocks of C's rows
// or columns) and then, like the workers, claims chunks one at a time until none are left; it finally waits
// for the chunks others claimed. Claiming instead of a fixed split matters on shared machines: a worker that
// is not scheduled in time simply gets no chunk, and the caller waits only for chunks a worker has already
// claimed, never for a thread that has not woken up. Which thread computes a chunk never changes its bits: the kernel's summation order does not
// depend on the rows or columns a call covers.

/** The arguments of one sgemm call; pointers are byte offsets into the shared memory. */
export interface GemmJob {
  transA: number;
  transB: number;
  m: number;
  n: number;
  k: number;
  alpha: number;
  a: number;
  lda: number;
  b: number;
  ldb: number;
  beta: number;
  c: number;
  ldc: number;
}

/** How a job is cut: `units` blocks of `unit` columns (byCols) or rows, dealt out as `chunks` chunks. */
export interface GemmSplit {
  byCols: boolean;
  unit: number;
  units: number;
  chunks: number;
}

type Sgemm = (
  transA: number, transB: number, m: number, n: number, k: number, alpha: number,
  a: number, lda: number, b: number, ldb: number, beta: number, c: number, ldc: number, scratch: number,
) => void;

// Control block, in int32s. CLAIM packs the job's sequence number (bits 20–30), its chunk count (10–19) and
// the next unclaimed chunk (0–9) into one word, so a single compare-exchange claims a chunk of exactly the job
// it was read from: a thread that wakes late cannot take a chunk of the next job with the last job's arguments.
const CLAIM = 0;
const FINISHED = 1; // chunks of the current job completed, by anyone
const READY = 2; // workers that booted and instantiated the module
const BOOT_FAILED = 3; // set when a worker could not instantiate the module
const WORKER_CHUNKS = 4; // chunks computed by workers since the pool started (for tests and benchmarks)
const CHUNK_FAILED = 5; // set when a chunk threw in a worker (a kernel bug)
const ARGS = 8; // transA, transB, m, n, k, a, lda, b, ldb, c, ldc, byCols, unit, units
const FLOATS = 24; // alpha, beta as float64 (int32 index 24 = byte 96, 8-byte aligned)
const CONTROL_INTS = 32;
/** Most chunks one job may have (the width of the chunk fields in CLAIM). */
export const MAX_CHUNKS = 1023;

// Spinning briefly before sleeping saves the futex wake-up (slow under KVM) on back-to-back GEMMs of a
// training step. One iteration (an Atomics.load) costs about 40 ns in Node 20, so this is about 0.2 ms; kept
// short because the build machines are shared and spinning steals their cores.
const SPINS = 4000;

// The chunk → sub-problem mapping, shared verbatim by the caller and the worker source below. Chunk t covers
// units [t·units/chunks, (t+1)·units/chunks); column j of op(B) starts at b + j floats, or at stored row j
// (b + j·ldb) when B is transposed, and likewise for the rows of op(A).
const RUN_CHUNK = `function runChunk(sgemm, ctl, fl, t, chunks, scratch) {
  const g = ${ARGS};
  const transA = ctl[g], transB = ctl[g + 1], m = ctl[g + 2], n = ctl[g + 3], k = ctl[g + 4];
  const a = ctl[g + 5] >>> 0, lda = ctl[g + 6], b = ctl[g + 7] >>> 0, ldb = ctl[g + 8], c = ctl[g + 9] >>> 0, ldc = ctl[g + 10];
  const byCols = ctl[g + 11], unit = ctl[g + 12], units = ctl[g + 13];
  const lo = Math.floor((t * units) / chunks) * unit;
  const hi = Math.floor(((t + 1) * units) / chunks) * unit;
  if (byCols) {
    const j1 = Math.min(n, hi);
    sgemm(transA, transB, m, j1 - lo, k, fl[0], a, lda, b + (transB ? lo * ldb : lo) * 4, ldb, fl[1], c + lo * 4, ldc, scratch);
  } else {
    const i1 = Math.min(m, hi);
    sgemm(transA, transB, i1 - lo, n, k, fl[0], a + (transA ? lo : lo * lda) * 4, lda, b, ldb, fl[1], c + lo * ldc * 4, ldc, scratch);
  }
}`;
const runChunk = new Function(`${RUN_CHUNK}; return runChunk;`)() as (
  sgemm: Sgemm, ctl: Int32Array, fl: Float64Array, t: number, chunks: number, scratch: number,
) => void;

// Plain CommonJS so it runs from `eval` the same way under tsc output and under Vitest's TS transform.
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { module, memory, control, scratch } = workerData;
const ctl = new Int32Array(control, 0, ${CONTROL_INTS});
const fl = new Float64Array(control, ${FLOATS * 4}, 2);
${RUN_CHUNK}
let sgemm;
try {
  sgemm = new WebAssembly.Instance(module, { env: { memory } }).exports.sgemm;
  Atomics.add(ctl, ${READY}, 1);
  Atomics.notify(ctl, ${READY});
} catch (e) {
  Atomics.store(ctl, ${BOOT_FAILED}, 1);
  Atomics.notify(ctl, ${READY});
}
while (sgemm) {
  const w = Atomics.load(ctl, ${CLAIM});
  const t = w & 1023, chunks = (w >>> 10) & 1023;
  if (t < chunks) {
    if (Atomics.compareExchange(ctl, ${CLAIM}, w, w + 1) !== w) continue;
    try {
      runChunk(sgemm, ctl, fl, t, chunks, scratch);
      Atomics.add(ctl, ${WORKER_CHUNKS}, 1);
    } catch (e) {
      Atomics.store(ctl, ${CHUNK_FAILED}, 1);
    }
    if (Atomics.add(ctl, ${FINISHED}, 1) + 1 === chunks) Atomics.notify(ctl, ${FINISHED});
    continue;
  }
  for (let i = 0; i < ${SPINS} && Atomics.load(ctl, ${CLAIM}) === w; i++);
  Atomics.wait(ctl, ${CLAIM}, w);
}
`;

/** Helper threads bound to one shared memory; the calling thread is always one of the workers of a job. */
export class GemmWorkers {
  readonly #workers: Worker[] = [];
  readonly #ctl: Int32Array;
  readonly #fl: Float64Array;
  #seq = 0;

  /**
   * Starts `count` workers; worker i uses the scratch region at `scratch[i]`. They boot in the background and
   * join jobs once ready. Throws only if no worker can be created at all (the caller then runs alone).
   */
  constructor(module: object, memory: object, scratch: readonly number[]) {
    const control = new SharedArrayBuffer(CONTROL_INTS * 4);
    this.#ctl = new Int32Array(control);
    this.#fl = new Float64Array(control, FLOATS * 4, 2);
    for (const region of scratch) {
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { module, memory, control, scratch: region } });
      // Idle workers must never keep the process alive, and a failing worker must not crash it: it just
      // never claims a chunk.
      worker.unref();
      worker.on('error', () => undefined);
      this.#workers.push(worker);
    }
  }

  get count(): number {
    return this.#workers.length;
  }

  /** Workers that have booted (they may still be busy or asleep; idle ones join the next job). */
  get ready(): number {
    return this.#workers.length === 0 ? 0 : Atomics.load(this.#ctl, READY);
  }

  /** Chunks computed by workers so far (the rest were computed by the calling thread). */
  get workerChunks(): number {
    return Atomics.load(this.#ctl, WORKER_CHUNKS);
  }

  /** Blocks until every worker has booted (or failed to) or `timeoutMs` passes; returns `ready`. */
  waitReady(timeoutMs: number): number {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const ready = Atomics.load(this.#ctl, READY);
      if (ready >= this.#workers.length || Atomics.load(this.#ctl, BOOT_FAILED) !== 0) return this.ready;
      const left = end - Date.now();
      if (left <= 0) return this.ready;
      Atomics.wait(this.#ctl, READY, ready, Math.min(left, 50));
    }
  }

  /**
   * Runs `job` cut as `split` on the calling thread (scratch region `scratch`) and whichever workers are
   * awake, and returns when every chunk is done.
   */
  run(sgemm: Sgemm, job: GemmJob, split: GemmSplit, scratch: number): void {
    const ctl = this.#ctl;
    const g = ARGS;
    ctl[g] = job.transA;
    ctl[g + 1] = job.transB;
    ctl[g + 2] = job.m;
    ctl[g + 3] = job.n;
    ctl[g + 4] = job.k;
    ctl[g + 5] = job.a;
    ctl[g + 6] = job.lda;
    ctl[g + 7] = job.b;
    ctl[g + 8] = job.ldb;
    ctl[g + 9] = job.c;
    ctl[g + 10] = job.ldc;
    ctl[g + 11] = split.byCols ? 1 : 0;
    ctl[g + 12] = split.unit;
    ctl[g + 13] = split.units;
    this.#fl[0] = job.alpha;
    this.#fl[1] = job.beta;
    const chunks = split.chunks;
    Atomics.store(ctl, FINISHED, 0);
    this.#seq = (this.#seq + 1) & 2047;
    // Publishing CLAIM with a store orders every argument write above before any thread can claim a chunk.
    Atomics.store(ctl, CLAIM, (this.#seq << 20) | (chunks << 10));
    Atomics.notify(ctl, CLAIM);
    for (;;) {
      const w = Atomics.load(ctl, CLAIM);
      const t = w & 1023;
      if (t >= chunks) break;
      if (Atomics.compareExchange(ctl, CLAIM, w, w + 1) !== w) continue;
      runChunk(sgemm, ctl, this.#fl, t, chunks, scratch);
      Atomics.add(ctl, FINISHED, 1);
    }
    // Chunks claimed by workers may still be running; they are short, so spin a little before sleeping.
    for (let i = 0; i < SPINS && Atomics.load(ctl, FINISHED) < chunks; i++);
    for (;;) {
      const done = Atomics.load(ctl, FINISHED);
      if (done >= chunks) break;
      Atomics.wait(ctl, FINISHED, done);
    }
    if (Atomics.load(ctl, CHUNK_FAILED) !== 0) {
      // Only a kernel bug gets here (a trap inside a worker's chunk); the product is incomplete, so say so.
      throw new Error('WASM backend: a GEMM worker thread failed');
    }
  }

  /** Stops every worker; later jobs run on the calling thread alone. */
  terminate(): void {
    for (const w of this.#workers) void w.terminate();
    this.#workers.length = 0;
  }
}
