import { readFileSync } from 'node:fs';

/**
 * Whether a process runs. `kill(pid, 0)` also succeeds for a zombie (dead, not yet reaped by its
 * parent: the children of a SIGKILLed process stay so where nothing reaps orphans), so on Linux the
 * state letter in /proc/<pid>/stat decides: Z (zombie) and X (dead) are not running.
 */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (process.platform !== 'linux') return true;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) S …": comm may hold spaces and parentheses, so the state follows the last ")".
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    // Gone between the two looks (or /proc hidden): treat as dead only if it really vanished.
    try {
      process.kill(pid, 0);
      return true;
    } catch (e) {
      return (e as NodeJS.ErrnoException).code === 'EPERM';
    }
  }
}
