import { describe, expect, it } from 'vitest';
import { kernels, registeredKernels, Rng } from '@txsim/core';
import { adcCodes, adcSaturatedRows, codeStep, converterKernels, dacCodes, dacStreamPlanes, digitVolt32, float32AtLeast, groupAbsMax, roundAway, roundHalfAway } from './converter-kernels.js';

function uniform(n: number, seed: string, lo = -1, hi = 1): Float64Array {
  return new Rng(seed).fillUniform(new Float64Array(n), lo, hi) as Float64Array;
}

describe('the converters\' compiled kernels against their TypeScript loops', () => {
  it('are registered with core and instantiated on the shared kernel memory', () => {
    expect(registeredKernels()).toContain('@txsim/devices/converters');
    expect(converterKernels.api).not.toBeNull();
  });

  it('DAC codes and scales are exact, including ties and all-zero rows', () => {
    const batch = 5;
    const lines = 12;
    const src = Float32Array.from(uniform(batch * lines, 'dac', -2, 2));
    src.fill(0, 2 * lines, 3 * lines); // an all-zero row
    src[0] = 2; // row 0 full scale; then exact ties ±k.5 codes at 2 levels per sign
    src[1] = 0.5;
    src[2] = -0.5;
    for (const [absMax, levels] of [[true, 127], [false, 127], [true, 0], [true, 2]] as const) {
      const a = new Float32Array(batch * lines);
      const b = new Float32Array(batch * lines);
      const sa = new Float32Array(batch);
      const sb = new Float32Array(batch);
      dacCodes.compiled!(src, a, batch, lines, sa, absMax, 1.5, levels, 0.2);
      dacCodes.reference(src, b, batch, lines, sb, absMax, 1.5, levels, 0.2);
      expect(Array.from(a)).toEqual(Array.from(b));
      expect(Array.from(sa)).toEqual(Array.from(sb));
    }
  });

  it('group |max| of a block: every row, partial groups, NaNs skipped, never below the running max', () => {
    const [batch, width, groupWidth] = [5, 11, 4];
    const src = Float32Array.from(uniform(batch * width, 'gmax', -3, 3));
    src[3] = Number.NaN;
    src[width + 9] = -7.5; // the last, partial group's largest, negative
    for (const start of [0, 5]) {
      const a = Float64Array.from([start, start, start]);
      const b = Float64Array.from(a);
      groupAbsMax.compiled!(src, a, batch, width, groupWidth);
      groupAbsMax.reference(src, b, batch, width, groupWidth);
      expect(Array.from(a)).toEqual(Array.from(b));
      expect(a[2]).toBe(7.5);
      const plain = (g: number) => Math.max(start, ...Array.from({ length: batch }, (_, r) => Array.from(src.subarray(r * width + g * groupWidth, Math.min(width, (g + 1) * groupWidth) + r * width), Math.abs).filter((v) => !Number.isNaN(v))).flat());
      expect(Array.from(a)).toEqual([plain(0), plain(1), plain(2)]);
    }
  });

  it('ADC codes are exact per group, including partial groups, ties and a zero step', () => {
    const batch = 3;
    const width = 11;
    const groupWidth = 4;
    const src = Float32Array.from(uniform(batch * width, 'adc', -1, 1));
    const steps = Float64Array.from([0.25, 0.01, 0]);
    src[0] = 0.375; // 1.5 steps: a tie
    src[1] = -0.375;
    const a = new Float32Array(batch * width);
    const b = new Float32Array(batch * width);
    adcCodes.compiled!(src, a, batch, width, groupWidth, steps, 3);
    adcCodes.reference(src, b, batch, width, groupWidth, steps, 3);
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(a[0]).toBe(0.5);
    expect(a[1]).toBe(-0.5);
    // A limit converts the first columns of each row exactly as before and leaves the others untouched.
    for (const limit of [6, 4, 1]) {
      for (const [fn, label] of [[adcCodes.compiled!, 'kernel'], [adcCodes.reference, 'reference']] as const) {
        const part = new Float32Array(batch * width).fill(7);
        fn(src, part, batch, width, groupWidth, steps, 3, limit);
        for (let k = 0; k < part.length; k++) expect(part[k], `${label} limit ${limit} at ${k}`).toBe(k % width < limit ? a[k] : 7);
      }
    }
  });

  describe('bit for bit on every path', () => {
    const api = converterKernels.api!;
    /** Same f32 bits (any NaN matches any NaN: the payload is not part of the result). */
    const sameF32 = (a: Float32Array, b: Float32Array, label: string): void => {
      expect(a.length, label).toBe(b.length);
      const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
      const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
      for (let i = 0; i < a.length; i++) {
        if (ua[i] !== ub[i] && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) expect(`${label} at ${i}: ${a[i]} (0x${ua[i]!.toString(16)})`).toBe(`${label} at ${i}: ${b[i]} (0x${ub[i]!.toString(16)})`);
      }
    };
    /** Half away from zero on the exact value: floor(|r|) and |r| − floor(|r|) are exact for every double. */
    const exactRound = (r: number): number => {
      const a = Math.abs(r);
      if (!Number.isFinite(r) || a >= 2 ** 52) return r;
      const f = Math.floor(a);
      const q = a - f >= 0.5 ? f + 1 : f;
      return r < 0 || Object.is(r, -0) ? -q : q;
    };
    const bits = new Float64Array(1);
    const words = new Uint32Array(bits.buffer);
    /** The k-th double after r (k < 0: before), by its bits. */
    const step = (r: number, k: number): number => {
      bits[0] = r;
      const big = (BigInt(words[1]!) << 32n) | BigInt(words[0]!);
      const moved = r >= 0 ? big + BigInt(k) : big - BigInt(k);
      words[0] = Number(moved & 0xffffffffn);
      words[1] = Number(moved >> 32n);
      return bits[0];
    };

    it('rounding half away from zero: trunc(r + copysign(0.49999999999999994, r)) equals the reference on every kind of double', () => {
      const rng = new Rng('round-away');
      const xs: number[] = [0, -0, Number.NaN, Infinity, -Infinity, 0.5, -0.5, 0.49999999999999994, -0.49999999999999994, 1.5, -1.5, 2.5, -2.5,
        Number.MIN_VALUE, -Number.MIN_VALUE, Number.MAX_VALUE, -Number.MAX_VALUE, 2 ** 52, 2 ** 52 + 1, -(2 ** 52 + 1), 2 ** 53 - 1, 2 ** 52 - 0.5, -(2 ** 52 - 0.5), 2 ** 51 + 0.5];
      // Random bit patterns: every binade, subnormals, NaNs and infinities alike.
      for (let i = 0; i < 60000; i++) {
        words[0] = rng.nextU32();
        words[1] = rng.nextU32();
        xs.push(bits[0]!);
      }
      // Doubles near every binade boundary that matters for rounding (2^-60 … 2^60), both signs.
      for (let e = -60; e <= 60; e++) for (let i = 0; i < 40; i++) {
        const r = 2 ** e * (1 + rng.next());
        xs.push(r, -r);
      }
      // Exact halves k + 0.5 of every magnitude up to 2^52, and their nearest neighbours.
      for (let j = 0; j <= 51; j++) for (let i = 0; i < 20; i++) {
        const h = Math.floor(2 ** j * (1 + rng.next())) + 0.5;
        if (h >= 2 ** 52) continue;
        for (const k of [-3, -2, -1, 0, 1, 2, 3]) xs.push(step(h, k), -step(h, k));
      }
      // |r| ≥ 2^52: already integers (odd ones would round up if r + 0.5 were used).
      for (let i = 0; i < 200; i++) {
        const r = 2 ** 52 + Math.floor(rng.next() * 2 ** 52);
        xs.push(r, -r, r * 2 ** (i % 40), -r * 2 ** (i % 40));
      }
      const src = kernels.float64(xs.length);
      src.set(xs);
      const got = kernels.float64(xs.length);
      const ref = new Float64Array(xs.length);
      for (const n of [xs.length, xs.length - 1]) {
        got.fill(7);
        roundHalfAway.compiled!(src, got, n);
        roundHalfAway.reference(src, ref, n);
        for (let i = 0; i < n; i++) {
          const want = exactRound(xs[i]!);
          if (!Object.is(ref[i], want)) expect(`reference ${xs[i]} → ${ref[i]}`).toBe(`→ ${want}`);
          if (!Object.is(got[i], want)) expect(`kernel ${xs[i]} → ${got[i]}`).toBe(`→ ${want}`);
        }
        expect(got[n]).toBe(n < xs.length ? 7 : undefined);
      }
      expect(Object.is(roundAway(-0.3), -0)).toBe(true);
    });

    /** Rows that exercise the DAC: random, all zero, ties and their neighbours, NaN, ±Inf, −0, beyond the range. */
    function dacRows(batch: number, lines: number, levels: number, seed: string): Float32Array {
      const rng = new Rng(seed);
      const src = Float32Array.from(uniform(batch * lines, seed, -2, 2));
      const row = (b: number) => src.subarray(b * lines, (b + 1) * lines);
      if (batch > 1) row(1).fill(0);
      if (batch > 2) row(2).fill(-0);
      if (batch > 3) {
        // Values whose scaled code lands exactly on k + 0.5 (found by search near each tie), and the f32
        // values either side: full = 1.75 is the row's |max|, and the fixed range below is 1.75 too.
        const r = row(3);
        r[0] = -1.75;
        const toUnit = 1 / 1.75;
        let at = 1;
        for (let k = 0; at < lines && k < Math.max(levels, 4); k++) {
          const x0 = Math.fround((k + 0.5) * 1.75 / Math.max(levels, 1));
          for (let d = -4; d <= 4 && at < lines; d++) {
            const f = new Float32Array([x0]);
            new Uint32Array(f.buffer)[0]! += d;
            const x = f[0]!;
            const tie = (x * toUnit * levels) % 1 === 0.5;
            if (tie || d === 0 || (d === 1 && rng.next() < 0.5)) r[at++] = at % 2 ? x : -x;
          }
        }
      }
      if (batch > 4) {
        const r = row(4);
        r[0] = Number.NaN; // the whole row's full scale is NaN, as Math.max gives
      }
      if (batch > 5) {
        const r = row(5);
        r[lines - 1] = Infinity;
        if (lines > 1) r[0] = -0;
      }
      if (batch > 6) row(6)[0] = 3.5; // beyond the fixed range: clips
      if (batch > 7) {
        // Full scale F = 1.0026288…: (F/2)·(1/F) is 0.49999999999999994, the double just below a tie, which
        // trunc(r + 0.5) would round up (at 1 level per sign it is the code itself).
        const r = row(7);
        const full = 1.0026288032531738;
        r.fill(full / 2);
        for (let i = 0; i < lines; i += 2) r[i] = -full / 2;
        r[0] = full;
      }
      return src;
    }

    it('DAC codes: abs-max and fixed, every quantisation, any line count, ties, NaN, ±Inf, −0, zero rows', () => {
      const batch = 8;
      for (const lines of [1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 25, 28, 63, 64, 65]) {
        for (const levels of [0, 1, 2, 7, 127, 2 ** 15 - 1]) {
          const src = dacRows(batch, lines, levels, `dac-${lines}-${levels}`);
          for (const absMax of [true, false]) {
            for (const vRead of [0.2, 1, 0.37]) {
              const a = new Float32Array(batch * lines);
              const b = new Float32Array(batch * lines);
              const sa = new Float32Array(batch);
              const sb = new Float32Array(batch);
              dacCodes.compiled!(src, a, batch, lines, sa, absMax, 1.75, levels, vRead);
              dacCodes.reference(src, b, batch, lines, sb, absMax, 1.75, levels, vRead);
              const label = `lines ${lines} levels ${levels} absMax ${absMax} vRead ${vRead}`;
              sameF32(a, b, label);
              sameF32(sa, sb, `${label} scales`);
            }
          }
        }
      }
    });

    it('abs-max rows need no clamp: fl(x·fl(1/x)) ≤ 1 for every float32 x (every mantissa; exponents scale exactly in f64)', () => {
      const f = new Float32Array(1);
      const w = new Uint32Array(f.buffer);
      let above = 0;
      let below = 0;
      for (let m = 0; m < 2 ** 23; m++) {
        w[0] = 0x3f800000 | m; // 1 + m·2^-23
        const x = f[0]!;
        const p = x * (1 / x);
        if (p > 1) above++;
        else if (p < 1) below++;
      }
      expect(above).toBe(0);
      expect(below).toBeGreaterThan(0); // 1 − 2^−53 happens: the bound is not vacuous
    });

    it('DAC codes: dividing by levels (the path when q·vRead/levels is not proven equal) and multiplying agree with the reference', () => {
      const [batch, lines] = [8, 29];
      for (const levels of [1, 3, 127, 2 ** 20 - 1]) {
        const src = kernels.float32(batch * lines);
        src.set(dacRows(batch, lines, levels, `div-${levels}`));
        const want = new Float32Array(batch * lines);
        const wantScales = new Float32Array(batch);
        for (const absMax of [true, false]) {
          dacCodes.reference(src, want, batch, lines, wantScales, absMax, 1.75, levels, 0.2);
          for (const perCode of [0, codeStep(levels, 0.2)]) {
            const dst = kernels.float32(batch * lines);
            const scales = kernels.float32(batch);
            api.dac(src.byteOffset, dst.byteOffset, scales.byteOffset, batch, lines, absMax ? 1 : 0, 1.75, levels, 0.2, perCode, 0.49999999999999994, 1);
            sameF32(dst, want, `levels ${levels} perCode ${perCode}`);
            sameF32(scales, wantScales, `levels ${levels} perCode ${perCode} scales`);
          }
        }
      }
    });

    it('DAC codes: every code of ±levels, for the drive voltages the multiply is used with', () => {
      // One row per vRead holding each code's exact unit value q/levels (full scale 1): every code the
      // kernel can produce goes through q·vRead/levels, compared with the reference's q/levels·vRead.
      for (const levels of [1, 7, 127, 2047]) {
        const lines = 2 * levels + 1;
        const src = Float32Array.from({ length: lines }, (_, i) => Math.fround((i - levels) / levels));
        for (const vRead of [0.2, 0.5, 1, 0.1, 0.3, 1.7, 0.05]) {
          const a = new Float32Array(lines);
          const b = new Float32Array(lines);
          dacCodes.compiled!(src, a, 1, lines, new Float32Array(1), false, 1, levels, vRead);
          dacCodes.reference(src, b, 1, lines, new Float32Array(1), false, 1, levels, vRead);
          sameF32(a, b, `levels ${levels} vRead ${vRead} (step ${codeStep(levels, vRead)})`);
        }
      }
    });

    it('streamed DAC planes: split and signed, 1 to 7 bits per stream, any length, NaN and −0', () => {
      for (const levels of [127, 7, 1, 2 ** 15 - 1]) {
        const magnitudeBits = Math.log2(levels + 1);
        for (const k of [1, 2, 3, 7].filter((b) => b <= magnitudeBits)) {
          const streams = Math.ceil(magnitudeBits / k);
          for (const n of [1, 2, 3, 5, 8, 63, 129]) {
            const vRead = 0.2;
            // Quantised voltages as the DAC makes them, plus NaN and ±0.
            const v = new Float32Array(n);
            dacCodes.reference(dacRows(1, n, levels, `stream-${n}`), v, 1, n, new Float32Array(1), false, 1.75, levels, vRead);
            if (n > 2) [v[0], v[1], v[2]] = [Number.NaN, -0, 0];
            for (const split of [true, false]) {
              const planes = (split ? 2 : 1) * streams * n;
              const a = new Float32Array(planes + 3).fill(9);
              const b = new Float32Array(planes + 3).fill(9);
              dacStreamPlanes.compiled!(v, a.subarray(0, planes), n, streams, k, split, levels, vRead);
              dacStreamPlanes.reference(v, b.subarray(0, planes), n, streams, k, split, levels, vRead);
              sameF32(a, b, `levels ${levels} k ${k} n ${n} split ${split}`);
              // The planes shift-add back to the codes: Σ_s ±d_s·2^(k·s) = |code| with v's sign.
              const top = 2 ** k - 1;
              for (let i = 0; i < n; i++) {
                let sum = 0;
                for (let s = 0; s < streams; s++) {
                  const w = 2 ** (k * s) * top / vRead;
                  sum += a[s * n + i]! * w - (split ? a[(streams + s) * n + i]! * w : 0);
                }
                const code = Number.isNaN(v[i]) ? 0 : v[i]! * levels / vRead;
                expect(Math.abs(sum - code), `n ${n} at ${i}`).toBeLessThan(1e-3 * Math.max(1, Math.abs(code)));
              }
            }
          }
        }
      }
    });

    it('streamed DAC planes: the f64 digit product (used when the f32 one is not proven equal) agrees too', () => {
      const [levels, k, n] = [127, 3, 37];
      const streams = Math.ceil(7 / k);
      const top = 2 ** k - 1;
      const vRead = 0.3;
      const v = kernels.float32(n);
      dacCodes.reference(dacRows(1, n, levels, 'stream-f64'), v, 1, n, new Float32Array(1), false, 1.75, levels, vRead);
      for (const split of [true, false]) {
        const planes = (split ? 2 : 1) * streams * n;
        const want = new Float32Array(planes);
        dacStreamPlanes.reference(v, want, n, streams, k, split, levels, vRead);
        for (const volt32 of [0, digitVolt32(top, vRead / top)]) {
          const dst = kernels.float32(planes);
          const codes = kernels.int32(n);
          api.dacStream(v.byteOffset, codes.byteOffset, dst.byteOffset, n, streams, k, top, vRead / top, volt32, levels / vRead, split ? 1 : 0, 0.49999999999999994, 1);
          sameF32(dst, want, `split ${split} volt32 ${volt32}`);
        }
      }
    });

    it('ADC codes: any width and group width, limits, ties and neighbours, NaN, ±Inf, −0, zero steps', () => {
      for (const [width, groupWidth] of [[11, 4], [13, 5], [64, 64], [65, 64], [130, 64], [7, 7], [3, 1]] as const) {
        const batch = 5;
        const groups = Math.ceil(width / groupWidth);
        const src = Float32Array.from(uniform(batch * width, `adc-${width}`, -1, 1));
        const steps = Float64Array.from({ length: groups }, (_, g) => [0.25, 0.01, 0, 1 / 3, 2 ** -10][g % 5]!);
        // Ties of the power-of-two steps (k + 0.5 steps) and their f32 neighbours; specials.
        for (let j = 0; j < width; j++) {
          const step = steps[Math.floor(j / groupWidth)]!;
          if (step === 0.25 || step === 2 ** -10) {
            const f = new Float32Array([((j % 9) - 4 + 0.5) * step]);
            new Uint32Array(f.buffer)[0]! += (j % 3) - 1;
            src[j] = f[0]!;
            src[width + j] = ((j % 9) - 4 + 0.5) * step;
          }
        }
        [src[2 * width], src[2 * width + 1 % width], src[2 * width + 2 % width]] = [Number.NaN, Infinity, -0];
        src[3 * width] = -Infinity;
        src[4 * width] = 1e30;
        for (const levels of [1, 3, 127]) {
          for (const limit of [width, width - 1, Math.max(1, width - groupWidth - 1), 1]) {
            const a = new Float32Array(batch * width).fill(7);
            const b = new Float32Array(batch * width).fill(7);
            adcCodes.compiled!(src, a, batch, width, groupWidth, steps, levels, limit);
            adcCodes.reference(src, b, batch, width, groupWidth, steps, levels, limit);
            sameF32(a, b, `width ${width}/${groupWidth} levels ${levels} limit ${limit}`);
          }
        }
      }
    });

    it('float32AtLeast is the smallest float32 not below a double', () => {
      const rng = new Rng('at-least');
      for (let i = 0; i < 20000; i++) {
        const t = i < 4 ? [0, 1e-50, 3e38, 1e39][i]! : rng.next() * 2 ** ((i % 60) - 30);
        const a = float32AtLeast(t);
        expect(a).toBe(Math.fround(a));
        expect(a >= t).toBe(true);
        // The float32 just below a is below t.
        const below = new Float32Array([a]);
        new Int32Array(below.buffer)[0]! -= 1;
        if (a > 0) expect(below[0]! < t).toBe(true);
      }
      expect(Number.isNaN(float32AtLeast(Number.NaN))).toBe(true);
    });

    it('ADC saturation flags: at, just below and just above each group\'s threshold, zero steps, NaN, limits, odd widths', () => {
      for (const [width, groupWidth] of [[11, 4], [64, 64], [130, 64], [7, 7], [3, 1]] as const) {
        const batch = 40;
        const groups = Math.ceil(width / groupWidth);
        const levels = 127;
        const steps = Float64Array.from({ length: groups }, (_, g) => [0.01, 0, 1 / 3, 0.25][g % 4]!);
        const rng = new Rng(`sat-${width}`);
        const src = Float32Array.from(uniform(batch * width, `sat-${width}`, -0.5, 0.5));
        // Row r gets one value near its column's threshold: the f32 nearest, and its neighbours ±1, ±2.
        for (let r = 0; r < batch; r++) {
          const c = Math.floor(rng.next() * width);
          const t = steps[Math.floor(c / groupWidth)]! * (levels - 0.5);
          const f = new Float32Array([t]);
          new Int32Array(f.buffer)[0]! += (r % 5) - 2;
          src[r * width + c] = (r % 2 ? -1 : 1) * (r % 7 === 6 ? Number.NaN : r % 11 === 10 ? Infinity : f[0]!);
        }
        for (const used of [width, width - 1, 1]) {
          const a = new Uint8Array(batch + 2).fill(0);
          const b = new Uint8Array(batch + 2).fill(0);
          a[3] = b[3] = 1; // set flags stay set
          adcSaturatedRows.compiled!(src, a, batch, width, groupWidth, steps, levels, used);
          adcSaturatedRows.reference(src, b, batch, width, groupWidth, steps, levels, used);
          expect(Array.from(a), `width ${width}/${groupWidth} used ${used}`).toEqual(Array.from(b));
          if (used === width && width > 3) expect(b.reduce((x, y) => x + y, 0)).toBeGreaterThan(3);
        }
      }
    });

    it('group |max|: NaN, ±Inf and −0 in every position, odd widths', () => {
      for (const [width, groupWidth] of [[13, 5], [64, 64], [67, 32], [3, 1]] as const) {
        const batch = 4;
        const src = Float32Array.from(uniform(batch * width, `gmax-${width}`, -3, 3));
        src[1] = Number.NaN;
        src[width + 2] = -0;
        src[2 * width + (width - 1)] = Number.NaN;
        src[3 * width] = -Infinity;
        const groups = Math.ceil(width / groupWidth);
        for (const start of [0, 2.5]) {
          const a = Float64Array.from({ length: groups }, () => start);
          const b = Float64Array.from(a);
          groupAbsMax.compiled!(src, a, batch, width, groupWidth);
          groupAbsMax.reference(src, b, batch, width, groupWidth);
          expect(Array.from(a)).toEqual(Array.from(b));
          expect(a[0]).toBe(Infinity);
        }
      }
    });
  });
});
