export { runExperiment, resumeExperiment, CONDUCTANCES_START_FILE, ENVIRONMENT_FILE, SPEC_FILE, type ExperimentOptions, type ExperimentResult } from './run.js';
export { listedPacks, openSpec, openPlugins, type OpenedPlugins, type OpenedSpec, type PluginOptions } from './open-spec.js';
export { checkPackRecords, loadPack, loadPacks, packHash, packRecord, registerPacks, resolvePackPath, type LoadedPack, type PackRecord } from './packs.js';
export { autoPicksNative, createBackend, createPluginContainer, createRunContainer, type BackendChoice, type RunContainerOptions } from './composition.js';
export { AUTO_MARGIN, AUTO_SHAPES, pickFaster, timeBackends } from './auto-backend.js';
export { applyOverrides, dropCrossbars, loadSpec, readSpecFile, resolveSpecData, type LoadSpecOptions, type SpecOverrides } from './spec-file.js';
export { withDataDir } from './data-dir.js';
export { checkOutputDir, OutputDirError, preflight, runDiskBytes, type PreflightOptions } from './preflight.js';
export { DATA_TRANSFORMS_FILE, readRecordedTransforms, type DataTransformsRecord } from './data-record.js';
export { checkRunDir, createRunDir, defaultRunDir, removeStaleTmpFiles, RunDir, timestamp, WALL_TIME_FIELDS, writeFileAtomic, type LayerSummary, type RunSummary } from './run-dir.js';
export {
  CHECKPOINT_FILE, CHECKPOINT_VERSION, CheckpointError, checkpointText, checkShapes, readCheckpoint, readPayload, restoreCheckpoint, sha256, verifyCheckpoint, writeCheckpoint,
  type ArrayEntry, type Checkpoint, type CheckpointInfo, type RunIdentity,
} from './checkpoint.js';
export { LOCK_DIR, LOCK_HOLDER_FILE, lockRunDir, type LockHolder, type RunLock } from './run-lock.js';
export { processAlive } from './process-alive.js';
export {
  CALIBRATION_FILE, calibrationRecord, layersToCalibrate, nativeScales, recordedScales, withWMax,
  type AdcRecord, type CalibrationRecord, type LayerCalibration, type MappingRecord, type NativeScale,
} from './calibration.js';
export * from './report/index.js';
export { PRESETS_DIR, presetMap, readPreset, readPresets, type Preset } from './presets.js';
export { costPhaseTotals, countedCost, estimateEpochCost, networkCostLayers, type BuiltLayer } from './cost.js';
