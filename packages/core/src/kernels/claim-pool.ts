import { Worker, type TransferListItem } from 'node:worker_threads';

// The claiming scheme both thread pools use (the GEMM's, matrix/gemm-threads.ts, and the element-wise
// kernels', kernels/threads.ts). Each worker sleeps on a control word; the calling thread publishes a job cut
// into chunks and then, like the workers, claims chunks one at a time until none are left, and finally waits
// for the chunks others claimed. Claiming instead of a fixed split matters on shared machines: a worker that
// is not scheduled in time simply gets no chunk, and the caller waits only for chunks a worker has already
// claimed, never for a thread that has not woken up.

// The first control words, in int32s, common to both pools. CLAIM packs the job's sequence number (bits
// 20–30), its chunk count (10–19) and the next unclaimed chunk (0–9) into one word, so a single
// compare-exchange claims a chunk of exactly the job it was read from: a thread that wakes late cannot take a
// chunk of the next job with the last job's arguments.
export const CLAIM = 0;
export const FINISHED = 1; // chunks of the current job completed, by anyone
export const READY = 2; // workers that booted
export const BOOT_FAILED = 3; // set when a worker could not boot
export const WORKER_CHUNKS = 4; // chunks computed by workers since the pool started (for tests and benchmarks)
export const CHUNK_FAILED = 5; // set when a chunk threw (a kernel bug)
/** Control words a pool may use for its own arguments start here. */
export const OWN_WORDS = 6;

// Spinning briefly before sleeping saves the futex wake-up (slow under KVM) on back-to-back jobs of a
// training step. One iteration (an Atomics.load) costs about 40 ns in Node 20, so this is about 0.2 ms; kept
// short because the build machines are shared and spinning steals their cores.
export const SPINS = 4000;

/**
 * The worker's side, as plain CommonJS source (it runs from `eval` the same way under tsc output and under
 * Vitest's TS transform). The source before it must define `ctl` (the control block as Int32Array); `boot`
 * runs once (a throw marks the pool's BOOT_FAILED), then `run` runs each claimed chunk with `t` and `chunks`
 * in scope.
 */
export function workerLoop(boot: string, run: string): string {
  return `
let booted = false;
try {
  ${boot}
  booted = true;
  Atomics.add(ctl, ${READY}, 1);
  Atomics.notify(ctl, ${READY});
} catch (e) {
  Atomics.store(ctl, ${BOOT_FAILED}, 1);
  Atomics.notify(ctl, ${READY});
}
while (booted) {
  const w = Atomics.load(ctl, ${CLAIM});
  const t = w & 1023, chunks = (w >>> 10) & 1023;
  if (t < chunks) {
    if (Atomics.compareExchange(ctl, ${CLAIM}, w, w + 1) !== w) continue;
    try {
      ${run}
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
}

/** One worker's start: its workerData and what is transferred to it. */
export interface WorkerStart {
  readonly workerData: unknown;
  readonly transferList?: readonly TransferListItem[];
}

/** Worker threads claiming chunks of jobs published on a shared control block; the caller is one of them. */
export class ClaimingWorkers {
  readonly #workers: Worker[] = [];
  readonly #ctl: Int32Array;
  #seq = 0;

  /** Starts one worker per entry of `starts`, each running `source`; they boot in the background. */
  constructor(control: SharedArrayBuffer, source: string, starts: readonly WorkerStart[]) {
    this.#ctl = new Int32Array(control);
    for (const s of starts) {
      const worker = new Worker(source, { eval: true, workerData: s.workerData, transferList: s.transferList ? [...s.transferList] : undefined });
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

  /** Blocks until every worker has booted (or one failed) or `timeoutMs` passes; returns `ready`. */
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
   * Publishes a job of `chunks` chunks (its arguments already written to the control block), computes chunks
   * on this thread with `local(t)` while any are unclaimed, and returns when every chunk is done; throws
   * `failure` when a worker's chunk threw.
   */
  run(chunks: number, local: (t: number) => void, failure: string): void {
    const ctl = this.#ctl;
    Atomics.store(ctl, FINISHED, 0);
    this.#seq = (this.#seq + 1) & 2047;
    // Publishing CLAIM with a store orders every argument write before it ahead of any thread's claim.
    Atomics.store(ctl, CLAIM, (this.#seq << 20) | (chunks << 10));
    Atomics.notify(ctl, CLAIM);
    for (;;) {
      const w = Atomics.load(ctl, CLAIM);
      const t = w & 1023;
      if (t >= chunks) break;
      if (Atomics.compareExchange(ctl, CLAIM, w, w + 1) !== w) continue;
      try {
        local(t);
      } catch (e) {
        // Workers waiting on something this chunk would publish see the flag instead of waiting for ever.
        Atomics.store(ctl, CHUNK_FAILED, 1);
        throw e;
      }
      Atomics.add(ctl, FINISHED, 1);
    }
    // Chunks claimed by workers may still be running; they are short, so spin a little before sleeping.
    for (let i = 0; i < SPINS && Atomics.load(ctl, FINISHED) < chunks; i++);
    for (;;) {
      const done = Atomics.load(ctl, FINISHED);
      if (done >= chunks) break;
      Atomics.wait(ctl, FINISHED, done);
    }
    // Only a kernel bug gets here (a trap inside a worker's chunk); the result is incomplete, so say so.
    if (Atomics.load(ctl, CHUNK_FAILED) !== 0) throw new Error(failure);
  }

  /** Stops every worker; later jobs run on the calling thread alone. */
  terminate(): void {
    for (const w of this.#workers) void w.terminate();
    this.#workers.length = 0;
  }
}
