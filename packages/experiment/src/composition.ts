import {
  BACKEND,
  CLOCK,
  container as rootContainer,
  createWasmBackend,
  MASTER_SEED,
  ReferenceBackend,
  RngFactory,
  systemClock,
  type Clock,
  type ComputeBackend,
  type DependencyContainer,
} from '@txsim/core';
import { registerDevices } from '@txsim/devices';
import { NativeBackend, nativeAvailable, nativeUnavailableReason } from '@txsim/native';
import { registerNonidealities } from '@txsim/nonidealities';
import { registerPacks, type LoadedPack } from './packs.js';
import { pickFaster, timeBackends } from './auto-backend.js';

/**
 * The composition root: the one place that decides what a txsim process registers. Nothing is
 * registered by import; every container made here is a child of tsyringe's root, so a caller can
 * still override a service in its own child without touching this one.
 */

/**
 * auto: the faster of the native and WASM kernels (timed once per process, see auto-backend.ts), or
 * whichever loads; an explicit choice falls back to the next with a warning.
 */
export type BackendChoice = 'auto' | 'native' | 'wasm' | 'reference';

export interface RunContainerOptions {
  /** Master seed every random stream is forked from. */
  readonly seed: number | string;
  /** 'native' falls back to 'wasm' and 'wasm' to the reference backend, with a warning, when unavailable. */
  readonly backend: BackendChoice;
  /** Where the fallback warning goes; default: stderr. */
  readonly warn?: (message: string) => void;
  /** Overrides the system clock (tests, replays). */
  readonly clock?: Clock;
}

/**
 * A container holding only the plugin registrations — txsim's own, then each pack's — enough to
 * validate specs and list plugins.
 */
export function createPluginContainer(parent: DependencyContainer = rootContainer, packs: readonly LoadedPack[] = []): DependencyContainer {
  const c = parent.createChildContainer();
  registerDevices(c);
  registerNonidealities(c);
  registerPacks(c, packs);
  return c;
}

/**
 * The requested compute backend. `auto` takes the faster of the native kernel (when it built at install)
 * and WASM, silently: the two are timed once per process on training's GEMM shapes and the native one
 * is kept unless WASM is clearly faster (auto-backend.ts says why and how). An explicit `native` that is
 * missing falls back to WASM, and WASM that cannot load falls back to the reference backend, each with a
 * warning.
 */
export function createBackend(choice: BackendChoice, warn: (message: string) => void = warnOnStderr): ComputeBackend {
  if (choice === 'reference') return new ReferenceBackend();
  if (choice === 'native' || choice === 'auto') {
    if (nativeAvailable() && (choice === 'native' || autoPicksNative())) return new NativeBackend();
    if (choice === 'native') warn(`warning: native kernel unavailable (${nativeUnavailableReason()}); using the WASM kernel`);
  }
  try {
    return createWasmBackend();
  } catch (e) {
    warn(`warning: WASM backend unavailable (${e instanceof Error ? e.message : String(e)}); using the reference backend, which is much slower`);
    return new ReferenceBackend();
  }
}

/** Everything one training run resolves: plugins (with the run's packs), compute backend, master seed and clock. */
export function createRunContainer(options: RunContainerOptions, parent: DependencyContainer = rootContainer, packs: readonly LoadedPack[] = []): DependencyContainer {
  const c = createPluginContainer(parent, packs);
  c.register(BACKEND, { useValue: createBackend(options.backend, options.warn) });
  c.register(MASTER_SEED, { useValue: options.seed });
  // One factory per run, so a checkpoint sees every stream handed out (to layers and to the trainer).
  c.register(RngFactory, { useValue: new RngFactory(options.seed) });
  c.register(CLOCK, { useValue: options.clock ?? systemClock });
  return c;
}

let autoNative: boolean | undefined;

/** Whether `auto` takes the native kernel (it loads here): timed once per process, then remembered. */
export function autoPicksNative(): boolean {
  if (autoNative === undefined) {
    let wasmBackend;
    try {
      wasmBackend = createWasmBackend({ threads: 1 });
    } catch {
      return (autoNative = true); // nothing to compare with
    }
    const seconds = timeBackends([new NativeBackend({ threads: 1 }), wasmBackend]);
    autoNative = pickFaster([seconds[0]!, seconds[1]!]) === 0;
  }
  return autoNative;
}

function warnOnStderr(message: string): void {
  process.stderr.write(`${message}\n`);
}
