// Every analyzer the pipeline runs. Each family keeps its analyzers in its own folder and adds
// one line here; order does not matter (the pipeline orders by stage).
import type { Analyzer } from '../types.js';
import { bayes } from './bayes/index.js';
import { graymail } from './graymail/index.js';
import { spamRules } from './spam-rules/index.js';

export const ALL_ANALYZERS: readonly Analyzer[] = [
  bayes,
  spamRules,
  graymail,
];
