import { ClaimingWorkers, OWN_WORDS, workerLoop } from '../kernels/claim-pool.js';

// Helper threads for the WASM GEMM, on the claiming scheme of kernels/claim-pool.ts. Each worker instantiates
// the same compiled module on the backend's shared memory; a job is cut into chunks (blocks of C's rows or
// columns). Which thread computes a chunk never changes its bits: the kernel's summation order does not
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

// Control block, in int32s: claim-pool.ts's words, then the job's arguments.
const ARGS = OWN_WORDS + 2; // transA, transB, m, n, k, a, lda, b, ldb, c, ldc, byCols, unit, units
const FLOATS = 24; // alpha, beta as float64 (int32 index 24 = byte 96, 8-byte aligned)
const CONTROL_INTS = 32;
/** Most chunks one job may have (the width of the chunk fields in CLAIM). */
export const MAX_CHUNKS = 1023;

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

const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { module, memory, control, scratch } = workerData;
const ctl = new Int32Array(control, 0, ${CONTROL_INTS});
const fl = new Float64Array(control, ${FLOATS * 4}, 2);
${RUN_CHUNK}
let sgemm;
${workerLoop('sgemm = new WebAssembly.Instance(module, { env: { memory } }).exports.sgemm;', 'runChunk(sgemm, ctl, fl, t, chunks, scratch);')}`;

/** Helper threads bound to one shared memory; the calling thread is always one of the workers of a job. */
export class GemmWorkers {
  readonly #pool: ClaimingWorkers;
  readonly #ctl: Int32Array;
  readonly #fl: Float64Array;

  /**
   * Starts `count` workers; worker i uses the scratch region at `scratch[i]`. They boot in the background and
   * join jobs once ready. Throws only if no worker can be created at all (the caller then runs alone).
   */
  constructor(module: object, memory: object, scratch: readonly number[]) {
    const control = new SharedArrayBuffer(CONTROL_INTS * 4);
    this.#ctl = new Int32Array(control);
    this.#fl = new Float64Array(control, FLOATS * 4, 2);
    this.#pool = new ClaimingWorkers(control, WORKER_SOURCE, scratch.map((region) => ({ workerData: { module, memory, control, scratch: region } })));
  }

  get count(): number {
    return this.#pool.count;
  }

  /** Workers that have booted (they may still be busy or asleep; idle ones join the next job). */
  get ready(): number {
    return this.#pool.ready;
  }

  /** Chunks computed by workers so far (the rest were computed by the calling thread). */
  get workerChunks(): number {
    return this.#pool.workerChunks;
  }

  /** Blocks until every worker has booted (or failed to) or `timeoutMs` passes; returns `ready`. */
  waitReady(timeoutMs: number): number {
    return this.#pool.waitReady(timeoutMs);
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
    this.#pool.run(chunks, (t) => runChunk(sgemm, ctl, this.#fl, t, chunks, scratch), 'WASM backend: a GEMM worker thread failed');
  }

  /** Stops every worker; later jobs run on the calling thread alone. */
  terminate(): void {
    this.#pool.terminate();
  }
}
