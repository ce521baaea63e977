// The scan configuration: typed schema, and the registry check that names every bad key.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, parseConfig } from '../../src/config/load.js';
import { Pipeline } from '../../src/scan/pipeline.js';
import { parseExpression, evaluate } from '../../src/scan/composite.js';
import { FAKES } from './fake-analyzers.js';

const build = (scan: Record<string, unknown>) => new Pipeline(FAKES, parseConfig({ scan }).scan);

describe('scan configuration', () => {
  it('accepts scores, composites, thresholds, analyzer sections and disabled names', () => {
    const p = build({
      scores: { FAKE_VIRUS: 20, FAKE_AUTH_FAIL: 1 },
      composites: { BOTH: { expression: '(FAKE_BULK | FAKE_SPAM_WORD) & !FAKE_VIRUS', score: 1 } },
      thresholds: { spam: 5, phishing: 2 },
      analyzers: { 'fake-spam': { words: ['x'] } },
      disabled: ['fake-late'],
    });
    assert.equal(p.registry.get('FAKE_VIRUS')?.score, 20);
    assert.equal(p.registry.get('FAKE_AUTH_FAIL')?.kind, 'fail');
    assert.equal(p.registry.thresholds.spam, 5);
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
