import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
// NeuroSim's method written from MLP_NeuroSim_V3.0's source, independently of txsim's cost plugins.
// @ts-expect-error: a plain ES module script without type declarations
import { arrayCaps, DEVICE, neurosimLayer } from '../scripts/neurosim-cost-check.mjs';
import { ROOT, tempDir, txsimInProcess } from './cli.js';

interface Phase { energyJ: number; latencyS: number; components: Record<string, { energyJ: number; latencyS: number }> }
interface Summary {
  activity: Record<string, Record<'forward' | 'update', { tileReads: number; cellReads: number; dacConversions: number; updatePulses: number }>>;
  cost: { layers: Record<string, { phases: Record<'forward' | 'update', Phase> }> };
}

const DRAWS = 200;
const MID_G = (DEVICE.gmin + DEVICE.gmax) / 2;

/** examples/cost/neurosim-v3-cost.yaml cut to 200 draws per epoch and one test image, so a run takes seconds. */
function shortSpec(dir: string): string {
  const spec = parse(readFileSync(join(ROOT, 'examples/cost/neurosim-v3-cost.yaml'), 'utf8')) as Record<string, any>;
  spec.training.sampler = { name: 'with-replacement', samples: DRAWS };
  spec.training.epochs = 1;
  spec.data.testLimit = 1;
  const file = join(dir, 'spec.yaml');
  writeFileSync(file, stringify(spec));
  return file;
}

describe('MLP_NeuroSim V3 beside NeuroSim\'s method (docs/cost.md)', () => {
  it('txsim\'s array read and write energy equal NeuroSim\'s formulas for the same counts where the models coincide', async () => {
    const dir = tempDir('txsim-neurosim-cost-');
    const r = await txsimInProcess(['train', shortSpec(dir), '--out', join(dir, 'run'), '--no-progress']);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(readFileSync(join(dir, 'run/summary.json'), 'utf8')) as Summary;
    const shapes = { fc1: [400, 100], fc2: [100, 10] } as const;
    for (const [name, [rows, cols]] of Object.entries(shapes)) {
      const a = s.activity[name]!;
      const tx = s.cost.layers[name]!.phases;
      // Reads: every counted cell read (txsim counts all rows and the reference column: cellReads) priced as
      // NeuroSim prices an active cell, Vr²·t/(1/G + R_access) at the mid-range G; the driven rows' wire
      // charged once per read (NeuroSim charges capRow1·Vr² once per column per active row: /cols here).
      const perRead = a.forward.cellReads / a.forward.tileReads;
      const cells = neurosimLayer({ rows, cols: perRead / rows, images: a.forward.tileReads, activeFraction: 1, meanG: MID_G, pulses: 0, setFraction: 0.5 }).read.cells;
      const lines = neurosimLayer({ rows, cols, images: a.forward.tileReads, activeFraction: 1, meanG: MID_G, pulses: 0, setFraction: 0.5 }).read.bitLines / cols;
      // driveFactor 1 in the spec: every counted row at full drive, as NeuroSim's active rows are.
      expect(tx.forward.components['array-read']!.energyJ).toBeCloseTo(cells + lines, 15);
      expect(Math.abs(tx.forward.components['array-read']!.energyJ / (cells + lines) - 1)).toBeLessThan(1e-9);
      // Writes: per pulse V²·G·t + V²·C_col (Cell.cpp, 1T1R), set and reset half each, the source line's wire
      // capacitance only (txsim prices no access-transistor drains), at the mid-range G.
      const w = neurosimLayer({ rows, cols, images: 0, activeFraction: 0, meanG: MID_G, pulses: a.update.updatePulses, setFraction: 0.5 }, { transistors: false });
      expect(a.update.updatePulses).toBeGreaterThan(0);
      expect(Math.abs(tx.update.components['array-write']!.energyJ / w.pulseEnergy - 1)).toBeLessThan(1e-9);
      // An epoch is the sampler's 200 draws: 200 updates, each programming every row (set and reset phase).
      const t = DEVICE.writePulseWidthLTP + DEVICE.writePulseWidthLTD;
      expect(tx.update.components['array-write']!.latencyS / (rows * t)).toBeCloseTo(DRAWS, 6);
      // NeuroSim's write latency for the same pulses (max per batch, summed) lies below txsim's row-by-row bound.
      expect(w.writeLatency.max).toBeLessThanOrEqual(tx.update.latencyS);
    }
  });

  it('txsim cost prices the sampler\'s draws, one programmed device per weight under the reference column', async () => {
    const dir = tempDir('txsim-neurosim-cost-');
    const r = await txsimInProcess(['cost', shortSpec(dir), '--json']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as { layers: Record<string, { phases: Record<'update', Phase> }>; notes: string[] };
    expect(report.notes.join(' ')).toContain(`one epoch of ${DRAWS} training`);
    // The estimate programs every weight once per update on G+ alone (the reference is fixed): rows·cols pulses.
    const w = neurosimLayer({ rows: 100, cols: 10, images: 0, activeFraction: 0, meanG: MID_G, pulses: DRAWS * 100 * 10, setFraction: 0.5 }, { transistors: false });
    expect(Math.abs(report.layers.fc2!.phases.update.components['array-write']!.energyJ / w.pulseEnergy - 1)).toBeLessThan(1e-9);
  });

  it('prices the array capacitances as NeuroSim\'s SubArray does (hand computation at 32 nm)', () => {
    // Access transistor: on-resistance 1.54·0.9 V/(1410 A/m · w) = 15 kΩ → w = 2.048 F; its gate
    // (1.2·3.767721e-10 + 4.713762e-10) F/m · w per cell on the word line; 0.2 fF/µm of wire, 4F pitch.
    const c = arrayCaps(400, 100);
    const w = (1.54 * 0.9) / (1410 * 32e-9) / 15e3 * 32e-9;
    expect(c.widthAccessF).toBeCloseTo(w / 32e-9, 9);
    expect(c.capRow1).toBeCloseTo(100 * 128e-9 * 0.2e-9, 25);
    expect(c.capRow2).toBeCloseTo(100 * 128e-9 * 0.2e-9 + 100 * (1.2 * 3.767721e-10 + 4.713762e-10) * w, 25);
    const wire = arrayCaps(400, 100, { transistors: false });
    expect(wire.capCol).toBeCloseTo(400 * 128e-9 * 0.2e-9, 25);
    expect(c.capCol).toBeGreaterThan(wire.capCol); // plus 400 access-transistor drains
  });
});
