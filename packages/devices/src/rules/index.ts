import type { AnyPlugin } from '@txsim/core';

/** The plugins of this folder, registered by the package index. */
export const rulesPlugins: readonly AnyPlugin[] = [];
