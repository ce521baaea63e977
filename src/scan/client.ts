// `rampart scan --server URL`: the client of a scan daemon (scan/server.ts). Messages go over a few
// kept-alive connections; each answer is the daemon's ScanReport.
import http from 'node:http';
import type { ScanReport } from './report.js';
import type { Envelope } from './types.js';

export interface RemoteScanner {
  scan(raw: Buffer): Promise<ScanReport>;
  close(): void;
}

/** A scanner posting to the daemon at baseUrl (http://host:port) with at most `connections` at once. */
export function remoteScanner(baseUrl: string, envelope: Envelope, connections: number): RemoteScanner {
  let url: URL;
  try {
    url = new URL('/scan', baseUrl);
  } catch {
    throw new Error(`--server: ${JSON.stringify(baseUrl)} is not a URL (http://host:port)`);
  }
  if (url.protocol !== 'http:') throw new Error(`--server: ${baseUrl}: only http:// is served by rampart scand`);
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const headers: Record<string, string> = {
    'content-type': 'message/rfc822',
    'x-rampart-ip': envelope.clientIp,
    ...(envelope.mailFrom ? { 'x-rampart-from': envelope.mailFrom } : {}),
    ...(envelope.helo ? { 'x-rampart-helo': envelope.helo } : {}),
    ...(envelope.rcptTo.length ? { 'x-rampart-rcpt': envelope.rcptTo.join(',') } : {}),
  };
  return {
    scan: (raw) =>
      new Promise((resolve, reject) => {
        const req = http.request(url, { method: 'POST', agent, headers: { ...headers, 'content-length': String(raw.length) } }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let body: (ScanReport & { error?: undefined }) | { error: string };
            try {
              body = JSON.parse(text) as typeof body;
            } catch {
              return reject(new Error(`scan daemon answered ${res.statusCode} with ${JSON.stringify(text.slice(0, 200))}`));
            }
            if (res.statusCode === 200 && body.error === undefined) resolve(body);
            else reject(new Error(`scan daemon: ${res.statusCode} ${body.error ?? ''}`.trim()));
          });
        });
        req.setNoDelay(true);
        req.on('error', (err) => reject(new Error(`scan daemon at ${url.origin}: ${err.message}`)));
        req.end(raw);
      }),
    close: () => agent.destroy(),
  };
}
