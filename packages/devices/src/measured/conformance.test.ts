import { describe, expect, it } from 'vitest';
import { pluginConformance } from '@txsim/core/testing';
import { measuredPlugins } from './index.js';

// The package-wide suite covers these too; this runs just this folder's plugins (vitest path filter).
pluginConformance(measuredPlugins, { describe, it, expect });
