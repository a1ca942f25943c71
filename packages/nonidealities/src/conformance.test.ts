import { pluginConformance } from '@txsim/core/testing';
import { describe, expect, it } from 'vitest';
import { nonidealityPlugins } from './index.js';

pluginConformance(nonidealityPlugins, { describe, it, expect });
