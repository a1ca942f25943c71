import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EpochMetrics } from '@txsim/core';
import { CALIBRATION_FILE, type CalibrationRecord } from '../calibration.js';
import type { PackRecord } from '../packs.js';
import type { RunSummary } from '../run-dir.js';
import { CONDUCTANCES_FILE, READ_ERROR_FILE, type ConductanceFile, type ReadErrorFile } from './diagnostics.js';

/** Everything the report reads from one run directory; the optional files are undefined when absent. */
export interface RunData {
  /** The directory as given on the command line. */
  readonly dir: string;
  readonly summary?: RunSummary;
  /** One entry per finished epoch (from metrics.jsonl, or from summary.json when that is missing). */
  readonly epochs: readonly EpochMetrics[];
  readonly conductances?: ConductanceFile;
  readonly readError?: ReadErrorFile;
  /** spec.resolved.json: the spec as the run used it, every slot filled in (SI numbers). */
  readonly spec?: Readonly<Record<string, unknown>>;
  /** environment.json; `packs` lists the plugin packs the run loaded (absent in older runs). */
  readonly environment?: { readonly packs?: readonly PackRecord[]; readonly [key: string]: unknown };
  readonly calibration?: CalibrationRecord;
}

function readJson<T>(file: string): T {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch (e) {
    throw new Error(`${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

const optional = <T>(file: string): T | undefined => (existsSync(file) ? readJson<T>(file) : undefined);

function epochsFromSummary(s: RunSummary): EpochMetrics[] {
  return s.testAccuracy.map((testAccuracy, i) => ({
    epoch: i + 1,
    testAccuracy,
    testLoss: s.testLoss[i]!,
    trainLoss: s.trainLoss[i]!,
    trainAccuracy: s.trainAccuracy[i]!,
    seconds: s.secondsPerEpoch[i]!,
  }));
}

/**
 * Reads a run directory. metrics.jsonl alone is enough (a run still going, or one that stopped early);
 * a directory with neither it nor summary.json is not a run directory.
 */
export function loadRun(dir: string): RunData {
  const summaryFile = join(dir, 'summary.json');
  const metricsFile = join(dir, 'metrics.jsonl');
  if (!existsSync(summaryFile) && !existsSync(metricsFile)) {
    throw new Error(`${dir} is not a run directory (no summary.json or metrics.jsonl)`);
  }
  const summary = optional<RunSummary>(summaryFile);
  const epochs = existsSync(metricsFile)
    ? readFileSync(metricsFile, 'utf8').split('\n').filter((l) => l.trim()).map((l, i) => {
      try {
        return JSON.parse(l) as EpochMetrics;
      } catch (e) {
        throw new Error(`${metricsFile}:${i + 1}: ${e instanceof Error ? e.message : String(e)}`);
      }
    })
    : epochsFromSummary(summary!);
  return {
    dir,
    summary,
    epochs,
    conductances: optional<ConductanceFile>(join(dir, CONDUCTANCES_FILE)),
    readError: optional<ReadErrorFile>(join(dir, READ_ERROR_FILE)),
    spec: optional<Record<string, unknown>>(join(dir, 'spec.resolved.json')),
    environment: optional<RunData['environment'] & object>(join(dir, 'environment.json')),
    calibration: optional<CalibrationRecord>(join(dir, CALIBRATION_FILE)),
  };
}
