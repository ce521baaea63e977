// Every analyzer the pipeline runs. Each family keeps its analyzers in its own folder and adds
// one line here; order does not matter (the pipeline orders by stage).
import type { Analyzer } from '../types.js';
import { messageLimits } from './message-limits/index.js';
import { authAnalyzer } from './auth/index.js';
import { reputationAnalyzer } from '../../reputation/analyzer.js';
import { urlReputationAnalyzer } from './url-reputation/index.js';
import { bayes } from './bayes/index.js';
import { fuzzy } from './fuzzy/index.js';
import { graymail } from './graymail/index.js';
import { spamRules } from './spam-rules/index.js';
import { aptAnalyzer } from './apt/index.js';
import { becAnalyzer } from './bec/index.js';
import { malwareAnalyzer } from './malware/index.js';
import { otherThreatsAnalyzer } from './other-threats/index.js';
import { phishingAnalyzer } from './phishing/index.js';

export const ALL_ANALYZERS: readonly Analyzer[] = [
  messageLimits,
  authAnalyzer,
  reputationAnalyzer,
  urlReputationAnalyzer,
  bayes,
  fuzzy,
  spamRules,
  graymail,
  malwareAnalyzer, aptAnalyzer, phishingAnalyzer, becAnalyzer, otherThreatsAnalyzer,
];
