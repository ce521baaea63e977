// htmlparser2's Parser, with its stack of open elements made cheap. The parser keeps that stack at
// the front of an array (unshift on every start tag, shift on every end tag, indexOf to find the
// element an end tag closes), so each tag costs time in proportion to how deeply it is nested:
// 200,000 nested <div>s — a 2 MB message — took 6 s to parse, and a 20 MB one would hold a scan
// worker for hours. Here the same operations run on an array kept in reverse order, at its end.
// The parser is unchanged otherwise; every element is opened and closed exactly as before.
import { Parser, type Handler, type ParserOptions } from 'htmlparser2';

/** The array operations htmlparser2 10.x performs on `stack` and `foreignContext`. */
interface FrontStack<T> {
  length: number;
  readonly [index: number]: T | undefined;
  unshift(item: T): number;
  shift(): T | undefined;
  indexOf(item: T): number;
}

/** A stack whose front (index 0) is the last element of a plain array. */
export function frontStack<T>(initial: readonly T[] = []): FrontStack<T> {
  const a = [...initial].reverse();
  const methods: Record<string, unknown> = {
    unshift: (item: T) => a.push(item),
    shift: () => a.pop(),
    indexOf: (item: T) => {
      const i = a.lastIndexOf(item);
      return i < 0 ? -1 : a.length - 1 - i;
    },
  };
  return new Proxy(a, {
    get(_, key) {
      if (key === 'length') return a.length;
      if (typeof key !== 'string') return undefined;
      const m = methods[key];
      if (m) return m;
      const i = Number(key);
      return Number.isInteger(i) && i >= 0 ? a[a.length - 1 - i] : undefined;
    },
    set(_, key, value) {
      // `stack.length = 0` when the parser is reset: keep the first `value` elements of the front.
      if (key !== 'length') return false;
      a.splice(0, Math.max(0, a.length - Number(value)));
      return true;
    },
  }) as unknown as FrontStack<T>;
}

export function htmlParser(cbs: Partial<Handler>, options: ParserOptions): Parser {
  const parser = new Parser(cbs, options);
  const inner = parser as unknown as { stack: string[]; foreignContext: boolean[] };
  // Written for htmlparser2 10.x (pinned): another version without these arrays fails here, in the tests.
  if (!Array.isArray(inner.stack) || !Array.isArray(inner.foreignContext)) throw new Error('htmlparser2: no stack/foreignContext arrays to replace');
  inner.stack = frontStack(inner.stack) as unknown as string[];
  inner.foreignContext = frontStack(inner.foreignContext) as unknown as boolean[];
  return parser;
}
