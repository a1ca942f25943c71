import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { checkPluginPack, isPluginPack, PackError, registerPack, type DependencyContainer, type PluginPack } from '@txsim/core';
import { createJiti } from 'jiti';

/** A pack as a run uses it: what it is, where it came from and what its code was. */
export interface LoadedPack {
  readonly pack: PluginPack;
  /** Absolute path of the module, or undefined for a pack handed over as an object (library use). */
  readonly path?: string;
  /** sha256 of the pack's files (see `packHash`); undefined for a pack handed over as an object. */
  readonly hash?: string;
}

/** What `environment.json` records of each pack, and `--resume` checks. */
export interface PackRecord {
  readonly name: string;
  readonly version: string;
  readonly path: string | null;
  readonly hash: string | null;
}

export const packRecord = (p: LoadedPack): PackRecord => ({ name: p.pack.name, version: p.pack.version, path: p.path ?? null, hash: p.hash ?? null });

const TS = new Set(['.ts', '.mts', '.cts']);
const LOADABLE = new Set(['.js', '.mjs', '.cjs', ...TS]);

/**
 * Where a pack specifier points: a path (starting with `.` or `/`, or naming a file with a known
 * extension) relative to `baseDir`, else a package name resolved from `baseDir` as Node would.
 */
export function resolvePackPath(specifier: string, baseDir: string): string {
  const isPath = specifier.startsWith('.') || isAbsolute(specifier) || LOADABLE.has(extname(specifier));
  if (isPath) {
    const file = resolve(baseDir, specifier);
    if (!existsSync(file)) throw new PackError(specifier, `plugin pack ${specifier}: no such file ${file}`);
    if (!LOADABLE.has(extname(file))) throw new PackError(specifier, `plugin pack ${specifier}: expected a .js, .mjs or .ts module, got "${extname(file) || '(no extension)'}"`);
    return file;
  }
  // jiti resolves with the import conditions, so ESM-only packages with an `exports` map are found too.
  const parentURL = pathToFileURL(join(baseDir, 'index.js')).href;
  const found = createJiti(parentURL).esmResolve(specifier, { parentURL, try: true });
  if (!found) throw new PackError(specifier, `plugin pack "${specifier}" is not installed where ${baseDir} can find it (npm install it there, or give a path starting with ./)`);
  return found.startsWith('file:') ? fileURLToPath(found) : found;
}

/** The folder whose files make up the pack: its package (when the package is the pack), else just the module. */
function packRoot(file: string, name: string): string | undefined {
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        return (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === name ? dir : undefined;
      } catch {
        return undefined;
      }
    }
    if (dirname(dir) === dir) return undefined;
  }
}

/** Bounds the hash's walk: a pack is source code, not a data set. */
const HASH_LIMIT = { files: 5000, bytes: 256 * 1024 * 1024 };

/**
 * sha256 over the pack's files: every file of its package (not node_modules, not dot folders) with its
 * relative path, or the module file alone when it is not the root of a package of the pack's name.
 * A resumed run compares it, so an edited pack cannot silently change a run's second half.
 */
export function packHash(file: string, name: string): string {
  const root = packRoot(file, name);
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) files.push(path);
      if (files.length > HASH_LIMIT.files) throw new PackError(name, `plugin pack ${name}: ${root} holds more than ${HASH_LIMIT.files} files; a pack should hold only its code`);
    }
  };
  if (root) walk(root);
  else files.push(file);
  const hash = createHash('sha256');
  let bytes = 0;
  for (const f of files) {
    bytes += statSync(f).size;
    if (bytes > HASH_LIMIT.bytes) throw new PackError(name, `plugin pack ${name}: its files exceed ${HASH_LIMIT.bytes / 2 ** 20} MiB; a pack should hold only its code`);
    hash.update(`${relative(root ?? dirname(file), f).split(sep).join('/')}\0`);
    hash.update(readFileSync(f));
    hash.update('\0');
  }
  return hash.digest('hex');
}

/** Imports a module: natively for JavaScript, through jiti (a maintained TypeScript loader) for .ts. */
async function importModule(file: string): Promise<unknown> {
  if (TS.has(extname(file))) return createJiti(import.meta.url, { moduleCache: false }).import(file);
  return import(pathToFileURL(file).href);
}

/** Loads and checks one pack; every failure is a PackError naming the pack, never a stack trace. */
export async function loadPack(specifier: string, baseDir: string): Promise<LoadedPack> {
  const path = resolvePackPath(specifier, baseDir);
  let mod: unknown;
  try {
    mod = await importModule(path);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    throw new PackError(specifier, `plugin pack ${specifier} (${path}) failed to load: ${message.split('\n')[0]}`);
  }
  const value = (mod as { default?: unknown } | null)?.default;
  const pack = checkPluginPack(value, `${specifier} (${path})`);
  return { pack, path, hash: packHash(path, pack.name) };
}

/**
 * Loads packs given as specifiers (each with the folder it is relative to) or as objects. The same
 * module listed twice (by a spec and by --plugin) is one pack; two modules claiming one name are refused.
 */
export async function loadPacks(items: ReadonlyArray<{ readonly pack: string | PluginPack; readonly baseDir: string }>): Promise<LoadedPack[]> {
  const out: LoadedPack[] = [];
  for (const { pack: item, baseDir } of items) {
    const loaded = typeof item === 'string' ? await loadPack(item, baseDir) : { pack: checkPluginPack(item, isPluginPack(item) ? item.name : 'a pack object') };
    const same = out.find((p) => p.pack.name === loaded.pack.name);
    if (same) {
      if (same.path !== undefined && same.path === loaded.path) continue;
      throw new PackError(loaded.path ?? loaded.pack.name, `two plugin packs are named "${loaded.pack.name}": ${same.path ?? 'an object'} and ${loaded.path ?? 'an object'}`);
    }
    out.push(loaded);
  }
  return out;
}

/** Registers every pack's units, plugins and layer configurators in `container`. */
export function registerPacks(container: DependencyContainer, packs: readonly LoadedPack[]): void {
  for (const p of packs) registerPack(container, p.pack, p.path ?? p.pack.name);
}

/**
 * The packs of a resumed run, checked against what `environment.json` recorded when it started: a
 * missing pack or one whose files changed refuses the resume, naming the pack and what differs.
 */
export function checkPackRecords(recorded: readonly PackRecord[], loaded: readonly LoadedPack[], where: string): void {
  for (const r of recorded) {
    const now = loaded.find((p) => p.pack.name === r.name);
    if (!now) throw new PackError(r.path ?? r.name, `${where}: this run used plugin pack "${r.name}" ${r.version}${r.path ? ` from ${r.path}` : ''}, which is not loaded now; pass it with --plugin (or in options.plugins)`);
    if (now.pack.version !== r.version) throw new PackError(r.path ?? r.name, `${where}: plugin pack "${r.name}" is version ${now.pack.version} now; the run started with ${r.version}. Restore that version or start a new run`);
    if (r.hash && now.hash && r.hash !== now.hash) {
      throw new PackError(r.path ?? r.name, `${where}: plugin pack "${r.name}" changed since the run started (${now.path}: sha256 ${now.hash.slice(0, 12)}…, was ${r.hash.slice(0, 12)}…). Restore the pack as it was, or start a new run`);
    }
  }
}
