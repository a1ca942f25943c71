import { kernels } from '../kernels/elementwise.js';
import type { ActiveCells } from '../plugin/types.js';

/**
 * Reusable work buffers, grown on demand: the read and update pipelines run every step on the same
 * shapes, so allocating per call would only feed the garbage collector. They live in the element-wise
 * kernels' memory, so the kernels work on them in place (no copies); the map keeps each block alive.
 *
 * The buffers handed out are subarrays, and a subarray does not keep its parent's block: the allocator
 * takes a block back when the parent view it returned dies. So a parent replaced when its key grows is
 * kept (`retired`) for the scratch's lifetime; otherwise a buffer handed out before the growth and still
 * in use could share memory with a later allocation. Keys grow a few times at most (to the largest layer),
 * so this holds little.
 */
export class Scratch {
  private readonly f32 = new Map<string, Float32Array>();
  private readonly f64 = new Map<string, Float64Array>();
  private readonly lists = new Map<string, ActiveCells>();
  private readonly retired: object[] = [];

  // The views handed out per key and length: the pipelines ask for the same lengths every step (a tile's
  // forward and backward reads share keys at two lengths), and a fresh subarray per request was a few
  // allocations per tile and step for the garbage collector, and a miss of kernels.resident()'s cache per
  // kernel operand (batch 1). Dropped for a key when its buffer grows.
  private readonly views32 = new Map<string, Map<number, Float32Array>>();
  private readonly views64 = new Map<string, Map<number, Float64Array>>();

  float32(key: string, n: number): Float32Array {
    let views = this.views32.get(key);
    const last = views?.get(n);
    if (last) return last;
    let buf = this.f32.get(key);
    if (!buf || buf.length < n) {
      if (buf) this.retired.push(buf);
      this.f32.set(key, (buf = kernels.float32(n)));
      views?.clear();
    }
    if (!views) this.views32.set(key, (views = new Map()));
    const view = buf.subarray(0, n);
    views.set(n, view);
    return view;
  }

  float64(key: string, n: number): Float64Array {
    let views = this.views64.get(key);
    const last = views?.get(n);
    if (last) return last;
    let buf = this.f64.get(key);
    if (!buf || buf.length < n) {
      if (buf) this.retired.push(buf);
      this.f64.set(key, (buf = kernels.float64(n)));
      views?.clear();
    }
    if (!views) this.views64.set(key, (views = new Map()));
    const view = buf.subarray(0, n);
    views.set(n, view);
    return view;
  }

  private readonly u8 = new Map<string, Uint8Array>();

  /** Plain bytes (flags), not in the kernels' memory. */
  bytes(key: string, n: number): Uint8Array {
    let buf = this.u8.get(key);
    if (!buf || buf.length < n) this.u8.set(key, (buf = new Uint8Array(n)));
    return buf.subarray(0, n);
  }

  /** A cell list of capacity n (in kernel memory, so compiled device kernels read it in place; `count` starts at −1, "not listed", and is kept between calls). */
  active(n: number, key = 'active'): ActiveCells {
    let list = this.lists.get(key);
    if (!list || list.idx.length < n) {
      if (list) this.retired.push(list.idx);
      this.lists.set(key, (list = { idx: kernels.int32(n), count: -1 }));
    }
    return list;
  }
}
