import { readFileSync, renameSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import lockfile from 'proper-lockfile';
import { processAlive } from './process-alive.js';
import { writeFileAtomic } from './run-dir.js';

/** The lock (a directory, made by mkdir, which is atomic) and who holds it; both live inside the run directory. */
export const LOCK_DIR = '.lock';
export const LOCK_HOLDER_FILE = '.lock-holder.json';

/**
 * proper-lockfile's own staleness: a holder refreshes the lock's mtime every stale/2 ms; a lock not
 * refreshed for this long is taken over (a holder on another host, or one whose pid was reused).
 */
const STALE_MS = 10_000;

/** What `.lock-holder.json` says, so a refused process can name who has the directory. */
export interface LockHolder {
  readonly pid: number;
  readonly host: string;
  readonly since: string;
}

function readHolder(dir: string): LockHolder | undefined {
  try {
    const h = JSON.parse(readFileSync(join(dir, LOCK_HOLDER_FILE), 'utf8')) as Partial<LockHolder>;
    return typeof h.pid === 'number' && typeof h.host === 'string' ? { pid: h.pid, host: h.host, since: String(h.since) } : undefined;
  } catch {
    return undefined;
  }
}

/** An exclusive hold on a run directory; `release` is idempotent. */
export interface RunLock {
  release(): void;
  /** Set when the lock was lost (its directory removed or taken over); the run must stop. */
  readonly compromised: Error | undefined;
}

/**
 * Takes the run directory's lock, or throws naming the directory and the process that holds it. The
 * lock is proper-lockfile's (mkdir-based, mtime-refreshed, released on process exit and signals by
 * its exit hook); a lock whose recorded holder is a dead process on this host is taken over at once
 * instead of after the mtime staleness, so a resume right after kill -9 does not wait.
 */
export function lockRunDir(dir: string): RunLock {
  const options = { realpath: false, lockfilePath: join(dir, LOCK_DIR), stale: STALE_MS, onCompromised: (e: Error) => (state.compromised = e) };
  const state: { compromised: Error | undefined } = { compromised: undefined };
  let unlock: (() => void) | undefined;
  for (let attempt = 0; !unlock; attempt++) {
    try {
      unlock = lockfile.lockSync(dir, options);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ELOCKED') throw e;
      const holder = readHolder(dir);
      if (attempt < 2 && holder && holder.host === hostname() && !processAlive(holder.pid)) {
        // The holder died without its exit hook (kill -9, power loss): its lock says nothing. Renaming
        // the holder file claims the takeover, so of two processes racing here only one removes the lock.
        const claimed = join(dir, `${LOCK_HOLDER_FILE}.${process.pid}.stale`);
        try {
          renameSync(join(dir, LOCK_HOLDER_FILE), claimed);
        } catch {
          continue;
        }
        rmSync(join(dir, LOCK_DIR), { recursive: true, force: true });
        rmSync(claimed, { force: true });
        continue;
      }
      const who = holder ? `process ${holder.pid} on ${holder.host} (since ${holder.since})` : 'another process';
      throw new Error(`${dir} is in use by ${who}; only one txsim train may work in a run directory at a time. `
        + `Wait for it to finish, or stop it${holder ? ` (kill -INT ${holder.pid})` : ''}, then resume with: txsim train --resume ${dir}`);
    }
  }
  writeFileAtomic(join(dir, LOCK_HOLDER_FILE), `${JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString() } satisfies LockHolder)}\n`);
  let held = true;
  return {
    get compromised() {
      return state.compromised;
    },
    release() {
      if (!held) return;
      held = false;
      rmSync(join(dir, LOCK_HOLDER_FILE), { force: true });
      try {
        unlock!();
      } catch {
        // Already released or taken over: nothing of ours is left to remove.
      }
    },
  };
}
