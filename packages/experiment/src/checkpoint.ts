import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { CrossbarState, EpochMetrics, RngFactory, RngFactoryState, TiledCrossbar } from '@txsim/core';
import type { NetworkState, Sequential } from '@txsim/models';
import { writeFileAtomic } from './run-dir.js';

export const CHECKPOINT_FILE = 'checkpoint.json';
export const CHECKPOINT_VERSION = 2;
/** The only payload names a checkpoint may point at: a plain file inside the run directory. */
const PAYLOAD_NAME = /^checkpoint-(\d+)\.bin$/;

export const sha256 = (data: string | Uint8Array): string => createHash('sha256').update(data).digest('hex');

/** Where one array of the network state lies in the binary payload. */
export interface ArrayEntry {
  readonly layer: string;
  readonly key: string;
  readonly type: 'float32' | 'float64';
  readonly byteOffset: number;
  readonly length: number;
}

/** Which run a checkpoint belongs to; a resume refuses a checkpoint whose identity differs from the directory's. */
export interface RunIdentity {
  /** sha256 of `spec.resolved.json` as written. */
  readonly specSha256: string;
  readonly seed: number | string;
  /** The plugin packs `environment.json` records (name, version, sha256 of their files). */
  readonly packs: readonly { readonly name: string; readonly version: string; readonly hash: string | null }[];
  /** The txsim version that wrote it: another version may train differently from the same state. */
  readonly txsim: string;
  /** The files the spec's parameters name, with their sha256 (`environment.json` records them too); absent in older checkpoints: none. */
  readonly files?: readonly { readonly param: string; readonly path: string; readonly sha256: string }[];
}

/**
 * `checkpoint.json`: everything that influences the rest of a run, after the last complete epoch. On
 * disk the object is preceded by `"checksum"`: the sha256 of the file's bytes after that field (with
 * `{` in its place), so a flipped bit anywhere in the file is caught.
 */
export interface Checkpoint {
  readonly version: typeof CHECKPOINT_VERSION;
  /** Last complete epoch (0: before training). */
  readonly epoch: number;
  /** How the run was started, so `--resume` can rebuild it. */
  readonly run: { readonly specFile: string; readonly digital: boolean };
  readonly identity: RunIdentity;
  readonly history: readonly EpochMetrics[];
  readonly rng: RngFactoryState;
  readonly crossbars: Readonly<Record<string, CrossbarState>>;
  /** The binary file (little-endian float arrays) holding the layers' parameters: `checkpoint-<epoch>.bin`. */
  readonly payload: string;
  readonly payloadBytes: number;
  readonly payloadSha256: string;
  readonly arrays: readonly ArrayEntry[];
}

/** What a checkpoint records beyond the network and random streams. */
export interface CheckpointInfo {
  readonly epoch: number;
  readonly run: Checkpoint['run'];
  readonly identity: RunIdentity;
  readonly history: readonly EpochMetrics[];
}

function crossbars(net: Sequential): Array<[string, TiledCrossbar]> {
  return net.layers.flatMap((l) => ('crossbar' in l ? [[l.name, l.crossbar as TiledCrossbar] as [string, TiledCrossbar]] : []));
}

const elementBytes = (type: ArrayEntry['type']) => (type === 'float64' ? 8 : 4);
const isErrno = (e: unknown, code: string) => (e as NodeJS.ErrnoException | undefined)?.code === code;

/** The checksummed text of a checkpoint: `{"checksum":"<sha256 of the rest>",` then the object's own fields. */
export function checkpointText(checkpoint: Checkpoint): string {
  const body = `${JSON.stringify(checkpoint)}\n`;
  return `{"checksum":"${sha256(body)}",${body.slice(1)}`;
}

/**
 * Writes a checkpoint: the payload under a new name first, then `checkpoint.json` naming it (each
 * atomically), then removes older payloads, so the checkpoint on disk is always whole. That order
 * needs room for two payloads at once; running out of it says so.
 */
export function writeCheckpoint(dir: string, info: CheckpointInfo, net: Sequential, rngs: RngFactory): void {
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
  const payload = `checkpoint-${info.epoch}.bin`;
  const checkpoint: Checkpoint = {
    version: CHECKPOINT_VERSION,
    epoch: info.epoch,
    run: info.run,
    identity: info.identity,
    history: info.history,
    rng: rngs.snapshot(),
    crossbars: Object.fromEntries(crossbars(net).map(([name, cb]) => [name, cb.snapshot()])),
    payload,
    payloadBytes: bytes,
    payloadSha256: sha256(buf),
    arrays,
  };
  try {
    writeFileAtomic(join(dir, payload), buf);
    writeFileAtomic(join(dir, CHECKPOINT_FILE), checkpointText(checkpoint));
  } catch (e) {
    if (!isErrno(e, 'ENOSPC')) throw e;
    const mib = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;
    throw Object.assign(new Error(`${(e as Error).message}. A checkpoint of this run takes ${mib(bytes)}; writing one needs about ${mib(2 * bytes)} free in ${dir} `
      + `(the new checkpoint is written in full before the previous one is removed). Free some space, then resume with: txsim train --resume ${dir}`), { code: 'ENOSPC', cause: e });
  }
  removeOtherPayloads(dir, payload);
}

/**
 * Removes every checkpoint payload but `keep`. A write removes the previous payload only after the new
 * checkpoint.json is in place, so a kill between the two leaves one behind; a resume calls this too.
 * Returns the names removed.
 */
export function removeOtherPayloads(dir: string, keep: string): string[] {
  const removed = readdirSync(dir).filter((f) => PAYLOAD_NAME.test(f) && f !== keep);
  for (const f of removed) rmSync(join(dir, f), { force: true });
  return removed;
}

/** A checkpoint that cannot be resumed from; the message names the file and what is wrong with it. */
export class CheckpointError extends Error {
  override readonly name = 'CheckpointError';
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;

/**
 * Reads `checkpoint.json` and checks what it can alone: its checksum, version, epoch, history, payload
 * name and array table. `verifyCheckpoint` then checks it against the run directory, `restoreCheckpoint`
 * against the payload and the network.
 */
export function readCheckpoint(dir: string): Checkpoint {
  const file = join(dir, CHECKPOINT_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new CheckpointError(`${dir} has no ${CHECKPOINT_FILE}; only a run directory written by txsim train can be resumed`);
  }
  const bad = (what: string) => new CheckpointError(`${file}: ${what}; refusing to resume from it`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw bad('is not valid JSON (truncated or corrupted)');
  }
  if (!isObject(parsed)) throw bad('is not a checkpoint object');
  if (parsed.version === 1) {
    throw bad('is a version 1 checkpoint, written by an older txsim without checksums or run identity, so it cannot be checked. '
      + `Start the run again: txsim train ${join(dir, 'spec.resolved.json')} --out <new dir>`);
  }
  if (parsed.version !== CHECKPOINT_VERSION) throw bad(`has unsupported checkpoint version ${JSON.stringify(parsed.version)} (this txsim reads ${CHECKPOINT_VERSION})`);
  const head = /^\{"checksum":"([0-9a-f]{64})",/.exec(text);
  if (!head) throw bad('has no checksum field at its start');
  if (sha256(`{${text.slice(head[0].length)}`) !== head[1]) throw bad('does not match its checksum (the file was changed or corrupted)');

  const c = parsed as unknown as Checkpoint & { checksum: string };
  if (!isCount(c.epoch)) throw bad(`epoch ${JSON.stringify(c.epoch)} is not an integer ≥ 0`);
  if (!Array.isArray(c.history) || c.history.length !== c.epoch) throw bad(`history holds ${Array.isArray(c.history) ? c.history.length : 'no'} epochs, not ${c.epoch}`);
  c.history.forEach((m, i) => {
    if (!isObject(m) || m.epoch !== i + 1) throw bad(`history[${i}] is not the metrics of epoch ${i + 1}`);
  });
  const name = PAYLOAD_NAME.exec(typeof c.payload === 'string' ? c.payload : '');
  if (!name || Number(name[1]) !== c.epoch) throw bad(`payload ${JSON.stringify(c.payload)} is not checkpoint-${c.epoch}.bin, a file inside the run directory`);
  if (!isCount(c.payloadBytes) || typeof c.payloadSha256 !== 'string') throw bad('payload size or sha256 is missing');
  if (!isObject(c.identity) || typeof c.identity.specSha256 !== 'string' || !Array.isArray(c.identity.packs)) throw bad('run identity is missing');
  if (c.identity.files !== undefined && !Array.isArray(c.identity.files)) throw bad('run identity\'s files are not a list');
  if (!isObject(c.run) || typeof c.run.specFile !== 'string' || typeof c.run.digital !== 'boolean') throw bad('run record is missing');
  if (!isObject(c.crossbars) || !isObject(c.rng)) throw bad('crossbar or random-stream state is missing');
  if (!Array.isArray(c.arrays) || c.arrays.length === 0) throw bad('lists no arrays');
  c.arrays.forEach((e, i) => {
    const ok = isObject(e) && typeof e.layer === 'string' && typeof e.key === 'string' && (e.type === 'float32' || e.type === 'float64')
      && isCount(e.byteOffset) && isCount(e.length) && e.byteOffset % elementBytes(e.type) === 0
      && e.byteOffset + e.length * elementBytes(e.type) <= c.payloadBytes;
    if (!ok) throw bad(`arrays[${i}] is not an array of float32 or float64 inside the ${c.payloadBytes}-byte payload`);
  });
  const { checksum: _, ...checkpoint } = c;
  return checkpoint;
}

/** Refuses a checkpoint of another run (spec, seed, packs, files the spec names, txsim version) or past the run's epochs (when known). */
export function verifyCheckpoint(dir: string, checkpoint: Checkpoint, expected: RunIdentity, epochs = Infinity): void {
  const file = join(dir, CHECKPOINT_FILE);
  const differs: string[] = [];
  const was = checkpoint.identity;
  if (was.specSha256 !== expected.specSha256) {
    differs.push(`spec.resolved.json has sha256 ${expected.specSha256.slice(0, 12)}…, the checkpoint was written for ${was.specSha256.slice(0, 12)}… (the spec file changed, or the checkpoint comes from another run)`);
  }
  if (String(was.seed) !== String(expected.seed)) differs.push(`seed ${String(expected.seed)} in the spec, ${String(was.seed)} in the checkpoint`);
  const packs = (p: RunIdentity['packs']) => p.map((x) => `${x.name}@${x.version}#${(x.hash ?? '-').slice(0, 12)}`).join(', ') || 'none';
  if (packs(was.packs) !== packs(expected.packs)) differs.push(`environment.json records plugin packs ${packs(expected.packs)}, the checkpoint ${packs(was.packs)}`);
  const files = (f: RunIdentity['files']) => (f ?? []).map((x) => `${x.param}=${x.path}#${x.sha256.slice(0, 12)}`).join(', ') || 'none';
  if (files(was.files) !== files(expected.files)) differs.push(`environment.json records spec files ${files(expected.files)}, the checkpoint ${files(was.files)}`);
  if (was.txsim !== expected.txsim) differs.push(`written by txsim ${was.txsim}, this is txsim ${expected.txsim} (resume with the version that started the run)`);
  if (checkpoint.epoch > epochs) differs.push(`epoch ${checkpoint.epoch} is past the run's ${epochs} epochs`);
  if (differs.length) throw new CheckpointError(`${file} does not belong to this run directory as it stands; refusing to resume:\n  ${differs.join('\n  ')}`);
}

/**
 * Restores parameters, plugin state, activity counts and random streams into a network rebuilt from
 * the same spec, after checking the payload's size and sha256 and that its arrays are exactly the
 * network's (every one present, same type and length, none extra).
 */
export function restoreCheckpoint(dir: string, checkpoint: Checkpoint, net: Sequential, rngs: RngFactory): void {
  const data = readPayload(dir, checkpoint);
  checkShapes(join(dir, CHECKPOINT_FILE), checkpoint.arrays, net.state());
  // Copy into an aligned buffer: a Buffer from readFileSync may sit at any offset of a shared pool.
  const bytes = new Uint8Array(data.length);
  bytes.set(data);
  const state: NetworkState = {};
  for (const e of checkpoint.arrays) {
    const Ctor = e.type === 'float64' ? Float64Array : Float32Array;
    (state[e.layer] ??= {})[e.key] = new Ctor(bytes.buffer, e.byteOffset, e.length);
  }
  for (const [name] of crossbars(net)) if (!checkpoint.crossbars[name]) throw new CheckpointError(`${join(dir, CHECKPOINT_FILE)}: no state for crossbar layer ${name}; refusing to resume from it`);
  net.restore(state);
  for (const [name, cb] of crossbars(net)) cb.restoreState(checkpoint.crossbars[name]!);
  rngs.restore(checkpoint.rng);
}

/** The checkpoint's payload, refused unless it has the size and sha256 `checkpoint.json` records. */
export function readPayload(dir: string, checkpoint: Checkpoint): Buffer {
  const file = join(dir, checkpoint.payload);
  const bad = (what: string) => new CheckpointError(`${file}: ${what}; refusing to resume from it`);
  let data: Buffer;
  try {
    data = readFileSync(file);
  } catch {
    throw bad(`is missing (${CHECKPOINT_FILE} names it)`);
  }
  if (data.length !== checkpoint.payloadBytes) throw bad(`holds ${data.length} bytes, ${CHECKPOINT_FILE} says ${checkpoint.payloadBytes}`);
  if (sha256(data) !== checkpoint.payloadSha256) throw bad(`does not match the sha256 in ${CHECKPOINT_FILE} (the file was changed or corrupted)`);
  return data;
}

/** Every array of the network in the table with its type and length, and nothing else. */
export function checkShapes(file: string, arrays: readonly ArrayEntry[], state: NetworkState): void {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const e of arrays) {
    const id = `${e.layer}.${e.key}`;
    if (seen.has(id)) problems.push(`${id} is listed twice`);
    seen.add(id);
    const a = state[e.layer]?.[e.key];
    if (!a) problems.push(`${id} is not an array of this network`);
    else if ((a instanceof Float64Array ? 'float64' : 'float32') !== e.type || a.length !== e.length) {
      problems.push(`${id} is ${e.type}[${e.length}], the network's is ${a instanceof Float64Array ? 'float64' : 'float32'}[${a.length}]`);
    }
  }
  for (const [layer, arrs] of Object.entries(state)) for (const key of Object.keys(arrs)) if (!seen.has(`${layer}.${key}`)) problems.push(`${layer}.${key} is missing`);
  if (problems.length) throw new CheckpointError(`${file}: its arrays do not match the network the spec builds; refusing to resume from it:\n  ${problems.join('\n  ')}`);
}
