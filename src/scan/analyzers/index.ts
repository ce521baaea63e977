// Every analyzer the pipeline runs. Each family keeps its analyzers in its own folder and adds
// one line here; order does not matter (the pipeline orders by stage).
import type { Analyzer } from '../types.js';
import { aptAnalyzer } from './apt/index.js';
import { becAnalyzer } from './bec/index.js';
import { malwareAnalyzer } from './malware/index.js';
import { otherThreatsAnalyzer } from './other-threats/index.js';
import { phishingAnalyzer } from './phishing/index.js';

export const ALL_ANALYZERS: readonly Analyzer[] = [
  malwareAnalyzer, aptAnalyzer, phishingAnalyzer, becAnalyzer, otherThreatsAnalyzer,
];
