#!/usr/bin/env node
// After tsc: each entry point Node starts a thread or process with becomes one file with the
// modules it imports — the `rampart` command, every scan worker thread and every SMTP worker
// process. Each of them loads its modules itself, and Node 20's ESM loader pays per file (Kysely
// alone is ~280 files): the bundle cut a scan worker's start from ~0.8 s to ~0.45 s and the
// command's own module loading from ~0.6 s to ~0.3 s (README, Scan speed). The entries stay
// where tsc wrote them, one folder below dist/, so that paths they compute from import.meta.url
// (`../scan/pool-worker.js`, `../ingress/worker-main.js`, `../../templates`) point at the same
// files bundled or not. Left outside the bundles, loaded from node_modules: better-sqlite3 and pg
// (native / optional), and postal-mime, whose decoder files message/postal-decoders.ts imports
// by path. mailauth is inside: the one method Rampart replaces in it (auth/header-scan.ts) is
// recognised in esbuild's reprint too, which a test checks. test/cli/dist.test.ts checks the
// built command against the sources.
import { build } from 'esbuild';

const ENTRIES = ['dist/cli/index.js', 'dist/scan/pool-worker.js', 'dist/ingress/worker-main.js'];

await Promise.all(
  ENTRIES.map((entry) =>
    build({
      entryPoints: [entry],
      outfile: entry,
      allowOverwrite: true,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      external: ['better-sqlite3', 'pg', 'postal-mime'],
      // CommonJS dependencies inside an ES module bundle still call require() for Node's built-ins.
      banner: { js: "import { createRequire as __rampartRequire } from 'node:module'; const require = __rampartRequire(import.meta.url);" },
      logLevel: 'warning',
    }),
  ),
);
