import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { CrossbarState, EpochMetrics, RngFactory, RngFactoryState, TiledCrossbar } from '@txsim/core';
import type { NetworkState, Sequential } from '@txsim/models';
import { writeFileAtomic } from './run-dir.js';

export const CHECKPOINT_FILE = 'checkpoint.json';

/** Where one array of the network state lies in the binary payload. */
export interface ArrayEntry {
  readonly layer: string;
  readonly key: string;
  readonly type: 'float32' | 'float64';
  readonly byteOffset: number;
  readonly length: number;
}

/** `checkpoint.json`: everything that influences the rest of a run, after the last complete epoch. */
export interface Checkpoint {
  readonly version: 1;
  /** Last complete epoch (0: before training). */
  readonly epoch: number;
  /** How the run was started, so `--resume` can rebuild it. */
  readonly run: { readonly specFile: string; readonly digital: boolean };
  readonly history: readonly EpochMetrics[];
  readonly rng: RngFactoryState;
  readonly crossbars: Readonly<Record<string, CrossbarState>>;
  /** The binary file (little-endian float arrays) holding the layers' parameters. */
  readonly payload: string;
  readonly arrays: readonly ArrayEntry[];
}

function crossbars(net: Sequential): Array<[string, TiledCrossbar]> {
  return net.layers.flatMap((l) => ('crossbar' in l ? [[l.name, l.crossbar as TiledCrossbar] as [string, TiledCrossbar]] : []));
}

/**
 * Writes a checkpoint: the payload under a new name first, then `checkpoint.json` naming it (each
 * atomically), then removes older payloads, so the checkpoint on disk is always whole.
 */
export function writeCheckpoint(dir: string, epoch: number, run: Checkpoint['run'], history: readonly EpochMetrics[], net: Sequential, rngs: RngFactory): void {
  const state = net.state();
  const arrays: ArrayEntry[] = [];
  let bytes = 0;
  for (const [layer, arrs] of Object.entries(state)) {
    for (const [key, a] of Object.entries(arrs)) {
      bytes = Math.ceil(bytes / 8) * 8;
      arrays.push({ layer, key, type: a instanceof Float64Array ? 'float64' : 'float32', byteOffset: bytes, length: a.length });
      bytes += a.byteLength;
    }
  }
  const buf = Buffer.alloc(bytes);
  for (const e of arrays) {
    const a = state[e.layer]![e.key]!;
    buf.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), e.byteOffset);
  }
  const payload = `checkpoint-${epoch}.bin`;
  writeFileAtomic(join(dir, payload), buf);
  const checkpoint: Checkpoint = {
    version: 1,
    epoch,
    run,
    history,
    rng: rngs.snapshot(),
    crossbars: Object.fromEntries(crossbars(net).map(([name, cb]) => [name, cb.snapshot()])),
    payload,
    arrays,
  };
  writeFileAtomic(join(dir, CHECKPOINT_FILE), `${JSON.stringify(checkpoint)}\n`);
  for (const f of readdirSync(dir)) if (/^checkpoint-\d+\.bin$/.test(f) && f !== payload) rmSync(join(dir, f), { force: true });
}

export function readCheckpoint(dir: string): Checkpoint {
  let text: string;
  try {
    text = readFileSync(join(dir, CHECKPOINT_FILE), 'utf8');
  } catch {
    throw new Error(`${dir} has no ${CHECKPOINT_FILE}; only a run directory written by txsim train can be resumed`);
  }
  const checkpoint = JSON.parse(text) as Checkpoint;
  if (checkpoint.version !== 1) throw new Error(`${join(dir, CHECKPOINT_FILE)}: unsupported checkpoint version ${String(checkpoint.version)}`);
  return checkpoint;
}

/** Restores parameters, plugin state, activity counts and random streams into a network rebuilt from the same spec. */
export function restoreCheckpoint(dir: string, checkpoint: Checkpoint, net: Sequential, rngs: RngFactory): void {
  const file = readFileSync(join(dir, checkpoint.payload));
  // Copy into an aligned buffer: a Buffer from readFileSync may sit at any offset of a shared pool.
  const bytes = new Uint8Array(file.length);
  bytes.set(file);
  const state: NetworkState = {};
  for (const e of checkpoint.arrays) {
    const Ctor = e.type === 'float64' ? Float64Array : Float32Array;
    (state[e.layer] ??= {})[e.key] = new Ctor(bytes.buffer, e.byteOffset, e.length);
  }
  net.restore(state);
  for (const [name, cb] of crossbars(net)) {
    const saved = checkpoint.crossbars[name];
    if (!saved) throw new Error(`checkpoint has no state for crossbar layer ${name}`);
    cb.restoreState(saved);
  }
  rngs.restore(checkpoint.rng);
}
