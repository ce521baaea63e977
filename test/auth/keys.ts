// Test keys and signing helpers for the authentication tests: DKIM TXT records from generated keys
// and messages signed with mailauth's dkimSign.
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { dkimSign } from 'mailauth';

export interface TestKey {
  privatePem: string;
  txt: string;
  algorithm: 'rsa-sha256' | 'ed25519-sha256';
}

function fromPair(pair: { publicKey: KeyObject; privateKey: KeyObject }, kind: 'rsa' | 'ed25519'): TestKey {
  const der = pair.publicKey.export({ type: 'spki', format: 'der' });
  // ed25519 DKIM keys (RFC 8463) publish the bare 32-byte key, not the SPKI wrapper.
  const p = kind === 'ed25519' ? der.subarray(der.length - 32).toString('base64') : der.toString('base64');
  return {
    privatePem: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    txt: `v=DKIM1; k=${kind}; p=${p}`,
    algorithm: kind === 'ed25519' ? 'ed25519-sha256' : 'rsa-sha256',
  };
}

export function rsaKey(bits: number): TestKey {
  return fromPair(generateKeyPairSync('rsa', { modulusLength: bits }), 'rsa');
}

export function ed25519Key(): TestKey {
  return fromPair(generateKeyPairSync('ed25519'), 'ed25519');
}

export function message(from: string, subject = 'Quarterly report', body = 'Hello,\r\nthe report is attached.\r\n'): string {
  return `From: Alice <${from}>\r\nTo: bob@dest.test\r\nSubject: ${subject}\r\nMessage-ID: <${subject.replace(/\W/g, '')}.${from}>\r\nDate: Sat, 28 Nov 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${body}`;
}

/** Signs a message and returns it with the DKIM-Signature prepended. */
export async function sign(raw: string, domain: string, selector: string, key: TestKey): Promise<string> {
  const res = await dkimSign(raw, {
    canonicalization: 'relaxed/relaxed',
    // Always give signTime: without it mailauth 4.13 computes t= twice — Math.round(Date.now() / 1000)
    // once for the signed header and again for the header it returns — so a signature made across a
    // half-second boundary carries another t= than the one it signed and fails as "bad signature".
    signTime: new Date(),
    signatureData: [{ signingDomain: domain, selector, privateKey: key.privatePem, algorithm: key.algorithm }],
  } as any);
  if (res.errors?.length) throw new Error(`dkimSign: ${JSON.stringify(res.errors)}`);
  return res.signatures + raw;
}
