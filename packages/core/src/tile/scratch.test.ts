import { describe, expect, it } from 'vitest';
import { kernels } from '../kernels/elementwise.js';
import { elementwiseModule } from '../kernels/wasm.js';
import { Scratch } from './scratch.js';

const wasm = elementwiseModule();

describe('Scratch', () => {
  // A buffer handed out before its key grew must stay valid: the scratch returns subarrays, and a subarray
  // does not keep the kernel-memory block of its parent view alive (the allocator tracks the parent only).
  it.skipIf(!wasm)('keeps an earlier buffer of a key valid after the key grows and memory is reclaimed', async () => {
    const scratch = new Scratch();
    const n = 4096;
    const old = scratch.float64('k', n);
    old.fill(7);
    scratch.float64('k', 4 * n); // grows the key: the scratch replaces its parent view
    // A WeakRef keeps its target alive until the current job ends: let it end, as between training steps.
    await new Promise((resolve) => setTimeout(resolve, 0));
    kernels.reclaim(); // collects garbage and takes back the blocks of dead views
    // Fresh blocks of the old size (zero-filled when reused) must not land on the old buffer.
    const others = Array.from({ length: 8 }, () => kernels.float64(n));
    for (const o of others) o.fill(-1);
    expect(old.every((v) => v === 7)).toBe(true);
  });

  it('hands out buffers of the asked length that persist per key', () => {
    const scratch = new Scratch();
    const a = scratch.float32('a', 10);
    a[3] = 5;
    expect(scratch.float32('a', 10)[3]).toBe(5);
    expect(scratch.float32('a', 6).length).toBe(6);
    expect(scratch.float32('b', 10)[3]).toBe(0);
  });
});
