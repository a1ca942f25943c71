import type { AnyPlugin, DependencyContainer } from '@txsim/core';
import { registerPlugins } from '@txsim/core';
import { adc } from './adc.js';
import { dac } from './dac.js';
import { ideal } from './ideal.js';
import { levels } from './levels.js';
import { senseAmp } from './sense-amp.js';
import { thresholdDac } from './threshold-dac.js';
import { txsimUpdate } from './txsim-update.js';
import { measuredPlugins } from './measured/index.js';
import { pulsedPlugins } from './pulsed/index.js';
import { rulesPlugins } from './rules/index.js';
import { costPlugins } from './cost/index.js';

export * from './cost/index.js';

export { adc, dac, ideal, levels, senseAmp, thresholdDac, txsimUpdate };

/** Every device, converter and update-rule plugin of this package. */
export const devicePlugins: readonly AnyPlugin[] = [
  ...([ideal, levels, dac, thresholdDac, senseAmp, adc, txsimUpdate] as unknown as AnyPlugin[]),
  ...pulsedPlugins,
  ...measuredPlugins,
  ...rulesPlugins,
];

export function registerDevices(container: DependencyContainer): void {
  registerPlugins(container, devicePlugins);
  registerPlugins(container, costPlugins);
}
