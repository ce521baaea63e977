// mailauth-joi.ts stands in for joi inside the bundles: for every input it must decide as joi
// decides, for the two schemas mailauth builds (the SPF sender domain, a DKIM key's base64), and
// for the other base64 variants it offers.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import * as lite from '../../src/scan/analyzers/auth/mailauth-joi.js';

// joi is still installed (mailauth depends on it): the reference.
const Joi = createRequire(import.meta.url)('joi') as { string(): { domain(o: object): Schema; base64(o: object): Schema } };
interface Schema {
  validate(v: unknown): { error?: unknown };
}

const label63 = 'a'.repeat(63);
const DOMAINS: unknown[] = [
  'example.com', 'mail.example.co.uk', 'EXAMPLE.COM', 'example.com.', 'a.b', 'localhost', 'undefined', '-', '',
  '[127.0.0.1]', '[example.com]', 'a[b.com', 'example.com]', '[]', '127.0.0.1', '1.2.3.4', '0x7f.1', '[::1]', 'ex ample.com', ' example.com', 'example.com ', 'a..b', '.example.com',
  '-example.com', 'example-.com', 'ex_ample.com', '_dmarc.example.com', 'xn--bcher-kva.de', 'bücher.de', 'пример.рф', 'exa%41mple.com', 'exa%mple.com',
  'example.com\u0000', 'exa\tmple.com', `${label63}.com`, `${label63}a.com`, `${'a.'.repeat(127)}com`, 'a'.repeat(300), 'e.x.a.m.p.l.e',
  'example.c', 'example.123', 'example.co.uk.', 'user@example.com', 'example.com/path', 'example.com:25', 'ex!ample.com', 'ⓔxample.com',
  undefined, null, 5, {},
];
const BASE64: unknown[] = [
  '', 'abcd', 'abc', 'ab', 'a', 'ab==', 'abc=', 'a===', 'ab=', 'abcd====', 'ab cd', 'ab\ncd', 'ab-_', 'a+/b', 'YWJj', 'YWJjZA', 'YWJjZA==',
  'MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDwIRP/UC3SBsEmGqZ9ZJW3/DkMoGeLnQg1fWn7/zYtIxN2SnFCjxOCKG9v3b4jYfcTNh5ijSsq631uBItLa7od+v/RtdC2UzJ1lWT947qR+Rcac2gbto/NMqJ0fzfVjH4OuKhitdY9tf6mcwGjaNBcWToIMmPSPDdQPNUYckcQ2QIDAQAB',
  'not base64!', undefined, 7,
];

describe('mailauth-joi', () => {
  it('decides domain({ allowUnicode: false, tlds: false }) as joi does', () => {
    for (const options of [{ allowUnicode: false, tlds: false }, { tlds: false }, { allowUnicode: false, tlds: false, minDomainSegments: 1 }]) {
      const ref = Joi.string().domain(options);
      const ours = lite.string().domain(options);
      for (const d of DOMAINS) assert.equal(Boolean(ours.validate(d).error), Boolean(ref.validate(d).error), `${JSON.stringify(d)} with ${JSON.stringify(options)}`);
    }
    // The inputs cover both answers.
    assert.equal(lite.string().domain({ tlds: false }).validate('example.com').error, undefined);
    assert.ok(lite.string().domain({ tlds: false }).validate('[127.0.0.1]').error instanceof Error);
  });

  it('decides base64() as joi does, with and without padding, standard and URL-safe', () => {
    for (const options of [{ paddingRequired: false }, {}, { paddingRequired: true }, { urlSafe: true }, { urlSafe: true, paddingRequired: false }]) {
      const ref = Joi.string().base64(options);
      const ours = lite.string().base64(options);
      for (const b of BASE64) assert.equal(Boolean(ours.validate(b).error), Boolean(ref.validate(b).error), `${JSON.stringify(b)} with ${JSON.stringify(options)}`);
    }
  });

  it('refuses a domain schema with a TLD list rather than deciding differently from joi', () => {
    assert.throws(() => lite.string().domain({ allowUnicode: false }), /tlds: false/);
  });

  it('answers without stack traces and leaves the limit as it was, also when the host check throws inside', () => {
    const before = Error.stackTraceLimit;
    // "%" reaches @hapi/address's host step, where `new URL` throws.
    const { error } = lite.string().domain({ tlds: false }).validate('exa%mple.com');
    assert.ok(error);
    assert.equal(Error.stackTraceLimit, before);
    // The answer's error carries no stack: nobody reads it, and capturing it cost more than the check.
    assert.doesNotMatch(String(error.stack), /\n\s+at /);
  });
});
