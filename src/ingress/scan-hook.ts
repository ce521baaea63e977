// The scan hook asked before the final DATA reply. The scan engine plugs the real one in; the
// ingress runs it under scan.timeout and never lets a failure become an unscanned delivery.
import type { Envelope, ScanDecision } from '../scan/types.js';

export interface ScanRecipient {
  address: string;
  domain: string;
  domainId: number;
}

export interface ScanInput {
  /** The message as received, with our Received header first. */
  raw: Buffer;
  envelope: Envelope;
  /** Recipient domains of the message (canonical names), each once. */
  domains: string[];
  recipients: ScanRecipient[];
}

export type ScanHook = (input: ScanInput) => Promise<ScanDecision>;

/** Default until the scan engine is plugged in: accept without a verdict. */
export const passThroughScan: ScanHook = async () => ({ kind: 'accept', verdict: null, quarantine: false });

export type ScanOutcome = { ok: true; decision: ScanDecision } | { ok: false; reason: string };

/** Runs the hook with a time limit; a throw or a timeout is reported, not raised. */
export async function runScan(hook: ScanHook, input: ScanInput, timeoutMs: number): Promise<ScanOutcome> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<ScanOutcome>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, reason: `scan timed out after ${timeoutMs} ms` }), timeoutMs);
  });
  try {
    return await Promise.race([
      hook(input).then(
        (decision): ScanOutcome => ({ ok: true, decision }),
        (err: unknown): ScanOutcome => ({ ok: false, reason: `scan failed: ${(err as Error)?.message ?? String(err)}` }),
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
