import type { AnyPlugin } from '@txsim/core';
import { arrayRead } from './array-read.js';
import { arrayWrite } from './array-write.js';
import { currentSenseAmp } from './current-sense-amp.js';
import { digitalPeriphery } from './digital-periphery.js';
import { flashAdc } from './flash-adc.js';
import { lineDac } from './line-dac.js';
import { sarAdc } from './sar-adc.js';
import { sramBuffer } from './sram-buffer.js';

export { arrayRead, arrayWrite, currentSenseAmp, digitalPeriphery, flashAdc, lineDac, sarAdc, sramBuffer };

/** The cost plugins: one per hardware component, defaults from NeuroSim's 32 nm models (docs/cost.md). */
export const costPlugins: readonly AnyPlugin[] = [lineDac, sarAdc, flashAdc, currentSenseAmp, arrayRead, arrayWrite, digitalPeriphery, sramBuffer] as unknown as AnyPlugin[];
