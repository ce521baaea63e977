// The built command (`npm run build`: tsc, then the entry points bundled with esbuild into shared chunks) gives the
// verdicts the sources give: the same `rampart scan --json --local` over the threat fixtures
// (archives, Office and PDF files, HTML, BEC and clean mail) and the scan fixtures, run once
// from dist/ and once from src/ through tsx, must print the same lines.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { tempDir } from '../helpers/tmp.js';

const run = promisify(execFile);
// RAMPART_* variables are configuration overrides: the children get none of them.
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('RAMPART_')));

describe('built command', () => {
  it('bundles the scan worker and scans exactly as the sources do', { timeout: 300_000 }, async () => {
    await run('npm', ['run', 'build'], { env, maxBuffer: 16 * 1024 * 1024 });
    const worker = readFileSync('dist/scan/pool-worker.js', 'utf8');
    assert.doesNotMatch(worker, /from ["']\.\/engine\.js["']/, 'the worker is bundled, not tsc\'s module files');
    assert.match(worker, /from ["']\.\.\/chunks\/chunk-[\w-]+\.js["']/, 'the worker shares chunks with the command');
    const chunkFiles = readdirSync('dist/chunks');
    const chunks = chunkFiles.map((f) => readFileSync(path.join('dist/chunks', f), 'utf8'));
    // Only this build's chunks: each is imported by an entry point or another chunk.
    const importers = [worker, readFileSync('dist/cli/index.js', 'utf8'), readFileSync('dist/ingress/worker-main.js', 'utf8'), ...chunks];
    for (const f of chunkFiles) assert.ok(importers.some((src) => src.includes(`/${f}"`) || src.includes(`./${f}"`)), `${f} is imported by nothing`);
    assert.ok(chunks.some((c) => /from ["']postal-mime["']/.test(c)), 'postal-mime is imported from node_modules, where postal-decoders.ts and postal-parse.ts patch it');
    assert.ok(!chunks.some((c) => c.includes('// node_modules/postal-mime/')), 'postal-mime itself is not bundled');
    assert.ok(!chunks.some((c) => c.includes('// node_modules/joi/')), 'mailauth gets mailauth-joi.ts for joi');
    assert.ok(chunks.some((c) => c.includes('// dist/scan/analyzers/auth/mailauth-joi.js')), 'mailauth-joi.ts is bundled');

    const dir = tempDir();
    const config = path.join(dir, 'rampart.yaml');
    writeFileSync(config, `data_dir: ${dir}\ndatabase:\n  url: sqlite:dist.db\nscan:\n  analyzers:\n    malware:\n      clamd:\n        enabled: false\n`);
    const inputs = ['test/fixtures/threats/eml', 'test/fixtures/scan'];
    const scan = (cli: string[]) => run(process.execPath, [...cli, '-c', config, 'scan', '--json', '--local', ...inputs], { env, maxBuffer: 64 * 1024 * 1024 });
    const built = await scan(['dist/cli/index.js']);
    const source = await scan(['--import', 'tsx', 'src/cli/index.ts']);
    const lines = built.stdout.trim().split('\n');
    assert.ok(lines.length >= 40, `${lines.length} verdicts`);
    const categories = new Set(lines.map((l) => (JSON.parse(l) as { category: string }).category));
    for (const c of ['apt', 'bec', 'phishing', 'clean']) assert.ok(categories.has(c), `${c} among ${[...categories].join(', ')}`);
    assert.equal(built.stdout, source.stdout);
  });
});
