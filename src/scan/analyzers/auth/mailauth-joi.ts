// What mailauth asks of joi, without joi. mailauth 4.13 validates with two joi schemas: the SPF
// sender's domain (Joi.string().domain({ allowUnicode: false, tlds: false }), for every message)
// and a DKIM key's base64 (Joi.string().base64({ paddingRequired: false }), for every key fetched),
// and reads nothing of the answer but whether `error` is set. joi itself is ~25 modules to load in
// every scan worker, and its failure path builds and renders a ValidationError (with a stack): a
// sender domain that is no domain name — `postmaster@[127.0.0.1]`, what mailauth checks when
// `rampart scan` has no envelope — cost ~80 µs a message, ~2 % of a scan's CPU. The bundles
// (scripts/bundle.mjs) give mailauth this module for `joi`; a test holds it to joi's answers.
// Decided exactly as joi decides: the same @hapi/address check for domains (joi passes it the
// options unchanged when tlds is false), joi's own expressions for base64, and joi's string()
// base rules (a string, not empty; undefined passes, as joi's optional schemas let it).
// Its domain module alone: the package's index also loads its URI and IP code (and @hapi/hoek).
import { isDomainValid } from '@hapi/address/dist/domain.js';

export interface Validation {
  value: unknown;
  error?: Error;
}

export interface StringSchema {
  validate(value: unknown): Validation;
}

// joi 18's base64 expressions, by paddingRequired and urlSafe.
const BASE64: Record<'padded' | 'unpadded', Record<'urlSafe' | 'standard', RegExp>> = {
  padded: {
    urlSafe: /^(?:[\w-]{2}[\w-]{2})*(?:[\w-]{2}==|[\w-]{3}=)?$/,
    standard: /^(?:[A-Za-z0-9+/]{2}[A-Za-z0-9+/]{2})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/,
  },
  unpadded: {
    urlSafe: /^(?:[\w-]{2}[\w-]{2})*(?:[\w-]{2}(==)?|[\w-]{3}=?)?$/,
    standard: /^(?:[A-Za-z0-9+/]{2}[A-Za-z0-9+/]{2})*(?:[A-Za-z0-9+/]{2}(==)?|[A-Za-z0-9+/]{3}=?)?$/,
  },
};

function schema(rule: string, ok: (value: string) => boolean): StringSchema {
  return {
    validate(value) {
      // A joi schema is optional unless required(): undefined passes.
      if (value === undefined) return { value };
      if (typeof value === 'string' && value !== '' && ok(value)) return { value };
      return { value, error: withoutStack(() => new Error(`"value" failed ${rule}`)) };
    },
  };
}

/** joi's domain() options as mailauth passes them; joi hands them to @hapi/address as they are. */
type DomainOptions = Omit<NonNullable<Parameters<typeof isDomainValid>[1]>, 'tlds'> & { tlds?: boolean };

/**
 * Runs fn with stack traces off: nobody reads the stack of these errors (mailauth asks only whether
 * there is one), and capturing it cost more than the check.
 */
function withoutStack<T>(fn: () => T): T {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return fn();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

function domainValid(value: string, options: DomainOptions): boolean {
  // An address literal ("[127.0.0.1]") is never a domain: @hapi/address's host step keeps the
  // brackets (or throws and keeps the input) and no label may hold one. Answered without that
  // step, which builds a TypeError each time.
  if (value.includes('[')) return false;
  // tlds: false is what joi passes too; @hapi/address's types only name the list forms. Its host
  // step lets `new URL` throw for hosts it cannot parse.
  return withoutStack(() => isDomainValid(value, options as Parameters<typeof isDomainValid>[1]));
}

export function string(): { domain(options?: DomainOptions): StringSchema; base64(options?: { paddingRequired?: boolean; urlSafe?: boolean }): StringSchema } {
  return {
    domain(options = {}) {
      if (options.tlds !== false) throw new Error('mailauth-joi: only domain({ tlds: false }) is provided (joi would need its TLD list)');
      const opts = { ...options };
      return schema('domain', (v) => domainValid(v, opts));
    },
    base64(options = {}) {
      const re = BASE64[options.paddingRequired === false ? 'unpadded' : 'padded'][options.urlSafe ? 'urlSafe' : 'standard'];
      return schema('base64', (v) => re.test(v));
    },
  };
}
