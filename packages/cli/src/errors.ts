/** What an operating-system error code means, for the one-line messages of the CLI. */
const ERRNO: Record<string, string> = {
  ENOSPC: 'no space left on the device; free some space or write elsewhere (--out)',
  EDQUOT: 'disk quota exceeded; free some space or write elsewhere (--out)',
  EACCES: 'permission denied; choose a location you can write (--out) or read',
  EPERM: 'operation not permitted; choose another location',
  EROFS: 'the file system is read-only; choose another location (--out)',
  ENOENT: 'no such file or directory',
  ENOTDIR: 'a part of the path is a file, not a directory',
  EISDIR: 'is a directory, where a file was expected',
  ENAMETOOLONG: 'a name in the path is too long (file systems allow 255 bytes per name)',
  EMFILE: 'too many open files; close other programs or raise the limit (ulimit -n)',
};

const isErrno = (e: unknown): e is NodeJS.ErrnoException => e instanceof Error && typeof (e as NodeJS.ErrnoException).code === 'string' && /^E[A-Z]+$/.test((e as NodeJS.ErrnoException).code!);

/**
 * The line the CLI prints for an error that is not a spec or pack problem. Errors thrown on purpose
 * (plain `Error`s and the named kinds, whose messages name the flag or file) print as they are; an
 * operating-system error names its path and the fix; anything else (TypeError, RangeError, a raw
 * validation error) is a bug here, and says so instead of passing an internal message off as advice.
 */
export function describeError(e: unknown): { line: string; internal: boolean } {
  if (isErrno(e)) {
    const what = ERRNO[e.code!] ?? e.message.replace(/^E[A-Z]+: /, '');
    const where = e.path !== undefined ? (e.path === '' ? ' (an empty path: is a --out or file flag empty?)' : ` ${e.path}`) : '';
    const op = e.syscall ? `${e.syscall}${where}` : where.trim() || 'a file operation';
    return { line: `txsim: ${op}: ${what} (${e.code})`, internal: false };
  }
  if (e instanceof Error && (e.constructor === Error || !BUILTIN.has(e.constructor as ErrorConstructor)) && e.name !== 'ZodError') {
    return { line: `txsim: ${e.message}`, internal: false };
  }
  const message = (e instanceof Error ? e.message : String(e)).split('\n')[0]!.slice(0, 500);
  return { line: `txsim: internal error: ${message} (rerun with TXSIM_DEBUG=1 for the stack, and please report it)`, internal: true };
}

const BUILTIN = new Set<ErrorConstructor>([TypeError, RangeError, ReferenceError, SyntaxError, EvalError, URIError]);
