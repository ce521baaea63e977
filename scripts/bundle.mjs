#!/usr/bin/env node
// After tsc: the entry points Node starts a thread or process with — the `rampart` command, every
// scan worker thread and every SMTP worker process — are bundled with the modules they import, in
// one esbuild run that puts what they share, and what each command loads on demand, in chunks
// (dist/chunks/). Node 20's ESM loader pays per file (Kysely alone is ~280 files): bundling cut a
// scan worker's start from ~0.8 s to ~0.45 s; the chunks let `rampart scan` load the scan
// command's code instead of every command's (one message scanned: 1.0 s → 0.73 s; `rampart
// --help` 0.49 s → 0.34 s). The entries stay where tsc wrote them, and the chunks too are one
// folder below dist/, so that paths computed from import.meta.url (`../scan/pool-worker.js`,
// `../ingress/worker-main.js`, `../../templates`) point at the same files bundled or not. Left
// outside, loaded from node_modules: better-sqlite3 and pg (native / optional), and postal-mime,
// whose decoder files message/postal-decoders.ts imports by path and whose parse() loop
// message/postal-parse.ts recognises by its source text (which esbuild would reprint). mailauth is
// inside: the one method Rampart replaces in it (auth/header-scan.ts) is recognised in esbuild's
// reprint too, which a test checks. mailauth's `joi` is auth/mailauth-joi.ts, the two checks mailauth makes
// decided as joi decides them without loading joi (a test compares the answers). A CommonJS
// package imported with import() arrives in a chunk as its default export only (ingress/tls.ts).
// test/cli/dist.test.ts checks the built command against the sources.
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

const ENTRIES = ['dist/cli/index.js', 'dist/scan/pool-worker.js', 'dist/ingress/worker-main.js'];

// Chunk names carry a content hash: a rebuild writes new files, so the old ones go first (a stale
// chunk is never loaded, but it would ship and confuse whoever reads dist/).
rmSync('dist/chunks', { recursive: true, force: true });

await build({
  entryPoints: ENTRIES,
  outdir: 'dist',
  outbase: 'dist',
  allowOverwrite: true,
  bundle: true,
  // The command loads only what the command it runs imports (a dynamic import per command,
  // cli/registry.ts); code the entries share is loaded once from the same chunk file.
  splitting: true,
  // One folder below dist/, like the entries: paths computed from import.meta.url stay right.
  chunkNames: 'chunks/[name]-[hash]',
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['better-sqlite3', 'pg', 'postal-mime'],
  alias: { joi: './dist/scan/analyzers/auth/mailauth-joi.js' },
  // CommonJS dependencies inside an ES module bundle still call require() for Node's built-ins.
  banner: { js: "import { createRequire as __rampartRequire } from 'node:module'; const require = __rampartRequire(import.meta.url);" },
  logLevel: 'warning',
});
