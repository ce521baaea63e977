// Loaded before every test file (scripts/run-tests.mjs): a failing assert.ok without a message
// gets one at once. Node 20's own words such a failure by reading the calling file and parsing it
// with acorn from the call site — under tsx a position in the generated JavaScript, in a
// TypeScript file acorn cannot parse — and that search took 8½ minutes for one failure in a
// 300-line test file here (2 minutes at 120 lines), long enough to push a red CI run past its
// limit. The value is named instead; the stack, source-mapped, names the line.
import assert from 'node:assert';
import { inspect } from 'node:util';

function ok(value: unknown, message?: string | Error): asserts value {
  if (value) return;
  if (message instanceof Error) throw message;
  throw new assert.AssertionError({ message: message ?? `expected a truthy value, got ${inspect(value)}`, actual: value, expected: true, operator: '==', stackStartFn: ok });
}

assert.ok = ok;
assert.strict.ok = ok;
