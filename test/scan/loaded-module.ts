// Test analyzers for a scan worker that notes, when the worker has imported it, its thread id in
// the file SCAN_TEST_LOADED_FILE names: the main thread can read which workers are loaded.
import { appendFileSync } from 'node:fs';
import { threadId } from 'node:worker_threads';
import { FAKES } from './fake-analyzers.js';

export const analyzers = FAKES;
export const LOADED_MODULE_URL = import.meta.url;
if (process.env.SCAN_TEST_LOADED_FILE) appendFileSync(process.env.SCAN_TEST_LOADED_FILE, `${threadId}\n`);
