import { describe, expect, it } from 'vitest';
import { Matrix } from '../matrix/matrix.js';
import { ReferenceBackend } from '../matrix/reference-backend.js';
import { defineAdc } from '../plugin/define.js';
import { params } from '../plugin/params.js';
import { pluginContext } from '../testing/fixtures.js';
import type { CrossbarComponents } from './components.js';
import { tileGeometry } from './geometry.js';
import { testDac, testDevice, testSenseAmp, testUpdate } from './test-components.js';
import { TiledCrossbar } from './tiled-crossbar.js';

const backend = new ReferenceBackend();
const FULL = 1; // ampere

/** Clips at ±1 A and reports the rows it clipped: the out_bound of aihwkit's IO, with no quantisation. */
const clippingAdc = defineAdc({
  meta: { name: 'clipping-adc', description: 'Clips at ±1 A.', phases: ['forward', 'backward'], params: params({}) },
  create: () => ({
    convert(src, dst) {
      for (let k = 0; k < dst.length; k++) dst[k] = Math.max(-FULL, Math.min(FULL, src[k]!));
    },
    saturated(converted, ctx, hit) {
      for (let r = 0; r < ctx.batch; r++) {
        for (let c = 0; c < ctx.width; c++) if (Math.abs(converted[r * ctx.width + c]!) >= FULL) hit[r] = 1;
      }
    },
  }),
});

function components(maxHalvings?: number): CrossbarComponents {
  const ctx = pluginContext();
  const read = () => ({ dac: testDac.create(ctx, {}), senseAmp: testSenseAmp.create(ctx, {}), adc: clippingAdc.create(ctx, {}) });
  return {
    device: testDevice.create(ctx, {}), updateRule: testUpdate.create(ctx, {}), read: { forward: read(), backward: read() },
    stack: [], wMax: 1, scheme: 'mid-range', ...(maxHalvings ? { boundManagement: { maxHalvings } } : {}),
  };
}

describe('iterative bound management', () => {
  // One 2×2 tile, s = 1 S per weight: a weight w is G+ − G− = w siemens, so an output current is x·W amperes.
  const geometry = tileGeometry(2, 2, 2, 2);
  const w = new Matrix(2, 2, Float32Array.from([0.5, 0.25, 0.5, -0.25]));
  // Outputs (hand computed): row 0 (0.5, 0) A fits; row 1 (3, 0) A needs two halvings (1.5, then 0.75);
  // row 2 (10, 0) A needs four (5, 2.5, 1.25, 0.625).
  const x = new Matrix(3, 2, Float32Array.from([0.5, 0.5, 3, 3, 10, 10]));
  const exact = [0.5, 0, 3, 0, 10, 0];

  it('clips without it', () => {
    const y = new TiledCrossbar('fc', geometry, components(), backend, w).forward(x);
    expect(Array.from(y.data)).toEqual([0.5, 0, 1, 0, 1, 0]);
  });

  it('re-reads saturating rows with the drive halved until they fit, matching the unsaturated result', () => {
    const xb = new TiledCrossbar('fc', geometry, components(4), backend, w);
    const y = xb.forward(x);
    for (let k = 0; k < 6; k++) expect(y.data[k]).toBeCloseTo(exact[k]!, 6);
    // Reads: 3 rows, then rows 1 and 2 at ½, 1 and 2 at ¼ (row 1 fits: 0.75 A), row 2 at ⅛ and 1/16.
    const vectors = 3 + 2 + 2 + 1 + 1;
    expect(xb.activity.forward.tileReads).toBe(vectors);
    expect(xb.activity.forward.dacConversions).toBe(vectors * 2);
    expect(xb.activity.forward.adcConversions).toBe(vectors * 2);
    // The backward read has no bound management (aihwkit: forward only).
    xb.backward(new Matrix(3, 2, Float32Array.from([5, 5, 0, 0, 0, 0])));
    expect(xb.activity.backward.tileReads).toBe(3);
  });

  it('stops after maxHalvings, keeping the last (still clipped) read', () => {
    const xb = new TiledCrossbar('fc', geometry, components(2), backend, w);
    const y = xb.forward(x);
    expect(y.data[2]).toBeCloseTo(3, 6);
    // Row 2 at ¼ drive still reads 2.5 A, clipped to 1 A and scaled back by 4.
    expect(y.data[4]).toBeCloseTo(4, 6);
    expect(xb.activity.forward.tileReads).toBe(3 + 2 + 2);
  });

  it('writes into a given output, every element, re-read rows in place among rows read once', () => {
    const xb = new TiledCrossbar('fc', geometry, components(4), backend, w);
    // Saturating rows first and third, between rows that fit: each row keeps its own result (hand computed as above).
    const mixed = new Matrix(4, 2, Float32Array.from([10, 10, 0.5, 0.5, 3, 3, 0.25, 0.25]));
    const want = [10, 0, 0.5, 0, 3, 0, 0.25, 0];
    const out = new Matrix(4, 2, new Float32Array(8).fill(Number.NaN));
    expect(xb.forward(mixed, out)).toBe(out);
    for (let k = 0; k < 8; k++) expect(out.data[k]).toBeCloseTo(want[k]!, 6);
    // The same buffer again, for another batch: the flags of the first read do not carry over.
    const calm = new Matrix(4, 2, Float32Array.from([0.5, 0.5, 0.25, 0.25, 1, 0, 0, 1]));
    const before = xb.activity.forward.tileReads;
    xb.forward(calm, out);
    expect(xb.activity.forward.tileReads - before).toBe(4); // no row fits the full scale: no re-read
    expect(Array.from(out.data)).toEqual(Array.from(xb.forward(calm).data));
    expect(Array.from(out.data)).toEqual([0.5, 0, 0.25, 0, 0.5, 0.25, 0.5, -0.25]);
  });
});
