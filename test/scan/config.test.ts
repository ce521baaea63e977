// The scan configuration: typed schema, and the registry check that names every bad key.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import YAML from 'yaml';
import { ConfigError, parseConfig } from '../../src/config/load.js';
import { ALL_ANALYZERS } from '../../src/scan/analyzers/index.js';
import { Pipeline } from '../../src/scan/pipeline.js';
import { parseExpression, evaluate } from '../../src/scan/composite.js';
import { FAKES } from './fake-analyzers.js';

const build = (scan: Record<string, unknown>) => new Pipeline(FAKES, parseConfig({ scan }).scan);

describe('scan configuration', () => {
  it('accepts scores, composites, thresholds, analyzer sections and disabled names', () => {
    const p = build({
      scores: { FAKE_VIRUS: 20, FAKE_AUTH_FAIL: 1 },
      composites: { BOTH: { expression: '(FAKE_BULK | FAKE_SPAM_WORD) & !FAKE_VIRUS', score: 1 } },
      thresholds: { spam: 7, phishing: 2 },
      analyzers: { 'fake-spam': { words: ['x'] } },
      disabled: ['fake-late'],
    });
    assert.equal(p.registry.get('FAKE_VIRUS')?.score, 20);
    assert.equal(p.registry.get('FAKE_AUTH_FAIL')?.kind, 'fail');
    assert.equal(p.registry.thresholds.spam, 7);
    assert.equal(p.registry.thresholds.malware, 0);
  });

  it('names an unknown symbol in scores, a bad composite and an unknown analyzer', () => {
    assert.throws(
      () => build({ scores: { NO_SUCH_SYMBOL: 1 }, composites: { C1: { expression: 'FAKE_BULK & & X', score: 1 }, C2: { expression: 'FAKE_BULK | MISSING', score: 1 } }, disabled: ['nope'] }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.match(err.message, /scan\.scores\.NO_SUCH_SYMBOL: unknown symbol/);
        assert.match(err.message, /scan\.composites\.C1\.expression: unexpected "&"/);
        assert.match(err.message, /scan\.composites\.C2\.expression: unknown symbol MISSING/);
        assert.match(err.message, /scan\.disabled: unknown analyzer nope/);
        return true;
      },
    );
  });

  it("checks each analyzer's section against its schema when the registry is built", () => {
    assert.throws(
      () => build({ analyzers: { 'fake-spam': { wordz: ['x'] }, 'fake-malware': { on: true } } }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.match(err.message, /scan\.analyzers\.fake-spam: Unrecognized key: "wordz"/);
        assert.match(err.message, /scan\.analyzers\.fake-malware: the fake-malware analyzer takes no settings/);
        return true;
      },
    );
    assert.throws(() => build({ analyzers: { 'fake-spam': { words: 'x' } } }), /scan\.analyzers\.fake-spam\.words: /);
    // The real analyzers: a mistyped clamd key stops the program instead of failing every message.
    assert.throws(
      () => new Pipeline(ALL_ANALYZERS, parseConfig({ scan: { analyzers: { malware: { clamd: { socket: '/run/clamav/clamd.ctl' } } } } }).scan),
      /scan\.analyzers\.malware\.clamd: Unrecognized key: "socket"/,
    );
    assert.throws(() => new Pipeline(ALL_ANALYZERS, parseConfig({ scan: { analyzers: { bayes: { min_learns: 0 } } } }).scan), /scan\.analyzers\.bayes\.min_learns/);
  });

  it("every scan configuration example in the README builds with the real analyzers", () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const blocks = [...readme.matchAll(/```yaml\n(scan:\n[\s\S]*?)```/g)].map((m) => m[1]!);
    assert.ok(blocks.length >= 5, `${blocks.length} examples found`);
    for (const block of blocks) {
      const scan = parseConfig(YAML.parse(block)).scan;
      assert.doesNotThrow(() => new Pipeline(ALL_ANALYZERS, scan), block);
      assert.ok(Object.keys(scan.analyzers).length > 0);
    }
  });

  it('rejects bad values with the field path', () => {
    assert.throws(() => parseConfig({ scan: { thresholds: { spamm: 3 } } }), /scan\.thresholds/);
    assert.throws(() => parseConfig({ scan: { composites: { X: { expression: 'A', score: 1, category: 'nasty' } } } }), /scan\.composites\.X\.category/);
    assert.throws(() => parseConfig({ scan: { scores: { lower: 1 } } }), /scan\.scores/);
  });

  it('evaluates and/or/not with precedence', () => {
    const e = parseExpression('A | B & !C');
    assert.equal(evaluate(e, new Set(['A', 'C'])), true);
    assert.equal(evaluate(e, new Set(['B', 'C'])), false);
    assert.equal(evaluate(e, new Set(['B'])), true);
  });
});
