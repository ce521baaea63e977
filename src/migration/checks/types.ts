// The shape every readiness check returns: passed or not, a one-line summary that says what to
// fix, and the individual steps with what was sent and found, timed.

export type CheckName = 'smtp' | 'dns' | 'cutover';
export const CHECK_NAMES: readonly CheckName[] = ['smtp', 'dns', 'cutover'];

export interface CheckStep {
  /** What was done: "EHLO rampart.localdomain", "MX lookup", … */
  step: string;
  ok: boolean;
  /** What came back: an SMTP reply, the records found, … */
  found: string;
  ms: number;
}

export interface CheckResult {
  check: CheckName;
  ok: boolean;
  summary: string;
  steps: CheckStep[];
  at: string;
  durationMs: number;
}
