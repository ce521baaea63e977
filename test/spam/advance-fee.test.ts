// ADVANCE_FEE: several advance-fee cues and a large sum; neither alone.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseMessage } from '../../src/message/parse.js';
import { spamRules } from '../../src/scan/analyzers/spam-rules/index.js';
import { runAnalyzer } from '../../src/scan/run-one.js';

async function advanceFee(body: string): Promise<string | undefined | null> {
  const raw = `From: Barrister James <jb@example.net>\r\nTo: <you@example.edu>\r\nSubject: business proposal\r\nDate: Thu, 22 Aug 2002 10:16:36 +0000\r\nMessage-ID: <a1@example.net>\r\n\r\n${body}\r\n`;
  const r = await runAnalyzer(spamRules, await parseMessage(Buffer.from(raw)));
  const s = r.symbols.find((x) => x.name === 'ADVANCE_FEE');
  return s ? (s.detail ?? '') : null;
}

const LETTER =
  'Dear Friend, I am contacting you in strict confidence. My name is Barrister James, attorney to the late ' +
  'Engr. Smith, whose next of kin could not be found. He left US$15,500,000.00 (fifteen million five hundred ' +
  'thousand dollars) with a security company. I need a foreign partner to receive the transfer of the sum; ' +
  'you will have 20 percent of the total sum. This transaction is risk-free. Reply urgently.';

describe('ADVANCE_FEE', () => {
  it('fires on a classic advance-fee letter, naming the cues', async () => {
    const detail = await advanceFee(LETTER);
    assert.ok(detail, 'ADVANCE_FEE did not fire');
    assert.match(detail!, /next of kin|strict confidence|foreign partner/);
  });

  it('needs a large sum', async () => {
    assert.equal(await advanceFee(LETTER.replace('US$15,500,000.00 (fifteen million five hundred thousand dollars)', 'a box of papers')), null);
  });

  it('a large sum in the news is not fraud', async () => {
    assert.equal(await advanceFee('The company agreed to buy its rival for $300 million, people familiar with the deal said. The terms are confidential.'), null);
  });
});
