// The test analyzers as a module the scan worker threads can load (ScanPool analyzersModule),
// plus one that spins the CPU forever on a marker, to prove a runaway worker is replaced.
import type { Analyzer } from '../../src/scan/types.js';
import { FAKES } from './fake-analyzers.js';

const spin: Analyzer = {
  name: 'spinner',
  family: 'other',
  stage: 'normal',
  symbols: [],
  analyze(m) {
    if (m.text.includes('SPIN-FOREVER')) for (;;);
    return [];
  },
};

export const analyzers: readonly Analyzer[] = [...FAKES, spin];
export const MODULE_URL = import.meta.url;
