// A self-contained single-precision GEMM for txsim: BLIS-style cache blocking with packed panels and
// a 6×16 register-blocked micro-kernel written with GCC/Clang vector extensions, so the compiler emits
// AVX2/FMA (or NEON) for the machine it is built on. No BLAS is linked.
//
// Determinism: each element of C is accumulated over k in the same order (KC blocks in sequence)
// whatever the thread count, because threads split the rows or columns of C, never the k dimension.
#include <node_api.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

namespace {

typedef float v8 __attribute__((vector_size(32), aligned(4)));

constexpr int MR = 6;
constexpr int NR = 16;
constexpr int KC = 256;
constexpr int MC = 120;   // multiple of MR; an A block of MC×KC floats (120 KiB) stays in L2
constexpr int NC = 1024;  // multiple of NR

// Broadcast written element by element: `v8{} + x` lets some compilers drop the real broadcast.
inline v8 splat(float x) { return v8{x, x, x, x, x, x, x, x}; }

// op(X)(row, col) for a row-major matrix stored either as is or transposed.
struct Operand {
  const float* data;
  int ld;
  bool trans;
  inline float at(int row, int col) const { return trans ? data[(size_t)col * ld + row] : data[(size_t)row * ld + col]; }
};

// MR-row panels of op(A)[i0:i0+mc, p0:p0+kc], k-major inside a panel, zero-padded to MR rows.
void packA(const Operand& a, int i0, int mc, int p0, int kc, float* out) {
  for (int ir = 0; ir < mc; ir += MR) {
    const int mr = std::min(MR, mc - ir);
    for (int k = 0; k < kc; k++) {
      for (int r = 0; r < MR; r++) out[r] = r < mr ? a.at(i0 + ir + r, p0 + k) : 0.0f;
      out += MR;
    }
  }
}

// NR-column panels of op(B)[p0:p0+kc, j0:j0+nc], k-major inside a panel, zero-padded to NR columns.
void packB(const Operand& b, int p0, int kc, int j0, int nc, float* out) {
  for (int jr = 0; jr < nc; jr += NR) {
    const int nr = std::min(NR, nc - jr);
    if (!b.trans && nr == NR) {
      for (int k = 0; k < kc; k++) {
        std::memcpy(out, b.data + (size_t)(p0 + k) * b.ld + j0 + jr, NR * sizeof(float));
        out += NR;
      }
      continue;
    }
    for (int k = 0; k < kc; k++) {
      for (int c = 0; c < NR; c++) out[c] = c < nr ? b.at(p0 + k, j0 + jr + c) : 0.0f;
      out += NR;
    }
  }
}

// acc (MR×NR) = packed A panel · packed B panel over kc. `cnext` is the C tile the result will be added
// to: its rows are a page apart, so they are prefetched now and arrive while the loop runs (measured
// +15 % on 256×1024×1024 here, with the 4-way unroll and the A prefetch below).
inline void kernel(int kc, const float* __restrict ap, const float* __restrict bp, float* __restrict acc, const float* cnext, size_t ldc) {
  for (int r = 0; r < MR; r++) {
    __builtin_prefetch(cnext + r * ldc, 1, 3);
    __builtin_prefetch(cnext + r * ldc + NR - 1, 1, 3);
  }
  v8 c00 = splat(0), c01 = splat(0), c10 = splat(0), c11 = splat(0), c20 = splat(0), c21 = splat(0);
  v8 c30 = splat(0), c31 = splat(0), c40 = splat(0), c41 = splat(0), c50 = splat(0), c51 = splat(0);
#pragma GCC unroll 4
  for (int k = 0; k < kc; k++) {
    // The A panel is read 24 B per step: fetch two steps of cache lines ahead.
    __builtin_prefetch(ap + 8 * MR, 0, 3);
    // v8 is declared aligned(4), so these are plain unaligned vector loads.
    const v8 b0 = *reinterpret_cast<const v8*>(bp);
    const v8 b1 = *reinterpret_cast<const v8*>(bp + 8);
    v8 a = splat(ap[0]); c00 += a * b0; c01 += a * b1;
    a = splat(ap[1]); c10 += a * b0; c11 += a * b1;
    a = splat(ap[2]); c20 += a * b0; c21 += a * b1;
    a = splat(ap[3]); c30 += a * b0; c31 += a * b1;
    a = splat(ap[4]); c40 += a * b0; c41 += a * b1;
    a = splat(ap[5]); c50 += a * b0; c51 += a * b1;
    ap += MR;
    bp += NR;
  }
  const v8 rows[MR][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}, {c40, c41}, {c50, c51}};
  std::memcpy(acc, rows, sizeof(rows));
}

// One A and one B pack buffer per thread, grown on demand and kept for the thread's lifetime.
float* packBuffer(int which, size_t floats) {
  struct Buffers {
    float* data[2] = {nullptr, nullptr};
    size_t size[2] = {0, 0};
    ~Buffers() { for (float* d : data) std::free(d); }
  };
  thread_local Buffers buffers;
  if (buffers.size[which] < floats) {
    std::free(buffers.data[which]);
    const size_t bytes = ((floats * sizeof(float) + 63) / 64) * 64;
    buffers.data[which] = static_cast<float*>(std::aligned_alloc(64, bytes));
    buffers.size[which] = floats;
  }
  return buffers.data[which];
}

struct Problem {
  Operand a, b;
  float* c;
  int m, n, k;
  float alpha, beta;
  // Blocks of at most this many rows take the unpacked small-M path (0: always pack).
  int gemvMaxRows;
};

// Small-M path (batch-1 and small-batch crossbar reads): R rows × 8·W columns of C over one KC block,
// reading op(A) and op(B) in place instead of packing them. Packing copies all of B to multiply it by one
// row, and the 6-row micro-kernel then spends 5/6 of its FMAs on zero padding. Bits are the packed path's:
// each element starts from 0, adds a·b over the block in k order with the same vector expression
// (`acc += a * b`, contracted to the same FMA), and meets C through the same `c += alpha * acc`.
template <int R, int W, bool TB>
inline void gemvStrip(const Problem& p, int i, int j, int pc, int kc) {
  v8 acc[R][W];
#pragma GCC unroll 4
  for (int r = 0; r < R; r++)
#pragma GCC unroll 8
    for (int w = 0; w < W; w++) acc[r][w] = splat(0);
  const float* bcol = p.b.data + (TB ? (size_t)j * p.b.ld + pc : (size_t)pc * p.b.ld + j);
  for (int k = 0; k < kc; k++) {
    v8 bv[W];
#pragma GCC unroll 8
    for (int w = 0; w < W; w++) {
      if (TB) {
        // B stored n×k: gather eight columns' k-th values (what packB does for a transposed B).
        const float* s = bcol + (size_t)8 * w * p.b.ld + k;
        const size_t ld = p.b.ld;
        bv[w] = v8{s[0], s[ld], s[2 * ld], s[3 * ld], s[4 * ld], s[5 * ld], s[6 * ld], s[7 * ld]};
      } else {
        bv[w] = *reinterpret_cast<const v8*>(bcol + (size_t)k * p.b.ld + 8 * w);
      }
    }
#pragma GCC unroll 4
    for (int r = 0; r < R; r++) {
      const v8 a = splat(p.a.at(i + r, pc + k));
#pragma GCC unroll 8
      for (int w = 0; w < W; w++) acc[r][w] += a * bv[w];
    }
  }
  const v8 alpha = splat(p.alpha);
#pragma GCC unroll 4
  for (int r = 0; r < R; r++) {
    float* crow = p.c + (size_t)(i + r) * p.n + j;
#pragma GCC unroll 8
    for (int w = 0; w < W; w++) *reinterpret_cast<v8*>(crow + 8 * w) += alpha * acc[r][w];
  }
}

// The last nr < 8 columns: one vector chain with the missing columns zero, stored lane by lane through the
// packed path's scalar edge store, so its rounding (and its FMA contraction) is the packed path's too.
template <int R>
void gemvTail(const Problem& p, int i, int j, int nr, int pc, int kc) {
  // Copied into a zero-padded 8-wide panel first: inserting lanes one by one inside the k loop cost more
  // than the rest of a 1×784×100 read.
  alignas(32) float panel[KC * 8];
  for (int k = 0; k < kc; k++)
    for (int c = 0; c < 8; c++) panel[k * 8 + c] = c < nr ? p.b.at(pc + k, j + c) : 0.0f;
  v8 acc[R];
  for (int r = 0; r < R; r++) acc[r] = splat(0);
  for (int k = 0; k < kc; k++) {
    const v8 bv = *reinterpret_cast<const v8*>(panel + k * 8);
#pragma GCC unroll 4
    for (int r = 0; r < R; r++) {
      const v8 a = splat(p.a.at(i + r, pc + k));
      acc[r] += a * bv;
    }
  }
  for (int r = 0; r < R; r++) {
    alignas(32) float lanes[8];
    std::memcpy(lanes, &acc[r], sizeof(lanes));
    float* crow = p.c + (size_t)(i + r) * p.n + j;
    for (int c = 0; c < nr; c++) crow[c] += p.alpha * lanes[c];
  }
}

// Columns [j0, j1) of rows i..i+R over one KC block: 32-column strips (8 accumulators at R ≤ 2 cover the FMA
// latency), then 8-column strips, then the tail.
template <int R, bool TB>
void gemvRows(const Problem& p, int i, int j0, int j1, int pc, int kc) {
  constexpr int W = R <= 2 ? 4 : 2;
  int j = j0;
  for (; j + 8 * W <= j1; j += 8 * W) gemvStrip<R, W, TB>(p, i, j, pc, kc);
  for (; j + 8 <= j1; j += 8) gemvStrip<R, 1, TB>(p, i, j, pc, kc);
  if (j < j1) gemvTail<R>(p, i, j, j1 - j, pc, kc);
}

template <bool TB>
void gemvBlock(const Problem& p, int i0, int i1, int j0, int j1) {
  // K blocks of KC in sequence, as gemmBlock takes them: each element's summation order is unchanged.
  for (int pc = 0; pc < p.k; pc += KC) {
    const int kc = std::min(KC, p.k - pc);
    for (int i = i0; i < i1;) {
      switch (std::min(4, i1 - i)) {
        case 4: gemvRows<4, TB>(p, i, j0, j1, pc, kc); i += 4; break;
        case 3: gemvRows<3, TB>(p, i, j0, j1, pc, kc); i += 3; break;
        case 2: gemvRows<2, TB>(p, i, j0, j1, pc, kc); i += 2; break;
        default: gemvRows<1, TB>(p, i, j0, j1, pc, kc); i += 1; break;
      }
    }
  }
}

// Rows [i0, i1) × columns [j0, j1) of C: beta-scale them, then add alpha·op(A)·op(B) block by block.
void gemmBlock(const Problem& p, int i0, int i1, int j0, int j1) {
  for (int i = i0; i < i1; i++) {
    float* row = p.c + (size_t)i * p.n;
    if (p.beta == 0.0f) std::fill(row + j0, row + j1, 0.0f);
    else if (p.beta != 1.0f) for (int j = j0; j < j1; j++) row[j] *= p.beta;
  }
  if (p.k == 0 || p.alpha == 0.0f) return;
  if (i1 - i0 <= p.gemvMaxRows) {
    if (p.b.trans) gemvBlock<true>(p, i0, i1, j0, j1);
    else gemvBlock<false>(p, i0, i1, j0, j1);
    return;
  }
  // Pack buffers live as long as the thread: allocating (and zeroing, and page-faulting) a megabyte per
  // call costs as much as a small GEMM itself. 64-byte aligned so panel loads never split cache lines.
  float* apack = packBuffer(0, (size_t)MC * KC);
  float* bpack = packBuffer(1, (size_t)KC * (NC + NR));
  alignas(32) float acc[MR * NR];
  for (int jc = j0; jc < j1; jc += NC) {
    const int nc = std::min(NC, j1 - jc);
    for (int pc = 0; pc < p.k; pc += KC) {
      const int kc = std::min(KC, p.k - pc);
      packB(p.b, pc, kc, jc, nc, bpack);
      for (int ic = i0; ic < i1; ic += MC) {
        const int mc = std::min(MC, i1 - ic);
        packA(p.a, ic, mc, pc, kc, apack);
        for (int jr = 0; jr < nc; jr += NR) {
          const int nr = std::min(NR, nc - jr);
          const float* bp = bpack + (size_t)jr * kc;
          for (int ir = 0; ir < mc; ir += MR) {
            const int mr = std::min(MR, mc - ir);
            kernel(kc, apack + (size_t)ir * kc, bp, acc, p.c + (size_t)(ic + ir) * p.n + jc + jr, (size_t)p.n);
            const v8 alpha = splat(p.alpha);
            for (int r = 0; r < mr; r++) {
              float* crow = p.c + (size_t)(ic + ir + r) * p.n + jc + jr;
              const float* arow = acc + r * NR;
              if (nr == NR) {
                *reinterpret_cast<v8*>(crow) += alpha * *reinterpret_cast<const v8*>(arow);
                *reinterpret_cast<v8*>(crow + 8) += alpha * *reinterpret_cast<const v8*>(arow + 8);
              } else {
                for (int c = 0; c < nr; c++) crow[c] += p.alpha * arow[c];
              }
            }
          }
        }
      }
    }
  }
}

// Worker threads kept for the life of the process: starting a thread per call costs tens of
// microseconds, as much as a whole layer-sized GEMM at batch 64. A call hands each worker one range of
// rows or columns; workers spin briefly for the next call (training issues GEMMs back to back), then sleep.
class Pool {
 public:
  // Runs task(w) for w in [1, count) on the workers and task(0) on the caller; returns when all are done.
  void run(int count, const std::function<void(int)>& task) {
    std::lock_guard<std::mutex> caller(calls_);  // one call at a time
    grow(count - 1);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      task_ = &task;
      active_ = count - 1;
      pending_.store(count - 1, std::memory_order_relaxed);
      generation_.fetch_add(1, std::memory_order_release);
    }
    wake_.notify_all();
    task(0);
    for (int spin = 0; pending_.load(std::memory_order_acquire) != 0; spin++) {
      if (spin > 4096) std::this_thread::yield();
    }
  }

 private:
  void grow(int workers) {
    while ((int)threads_.size() < workers) {
      const int index = (int)threads_.size() + 1;
      // The worker starts from the generation before the call that needs it, whenever it gets to run.
      const unsigned start = generation_.load(std::memory_order_acquire);
      threads_.emplace_back([this, index, start] { loop(index, start); });
      threads_.back().detach();
    }
  }

  void loop(int index, unsigned seen) {
    for (;;) {
      // Spin a little (~60 µs of pauses) before sleeping: the next GEMM of a training step usually follows at once.
      for (int spin = 0; spin < 2000 && generation_.load(std::memory_order_acquire) == seen; spin++) {
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#endif
      }
      const std::function<void(int)>* task;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] { return generation_.load(std::memory_order_acquire) != seen; });
        seen = generation_.load(std::memory_order_acquire);
        task = index <= active_ ? task_ : nullptr;
      }
      if (!task) continue;
      (*task)(index);
      pending_.fetch_sub(1, std::memory_order_acq_rel);
    }
  }

  std::mutex calls_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::atomic<unsigned> generation_{0};
  std::atomic<int> pending_{0};
  const std::function<void(int)>* task_ = nullptr;
  int active_ = 0;
  std::vector<std::thread> threads_;
};

// Never destroyed: the detached workers may still be waiting on its members when the process exits.
Pool& pool() {
  static Pool* instance = new Pool();
  return *instance;
}

void gemm(const Problem& p, int threads) {
  // Below 8 MFLOP handing work to another thread costs more than it saves in training, where GEMMs come
  // between element-wise kernels and a worker sleeps between them (waking it costs a futex call, slow under
  // KVM): a crossbar read's per-block products (64×64×256, 2.1 MFLOP) ran the TxSim example 1.28 s per
  // 12,800 images on 2 threads against 1.19 s on 1, and 1.03 s with this threshold (2-core VM, 2026-12-03).
  const double flops = 2.0 * p.m * p.n * (double)p.k;
  // Threads take columns of C (each packs all of A) or, when C is taller than wide, rows (each packs
  // all of B): the split that duplicates the smaller packing. Either keeps every element's k order.
  const bool byRows = p.m > p.n;
  const int unit = byRows ? MR : NR;
  const int units = ((byRows ? p.m : p.n) + unit - 1) / unit;
  const int t = std::max(1, std::min({threads, units, flops < 8e6 ? 1 : threads}));
  if (t == 1) {
    gemmBlock(p, 0, p.m, 0, p.n);
    return;
  }
  const int per = (units + t - 1) / t;
  pool().run(t, [&](int w) {
    const int extent = byRows ? p.m : p.n;
    const int lo = std::min(extent, w * per * unit), hi = std::min(extent, (w + 1) * per * unit);
    if (lo >= hi) return;
    if (byRows) gemmBlock(p, lo, hi, 0, p.n);
    else gemmBlock(p, 0, p.m, lo, hi);
  });
}

napi_value fail(napi_env env, const char* message) {
  napi_throw_error(env, nullptr, message);
  return nullptr;
}

bool floats(napi_env env, napi_value v, float** data, size_t* length) {
  napi_typedarray_type type;
  void* ptr;
  napi_value buffer;
  size_t offset;
  if (napi_get_typedarray_info(env, v, &type, length, &ptr, &buffer, &offset) != napi_ok || type != napi_float32_array) return false;
  *data = static_cast<float*>(ptr);
  return true;
}

// gemm(a, b, c, m, n, k, transA, transB, alpha, beta, threads, gemvMaxRows)
napi_value Gemm(napi_env env, napi_callback_info info) {
  size_t argc = 12;
  napi_value args[12];
  napi_get_cb_info(env, info, &argc, args, nullptr, nullptr);
  if (argc != 12) return fail(env, "gemm expects 12 arguments");
  float *a, *b, *c;
  size_t la, lb, lc;
  if (!floats(env, args[0], &a, &la) || !floats(env, args[1], &b, &lb) || !floats(env, args[2], &c, &lc)) return fail(env, "gemm: a, b and c must be Float32Arrays");
  int32_t m, n, k, threads, gemvMaxRows;
  bool ta, tb;
  double alpha, beta;
  napi_get_value_int32(env, args[3], &m);
  napi_get_value_int32(env, args[4], &n);
  napi_get_value_int32(env, args[5], &k);
  napi_get_value_bool(env, args[6], &ta);
  napi_get_value_bool(env, args[7], &tb);
  napi_get_value_double(env, args[8], &alpha);
  napi_get_value_double(env, args[9], &beta);
  napi_get_value_int32(env, args[10], &threads);
  napi_get_value_int32(env, args[11], &gemvMaxRows);
  if (m < 0 || n < 0 || k < 0 || la < (size_t)m * k || lb < (size_t)k * n || lc < (size_t)m * n) return fail(env, "gemm: array too short for its shape");
  Problem p{{a, ta ? m : k, ta}, {b, tb ? k : n, tb}, c, m, n, k, (float)alpha, (float)beta, gemvMaxRows};
  gemm(p, threads);
  return nullptr;
}

// fmaPeak(iterations) → the flops it ran: the core's FMA throughput with no memory traffic, the ceiling the
// GEMM is measured against (bench only). Ten independent accumulators cover the FMA latency × pipes of
// current x86 and arm64 cores; the vector width is the widest the build targets (-march=native).
#if defined(__AVX__)
typedef float PeakVec __attribute__((vector_size(32)));
#else
typedef float PeakVec __attribute__((vector_size(16)));
#endif
constexpr int kPeakLanes = sizeof(PeakVec) / sizeof(float);

double fmaPeak(int64_t iterations, float x) {
  PeakVec a, b, c[10];
  for (int l = 0; l < kPeakLanes; l++) {
    a[l] = x;
    b[l] = 1e-7f;
  }
  for (int j = 0; j < 10; j++) c[j] = a * (float)j;
  for (int64_t i = 0; i < iterations; i++) {
    // Without -ffast-math the compiler may fuse (-ffp-contract) but not reassociate, so each chain stays.
    for (int j = 0; j < 10; j++) c[j] = c[j] * a + b;
  }
  float sink = 0;
  for (int j = 0; j < 10; j++) sink += c[j][0];
  volatile float keep = sink;
  (void)keep;
  return 2.0 * kPeakLanes * 10 * (double)iterations;
}

napi_value FmaPeak(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value args[1];
  napi_get_cb_info(env, info, &argc, args, nullptr, nullptr);
  double iterations = 0;
  if (argc != 1 || napi_get_value_double(env, args[0], &iterations) != napi_ok || iterations < 0) return fail(env, "fmaPeak expects an iteration count");
  napi_value out;
  napi_create_double(env, fmaPeak((int64_t)iterations, 0.999f), &out);
  return out;
}

napi_value Init(napi_env env, napi_value exports) {
  napi_value fn;
  napi_create_function(env, "gemm", NAPI_AUTO_LENGTH, Gemm, nullptr, &fn);
  napi_set_named_property(env, exports, "gemm", fn);
  napi_create_function(env, "fmaPeak", NAPI_AUTO_LENGTH, FmaPeak, nullptr, &fn);
  napi_set_named_property(env, exports, "fmaPeak", fn);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
