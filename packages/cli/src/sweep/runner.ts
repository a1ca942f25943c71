import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The compiled CLI the runs execute in; src/sweep/ and dist/sweep/ both sit two levels below the package root. */
export const TXSIM_BIN = fileURLToPath(new URL('../../bin/txsim.js', import.meta.url));

/** One `txsim train` to run: its arguments after `train`. */
export interface RunTask {
  readonly id: string;
  readonly args: readonly string[];
}

export interface RunExit {
  readonly task: RunTask;
  readonly pid: number | undefined;
  /** Exit code, or null when a signal ended the process. */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** The last lines of the run's stderr, for failure messages. */
  readonly stderrTail: string;
  readonly seconds: number;
}

export interface PoolHooks {
  onStart?(task: RunTask, pid: number): void;
  onExit?(exit: RunExit): void;
}

/**
 * Runs `txsim train` child processes, at most `jobs` at a time, in task order. Children get their
 * own process group, so a Ctrl-C at the terminal reaches only the sweep, which then asks each child
 * once (SIGINT: finish the batch, checkpoint, exit 130) instead of the terminal asking twice.
 */
export class RunPool {
  readonly #live = new Map<number, ChildProcess>();
  #stopping = false;

  constructor(readonly jobs: number, readonly bin: string = TXSIM_BIN) {}

  get stopping(): boolean {
    return this.#stopping;
  }

  /** Runs every task (none start after `stop()`); resolves when all started ones have exited. */
  async run(tasks: readonly RunTask[], hooks: PoolHooks = {}): Promise<void> {
    let next = 0;
    const worker = async () => {
      while (!this.#stopping && next < tasks.length) {
        const task = tasks[next++]!;
        const exit = await this.#runOne(task, hooks);
        hooks.onExit?.(exit);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(this.jobs, tasks.length)) }, worker));
  }

  /** No new runs; running ones stop after their current batch and keep their checkpoint. */
  stop(): void {
    this.#stopping = true;
    for (const child of this.#live.values()) child.kill('SIGINT');
  }

  /** Ends every running child at once (their last checkpoint stays on disk). */
  kill(): void {
    this.#stopping = true;
    for (const child of this.#live.values()) child.kill('SIGKILL');
  }

  #runOne(task: RunTask, hooks: PoolHooks): Promise<RunExit> {
    return new Promise((resolve) => {
      const t0 = performance.now();
      const child = spawn(process.execPath, [this.bin, 'train', ...task.args], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
      let stderr = '';
      child.stderr!.setEncoding('utf8').on('data', (s: string) => {
        stderr = (stderr + s).slice(-4000);
      });
      const pid = child.pid;
      if (pid !== undefined) {
        this.#live.set(pid, child);
        hooks.onStart?.(task, pid);
      }
      const done = (code: number | null, signal: NodeJS.Signals | null) => {
        if (pid !== undefined) this.#live.delete(pid);
        const tail = stderr.trimEnd().split('\n').slice(-6).join('\n');
        resolve({ task, pid, code, signal, stderrTail: tail, seconds: (performance.now() - t0) / 1000 });
      };
      child.once('error', (e) => {
        stderr += `\n${e.message}`;
        done(-1, null);
      });
      child.once('close', done);
    });
  }
}
