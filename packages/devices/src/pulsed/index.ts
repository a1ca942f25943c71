import type { AnyPlugin } from '@txsim/core';
import { constantStep } from './constant-step.js';
import { expStep } from './exp-step.js';
import { linearStep } from './linear-step.js';
import { piecewiseStep } from './piecewise-step.js';
import { powStep } from './pow-step.js';
import { softBounds } from './soft-bounds.js';

export { constantStep, expStep, linearStep, piecewiseStep, powStep, softBounds };

/** The plugins of this folder, registered by the package index. */
export const pulsedPlugins: readonly AnyPlugin[] = [constantStep, linearStep, softBounds, expStep, powStep, piecewiseStep] as unknown as AnyPlugin[];
