// SPDX licence expressions as packages declare them: `MIT`, `(MIT OR Apache-2.0)`, `Apache-2.0 AND MIT`,
// `GPL-2.0-only WITH Classpath-exception-2.0`. A package is usable when one of its OR alternatives has
// every AND part allowed. Strings that are not expressions (`BSD`, `SEE LICENSE IN LICENSE.md`) are one
// licence named by the whole string, so an allowlist can name them only by that string.

type Expression = { licence: string } | { op: 'AND' | 'OR'; left: Expression; right: Expression };

/** GPL and AGPL (any version), which the service images never ship; LGPL is not among them. */
export function isForbiddenLicence(licence: string): boolean {
  return /^A?GPL(-|$|\+)/i.test(licence.trim());
}

function parse(text: string): Expression {
  const tokens = text.match(/\(|\)|[^\s()]+/g) ?? [];
  let at = 0;
  const peek = () => tokens[at]?.toUpperCase();
  const atom = (): Expression => {
    if (tokens[at] === '(') {
      at++;
      const inner = or();
      if (tokens[at++] !== ')') throw new Error('unbalanced parentheses');
      return inner;
    }
    const id = tokens[at++];
    if (!id || id === ')' || ['AND', 'OR', 'WITH'].includes(id.toUpperCase())) throw new Error('licence expected');
    if (peek() === 'WITH') {
      at++;
      const exception = tokens[at++];
      if (!exception || exception === '(' || exception === ')') throw new Error('exception expected');
      return { licence: `${id} WITH ${exception}` };
    }
    return { licence: id };
  };
  const and = (): Expression => {
    let left = atom();
    while (peek() === 'AND') {
      at++;
      left = { op: 'AND', left, right: atom() };
    }
    return left;
  };
  const or = (): Expression => {
    let left = and();
    while (peek() === 'OR') {
      at++;
      left = { op: 'OR', left, right: and() };
    }
    return left;
  };
  const expression = or();
  if (at !== tokens.length) throw new Error('unexpected text after the expression');
  return expression;
}

function expressionOf(text: string): Expression {
  try {
    return parse(text);
  } catch {
    return { licence: text.trim() };
  }
}

/**
 * The cheapest way to comply with `text` using only `allowed` licences (and never a forbidden one): the
 * licences of one OR alternative, or undefined when no alternative is fully allowed.
 */
export function chooseLicences(text: string, allowed: ReadonlySet<string>): string[] | undefined {
  const usable = (licence: string) => allowed.has(licence) && !isForbiddenLicence(licence);
  const choose = (e: Expression): string[] | undefined => {
    if ('licence' in e) return usable(e.licence) ? [e.licence] : undefined;
    const left = choose(e.left);
    const right = choose(e.right);
    if (e.op === 'OR') return left ?? right;
    return left && right ? [...left, ...right] : undefined;
  };
  return choose(expressionOf(text));
}

/** Every licence an expression names (for reports). */
export function licencesIn(text: string): string[] {
  const all = (e: Expression): string[] => ('licence' in e ? [e.licence] : [...all(e.left), ...all(e.right)]);
  return all(expressionOf(text));
}
