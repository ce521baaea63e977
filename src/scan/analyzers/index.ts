// Every analyzer the pipeline runs. Each family keeps its analyzers in its own folder and adds
// one line here; order does not matter (the pipeline orders by stage).
import type { Analyzer } from '../types.js';
import { authAnalyzer } from './auth/index.js';
import { reputationAnalyzer } from '../../reputation/analyzer.js';
import { urlReputationAnalyzer } from './url-reputation/index.js';

export const ALL_ANALYZERS: readonly Analyzer[] = [
  authAnalyzer,
  reputationAnalyzer,
  urlReputationAnalyzer,
];
