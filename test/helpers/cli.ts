// The real `rampart` command in a child process (TypeScript through tsx), as an operator runs it.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const cli = path.resolve('src/cli/index.ts');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `rampart -c config ...args`; a non-zero exit is returned, not thrown. */
export async function rampart(config: string, ...args: string[]): Promise<CliResult> {
  // RAMPART_* variables are configuration overrides (the test runner's RAMPART_LOG_LEVEL would
  // read as an unknown key `log_level`): the child gets none of them.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('RAMPART_')));
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', cli, '-c', config, ...args], { env });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as CliResult;
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}
