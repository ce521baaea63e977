#!/usr/bin/env node
// After tsc: the scan worker thread's entry (dist/scan/pool-worker.js) becomes one file with the
// modules it imports. Every scan worker loads its modules itself, in its own thread; Node 20's ESM
// loader pays per file (Kysely alone is ~280 files), and the bundle cut a worker's start from
// ~0.8 s to ~0.45 s (README, Scan speed). Left outside the bundle, loaded from node_modules as
// before: better-sqlite3 and pg (native / optional), and the two libraries Rampart patches in
// place — postal-mime (message/postal-decoders.ts imports its decoder files by path) and mailauth
// (auth/header-scan.ts, auth/authenticate.ts require its files) — so that the patched modules are
// the very instances the scan uses. test/cli/dist.test.ts checks the built command against the
// sources.
import { build } from 'esbuild';

const entry = 'dist/scan/pool-worker.js';
await build({
  entryPoints: [entry],
  outfile: entry,
  allowOverwrite: true,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['better-sqlite3', 'pg', 'postal-mime', 'mailauth'],
  // CommonJS dependencies inside an ES module bundle still call require() for Node's built-ins.
  banner: { js: "import { createRequire as __rampartRequire } from 'node:module'; const require = __rampartRequire(import.meta.url);" },
  logLevel: 'warning',
});
