import { describe, expect, it } from 'vitest';
import { recordedBackend } from './run.js';

describe('recordedBackend', () => {
  it('maps the backend a run recorded to the choice that rebuilds the same kernel family', () => {
    expect(recordedBackend('native')).toBe('native');
    expect(recordedBackend('wasm-relaxed-simd')).toBe('wasm');
    expect(recordedBackend('wasm-simd')).toBe('wasm');
    expect(recordedBackend('reference')).toBe('reference');
    expect(recordedBackend(undefined)).toBe('auto');
    expect(recordedBackend('something-else')).toBe('auto');
  });
});
