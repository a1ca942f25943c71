import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { processAlive } from './process-alive.js';
import { LOCK_DIR, LOCK_HOLDER_FILE, lockRunDir } from './run-lock.js';

const procState = (pid: number) => {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return s.slice(s.lastIndexOf(')') + 2, s.lastIndexOf(')') + 3);
  } catch {
    return '';
  }
};

describe('processAlive', () => {
  it('is true for this process and false for a pid nobody has', () => {
    expect(processAlive(process.pid)).toBe(true);
    expect(processAlive(2 ** 22 + 1)).toBe(false);
  });

  it.skipIf(process.platform !== 'linux')('counts a zombie as dead, though kill(pid, 0) still succeeds for it', async () => {
    // `sleep 0` exits at once; its parent then execs `sleep 5`, which never reaps it: a zombie for 5 s.
    const sh = spawn('sh', ['-c', 'sleep 0 & echo $!; exec sleep 5'], { stdio: ['ignore', 'pipe', 'ignore'] });
    const pid = Number(await new Promise<string>((resolve) => sh.stdout.once('data', (d: Buffer) => resolve(d.toString()))));
    while (procState(pid) !== 'Z') await new Promise((r) => setTimeout(r, 5));
    expect(() => process.kill(pid, 0)).not.toThrow();
    expect(processAlive(pid)).toBe(false);
    sh.kill('SIGKILL');
  });
});

describe('lockRunDir', () => {
  it('refuses a second holder, naming the directory and the holder, until released', () => {
    const dir = mkdtempSync(join(tmpdir(), 'txsim-lock-'));
    const lock = lockRunDir(dir);
    expect(() => lockRunDir(dir)).toThrow(`${dir} is in use by process ${process.pid} on ${hostname()}`);
    lock.release();
    lockRunDir(dir).release();
  });

  it('takes over a lock whose recorded holder is dead', () => {
    const dir = mkdtempSync(join(tmpdir(), 'txsim-lock-'));
    mkdirSync(join(dir, LOCK_DIR));
    writeFileSync(join(dir, LOCK_HOLDER_FILE), JSON.stringify({ pid: 2 ** 22 + 1, host: hostname(), since: 'then' }));
    const lock = lockRunDir(dir);
    expect(JSON.parse(readFileSync(join(dir, LOCK_HOLDER_FILE), 'utf8'))).toMatchObject({ pid: process.pid });
    lock.release();
  });

  it('clears the claim of a process killed before it got the free lock', () => {
    const dir = mkdtempSync(join(tmpdir(), 'txsim-lock-'));
    writeFileSync(join(dir, `.lock-claim.${2 ** 22 + 1}`), '');
    const lock = lockRunDir(dir);
    expect(readdirSync(dir).filter((f) => f.startsWith('.lock-claim.'))).toEqual([]);
    lock.release();
    expect(readdirSync(dir)).toEqual([]);
  });
});
