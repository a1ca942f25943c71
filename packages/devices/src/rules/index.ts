import type { AnyPlugin } from '@txsim/core';
import { pulseCount } from './pulse-count.js';
import { stochasticPulses } from './stochastic-pulses.js';

export { pulseCount, stochasticPulses };

/** The plugins of this folder, registered by the package index. */
export const rulesPlugins: readonly AnyPlugin[] = [pulseCount, stochasticPulses] as unknown as AnyPlugin[];
