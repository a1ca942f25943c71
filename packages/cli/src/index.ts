export { main, EXIT } from './main.js';
export { createBackend, createPluginContainer, createRunContainer, type BackendChoice, type RunContainerOptions } from './composition.js';
export { applyOverrides, dropCrossbars, loadSpec, readSpecFile, type LoadSpecOptions, type SpecOverrides } from './spec-file.js';
export { checkRunDir, defaultRunDir, RunDir, timestamp, WALL_TIME_FIELDS, writeFileAtomic, type LayerSummary, type RunSummary } from './run-dir.js';
export { EXIT_INTERRUPTED, train, type TrainFlags } from './commands/train.js';
export { CHECKPOINT_FILE, readCheckpoint, type ArrayEntry, type Checkpoint } from './checkpoint.js';
export { validate } from './commands/validate.js';
export { describePlugins, formatPluginDescription, formatPluginList } from './commands/plugins.js';
export type { CliIo, Output } from './io.js';
