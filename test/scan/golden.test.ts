// Golden tests: fixture messages → expected category, score and symbols through the whole engine
// (parse, pipeline, scoring, default policy), with test analyzers plus the ones on main.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ScanConfig } from '../../src/scan/config.js';
import { ScanEngine } from '../../src/scan/engine.js';
import { ALL_ANALYZERS } from '../../src/scan/analyzers/index.js';
import type { Analyzer, Envelope } from '../../src/scan/types.js';
import { FAKES, hanging, throwing, SHIPPED_BUT_LIMITS } from './fake-analyzers.js';
import { DnsConfig } from '../../src/config/schema.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/scan/${name}`, import.meta.url));
const envelope: Envelope = { clientIp: '192.0.2.10', clientHostname: null, helo: 'mx.sender.test', tls: false, mailFrom: 'sender@sender.test', rcptTo: ['bob@example.org'] };

function engine(analyzers: readonly Analyzer[] = [...ALL_ANALYZERS.filter((a) => !SHIPPED_BUT_LIMITS.includes(a.name)), ...FAKES], scan: Record<string, unknown> = {}) {
  return new ScanEngine({
    config: { scan: ScanConfig.parse(scan), dns: DnsConfig.parse({ servers: ['127.0.0.1:9'] }) },
    analyzers,
    db: null,
    resolve: async () => {
      throw new Error('no DNS in this test');
    },
  });
}

const names = (v: { symbols: { name: string }[] }) => v.symbols.map((s) => s.name).sort();

describe('golden messages', () => {
  const cases: [string, string, string[], number, string][] = [
    ['clean.eml', 'clean', [], 0, 'deliver'],
    ['malware-and-phish.eml', 'malware', ['FAKE_BULK', 'FAKE_PHISH_URL', 'FAKE_VIRUS'], 15.5, 'reject'],
    ['phish.eml', 'phishing', ['FAKE_PHISH_URL'], 5, 'quarantine'],
    ['spam.eml', 'spam', ['FAKE_BULK', 'FAKE_SPAM_WORD'], 8.5, 'tag'],
    ['newsletter.eml', 'graymail', ['FAKE_BULK', 'FAKE_SPAM_WORD'], 2.5, 'deliver'],
    ['dmarc-fail.eml', 'auth_failed', ['FAKE_DMARC_FAIL', 'FAKE_SAW_AUTH_FACTS'], 3, 'tag'],
  ];
  const e = engine();
  for (const [file, category, symbols, score, action] of cases) {
    it(`${file} → ${category}`, async () => {
      const { verdict, decision } = await e.scan({ raw: fixture(file), envelope });
      assert.equal(verdict.category, category);
      assert.deepEqual(names(verdict), symbols);
      assert.equal(verdict.score, score);
      assert.equal(verdict.action, action);
      assert.equal(decision.kind, action === 'reject' ? 'reject' : 'accept');
    });
  }

  it('explains each symbol with score, detail, category and family', async () => {
    const { verdict } = await e.scan({ raw: fixture('spam.eml'), envelope });
    const word = verdict.symbols.find((s) => s.name === 'FAKE_SPAM_WORD');
    assert.deepEqual(word, { name: 'FAKE_SPAM_WORD', score: 8, detail: '4x', category: 'spam', family: 'spam' });
    const auth = verdict.addHeaders.find((h) => h.key === 'authentication-results');
    assert.equal(auth?.value, 'rampart.test; dmarc=none');
    assert.ok(verdict.addHeaders.some((h) => h.key === 'x-spam-flag' && h.value === 'YES'));
  });

  it('applies score overrides and per-category thresholds from configuration', async () => {
    const strict = engine(undefined, { scores: { FAKE_SPAM_WORD: 1 }, thresholds: { spam: 3, phishing: 6 } });
    const spam = await strict.scan({ raw: fixture('spam.eml'), envelope });
    assert.equal(spam.verdict.score, 4.5);
    assert.equal(spam.verdict.category, 'spam');
    const phish = await strict.scan({ raw: fixture('phish.eml'), envelope });
    assert.equal(phish.verdict.category, 'spam', 'phishing evidence 5 < 6, but the total 5 crosses spam 3');
  });

  it('evaluates composites after all analyzers', async () => {
    const c = engine(undefined, { composites: { BULK_UNAUTHENTICATED: { expression: 'FAKE_BULK & FAKE_DMARC_FAIL & !FAKE_VIRUS', score: 4, category: 'spam' } } });
    const hit = await c.scan({ raw: fixture('bulk-dmarc-fail.eml'), envelope });
    assert.ok(names(hit.verdict).includes('BULK_UNAUTHENTICATED'));
    assert.equal(hit.verdict.score, 7.5);
    assert.equal(hit.verdict.category, 'auth_failed', 'auth_failed outranks spam');
    const miss = await c.scan({ raw: fixture('newsletter.eml'), envelope });
    assert.ok(!names(miss.verdict).includes('BULK_UNAUTHENTICATED'));
  });

  it('isolates a throwing and a hanging analyzer: _FAIL symbols, bounded time', async () => {
    const e2 = engine([...FAKES, throwing, hanging('slowpoke', 'url')], { analyzer_timeout: 300, scores: { BOOM_FAIL: 1.5 } });
    const t0 = Date.now();
    const { verdict, decision } = await e2.scan({ raw: fixture('clean.eml'), envelope });
    assert.ok(Date.now() - t0 < 5000);
    const boom = verdict.symbols.find((s) => s.name === 'BOOM_FAIL');
    assert.equal(boom?.detail, 'kaboom');
    assert.equal(boom?.score, 1.5);
    assert.match(verdict.symbols.find((s) => s.name === 'SLOWPOKE_FAIL')?.detail ?? '', /timed out after 300 ms/);
    assert.equal(decision.kind, 'accept', 'bec and url failures score, they do not stop the message');
  });

  it('a failed malware analyzer never yields clean: tempfail, or quarantine per scan.on_failure', async () => {
    const tf = engine([...FAKES, hanging('clam', 'malware')], { analyzer_timeout: 200 });
    const a = await tf.scan({ raw: fixture('clean.eml'), envelope });
    assert.equal(a.decision.kind, 'tempfail');
    assert.match(a.decision.kind === 'tempfail' ? a.decision.reason : '', /clam/);
    const q = engine([...FAKES, hanging('clam', 'malware')], { analyzer_timeout: 200, on_failure: 'accept_and_quarantine' });
    const b = await q.scan({ raw: fixture('clean.eml'), envelope });
    assert.equal(b.decision.kind, 'accept');
    assert.equal(b.decision.kind === 'accept' && b.decision.quarantine, true);
    assert.equal(b.verdict.action, 'quarantine');
    assert.ok(names(b.verdict).includes('CLAM_FAIL'));
  });

  it('an undeclared symbol is the analyzer failing, not a silent extra', async () => {
    const bad: Analyzer = { name: 'sloppy', family: 'spam', stage: 'normal', symbols: [], analyze: () => [{ name: 'FAKE_VIRUS' }] };
    const { verdict } = await engine([...FAKES, bad]).scan({ raw: fixture('clean.eml'), envelope });
    assert.match(verdict.symbols.find((s) => s.name === 'SLOPPY_FAIL')?.detail ?? '', /undeclared symbol FAKE_VIRUS/);
    assert.equal(verdict.category, 'clean');
  });

  it('skips disabled analyzers', async () => {
    const { verdict } = await engine(undefined, { disabled: ['fake-malware'] }).scan({ raw: fixture('malware-and-phish.eml'), envelope });
    assert.equal(verdict.category, 'phishing');
  });
});
