import { quantity } from '@txsim/core';

/**
 * The four series resistances every wire model takes, with TxSim's layout values as defaults
 * (1 Ω per row cell, 4.6 Ω per column cell); zero everywhere is the ideal, neutral case.
 */
export const wireParamFields = {
  rRow: quantity('ohm', { description: 'Row wire resistance per cell segment.', default: 1, neutral: 0, min: 0 }),
  rCol: quantity('ohm', { description: 'Column wire resistance per cell segment.', default: 4.6, neutral: 0, min: 0 }),
  rSource: quantity('ohm', { description: 'Driver (source) output resistance per driven line.', default: 0, neutral: 0, min: 0 }),
  rSink: quantity('ohm', { description: 'Sense (sink) input resistance per sensed line.', default: 0, neutral: 0, min: 0 }),
};
