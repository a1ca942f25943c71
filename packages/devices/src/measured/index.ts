import type { AnyPlugin } from '@txsim/core';
import { lookupTable } from './lookup-table.js';
import { neurosim } from './neurosim.js';

/** The plugins of this folder, registered by the package index. */
export const measuredPlugins: readonly AnyPlugin[] = [neurosim, lookupTable] as unknown as AnyPlugin[];
