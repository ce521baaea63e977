// An in-memory copy of the scan policy (actions, monitor mode, lists) for fast decisions: a
// domain's own rows override the global ('*') ones, which override the built-in defaults.
import { ACTIONS, CATEGORIES, FAMILIES, type Action, type Category, type Family } from '../scan/types.js';
import type { ListEntry } from './lists.js';

export const GLOBAL = '*';

/** Built-in policy when no row says otherwise: threats are held or refused, the rest delivered or tagged. */
export const DEFAULT_ACTIONS: Record<Category, Action> = {
  malware: 'reject',
  apt: 'quarantine',
  phishing: 'quarantine',
  bec: 'quarantine',
  other_threat: 'quarantine',
  low_url_reputation: 'tag',
  auth_failed: 'tag',
  spam: 'tag',
  graymail: 'deliver',
  clean: 'deliver',
};

export const DEFAULT_SUBJECT_PREFIX: string | null = null;

export interface PolicyRow {
  domain: string;
  category: Category;
  action: Action;
  subject_prefix: string | null;
}

export interface MonitorRow {
  domain: string;
  family: Family;
  /** ISO-8601 UTC go-live time. */
  until: string;
}

export interface EffectiveAction {
  action: Action;
  subjectPrefix: string | null;
  /** Where it came from: the domain, '*' or 'default'. */
  source: string;
}

export class PolicySnapshot {
  private readonly actions = new Map<string, PolicyRow>();
  private readonly monitors = new Map<string, MonitorRow>();
  private readonly lists = new Map<string, ListEntry[]>();
  private readonly aliases: ReadonlyMap<string, string>;

  /** aliases: alias address → its target mailbox, for the targets that have a personal list. */
  constructor(policies: readonly PolicyRow[] = [], monitors: readonly MonitorRow[] = [], entries: readonly ListEntry[] = [], aliases: ReadonlyMap<string, string> = new Map()) {
    this.aliases = aliases;
    for (const p of policies) if (isCategory(p.category) && isAction(p.action)) this.actions.set(`${p.domain}\0${p.category}`, p);
    for (const m of monitors) if (isFamily(m.family)) this.monitors.set(`${m.domain}\0${m.family}`, m);
    for (const e of entries) {
      const l = this.lists.get(e.domain) ?? [];
      l.push(e);
      this.lists.set(e.domain, l);
    }
  }

  actionFor(domain: string, category: Category): EffectiveAction {
    const row = this.actions.get(`${domain}\0${category}`) ?? this.actions.get(`${GLOBAL}\0${category}`);
    if (row) return { action: row.action, subjectPrefix: row.subject_prefix, source: row.domain };
    return { action: DEFAULT_ACTIONS[category], subjectPrefix: DEFAULT_SUBJECT_PREFIX, source: 'default' };
  }

  /** Families still in monitor mode for the domain at `now` (the domain's row overrides the global one). */
  monitoredFamilies(domain: string, now: Date): Set<Family> {
    const out = new Set<Family>();
    for (const f of FAMILIES) {
      const m = this.monitors.get(`${domain}\0${f}`) ?? this.monitors.get(`${GLOBAL}\0${f}`);
      if (m && Date.parse(m.until) > now.getTime()) out.add(f);
    }
    return out;
  }

  monitorFor(domain: string, family: Family): MonitorRow | undefined {
    return this.monitors.get(`${domain}\0${family}`) ?? this.monitors.get(`${GLOBAL}\0${family}`);
  }

  /**
   * A mailbox's personal entries (its owner's allowed or blocked senders). Mail to a sub-address
   * (kim+lists@…) uses the mailbox's list (kim@…), and mail to an alias its target's (the
   * directory's alias k.lee@… → kim@…), unless the address has a list of its own.
   */
  personal(mailbox: string, list: 'allow' | 'block'): ListEntry[] {
    const own = this.lists.get(mailbox) ?? this.lists.get(this.aliases.get(mailbox) ?? '');
    if (own) return own.filter((e) => e.list === list);
    const plus = mailbox.indexOf('+');
    const at = mailbox.lastIndexOf('@');
    return plus > 0 && plus < at ? this.personal(mailbox.slice(0, plus) + mailbox.slice(at), list) : [];
  }

  /** The domain's list entries followed by the global ones. */
  entries(domain: string, list: 'allow' | 'block'): ListEntry[] {
    return [...(this.lists.get(domain) ?? []), ...(this.lists.get(GLOBAL) ?? [])].filter((e) => e.list === list);
  }
}

export const isCategory = (v: string): v is Category => (CATEGORIES as readonly string[]).includes(v);
export const isAction = (v: string): v is Action => (ACTIONS as readonly string[]).includes(v);
export const isFamily = (v: string): v is Family => (FAMILIES as readonly string[]).includes(v);
