// Every analyzer the pipeline runs. Each family keeps its analyzers in its own folder and adds
// one line here; order does not matter (the pipeline orders by stage).
import type { Analyzer } from '../types.js';
import { messageLimits } from './message-limits/index.js';

export const ALL_ANALYZERS: readonly Analyzer[] = [
  messageLimits,
];
