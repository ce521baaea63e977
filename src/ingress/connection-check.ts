// The injected connection-stage check (IP reputation, DNSBL, block lists) asked at connect, HELO,
// MAIL and RCPT. The ingress only turns its answer into a reply and a recorded event.

export interface ConnectionCheckContext {
  ip: string;
  helo: string | null;
  stage: 'connect' | 'helo' | 'mail' | 'rcpt';
  sender?: string;
  recipient?: string;
  /** At RCPT: the recipient's protected domain (canonical, lower-case), for per-domain lists. */
  domain?: string;
}

/** A refusal: SMTP code and enhanced code, the text for the client, a stable reason id for reports. */
export interface ConnectionRefusal {
  code: number;
  enhanced: string;
  message: string;
  reason: string;
  /** What to record as the event's detail (e.g. DNSBL zone and code); default: the address. */
  detail?: string;
}

export type ConnectionCheck = (ctx: ConnectionCheckContext) => Promise<ConnectionRefusal | null>;

/** Default: no connection-stage checks. */
export const noConnectionCheck: ConnectionCheck = async () => null;
