// `rampart fuzzy add|list|delete`: the fuzzy hashes of reported messages (src/scan/analyzers/fuzzy/).
// `add` takes what `rampart scan` takes — .eml files, directories, mbox files, - for stdin — so a
// phishing message forwarded to the help desk, saved as a file, is one command away from being
// recognised in every copy still on its way.
import { InvalidArgumentError, type Command } from 'commander';
import { analyzerConfig } from '../../files/config.js';
import { parseMessage } from '../../message/parse.js';
import { FuzzyConfig } from '../../scan/analyzers/fuzzy/index.js';
import { addFuzzy, attachedMessages, isAttachedMessage, deleteFuzzy, describeAdded, entriesOf, entryRecord, FUZZY_CLASSES, MAX_TEXT_ENTRIES, NO_FILE_OR_PICTURE, pageFuzzy, type FuzzyClass, type FuzzyEntry } from '../../scan/analyzers/fuzzy/store.js';
import { describeScope, namedScope } from '../../scan/analyzers/fuzzy/scope.js';
import { readInputs } from '../../scan/inputs.js';
import { action, collect, printJson, UsageError, withStore } from '../context.js';

function fuzzyClass(v: string): FuzzyClass {
  if (!(FUZZY_CLASSES as readonly string[]).includes(v)) throw new InvalidArgumentError(`expected one of ${FUZZY_CLASSES.join(', ')}`);
  return v as FuzzyClass;
}

function days(v: string): number {
  if (!/^\d+$/.test(v)) throw new InvalidArgumentError('expected a whole number of days (0: until deleted)');
  return Number(v);
}

function ids(values: string[]): number[] {
  return values.map((v) => {
    if (!/^\d+$/.test(v)) throw new UsageError(`fuzzy delete: "${v}" is not an entry id (see rampart fuzzy list)`);
    return Number(v);
  });
}

function what(e: FuzzyEntry): string {
  if (e.kind === 'text') return `text (${e.words} words)`;
  return e.kind === 'file' ? `file ${e.filename ?? '(no name)'} (${e.bytes} bytes, sha256 ${e.sha256.slice(0, 16)}…)` : `picture ${e.filename ?? '(no name)'} (${e.bytes} bytes, phash ${e.phash})`;
}

function printEntry(r: FuzzyEntry, rec: ReturnType<typeof entryRecord>, json: boolean | undefined): void {
  if (json) printJson(rec);
  else
    process.stdout.write(
      `#${r.id}\t${r.class}\t${describeScope(r.scope)}\t${what(r)}\t${r.createdAt.slice(0, 16)}${r.judgedAt > r.createdAt ? `, last judged ${r.judgedAt.slice(0, 16)}` : ''}\t${r.expiresAt ? (rec.expired ? 'expired' : `until ${r.expiresAt.slice(0, 10)}`) : 'no expiry'}\t${r.source}\t${r.subject}${r.note ? `\t${r.note}` : ''}\n`,
    );
}

export function registerFuzzyCommands(program: Command): void {
  const fuzzy = program.command('fuzzy').description('fuzzy hashes of reported messages: their near-copies are flagged (FUZZY_SPAM, FUZZY_PHISHING, FUZZY_HAM)');
  fuzzy
    .command('add <paths...>')
    .description('add the fingerprints of messages — the text and every attachment but images (.eml files, directories, mbox files; - reads stdin)')
    .requiredOption('--class <class>', `what they are: ${FUZZY_CLASSES.join(', ')}`, fuzzyClass)
    .option('--note <text>', 'note stored with each entry (a ticket number, say)')
    .option('--days <n>', 'days each entry matches (0: until deleted; default scan.analyzers.fuzzy.lifetime_days)', days)
    .option('--attached', 'add the messages attached to each input (message/rfc822), not the input: a report forwarded as an attachment')
    .option('--domain <names>', "act on these protected domains' mail only (repeatable or comma-separated; default: every domain's)", collect)
    .option('--json', 'one JSON object per message')
    .action(
      action(async (paths: string[], opts: { class: FuzzyClass; note?: string; days?: number; attached?: boolean; domain?: string[]; json?: boolean }, cmd: Command) => {
        await withStore(cmd, async ({ db }, config) => {
          const cfg = analyzerConfig(FuzzyConfig, 'fuzzy', config.scan.analyzers.fuzzy);
          const named = await namedScope(db, opts.domain ?? []);
          if ('unknown' in named) throw new UsageError(`--domain: ${named.unknown.join(', ')}: not a protected domain (see rampart domains list)`);
          const total = { added: 0, known: 0, nothing: 0 };
          for await (const input of readInputs(paths)) {
            const msg = await parseMessage(input.raw);
            // A report forwarded as an attachment (a Report button, a help desk's mailbox): the attached
            // messages are what was reported, the forward around them is someone's note.
            // Parsed again only when they are what is added; otherwise whether there are any is enough.
            const carries = msg.attachments.some(isAttachedMessage);
            if (opts.attached && !carries) {
              total.nothing++;
              process.stderr.write(`rampart: ${input.file}: no attached message (message/rfc822) to add\n`);
              continue;
            }
            const targets = opts.attached ? (await attachedMessages(msg)).map((a) => ({ file: `${input.file}[${a.name}]`, msg: a.msg })) : [{ file: input.file, msg }];
            for (const t of targets) {
              const r = await addFuzzy(db, t.msg, {
                class: opts.class,
                scope: named.scope,
                source: 'cli',
                note: opts.note ?? null,
                lifetimeDays: opts.days ?? cfg.lifetime_days,
                minWords: cfg.min_words,
              });
              const entries = entriesOf(r);
              for (const e of entries) total[e.status]++;
              if (!entries.length) total.nothing++;
              if (opts.json) printJson({ file: t.file, ...r });
              else if (!entries.length) process.stderr.write(`rampart: ${t.file}: nothing to fingerprint (${r.words} words, fewer than scan.analyzers.fuzzy.min_words ${cfg.min_words}, and ${NO_FILE_OR_PICTURE})${!opts.attached && carries ? ' — it carries an attached message: --attached adds that one' : ''}: not added\n`);
              else process.stdout.write(`${t.file}: ${describeAdded(r, cfg.min_words)}\n`);
            }
          }
          if (!opts.json) process.stdout.write(`${total.added} entries added, ${total.known} already known${total.nothing ? `, ${total.nothing} message(s) with nothing to fingerprint` : ''}\n`);
          if (total.added + total.known === 0) process.exitCode = 2;
        });
      }),
    );
  fuzzy
    .command('list')
    .description('list the entries, newest first')
    .option('--class <class>', `only these: ${FUZZY_CLASSES.join(', ')}`, fuzzyClass)
    .option('--domain <names>', "only the entries for these domains' mail (as a domain admin sees them; repeatable or comma-separated)", collect)
    .option('--subject <text>', 'only entries whose subject contains this')
    .option('--json', 'JSON Lines output')
    .action(
      action(async (opts: { class?: FuzzyClass; domain?: string[]; subject?: string; json?: boolean }, cmd: Command) => {
        const now = new Date().toISOString();
        await withStore(cmd, async ({ db }) => {
          const named = opts.domain ? await namedScope(db, opts.domain) : null;
          if (named && 'unknown' in named) throw new UsageError(`--domain: ${named.unknown.join(', ')}: not a protected domain (see rampart domains list)`);
          const domains = named && named.scope.kind === 'domains' ? named.scope.domains : undefined;
          // In pages, so that a long list is printed as it is read, not held whole.
          let before: number | undefined;
          do {
            const page = await pageFuzzy(db, { limit: 1000, before, class: opts.class, subject: opts.subject, domains });
            for (const r of page.items) printEntry(r, entryRecord(r, now), opts.json);
            before = page.next ?? undefined;
          } while (before !== undefined);
          const texts = Number((await db.selectFrom('fuzzy_hashes').select((eb) => eb.fn.countAll<number>().as('n')).where('kind', '=', 'text').executeTakeFirstOrThrow()).n);
          if (texts > MAX_TEXT_ENTRIES) process.stderr.write(`rampart: warning: ${texts} text entries, more than the ${MAX_TEXT_ENTRIES} a scanner's index holds: the ${texts - MAX_TEXT_ENTRIES} judged longest ago are not matched (delete old ones)\n`);
        });
      }),
    );
  fuzzy
    .command('delete <ids...>')
    .description('delete entries by id')
    .action(
      action(async (values: string[], _opts: unknown, cmd: Command) => {
        const wanted = ids(values);
        const gone = await withStore(cmd, ({ db }) => deleteFuzzy(db, wanted));
        const missing = wanted.filter((id) => !gone.includes(id));
        process.stdout.write(`${gone.length} deleted\n`);
        if (missing.length) throw new UsageError(`no entry ${missing.map((id) => `#${id}`).join(', ')}`);
      }),
    );
}
