// Flags messages the parser could not fully open (too many parts, nesting too deep, too much
// decoded data): content past a limit was not scanned, and piling parts up is a known evasion.
import type { Analyzer } from '../../types.js';

export const messageLimits: Analyzer = {
  name: 'message-limits',
  family: 'other',
  stage: 'prefilter',
  symbols: [
    {
      name: 'MIME_LIMITS_HIT',
      description: 'Parser limits were hit (parts, depth, decoded size, a header field over 100 KiB): part of the message was not scanned',
      group: 'mime',
      score: 2,
      category: 'other_threat',
    },
  ],
  analyze(message) {
    return message.limitsHit.length ? [{ name: 'MIME_LIMITS_HIT', detail: message.limitsHit.join(',') }] : [];
  },
};
