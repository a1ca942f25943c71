import type { Command } from 'commander';

/**
 * Option parser for numeric flags: a number when the text is one, else the text itself, so that
 * spec validation (not commander) reports the problem with the field's path and the schema's words.
 */
export function numberOrText(value: string): number | string {
  const n = Number(value);
  return value.trim() !== '' && Number.isFinite(n) ? n : value;
}

/** The flags that override spec fields before validation, shared by `train` and `validate`. */
export function withSpecOverrides(command: Command): Command {
  return command
    .option('--epochs <n>', 'override training.epochs', numberOrText)
    .option('--seed <n>', 'override the master seed', numberOrText)
    .option('--train-limit <n>', 'use only the first n training examples (data.trainLimit)', numberOrText)
    .option('--test-limit <n>', 'use only the first n test examples (data.testLimit)', numberOrText)
    .option('--backend <name>', 'override the compute backend: auto (the faster of native and wasm, timed once per process), native, wasm or reference');
}

const collect = (value: string, previous: readonly string[] = []): string[] => [...previous, value];

/** `--plugin <module>`, repeatable: plugin packs beyond those a spec lists (paths relative to the working directory, or package names). */
export function withPluginOption(command: Command): Command {
  return command.option('--plugin <module>', 'load a plugin pack (a package name, or a .js/.mjs/.ts file); repeatable', collect);
}
