// The tile's loops over a sparse update's listed cells (packages/core/src/tile/listed.ts): the pulse total,
// clearing the update targets and patching the combined read conductances at the changed cells. A kernel
// module on core's shared kernel memory (scripts/build-wasm-kernels.mjs flags: no static data, no heap);
// addresses are byte offsets. Each is the TypeScript loop of the same name, same f64 arithmetic and order.

/** Σ (up[k] + down[k]) over the listed cells k, in list order (f32 counts summed in f64). */
export function listedSum(up: usize, down: usize, list: usize, count: i32): f64 {
  let s: f64 = 0;
  for (let i = 0; i < count; i++) {
    const k = <usize>load<i32>(list + (<usize>i << 2)) << 2;
    s += <f64>load<f32>(up + k) + <f64>load<f32>(down + k);
  }
  return s;
}

/** up[k] = down[k] = 0 at the listed cells. */
export function listedClear(up: usize, down: usize, list: usize, count: i32): void {
  for (let i = 0; i < count; i++) {
    const k = <usize>load<i32>(list + (<usize>i << 2)) << 2;
    store<f32>(up + k, 0);
    store<f32>(down + k, 0);
  }
}

/**
 * The combine kernel at the listed cells k = i·C + j of an R × C pair: out (f32) = p − m, or p² + m² when
 * squared, of the f64 conductances; at k untransposed, at j·R + i transposed.
 */
export function listedCombine(out: usize, plus: usize, minus: usize, list: usize, count: i32, R: i32, C: i32, transposed: bool, squared: bool): void {
  for (let c = 0; c < count; c++) {
    const k = load<i32>(list + (<usize>c << 2));
    const p = load<f64>(plus + (<usize>k << 3));
    const m = load<f64>(minus + (<usize>k << 3));
    const v = <f32>(squared ? p * p + m * m : p - m);
    let at = k;
    if (transposed) {
      const i = k / C;
      at = (k - i * C) * R + i;
    }
    store<f32>(out + (<usize>at << 2), v);
  }
}
