// Relay control and recipient validation against swaks as the client: only protected domains,
// every classic open-relay form refused, unknown users 550 5.1.1, aliases and catch-all accepted,
// and every refusal recorded in connection_events with its reason and domain.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { eventually, startTestGateway, type TestGateway } from '../helpers/gateway.js';

const run = promisify(execFile);

/** Runs swaks for one recipient and returns the server's reply to RCPT TO ("550 5.7.1 …"). */
async function rcptReply(port: number, to: string): Promise<string> {
  const { stdout } = await run('swaks', ['--server', `127.0.0.1:${port}`, '--from', 'sender@outside.test', '--to', to, '--quit-after', 'RCPT', '--timeout', '10'], { timeout: 20_000 }).catch((e: { stdout: string }) => e);
  const lines = stdout.split('\n');
  const idx = lines.findIndex((l) => l.includes(' -> RCPT TO:'));
  assert.ok(idx >= 0, `swaks sent no RCPT for ${to}:\n${stdout}`);
  return lines[idx + 1]!.replace(/^<\*\*\s+|^<-\s+/, '').trim();
}

describe('relay control (swaks)', () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startTestGateway({
      domains: [
        { name: 'protected.test', recipients: ['alice@protected.test', 'user@protected.test'], aliases: { 'sales@protected.test': 'alice@protected.test' } },
        { name: 'catchall.test', catchAll: true },
      ],
    });
  });
  after(() => gw.stop());

  it('accepts mailboxes, aliases and catch-all addresses of protected domains, case-insensitively', async () => {
    assert.match(await rcptReply(gw.port, 'alice@protected.test'), /^250 2\.1\.5/);
    assert.match(await rcptReply(gw.port, 'ALICE@Protected.TEST'), /^250 2\.1\.5/);
    assert.match(await rcptReply(gw.port, 'sales@protected.test'), /^250 2\.1\.5/);
    assert.match(await rcptReply(gw.port, 'anyone@catchall.test'), /^250 2\.1\.5/);
    // A source route in front of a protected address is ignored (RFC 5321 appendix C): not a relay.
    assert.match(await rcptReply(gw.port, '@other.test:user@protected.test'), /^250 2\.1\.5/);
  });

  it('refuses unknown users at a protected domain with 550 5.1.1', async () => {
    assert.match(await rcptReply(gw.port, 'bob@protected.test'), /^550 5\.1\.1 /);
  });

  const relayForms: [string, RegExp][] = [
    ['victim@other.test', /^550 5\.7\.1 Relaying denied/],
    ['victim@Other.TEST', /^550 5\.7\.1 Relaying denied/],
    ['user%other.test@protected.test', /^550 5\.7\.1 Relaying denied/],
    ['USER%Other.Test@PROTECTED.test', /^550 5\.7\.1 Relaying denied/],
    ['other.test!user@protected.test', /^550 5\.7\.1 Relaying denied/],
    ['Other.Test!User@Protected.Test', /^550 5\.7\.1 Relaying denied/],
    ['@protected.test:user@other.test', /^550 5\.7\.1 Relaying denied/],
    ['@PROTECTED.test:user@Other.test', /^550 5\.7\.1 Relaying denied/],
    ['user@[192.0.2.1]', /^550 5\.7\.1 Relaying denied/],
    ['user@[IPv6:2001:db8::1]', /^550 5\.7\.1 Relaying denied/],
    ['"user@other.test"@protected.test', /^501 5\.1\.3 /],
    ['user@other.test@protected.test', /^501 5\.1\.3 /],
    ['victim@other.test.', /^501 5\.1\.3 /],
    ['user%other.test@protected.test.', /^501 5\.1\.3 /],
    ['other.test!user@Protected.Test.', /^501 5\.1\.3 /],
  ];
  for (const [address, expected] of relayForms) {
    it(`refuses ${address}`, async () => {
      assert.match(await rcptReply(gw.port, address), expected);
    });
  }

  it('records refusals in connection_events with reason and recipient domain', async () => {
    const rows = await eventually(async () => {
      const r = await gw.db.selectFrom('connection_events').selectAll().execute();
      return r.length >= 11 ? r : null;
    }, 'connection events');
    const relay = rows.filter((r) => r.reason === 'relay_denied');
    assert.ok(relay.some((r) => r.domain === 'other.test' && r.stage === 'rcpt' && r.client_ip === '127.0.0.1'), JSON.stringify(relay));
    assert.ok(relay.some((r) => r.domain === 'protected.test' && r.detail?.includes('%')), 'percent hack recorded against the domain it was sent to');
    const unknown = rows.filter((r) => r.reason === 'unknown_recipient');
    assert.deepEqual(
      unknown.map((r) => [r.domain, r.detail]),
      [['protected.test', 'bob@protected.test']],
    );
  });
});
