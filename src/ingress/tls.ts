// The STARTTLS certificate: the configured one, or a self-signed one generated into data_dir on
// first start and reused afterwards (so clients that pin it keep working across restarts).
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { writeFileDurableSync } from '../spool/spool.js';

export interface TlsMaterial {
  key: string;
  cert: string;
  selfSigned: boolean;
}

export async function loadTlsMaterial(opts: { cert?: string; key?: string; dataDir: string; hostname: string }): Promise<TlsMaterial> {
  if (opts.cert || opts.key) {
    if (!opts.cert || !opts.key) throw new Error('smtp.tls: cert and key must be given together');
    return { cert: readFileSync(opts.cert, 'utf8'), key: readFileSync(opts.key, 'utf8'), selfSigned: false };
  }
  const dir = path.join(opts.dataDir, 'tls');
  const certFile = path.join(dir, 'smtp-cert.pem');
  const keyFile = path.join(dir, 'smtp-key.pem');
  if (existsSync(certFile) && existsSync(keyFile)) {
    return { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8'), selfSigned: true };
  }
  mkdirSync(dir, { recursive: true });
  // Loaded only when a certificate must be made: its crypto stack costs ~17 MB of memory. A
  // CommonJS package: its exports are the default export both in Node and in the bundle's chunk
  // (where the named ones Node also offers do not exist).
  const { generate } = (await import('selfsigned')).default;
  const pems = await generate([{ name: 'commonName', value: opts.hostname }], {
    keySize: 2048,
    algorithm: 'sha256',
    notAfterDate: new Date(Date.now() + 10 * 365 * 86_400_000),
  });
  writeFileDurableSync(keyFile, pems.private, 0o600);
  writeFileDurableSync(certFile, pems.cert, 0o644);
  return { cert: pems.cert, key: pems.private, selfSigned: true };
}
