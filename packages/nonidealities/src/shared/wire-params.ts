import { quantity } from '@txsim/core';

/** Wire segments and driver/sense resistances are milliohms to kilohms, not device resistances. */
const WIRE_PLAUSIBLE: [number, number] = [1e-3, 1e4];

/**
 * The four series resistances every wire model takes, with TxSim's layout values as defaults
 * (1 Ω per row cell, 4.6 Ω per column cell); zero everywhere is the ideal, neutral case.
 */
export const wireParamFields = {
  rRow: quantity('ohm', { description: 'Row wire resistance per cell segment.', default: 1, neutral: 0, min: 0, plausible: WIRE_PLAUSIBLE }),
  rCol: quantity('ohm', { description: 'Column wire resistance per cell segment.', default: 4.6, neutral: 0, min: 0, plausible: WIRE_PLAUSIBLE }),
  rSource: quantity('ohm', { description: 'Driver (source) output resistance per driven line.', default: 0, neutral: 0, min: 0, plausible: WIRE_PLAUSIBLE }),
  rSink: quantity('ohm', { description: 'Sense (sink) input resistance per sensed line.', default: 0, neutral: 0, min: 0, plausible: WIRE_PLAUSIBLE }),
};
