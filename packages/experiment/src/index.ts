export { runExperiment, resumeExperiment, CONDUCTANCES_START_FILE, ENVIRONMENT_FILE, type ExperimentOptions, type ExperimentResult } from './run.js';
export { listedPacks, openSpec, openPlugins, type OpenedPlugins, type OpenedSpec, type PluginOptions } from './open-spec.js';
export { checkPackRecords, loadPack, loadPacks, packHash, packRecord, registerPacks, resolvePackPath, type LoadedPack, type PackRecord } from './packs.js';
export { createBackend, createPluginContainer, createRunContainer, type BackendChoice, type RunContainerOptions } from './composition.js';
export { applyOverrides, dropCrossbars, loadSpec, readSpecFile, resolveSpecData, type LoadSpecOptions, type SpecOverrides } from './spec-file.js';
export { withDataDir } from './data-dir.js';
export { checkOutputDir, OutputDirError, preflight, runDiskBytes, type PreflightOptions } from './preflight.js';
export { checkRunDir, defaultRunDir, RunDir, timestamp, WALL_TIME_FIELDS, writeFileAtomic, type LayerSummary, type RunSummary } from './run-dir.js';
export { CHECKPOINT_FILE, readCheckpoint, restoreCheckpoint, writeCheckpoint, type ArrayEntry, type Checkpoint } from './checkpoint.js';
export {
  CALIBRATION_FILE, calibrationRecord, layersToCalibrate, nativeScales, recordedScales, withWMax,
  type AdcRecord, type CalibrationRecord, type LayerCalibration, type MappingRecord, type NativeScale,
} from './calibration.js';
export * from './report/index.js';
export { PRESETS_DIR, presetMap, readPreset, readPresets, type Preset } from './presets.js';
