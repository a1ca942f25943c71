import { describe, expect, it } from 'vitest';
import { pluginConformance } from '@txsim/core/testing';
import { devicePlugins } from './index.js';

pluginConformance(devicePlugins, { describe, it, expect });
