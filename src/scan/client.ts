// `rampart scan --server URL`: the client of a scan daemon (scan/server.ts). Messages go in batches
// (POST /scan/batch) over a few kept-alive connections: one request per message cost the client
// and the daemon a write and a read each, which on a virtual machine's loopback were a third of
// the daemon's CPU per message (README, Scan daemon). Each message's answer is its ScanReport.
import http from 'node:http';
import { encodeBatch } from './batch-frames.js';
import { TurnBatch } from './turn-batch.js';
import type { ScanReport } from './report.js';
import type { Envelope } from './types.js';

export interface RemoteScanner {
  scan(raw: Buffer): Promise<ScanReport>;
  close(): void;
}

/** Messages per batch: enough that a request's cost is shared, few enough that batches overlap. */
export const BATCH_MESSAGES = 16;
/** A batch is sent once it holds this many bytes; a larger message goes alone. */
export const BATCH_BYTES = 4 * 1024 * 1024;

interface Waiting {
  raw: Buffer;
  resolve: (r: ScanReport) => void;
  reject: (e: Error) => void;
}

/**
 * A scanner posting to the daemon at baseUrl (http://host:port) with at most `connections`
 * requests at once. Messages handed in within one turn of the event loop share a batch (at most
 * BATCH_MESSAGES and BATCH_BYTES, turn-batch.ts).
 */
export function remoteScanner(baseUrl: string, envelope: Envelope, connections: number): RemoteScanner {
  let url: URL;
  try {
    url = new URL('/scan/batch', baseUrl);
  } catch {
    throw new Error(`--server: ${JSON.stringify(baseUrl)} is not a URL (http://host:port)`);
  }
  if (url.protocol !== 'http:') throw new Error(`--server: ${baseUrl}: only http:// is served by rampart scand`);
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const headers: Record<string, string> = {
    'content-type': 'application/x-rampart-batch',
    'x-rampart-ip': envelope.clientIp,
    ...(envelope.mailFrom ? { 'x-rampart-from': envelope.mailFrom } : {}),
    ...(envelope.helo ? { 'x-rampart-helo': envelope.helo } : {}),
    ...(envelope.rcptTo.length ? { 'x-rampart-rcpt': envelope.rcptTo.join(',') } : {}),
  };
  const post = (sent: Waiting[]) => {
    const fail = (err: Error) => {
      for (const w of sent) w.reject(err);
    };
    // One buffer, so that the request goes out in one write.
    const body = Buffer.concat(encodeBatch(sent.map((w) => w.raw)));
    const req = http.request(url, { method: 'POST', agent, headers: { ...headers, 'content-length': String(body.length) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', fail);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if (res.statusCode !== 200) {
          let error = text.slice(0, 200);
          try {
            error = (JSON.parse(text) as { error?: string }).error ?? error;
          } catch {
            // not JSON: the text itself
          }
          return fail(new Error(`scan daemon: ${res.statusCode} ${error}`.trim()));
        }
        const lines = text.split('\n');
        if (lines.pop() !== '' || lines.length !== sent.length) return fail(new Error(`scan daemon answered ${lines.length} lines for ${sent.length} messages`));
        lines.forEach((line, i) => {
          let answer: (ScanReport & { error?: undefined }) | { error: string };
          try {
            answer = JSON.parse(line) as typeof answer;
          } catch {
            return sent[i]!.reject(new Error(`scan daemon answered ${JSON.stringify(line.slice(0, 200))}`));
          }
          if (answer.error === undefined) sent[i]!.resolve(answer);
          else sent[i]!.reject(new Error(`scan daemon: ${answer.error}`));
        });
      });
    });
    req.setNoDelay(true);
    req.on('error', (err) => fail(new Error(`scan daemon at ${url.origin}: ${err.message}`)));
    req.end(body);
  };

  const batch = new TurnBatch<Waiting>(post, { maxItems: BATCH_MESSAGES, maxWeight: BATCH_BYTES, weight: (w) => w.raw.length });

  return {
    scan: (raw) =>
      new Promise((resolve, reject) => {
        batch.add({ raw, resolve, reject });
      }),
    close: () => agent.destroy(),
  };
}
