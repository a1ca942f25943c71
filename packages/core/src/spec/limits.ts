/**
 * Upper bounds on the counts a spec may ask for, checked by the schema at load so that a slip
 * (`hidden: [1e6]`, `batches: 1e8`) is refused with its field before any array exists, instead of
 * running for hours or failing deep inside an allocation. docs/limits.md lists each with its reason.
 */
export const SPEC_LIMITS = {
  /** Hidden layers of an mlp: deeper plain MLPs do not train with these activations anyway. */
  hiddenLayers: 64,
  /** Units of one hidden layer (a 65,536 × 65,536 layer alone is 16 GiB of f32 weights). */
  hiddenUnits: 65_536,
  /** Image channels. */
  channels: 4_096,
  /** Image height and width, in pixels. */
  imageSide: 4_096,
  /** Classes: labels are stored as bytes (Uint8Array) by every loader. */
  classes: 256,
  /** Examples of a synthetic set, and the train/test limits. */
  examples: 10_000_000,
  epochs: 100_000,
  batchSize: 1_000_000,
  /** Minibatches of the native calibration run (mapping.calibrate.batches). */
  calibrateBatches: 1_000_000,
  /** Input transforms (data.transforms): each is a pass over the whole data set. */
  transforms: 32,
  /** Non-idealities in one stack. */
  stack: 64,
  /** Bytes of the run name: it becomes a directory name (with a 16-byte timestamp) and most file systems stop at 255. */
  nameBytes: 200,
} as const;

/** Why a run name cannot be a directory name, or undefined when it can. */
export function runNameProblem(name: string): string | undefined {
  const bytes = new TextEncoder().encode(name).length;
  if (name.trim() === '') return 'must not be empty: it names the run directory';
  if (bytes > SPEC_LIMITS.nameBytes) return `is ${bytes} bytes long; at most ${SPEC_LIMITS.nameBytes} (it names the run directory)`;
  if (/[/\\]/.test(name)) return 'must not contain / or \\: it names one run directory, not a path (use --out for the location)';
  if (name === '.' || name === '..') return `"${name}" cannot name a directory`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f]/.test(name)) return 'must not contain control characters: it names the run directory';
  return undefined;
}
