// `rampart users …`: console accounts (operator, domain_admin with granted domains, mailbox_owner).
import type { Command } from 'commander';
import { audit } from '../../web/audit.js';
import { addUser, grantDomains, listUsers, removeUser, ROLES, setPassword, UserError } from '../../web/users.js';
import type { Role } from '../../store/schema.js';
import { action, collect, printJson, UsageError, withStore } from '../context.js';


/** The password from --password-stdin (first line of stdin) or $RAMPART_PASSWORD, never argv. */
async function readPassword(opts: { passwordStdin?: boolean }): Promise<string> {
  if (opts.passwordStdin) {
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
  }
  const p = process.env.RAMPART_PASSWORD;
  if (!p) throw new UsageError('give the password on stdin with --password-stdin or in $RAMPART_PASSWORD');
  return p;
}

async function wrap<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof UserError) throw new UsageError(err.message);
    throw err;
  }
}

export function registerUserCommands(program: Command): void {
  const users = program.command('users').description('console accounts and their roles');
  const actor = `cli:${process.env.USER ?? 'unknown'}`;

  users
    .command('add <username>')
    .requiredOption('--role <role>', `one of ${ROLES.join(', ')}`)
    .option('--domain <name>', 'domain a domain_admin may see (repeatable or comma-separated)', collect)
    .option('--mailbox <address>', 'the address a mailbox_owner owns')
    .option('--password-stdin', 'read the password from stdin (else $RAMPART_PASSWORD)')
    .action(
      action(async (username: string, opts: { role: string; domain?: string[]; mailbox?: string; passwordStdin?: boolean }, cmd: Command) => {
        if (!ROLES.includes(opts.role as Role)) throw new UsageError(`--role: must be one of ${ROLES.join(', ')}, got ${JSON.stringify(opts.role)}`);
        const password = await readPassword(opts);
        await withStore(cmd, async ({ db }) => {
          const u = await wrap(() => addUser(db, { username, password, role: opts.role as Role, mailbox: opts.mailbox, domains: opts.domain }));
          await audit(db, { actor, action: 'user.add', target: u.username, detail: { role: u.role, domains: u.domains, mailbox: u.mailbox } });
          process.stdout.write(`added ${u.username} (${u.role}${u.domains.length ? `: ${u.domains.join(', ')}` : ''}${u.mailbox ? `: ${u.mailbox}` : ''})\n`);
        });
      }),
    );

  users
    .command('list')
    .option('--json', 'JSON Lines output')
    .action(
      action(async (opts: { json?: boolean }, cmd: Command) =>
        withStore(cmd, async ({ db }) => {
          for (const u of await listUsers(db)) {
            if (opts.json) printJson({ username: u.username, role: u.role, domains: u.domains, mailbox: u.mailbox });
            else process.stdout.write(`${u.username}  ${u.role}${u.domains.length ? `  ${u.domains.join(',')}` : ''}${u.mailbox ? `  ${u.mailbox}` : ''}\n`);
          }
        }),
      ),
    );

  users
    .command('remove <username>')
    .action(
      action(async (username: string, _o: unknown, cmd: Command) =>
        withStore(cmd, async ({ db }) => {
          if (!(await removeUser(db, username))) throw new UsageError(`no such user: ${username}`);
          await audit(db, { actor, action: 'user.remove', target: username });
          process.stdout.write(`removed ${username}\n`);
        }),
      ),
    );

  users
    .command('passwd <username>')
    .description('set a new password (ends the account\'s sessions)')
    .option('--password-stdin', 'read the password from stdin (else $RAMPART_PASSWORD)')
    .action(
      action(async (username: string, opts: { passwordStdin?: boolean }, cmd: Command) => {
        const password = await readPassword(opts);
        await withStore(cmd, async ({ db }) => {
          await wrap(() => setPassword(db, username, password));
          await audit(db, { actor, action: 'user.passwd', target: username });
          process.stdout.write(`password changed for ${username}\n`);
        });
      }),
    );

  users
    .command('grant <username> <domains...>')
    .description('let a domain_admin see more domains (--revoke to take them away)')
    .option('--revoke', 'remove the domains instead')
    .action(
      action(async (username: string, domains: string[], opts: { revoke?: boolean }, cmd: Command) =>
        withStore(cmd, async ({ db }) => {
          await wrap(() => grantDomains(db, username, domains, opts.revoke));
          await audit(db, { actor, action: opts.revoke ? 'user.revoke' : 'user.grant', target: username, detail: domains });
          process.stdout.write(`${opts.revoke ? 'revoked' : 'granted'} ${domains.join(', ')} ${opts.revoke ? 'from' : 'to'} ${username}\n`);
        }),
      ),
    );
}
