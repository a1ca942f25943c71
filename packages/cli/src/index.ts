export { main, EXIT } from './main.js';
export { EXIT_INTERRUPTED, train, type TrainFlags } from './commands/train.js';
export { validate } from './commands/validate.js';
export { describePlugins, formatPluginDescription, formatPluginList } from './commands/plugins.js';
export { chooseDevice, deviceCommand, type ChosenDevice, type DeviceFlags } from './commands/device.js';
export { createDeviceCells, pulseTrajectory, trajectoryCsv, type StartState, type TrajectoryOptions, type TrajectoryRow } from './device/trajectory.js';
export type { CliIo, Output } from './io.js';
