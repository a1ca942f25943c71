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

  it('hands back the same view for each length a key alternates between, and views of the grown buffer after growth', () => {
    const scratch = new Scratch();
    const [f, g] = [scratch.float32('x', 8), scratch.float32('x', 3)];
    // A forward and a backward read alternate lengths every step: no fresh view per request.
    expect(scratch.float32('x', 8)).toBe(f);
    expect(scratch.float32('x', 3)).toBe(g);
    const [p, q] = [scratch.float64('y', 5), scratch.float64('y', 2)];
    expect(scratch.float64('y', 5)).toBe(p);
    expect(scratch.float64('y', 2)).toBe(q);
    // Growing the key replaces the buffer: every length then views the new one (and all share it).
    const big = scratch.float32('x', 100);
    const small = scratch.float32('x', 3);
    expect(small).not.toBe(g);
    small[1] = 9;
    expect(big[1]).toBe(9);
    expect(scratch.float32('x', 8)[1]).toBe(9);
    const wide = scratch.float64('y', 50);
    scratch.float64('y', 2)[0] = 4;
    expect(wide[0]).toBe(4);
  });
});
