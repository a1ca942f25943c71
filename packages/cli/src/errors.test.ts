import { describe, expect, it } from 'vitest';
import { describeError } from './errors.js';

const errno = (code: string, props: Record<string, unknown>) => Object.assign(new Error(`${code}: something`), { code, ...props });

describe('describeError', () => {
  it('prints deliberate errors as they are', () => {
    expect(describeError(new Error('--jobs expects a whole number ≥ 1, got "x"'))).toEqual({ line: 'txsim: --jobs expects a whole number ≥ 1, got "x"', internal: false });
    class FitDataError extends Error {}
    expect(describeError(new FitDataError('data.csv: 1 problem')).internal).toBe(false);
  });

  it('names the path and the fix of an operating-system error', () => {
    expect(describeError(errno('ENOSPC', { syscall: 'write' })).line).toBe('txsim: write: no space left on the device; free some space or write elsewhere (--out) (ENOSPC)');
    expect(describeError(errno('ENOENT', { syscall: 'mkdir', path: '' })).line).toMatch(/mkdir \(an empty path: is a --out or file flag empty\?\)/);
    expect(describeError(errno('EACCES', { syscall: 'open', path: '/x/y' })).line).toMatch(/^txsim: open \/x\/y: permission denied/);
  });

  it('calls anything else an internal error, in one line, with how to get the stack', () => {
    const d = describeError(new RangeError('Invalid typed array length: 212992\n    at foo (x.js:1:1)'));
    expect(d).toEqual({ line: 'txsim: internal error: Invalid typed array length: 212992 (rerun with TXSIM_DEBUG=1 for the stack, and please report it)', internal: true });
    expect(describeError(new TypeError("Cannot read properties of null (reading 'version')")).internal).toBe(true);
    expect(describeError(Object.assign(new Error('[{"code":"too_big"}]'), { name: 'ZodError' })).internal).toBe(true);
    expect(describeError('thrown string').line).toMatch(/^txsim: internal error: thrown string/);
  });
});
