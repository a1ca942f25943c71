import { definePluginPack } from '@txsim/core';
import { arrheniusReram } from './arrhenius-reram.js';
import { thermalTcr } from './thermal-tcr.js';

export default definePluginPack({
  name: 'txsim-pack-thermal',
  version: '0.1.0',
  plugins: [arrheniusReram, thermalTcr],
});
