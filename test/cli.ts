import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '@txsim/cli';
import { WALL_TIME_FIELDS, type RunSummary } from '@txsim/experiment';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const BIN = join(ROOT, 'packages/cli/bin/txsim.js');

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Fails early, with the fix, when the compiled CLI the tests drive is missing. */
export function requireBuild(): void {
  if (!existsSync(join(ROOT, 'packages/cli/dist/main.js'))) {
    throw new Error('packages/cli/dist is missing: run `corepack pnpm build` first (`pnpm test` does)');
  }
}

/** Runs the compiled CLI the way a user does: `node packages/cli/bin/txsim.js …`. */
export function txsim(args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: options.cwd ?? ROOT, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** Runs `main` in this process (on the TypeScript sources under Vitest), capturing its output. */
export async function txsimInProcess(args: readonly string[]): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await main(['node', 'txsim', ...args], {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s), isTTY: false },
  });
  return { code, stdout, stderr };
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `txsim-${prefix}-`));
}

export const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;

/** A run summary without the fields that depend on the machine's speed or the clock. */
export function simulated(summary: RunSummary): Partial<RunSummary> {
  const out: Record<string, unknown> = { ...summary };
  for (const field of WALL_TIME_FIELDS) delete out[field];
  return out;
}
