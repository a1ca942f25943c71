import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

const CLAIM_PREFIX = '.lock-claim.';

/** Pids of running processes that are trying for (or just took) the lock; dead ones' claims are removed. */
function liveClaims(dir: string): number[] {
  const out: number[] = [];
  for (const f of readdirSync(dir)) {
    if (!f.startsWith(CLAIM_PREFIX)) continue;
    const pid = Number(f.slice(CLAIM_PREFIX.length));
    if (pid === process.pid || processAlive(pid)) out.push(pid);
    else rmSync(join(dir, f), { force: true });
  }
  return out;
}

const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

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
 * its exit hook). A lock whose holder is a dead process on this host is taken over within ~50 ms
 * instead of after the mtime staleness, so a resume right after kill -9 does not wait: every process
 * leaves a claim file (its pid) before trying the lock, so even one killed between taking the lock
 * and writing `.lock-holder.json` is known to be dead.
 */
export function lockRunDir(dir: string): RunLock {
  const options = { realpath: false, lockfilePath: join(dir, LOCK_DIR), stale: STALE_MS, onCompromised: (e: Error) => (state.compromised = e) };
  const state: { compromised: Error | undefined } = { compromised: undefined };
  // A claim is written before the lock is tried, so a process killed between taking the lock and
  // writing the holder record still left its pid behind.
  const claim = join(dir, `${CLAIM_PREFIX}${process.pid}`);
  writeFileSync(claim, '');
  let unlock: (() => void) | undefined;
  let deadLooks = 0;
  for (let attempt = 0; !unlock; attempt++) {
    try {
      unlock = lockfile.lockSync(dir, options);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ELOCKED') {
        rmSync(claim, { force: true });
        throw e;
      }
      const holder = readHolder(dir);
      const holderLives = holder !== undefined && (holder.host !== hostname() || processAlive(holder.pid));
      const claims = liveClaims(dir);
      if (!holderLives && attempt < 40) {
        // The holder died without its exit hook (kill -9, power loss), or is between taking the lock
        // and writing its record (microseconds). Two looks 25 ms apart tell them apart; of several
        // processes waiting, the lowest pid takes over and the others find it holding.
        deadLooks++;
        if (deadLooks >= 2 && claims.every((pid) => pid >= process.pid)) {
          rmSync(join(dir, LOCK_HOLDER_FILE), { force: true });
          rmSync(join(dir, LOCK_DIR), { recursive: true, force: true });
        }
        sleep(25);
        continue;
      }
      rmSync(claim, { force: true });
      const who = holderLives ? `process ${holder.pid} on ${holder.host} (since ${holder.since})` : `process ${claims.filter((p) => p !== process.pid).join(', ') || '(unknown)'}`;
      throw new Error(`${dir} is in use by ${who}; only one txsim train may work in a run directory at a time. `
        + `Wait for it to finish, or stop it${holderLives ? ` (kill -INT ${holder.pid})` : ''}, then resume with: txsim train --resume ${dir}`);
    }
  }
  writeFileAtomic(join(dir, LOCK_HOLDER_FILE), `${JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString() } satisfies LockHolder)}\n`);
  rmSync(claim, { force: true });
  // A process killed after leaving its claim but before it got the lock left the claim behind: the
  // lock was free, so nothing above looked at the claims; they are cleared now that we hold it.
  liveClaims(dir);
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
