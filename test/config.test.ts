// Configuration: the sample file is valid, and bad input names the field and the problem.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../src/config/load.js';
import { tempDir } from './helpers/tmp.js';

const run = promisify(execFile);

describe('configuration', () => {
  it('loads the sample configuration', () => {
    const cfg = loadConfig('config/rampart.yaml', {});
    assert.equal(cfg.smtp.port, 2525);
    assert.equal(cfg.web.port, 8080);
    assert.equal(cfg.retention.trace, 90 * 86_400_000);
    assert.ok(path.isAbsolute(cfg.data_dir));
  });

  it('applies RAMPART_* environment overrides with their types', () => {
    const cfg = loadConfig('config/rampart.yaml', { RAMPART_SMTP__PORT: '2600', RAMPART_DELIVERY__LIFETIME: '2d' });
    assert.equal(cfg.smtp.port, 2600);
    assert.equal(cfg.delivery.lifetime, 2 * 86_400_000);
  });

  it('names the field and the problem for a bad value and an unknown key', () => {
    const dir = tempDir();
    const file = path.join(dir, 'bad.yaml');
    writeFileSync(file, 'smtp:\n  port: "twenty-five"\n  max_recipents: 5\ndelivery:\n  lifetime: forever\nreport:\n  mail_to: [security@uni.example, "not an address"]\n');
    assert.throws(
      () => loadConfig(file, {}),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.match(err.message, /smtp\.port: .*number/i);
        assert.match(err.message, /smtp: .*max_recipents/);
        assert.match(err.message, /delivery\.lifetime: expected a duration/);
        assert.match(err.message, /report\.mail_to\.1: expected an email address \(user@domain\)/);
        return true;
      },
    );
  });

  it('makes the CLI exit non-zero with a readable message', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'bad.yaml');
    writeFileSync(file, 'smtp: [1, 2\n');
    const err = await run(process.execPath, ['--import', 'tsx', 'src/cli/index.ts', '-c', file, 'domains', 'list']).then(
      () => null,
      (e: { code: number; stderr: string }) => e,
    );
    assert.ok(err, 'the command must fail');
    assert.equal(err.code, 2);
    assert.match(err.stderr, /not valid YAML/);
    assert.doesNotMatch(err.stderr, /at .*\.ts:\d+/, 'no stack trace for a user error');
  });
});
