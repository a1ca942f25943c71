import { describe, expect, it } from 'vitest';
import { createWasmBackend, ReferenceBackend, wasmAvailable } from '@txsim/core';
import { nativeAvailable } from '@txsim/native';
import { AUTO_MARGIN, pickFaster, timeBackends } from './auto-backend.js';
import { autoPicksNative, createBackend } from './composition.js';

describe('auto backend choice', () => {
  it('keeps the first (native) candidate unless the second is faster by more than the margin', () => {
    expect(pickFaster([1, 1])).toBe(0);
    expect(pickFaster([1, 1 / AUTO_MARGIN + 1e-9])).toBe(0);
    expect(pickFaster([1, 1 / AUTO_MARGIN - 1e-3])).toBe(1);
    expect(pickFaster([1, 2])).toBe(0);
  });

  it.skipIf(!wasmAvailable())('times training GEMMs well enough to tell a 20× slower kernel apart', () => {
    // The plain TypeScript GEMM is 20–70× slower than WASM SIMD: in the native slot it must lose.
    const [slow, fast] = timeBackends([new ReferenceBackend(), createWasmBackend({ threads: 1 })], 1);
    expect(slow).toBeGreaterThan(0);
    expect(pickFaster([slow!, fast!])).toBe(1);
  });

  it.skipIf(!wasmAvailable() || !nativeAvailable())('auto returns the kernel it picked, the same one every time in a process', () => {
    const pick = autoPicksNative();
    expect(createBackend('auto').name).toBe(pick ? 'native' : createWasmBackend().name);
    expect(autoPicksNative()).toBe(pick);
  });
});
