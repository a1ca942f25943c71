// Jumping a NormalStream ahead by any number of rounds in O(log rounds) work, so chunks of a random kernel can
// start at their own position of one stream (src/kernels/threads.ts) and keep the bits of a single-threaded
// call. xoshiro128** is linear over GF(2): a step is a 128×128 bit matrix M on the state of a lane, and every
// lane has the same M. With p the characteristic polynomial of M, M^k = r(M) for r = x^k mod p, and r(M)·s is
// the XOR of the states after b steps for every coefficient r_b = 1. The polynomials for k = 2^(i+1) steps
// (one round is two steps) are computed once per process, with BigInt, from p found by Berlekamp–Massey.

import { MAX_CHUNKS } from './threads.js';
import type { ElementwiseModule } from './wasm.js';

/** Jump polynomials in the table: enough for 2^32 rounds. */
export const JUMP_BITS = 32;

/** x^(2^(i+1)) mod p for i < JUMP_BITS, each as 4 u32 words (x^0 the lowest bit of word 0). */
export function jumpTable(): Uint32Array {
  if (table) return table;
  const p = characteristic();
  const mulmod = (a: bigint, b: bigint): bigint => {
    let r = 0n;
    for (let i = 0n; b >> i; i++) if ((b >> i) & 1n) r ^= a << i;
    for (let i = 255n; i >= 128n; i--) if ((r >> i) & 1n) r ^= p << (i - 128n);
    return r;
  };
  const out = new Uint32Array(JUMP_BITS * 4);
  let r = 2n; // x
  for (let i = 0; i < JUMP_BITS; i++) {
    r = mulmod(r, r);
    for (let w = 0; w < 4; w++) out[i * 4 + w] = Number((r >> BigInt(32 * w)) & 0xffffffffn);
  }
  return (table = out);
}
let table: Uint32Array | undefined;

/**
 * The characteristic polynomial of one xoshiro128** step (bit i = coefficient of x^i, degree 128): the
 * minimal polynomial of an output bit sequence, which is p itself because p is primitive (full period).
 */
function characteristic(): bigint {
  const s = [0x9e3779b9, 0x243f6a88, 0xb7e15162, 0x12345678];
  const bits: number[] = [];
  for (let n = 0; n < 512; n++) {
    bits.push(s[0]! & 1);
    const t = s[1]! << 9;
    s[2]! ^= s[0]!;
    s[3]! ^= s[1]!;
    s[1]! ^= s[2]!;
    s[0]! ^= s[3]!;
    s[2]! ^= t;
    s[3] = (s[3]! << 11) | (s[3]! >>> 21);
  }
  // Berlekamp–Massey over GF(2): connection polynomial C (C[0] = 1) of the shortest LFSR making `bits`.
  let c = [1];
  let b = [1];
  let len = 0;
  let m = 1;
  for (let n = 0; n < bits.length; n++) {
    let d = bits[n]!;
    for (let i = 1; i <= len; i++) d ^= (c[i] ?? 0) & bits[n - i]!;
    if (d === 0) {
      m++;
      continue;
    }
    const t = c.slice();
    const next = c.slice();
    for (let i = 0; i < b.length; i++) next[i + m] = (next[i + m] ?? 0) ^ b[i]!;
    c = Array.from(next, (v) => v ?? 0);
    if (2 * len <= n) {
      len = n + 1 - len;
      b = t;
      m = 1;
    } else m++;
  }
  if (len !== 128) throw new Error(`stream-jump: expected a degree-128 recurrence, found ${len}`);
  // p(x) = x^L·C(1/x): coefficient of x^j is C[L − j].
  let p = 0n;
  for (let j = 0; j <= len; j++) if (c[len - j]) p |= 1n << BigInt(j);
  return p;
}

/** One 16-word stream state per chunk and the jump table, in kernel memory: what chunked random kernels jump with. */
export interface JumpBlocks {
  readonly states: Uint32Array;
  readonly table: Uint32Array;
}

/**
 * The per-chunk state copies and the jump table of the chunked random kernels (the noisy update chain, large
 * normal fills), made once per process in kernel memory. The jobs using them never overlap (each runs to
 * completion on the calling thread's call).
 */
export function jumpBlocks(m: ElementwiseModule): JumpBlocks {
  if (!blocks) {
    const states = m.int32(16 * MAX_CHUNKS);
    const words = m.int32(4 * JUMP_BITS);
    const made = {
      states: new Uint32Array(states.buffer, states.byteOffset, states.length),
      table: new Uint32Array(words.buffer, words.byteOffset, words.length),
      // The Int32Array views own the kernel-memory blocks: kept alive with them.
      keep: [states, words],
    };
    made.table.set(jumpTable());
    blocks = made;
  }
  return blocks;
}
let blocks: (JumpBlocks & { keep: Int32Array[] }) | undefined;
