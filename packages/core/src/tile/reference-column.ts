/**
 * The reference column of the reference-column mapping with digital subtraction: each tile senses one
 * more line, whose cells all sit at the reference conductance, so its current is gref·Σ v over the lines
 * the block drives. The converters see every tile group one line wider (groupWidth + 1: the reference is
 * converted by the tile's own ADC, after the same output hooks), and the digital sum then takes each
 * line's code minus its tile's reference code.
 *
 * Plain loops over whole arrays: these run once per block, on buffers the size of the sensed output.
 */

/** dst (rows × groups·(gw+1)) ← src (rows × groups·gw) with gref·Σ_l v[r, l] appended to every group. */
export function widenWithReference(
  src: Float32Array, v: Float32Array, dst: Float32Array, rows: number, lines: number, groups: number, gw: number, gref: number,
): void {
  const width = groups * gw;
  const ext = groups * (gw + 1);
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    const vo = r * lines;
    for (let l = 0; l < lines; l++) sum += v[vo + l]!;
    const iref = gref * sum;
    const so = r * width;
    const eo = r * ext;
    for (let g = 0; g < groups; g++) {
      const s0 = so + g * gw;
      const e0 = eo + g * (gw + 1);
      for (let c = 0; c < gw; c++) dst[e0 + c] = src[s0 + c]!;
      dst[e0 + gw] = iref;
    }
  }
}

/** dst (rows × groups·gw) ← each line's code minus its group's reference code (the last line of the group). */
export function subtractReference(src: Float32Array, dst: Float32Array, rows: number, groups: number, gw: number): void {
  const width = groups * gw;
  const ext = groups * (gw + 1);
  for (let r = 0; r < rows; r++) {
    const so = r * ext;
    const d0 = r * width;
    for (let g = 0; g < groups; g++) {
      const e0 = so + g * (gw + 1);
      const ref = src[e0 + gw]!;
      const o = d0 + g * gw;
      for (let c = 0; c < gw; c++) dst[o + c] = src[e0 + c]! - ref;
    }
  }
}

/** The squared conductances (lines × groups·gw) widened the same way, gref² on every reference cell. */
export function widenSquared(src: Float32Array, dst: Float32Array, lines: number, groups: number, gw: number, gref: number): void {
  const g2 = gref * gref;
  for (let l = 0; l < lines; l++) {
    for (let g = 0; g < groups; g++) {
      const s0 = l * groups * gw + g * gw;
      const e0 = l * groups * (gw + 1) + g * (gw + 1);
      for (let c = 0; c < gw; c++) dst[e0 + c] = src[s0 + c]!;
      dst[e0 + gw] = g2;
    }
  }
}
