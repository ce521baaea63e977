// Composite expressions: symbol names joined by & (and), | (or), ! (not) and parentheses, e.g.
// "DMARC_FAIL & !DKIM_ALLOW". Parsed once when the engine is built; evaluated per message.

export type Expr = { op: 'sym'; name: string } | { op: 'not'; e: Expr } | { op: 'and' | 'or'; l: Expr; r: Expr };

export class ExpressionError extends Error {}

/** Parses an expression; throws ExpressionError saying where it went wrong. */
export function parseExpression(src: string): Expr {
  const tokens = src.match(/[A-Za-z0-9_]+|[&|!()]|\S/g) ?? [];
  let i = 0;
  const peek = () => tokens[i];
  const fail = (what: string): never => {
    throw new ExpressionError(`${what} at token ${i + 1} of "${src}"`);
  };
  // or := and ('|' and)* ; and := unary ('&' unary)* ; unary := '!' unary | '(' or ')' | NAME
  const or = (): Expr => {
    let l = and();
    while (peek() === '|') {
      i++;
      l = { op: 'or', l, r: and() };
    }
    return l;
  };
  const and = (): Expr => {
    let l = unary();
    while (peek() === '&') {
      i++;
      l = { op: 'and', l, r: unary() };
    }
    return l;
  };
  const unary = (): Expr => {
    const t = peek();
    if (t === undefined) return fail('unexpected end');
    if (t === '!') {
      i++;
      return { op: 'not', e: unary() };
    }
    if (t === '(') {
      i++;
      const e = or();
      if (peek() !== ')') fail('expected )');
      i++;
      return e;
    }
    if (/^[A-Z][A-Z0-9_]*$/.test(t)) {
      i++;
      return { op: 'sym', name: t };
    }
    return fail(`unexpected "${t}"`);
  };
  const e = or();
  if (i !== tokens.length) fail(`unexpected "${peek()}"`);
  return e;
}

export function symbolsOf(e: Expr, out = new Set<string>()): Set<string> {
  if (e.op === 'sym') out.add(e.name);
  else if (e.op === 'not') symbolsOf(e.e, out);
  else {
    symbolsOf(e.l, out);
    symbolsOf(e.r, out);
  }
  return out;
}

export function evaluate(e: Expr, present: ReadonlySet<string>): boolean {
  switch (e.op) {
    case 'sym':
      return present.has(e.name);
    case 'not':
      return !evaluate(e.e, present);
    case 'and':
      return evaluate(e.l, present) && evaluate(e.r, present);
    case 'or':
      return evaluate(e.l, present) || evaluate(e.r, present);
  }
}
