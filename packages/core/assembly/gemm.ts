// Packed single-precision GEMM (BLIS layout) for WebAssembly SIMD128.
//
// One source, two builds: ASC_FEATURE_RELAXED_SIMD is a compile-time constant, so the relaxed build uses
// f32x4.relaxed_madd (a fused FMA on x86-with-FMA and arm64, ~20 % faster) and the baseline build uses mul+add.
// The memory is imported and shared: worker threads instantiate the same module on it, and each thread passes
// its own scratch region (pack buffers) to sgemm. All addresses are byte offsets into that memory; JS owns
// everything above arenaBase() and hands out the scratch regions and operand space itself.
//
// Summation order: every element of C is the sum over the same K blocks (their sizes depend on k only), each
// accumulated by the same micro-kernel in k order. Neither M/N blocking nor the rows or columns a thread is
// given change it, so splitting C between threads gives bit-identical results for any thread count.

// 2×16 is 8 f32x4 accumulators. Measured in isolation on the 2-core Zen 3 build VM (Node 20, packed panels in
// L1/L2, best of interleaved runs): relaxed 2×16 ≈ 40–43 GFLOP/s against a 42–47 register-only FMA ceiling;
// 4×8 ≈ 35–40, 6×8 ≈ 40–43 with FMA but ≈ 20 with mul+add (its 12 accumulators plus the mul temporary need all
// 16 xmm registers, and V8 keeps one as scratch), 4×12 ≈ 22 (spills), lane-splat and pre-splatted A no
// better. Unrolling k by 2 is slower (V8 hoists the second step's loads and spills accumulators), so the loop
// does one k step per iteration. 2×16 ties 6×8 with FMA and beats it with mul+add, so one tile serves both.
// The full GEMM reaches ≈ 34–39 (relaxed) and 26–30 (mul+add), best of runs; packing costs ≈ 10 % of that at
// 64×784×256 and the rest of the gap to the isolated kernel is cache traffic.
const MR: i32 = 2;
const NR: i32 = 16;
// KC keeps a 16-column B micro-panel (16 KiB) in L1; MC·KC of packed A (120 KiB) stays in L2. KC 192/384 and
// MC 64/240 measured the same within the noise of the shared VM.
const KC: i32 = 256;
const NC: i32 = 512;
const MC: i32 = 120;

// How a finished tile meets C: overwrite (first K block with beta = 0, so stale NaNs in C are discarded),
// add (later K blocks, or beta = 1), or scale-and-add (first K block with any other beta).
const STORE: i32 = 0;
const ACCUM: i32 = 1;
const SCALE: i32 = 2;

// Each thread's scratch region holds packed A (MC×KC), packed B (KC×NC) and one edge tile, at fixed offsets:
// the sizes are compile-time constants, so nothing here ever allocates.
const PACK_B_OFFSET: usize = <usize>(MC * KC * 4);
const TILE_OFFSET: usize = PACK_B_OFFSET + <usize>(KC * NC * 4);
const SCRATCH_BYTES: usize = (TILE_OFFSET + <usize>(MR * NR * 4) + 63) & ~(63 as usize);

/** First byte JS may use (for scratch regions and operands); the module keeps nothing in memory above it. */
export function arenaBase(): usize {
  return (__heap_base + 63) & ~(63 as usize);
}

/** Bytes of one thread's scratch region; JS hands each thread its own 64-byte-aligned region. */
export function scratchBytes(): usize {
  return SCRATCH_BYTES;
}

@inline function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

/**
 * C[2×16] (mode) op(A-panel)·op(B-panel) over kc; ldc is in bytes. Inlined into the macro-kernel: as a call
 * it ran at 23–24 GFLOP/s on 64×784×256 against 28–30 inlined (same process, interleaved; identical results).
 */
@inline function kernel(kc: i32, ap: usize, bp: usize, c: usize, ldc: usize, mode: i32, beta: f32): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c02 = f32x4.splat(0), c03 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0), c12 = f32x4.splat(0), c13 = f32x4.splat(0);
  // One k step per iteration: V8 hoists the loads of an unrolled body and then spills accumulators.
  const end = bp + (<usize>kc << 6);
  while (bp < end) {
    const b0 = v128.load(bp, 0), b1 = v128.load(bp, 16), b2 = v128.load(bp, 32), b3 = v128.load(bp, 48);
    const a0 = v128.load32_splat(ap, 0);
    c00 = madd(a0, b0, c00); c01 = madd(a0, b1, c01);
    c02 = madd(a0, b2, c02); c03 = madd(a0, b3, c03);
    const a1 = v128.load32_splat(ap, 4);
    c10 = madd(a1, b0, c10); c11 = madd(a1, b1, c11);
    c12 = madd(a1, b2, c12); c13 = madd(a1, b3, c13);
    ap += 8;
    bp += 64;
  }
  storeRow(c, c00, c01, c02, c03, mode, beta);
  storeRow(c + ldc, c10, c11, c12, c13, mode, beta);
}

/** Copies the valid mr×nr corner of the scratch tile into C (ldc in floats). */
function mergeEdge(tile: usize, c: usize, ldc: i32, mr: i32, nr: i32, mode: i32, beta: f32): void {
  for (let i = 0; i < mr; i++) {
    for (let j = 0; j < nr; j++) {
      const t = load<f32>(tile + <usize>((i * NR + j) << 2));
      const cp = c + <usize>((i * ldc + j) << 2);
      if (mode == STORE) store<f32>(cp, t);
      else if (mode == ACCUM) store<f32>(cp, load<f32>(cp) + t);
      else store<f32>(cp, beta * load<f32>(cp) + t);
    }
  }
}

/**
 * Packs op(A)[ic:ic+mc, pc:pc+kc] into 2-row panels, k-major with the two rows interleaved, scaled by alpha
 * (folding alpha in here costs mc·kc multiplies instead of m·n in every store). A short last panel is zero-padded.
 */
function packA(
  dst: usize, transA: bool, a: usize, lda: i32, ic: i32, pc: i32, mc: i32, kc: i32, alpha: f32,
): void {
  const va = f32x4.splat(alpha);
  for (let ir = 0; ir < mc; ir += MR) {
    const two = mc - ir >= 2;
    const i = ic + ir;
    if (!transA) {
      // Rows are contiguous in k: load 4 k from each row and interleave them with two shuffles.
      const r0 = a + (<usize>i * <usize>lda + <usize>pc) * 4;
      const r1 = two ? r0 + <usize>lda * 4 : r0;
      let p = 0;
      if (two) {
        for (; p + 4 <= kc; p += 4) {
          const x = f32x4.mul(v128.load(r0 + (<usize>p << 2)), va);
          const y = f32x4.mul(v128.load(r1 + (<usize>p << 2)), va);
          v128.store(dst, f32x4.shuffle(x, y, 0, 4, 1, 5), 0);
          v128.store(dst, f32x4.shuffle(x, y, 2, 6, 3, 7), 16);
          dst += 32;
        }
      }
      for (; p < kc; p++) {
        store<f32>(dst, alpha * load<f32>(r0 + (<usize>p << 2)));
        store<f32>(dst, two ? alpha * load<f32>(r1 + (<usize>p << 2)) : 0, 4);
        dst += 8;
      }
    } else {
      // A is stored k×m, so the two rows of a panel are adjacent floats in each stored row.
      let src = a + (<usize>pc * <usize>lda + <usize>i) * 4;
      const step = <usize>lda * 4;
      for (let p = 0; p < kc; p++) {
        store<f32>(dst, alpha * load<f32>(src));
        store<f32>(dst, two ? alpha * load<f32>(src, 4) : 0, 4);
        src += step;
        dst += 8;
      }
    }
  }
}

/**
 * Packs op(B)[pc:pc+kc, jc:jc+nc] into 16-column panels, k-major, zero-padding the last panel so the
 * kernel never reads past nc.
 */
function packB(dst: usize, transB: bool, b: usize, ldb: i32, pc: i32, jc: i32, kc: i32, nc: i32): void {
  for (let jr = 0; jr < nc; jr += NR) {
    const nr = min(NR, nc - jr);
    const j = jc + jr;
    if (nr == NR && !transB) {
      let src = b + (<usize>pc * <usize>ldb + <usize>j) * 4;
      const step = <usize>ldb * 4;
      for (let p = 0; p < kc; p++) {
        v128.store(dst, v128.load(src, 0), 0);
        v128.store(dst, v128.load(src, 16), 16);
        v128.store(dst, v128.load(src, 32), 32);
        v128.store(dst, v128.load(src, 48), 48);
        src += step;
        dst += 64;
      }
    } else if (nr == NR) {
      packBTransPanel(b, ldb, pc, j, kc, dst);
      dst += <usize>kc * 64;
    } else {
      // Edge panel: explicit zeros so stale data from a previous call cannot leak into C, then the nr valid
      // columns. Zeroing with four vector stores instead of a select per lane made a 1×784×100 product's
      // 4-column edge 3× cheaper (it had cost more than the other 96 columns).
      const sp: usize = transB ? 4 : <usize>ldb * 4; // byte strides of op(B) along k and along n
      const sj: usize = transB ? <usize>ldb * 4 : 4;
      const zero = f32x4.splat(0);
      let src = b + <usize>pc * sp + <usize>j * sj;
      for (let p = 0; p < kc; p++) {
        v128.store(dst, zero, 0); v128.store(dst, zero, 16); v128.store(dst, zero, 32); v128.store(dst, zero, 48);
        let s = src;
        for (let jj = 0; jj < nr; jj++) {
          store<f32>(dst + (<usize>jj << 2), load<f32>(s));
          s += sj;
        }
        src += sp;
        dst += 64;
      }
    }
  }
}

/** B stored n×k: transpose 4×4 blocks in registers so the panel is written with full-width stores. */
function packBTransPanel(b: usize, ldb: i32, pc: i32, j: i32, kc: i32, dst: usize): void {
  const row = <usize>ldb * 4;
  for (let g = 0; g < 4; g++) {
    const s0 = b + (<usize>(j + 4 * g) * <usize>ldb + <usize>pc) * 4;
    const s1 = s0 + row, s2 = s1 + row, s3 = s2 + row;
    let d = dst + <usize>(g << 4);
    let p = 0;
    for (; p + 4 <= kc; p += 4) {
      const o = <usize>p << 2;
      const r0 = v128.load(s0 + o), r1 = v128.load(s1 + o), r2 = v128.load(s2 + o), r3 = v128.load(s3 + o);
      const t0 = f32x4.shuffle(r0, r1, 0, 4, 1, 5), t1 = f32x4.shuffle(r0, r1, 2, 6, 3, 7);
      const t2 = f32x4.shuffle(r2, r3, 0, 4, 1, 5), t3 = f32x4.shuffle(r2, r3, 2, 6, 3, 7);
      v128.store(d, i64x2.shuffle(t0, t2, 0, 2), 0);
      v128.store(d, i64x2.shuffle(t0, t2, 1, 3), 64);
      v128.store(d, i64x2.shuffle(t1, t3, 0, 2), 128);
      v128.store(d, i64x2.shuffle(t1, t3, 1, 3), 192);
      d += 256;
    }
    for (; p < kc; p++) {
      const o = <usize>p << 2;
      store<f32>(d, load<f32>(s0 + o), 0);
      store<f32>(d, load<f32>(s1 + o), 4);
      store<f32>(d, load<f32>(s2 + o), 8);
      store<f32>(d, load<f32>(s3 + o), 12);
      d += 64;
    }
  }
}

function macroKernel(scratch: usize, mc: i32, nc: i32, kc: i32, c: usize, ldc: i32, mode: i32, beta: f32): void {
  const ldcBytes = <usize>ldc * 4;
  const tile = scratch + TILE_OFFSET;
  // jr outside ir: one B micro-panel stays in L1 while the whole packed A block streams from L2.
  for (let jr = 0; jr < nc; jr += NR) {
    const nr = min(NR, nc - jr);
    const bp = scratch + PACK_B_OFFSET + <usize>jr * <usize>kc * 4;
    for (let ir = 0; ir < mc; ir += MR) {
      const mr = min(MR, mc - ir);
      const ap = scratch + <usize>ir * <usize>kc * 4;
      const cij = c + (<usize>ir * <usize>ldc + <usize>jr) * 4;
      if (mr == MR && nr == NR) {
        kernel(kc, ap, bp, cij, ldcBytes, mode, beta);
      } else {
        // Same kernel and the same final add as a full tile, so edge elements round exactly like inner ones.
        kernel(kc, ap, bp, tile, <usize>NR * 4, STORE, 0);
        mergeEdge(tile, cij, ldc, mr, nr, mode, beta);
      }
    }
  }
}

// C has at most this many rows: the small-M path (below) reads op(A) and op(B) in place instead of packing.
const GEMV_MAX_ROWS: i32 = 4;

/** Stores one finished 16-wide row of accumulators into C (STORE, ACCUM or beta·C + row): each row of `kernel`, and the unpacked path's rows. */
@inline function storeRow(c: usize, x0: v128, x1: v128, x2: v128, x3: v128, mode: i32, beta: f32): void {
  if (mode == STORE) {
    v128.store(c, x0, 0); v128.store(c, x1, 16); v128.store(c, x2, 32); v128.store(c, x3, 48);
  } else if (mode == ACCUM) {
    v128.store(c, f32x4.add(v128.load(c, 0), x0), 0); v128.store(c, f32x4.add(v128.load(c, 16), x1), 16);
    v128.store(c, f32x4.add(v128.load(c, 32), x2), 32); v128.store(c, f32x4.add(v128.load(c, 48), x3), 48);
  } else {
    const vb = f32x4.splat(beta);
    v128.store(c, f32x4.add(f32x4.mul(vb, v128.load(c, 0)), x0), 0);
    v128.store(c, f32x4.add(f32x4.mul(vb, v128.load(c, 16)), x1), 16);
    v128.store(c, f32x4.add(f32x4.mul(vb, v128.load(c, 32)), x2), 32);
    v128.store(c, f32x4.add(f32x4.mul(vb, v128.load(c, 48)), x3), 48);
  }
}

/**
 * Two rows × 16 columns over kc with A and B read in place: a0/a1 step sa bytes per k, B steps sb bytes per k
 * (a row of B, or 64 for a packed panel). Alpha is folded into each A value as packA folds it, and the k steps
 * are `kernel`'s, so each element rounds exactly as on the packed path.
 */
@inline function direct2(
  kc: i32, a0: usize, a1: usize, sa: usize, alpha: f32, b: usize, sb: usize, c: usize, ldc: usize, mode: i32, beta: f32,
): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c02 = f32x4.splat(0), c03 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0), c12 = f32x4.splat(0), c13 = f32x4.splat(0);
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(b, 0), b1 = v128.load(b, 16), b2 = v128.load(b, 32), b3 = v128.load(b, 48);
    const x0 = f32x4.splat(alpha * load<f32>(a0));
    c00 = madd(x0, b0, c00); c01 = madd(x0, b1, c01);
    c02 = madd(x0, b2, c02); c03 = madd(x0, b3, c03);
    const x1 = f32x4.splat(alpha * load<f32>(a1));
    c10 = madd(x1, b0, c10); c11 = madd(x1, b1, c11);
    c12 = madd(x1, b2, c12); c13 = madd(x1, b3, c13);
    a0 += sa;
    a1 += sa;
    b += sb;
  }
  storeRow(c, c00, c01, c02, c03, mode, beta);
  storeRow(c + ldc, c10, c11, c12, c13, mode, beta);
}

/** One row × 16 columns, as direct2 without the second row. */
@inline function direct1(kc: i32, a0: usize, sa: usize, alpha: f32, b: usize, sb: usize, c: usize, mode: i32, beta: f32): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c02 = f32x4.splat(0), c03 = f32x4.splat(0);
  for (let p = 0; p < kc; p++) {
    const x0 = f32x4.splat(alpha * load<f32>(a0));
    c00 = madd(x0, v128.load(b, 0), c00); c01 = madd(x0, v128.load(b, 16), c01);
    c02 = madd(x0, v128.load(b, 32), c02); c03 = madd(x0, v128.load(b, 48), c03);
    a0 += sa;
    b += sb;
  }
  storeRow(c, c00, c01, c02, c03, mode, beta);
}

/**
 * sgemm for m ≤ GEMV_MAX_ROWS (batch-1 and small-batch crossbar reads). Packing would copy all of B to
 * multiply it by a row or two, so full 16-column panels of an untransposed B are read in place; edge panels
 * and a transposed B are packed one panel at a time into the scratch region. K blocks, their k order, the
 * alpha folding and the stores are sgemm's, so the result is bit for bit the packed path's.
 */
function gemv(
  transA: bool, transB: bool, m: i32, n: i32, k: i32, alpha: f32,
  a: usize, lda: i32, b: usize, ldb: i32, beta: f32, c: usize, ldc: i32, scratch: usize,
): void {
  const kBlocks = (k + KC - 1) / KC;
  const kcStep = (k + kBlocks - 1) / kBlocks;
  const sa: usize = transA ? <usize>lda * 4 : 4; // bytes between op(A)[i, p] and op(A)[i, p + 1]
  const si: usize = transA ? 4 : <usize>lda * 4; // bytes between op(A)[i, p] and op(A)[i + 1, p]
  const ldcBytes = <usize>ldc * 4;
  const panel = scratch + PACK_B_OFFSET;
  const tile = scratch + TILE_OFFSET;
  for (let pc = 0; pc < k; pc += kcStep) {
    const kc = min(kcStep, k - pc);
    const mode = pc > 0 || beta == 1 ? ACCUM : beta == 0 ? STORE : SCALE;
    // (A one-row 32-column variant with eight accumulator chains measured no faster: B's loads bound it.)
    for (let jr = 0; jr < n; jr += NR) {
      const nr = min(NR, n - jr);
      let bp: usize, sb: usize;
      if (nr == NR && !transB) {
        bp = b + (<usize>pc * <usize>ldb + <usize>jr) * 4;
        sb = <usize>ldb * 4;
      } else {
        packB(panel, transB, b, ldb, pc, jr, kc, nr);
        bp = panel;
        sb = 64;
      }
      for (let ir = 0; ir < m; ir += MR) {
        const two = m - ir >= 2;
        const ap = a + <usize>ir * si + <usize>pc * sa;
        const cij = c + (<usize>ir * <usize>ldc + <usize>jr) * 4;
        if (nr == NR) {
          if (two) direct2(kc, ap, ap + si, sa, alpha, bp, sb, cij, ldcBytes, mode, beta);
          else direct1(kc, ap, sa, alpha, bp, sb, cij, mode, beta);
        } else {
          // Edge columns go through the scratch tile and mergeEdge, as on the packed path.
          if (two) direct2(kc, ap, ap + si, sa, alpha, bp, sb, tile, <usize>NR * 4, STORE, 0);
          else direct1(kc, ap, sa, alpha, bp, sb, tile, STORE, 0);
          mergeEdge(tile, cij, ldc, two ? 2 : 1, nr, mode, beta);
        }
      }
    }
  }
}

/**
 * C ← alpha·op(A)·op(B) + beta·C, row-major, leading dimensions in floats. op(A) is m×k, op(B) is k×n.
 * `scratch` is the calling thread's region of scratchBytes() bytes. The caller handles k = 0 (no product,
 * only the beta scaling).
 */
export function sgemm(
  transA: bool, transB: bool, m: i32, n: i32, k: i32, alpha: f32,
  a: usize, lda: i32, b: usize, ldb: i32, beta: f32, c: usize, ldc: i32, scratch: usize,
): void {
  if (m <= 0 || n <= 0 || k <= 0) return;
  if (m <= GEMV_MAX_ROWS) {
    gemv(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, scratch);
    return;
  }
  sgemmPacked(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, scratch);
}

/** sgemm without the small-M path: tests and benchmarks compare the two. */
export function sgemmPacked(
  transA: bool, transB: bool, m: i32, n: i32, k: i32, alpha: f32,
  a: usize, lda: i32, b: usize, ldb: i32, beta: f32, c: usize, ldc: i32, scratch: usize,
): void {
  if (m <= 0 || n <= 0 || k <= 0) return;
  // Equal K blocks (784 = 4×196, not 3×256 + 16): a short last block would run the kernel for a few k steps
  // per C load/store. The split depends on k alone, which keeps the summation order independent of m and n.
  const kBlocks = (k + KC - 1) / KC;
  const kcStep = (k + kBlocks - 1) / kBlocks;
  const mBlocks = (m + MC - 1) / MC;
  const mcStep = ((m + mBlocks - 1) / mBlocks + MR - 1) & ~(MR - 1);
  const packedB = scratch + PACK_B_OFFSET;
  for (let jc = 0; jc < n; jc += NC) {
    const nc = min(NC, n - jc);
    for (let pc = 0; pc < k; pc += kcStep) {
      const kc = min(kcStep, k - pc);
      packB(packedB, transB, b, ldb, pc, jc, kc, nc);
      const mode = pc > 0 || beta == 1 ? ACCUM : beta == 0 ? STORE : SCALE;
      for (let ic = 0; ic < m; ic += mcStep) {
        const mc = min(mcStep, m - ic);
        packA(scratch, transA, a, lda, ic, pc, mc, kc, alpha);
        macroKernel(scratch, mc, nc, kc, c + (<usize>ic * <usize>ldc + <usize>jc) * 4, ldc, mode, beta);
      }
    }
  }
}

/**
 * The core's throughput for this build's multiply-add with no memory traffic: `iterations` steps of twelve
 * independent f32x4 chains (2·4·12 flops each). Twelve cover latency × pipes for both builds (FMA: 4 cycles
 * × 2 pipes; mul then add: 6 cycles × 2) and, with the two operands, fit V8's 15 usable xmm registers.
 * Benchmarks divide the GEMM's GFLOP/s by it to show how close the kernel runs to the SIMD128 ceiling;
 * returns a lane value so the work cannot be dropped.
 */
export function fmaPeak(iterations: i32, x: f32): f32 {
  const a = f32x4.splat(x);
  const b = f32x4.splat(1e-7);
  let c0 = f32x4.splat(0), c1 = f32x4.splat(1), c2 = f32x4.splat(2), c3 = f32x4.splat(3), c4 = f32x4.splat(4);
  let c5 = f32x4.splat(5), c6 = f32x4.splat(6), c7 = f32x4.splat(7), c8 = f32x4.splat(8), c9 = f32x4.splat(9);
  let c10 = f32x4.splat(10), c11 = f32x4.splat(11);
  for (let i = 0; i < iterations; i++) {
    c0 = madd(c0, a, b); c1 = madd(c1, a, b); c2 = madd(c2, a, b); c3 = madd(c3, a, b); c4 = madd(c4, a, b);
    c5 = madd(c5, a, b); c6 = madd(c6, a, b); c7 = madd(c7, a, b); c8 = madd(c8, a, b); c9 = madd(c9, a, b);
    c10 = madd(c10, a, b); c11 = madd(c11, a, b);
  }
  const s = f32x4.add(
    f32x4.add(f32x4.add(f32x4.add(c0, c1), f32x4.add(c2, c3)), f32x4.add(f32x4.add(c4, c5), f32x4.add(c6, c7))),
    f32x4.add(f32x4.add(c8, c9), f32x4.add(c10, c11)),
  );
  return f32x4.extract_lane(s, 0);
}
