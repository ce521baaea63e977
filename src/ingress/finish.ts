// The end of DATA: run the scan hook under its time limit, map the decision to spool status or a
// refusal, and make the message durable before the caller may answer 250. A scan that throws or
// times out is never an unscanned delivery: it is a 451 or a quarantined message, as configured.
import type { Kysely } from 'kysely';
import type { RampartConfig } from '../config/schema.js';
import type { Logger } from '../log.js';
import type { Envelope, Verdict } from '../scan/types.js';
import { recordRejected } from '../spool/record.js';
import { SpoolError, type AcceptInput, type SpoolRecipient } from '../spool/spool.js';
import type { Database } from '../store/schema.js';
import { headerLines, traceHeaders } from './message.js';
import { runScan, type ScanHook, type ScanRecipient } from './scan-hook.js';

export interface Finisher {
  db: Kysely<Database>;
  /**
   * Makes the message durable (spool.accept, possibly batched) — a split message's copies all or
   * none; resolves with their queue ids.
   */
  accept(inputs: AcceptInput[]): Promise<string[]>;
  scan: RampartConfig['scan'];
  node: string;
  log: Logger;
}

type Refused = { kind: 'refused' | 'tempfail'; code: number; enhanced: string; message: string; reason: string; reply: string };
/** ids: the queue id of each copy (one unless the recipients' policies split the message). */
export type FinishResult = { kind: 'accepted'; ids: string[] } | Refused;

function refusal(kind: 'refused' | 'tempfail', code: number, enhanced: string, message: string, reason: string): Refused {
  return { kind, code, enhanced, message, reason, reply: `${code} ${enhanced} ${message}` };
}

function verdictColumns(v: Verdict): NonNullable<AcceptInput['verdict']> {
  return {
    category: v.category,
    score: v.score,
    action: v.action,
    symbols: JSON.stringify(v.symbols),
    would_action: v.would?.action ?? null,
    would_category: v.would?.category ?? null,
  };
}

export async function finishMessage(input: { raw: Buffer; envelope: Envelope; recipients: ScanRecipient[]; hook: ScanHook; deps: Finisher }): Promise<FinishResult> {
  const { raw, envelope, recipients, deps } = input;
  const domains = [...new Set(recipients.map((r) => r.domain))];
  const spoolRecipients = recipients.map((r) => ({ address: r.address, domainId: r.domainId }));
  const trace = traceHeaders(raw);
  const outcome = await runScan(input.hook, { raw, envelope, domains, recipients }, deps.scan.timeout);

  // One arrival time for every copy: a split message was received once.
  const receivedAt = new Date();
  /** A copy as spooled: the verdict's headers, then the message (`message`: policy rewrote its subject). */
  const copyOf = (rcpts: SpoolRecipient[], v: Verdict | null, quarantine: boolean, message: Buffer = raw): AcceptInput => ({
    envelope,
    messageId: trace.messageId,
    subject: trace.subject,
    receivedAt,
    recipients: rcpts,
    chunks: v?.addHeaders.length ? [headerLines(v.addHeaders), message] : [message],
    status: quarantine ? 'quarantined' : 'queued',
    ...(v ? { verdict: verdictColumns(v) } : {}),
  });
  let copies: AcceptInput[];
  if (!outcome.ok) {
    deps.log.warn({ reason: outcome.reason, ip: envelope.clientIp }, 'scan failed');
    if (deps.scan.on_failure === 'tempfail') return refusal('tempfail', 451, '4.7.0', 'Message could not be scanned, try again later', 'scan_failed');
    copies = [
      {
        ...copyOf(spoolRecipients, null, true),
        verdict: { category: 'other_threat', score: 0, action: 'quarantine', symbols: JSON.stringify([{ name: 'SCAN_FAIL', score: 0, detail: outcome.reason }]) },
      },
    ];
  } else {
    const d = outcome.decision;
    if (d.kind === 'tempfail') return refusal('tempfail', 451, '4.7.0', d.reason || 'Try again later', 'scan_tempfail');
    if (d.kind === 'reject') {
      const r = refusal('refused', 550, '5.7.1', d.reason || 'Message refused by policy', 'policy_reject');
      try {
        await recordRejected(deps.db, { envelope, recipients: spoolRecipients, size: raw.length, messageId: trace.messageId, subject: trace.subject, verdict: verdictColumns(d.verdict), reply: r.reply, node: deps.node });
      } catch (err) {
        // The refusal stands either way; only the trace row is missing.
        deps.log.error({ err }, 'cannot record rejected message in the trace');
      }
      return r;
    }
    if (d.kind === 'split') {
      const byAddress = new Map(spoolRecipients.map((r) => [r.address.toLowerCase(), r]));
      copies = d.copies.map((c) => copyOf(c.recipients.map((a) => byAddress.get(a.toLowerCase())).filter((r) => r !== undefined), c.verdict, c.quarantine, c.message));
      // Every recipient in exactly one copy, or the scan answered for another message.
      const counted = copies.reduce((n, c) => n + c.recipients.length, 0);
      if (counted !== spoolRecipients.length || copies.some((c) => !c.recipients.length)) {
        deps.log.error({ copies: d.copies.map((c) => c.recipients) }, 'split decision does not match the recipients');
        return refusal('tempfail', 451, '4.3.0', 'Local error while scanning, try again later', 'scan_split_mismatch');
      }
    } else copies = [copyOf(spoolRecipients, d.verdict, d.quarantine, d.message)];
  }
  try {
    const ids = await deps.accept(copies);
    return { kind: 'accepted', ids };
  } catch (err) {
    deps.log.error({ err }, err instanceof SpoolError ? 'spool refused the message' : 'unexpected error while spooling');
    return refusal('tempfail', 451, '4.3.0', 'Local error while queueing, try again later', 'spool_error');
  }
}
