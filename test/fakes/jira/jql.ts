/**
 * The JQL subset the Jira fake understands: clauses on `project`, `status`, `statusCategory`,
 * `labels`, `assignee` and `id`/`key`/`issue`/`issuekey` with `=`, `!=`, `IN`, `NOT IN`, joined by
 * `AND`/`OR`/`NOT` and parentheses, plus `ORDER BY` on `created`, `updated`, `key`. Anything else is
 * answered the way Jira answers a bad query (400 "Error in the JQL Query"), never with a guess.
 */

export class JqlError extends Error {}

type Token = { kind: 'word' | 'string' | 'op' | 'punct'; value: string };

function tokenize(jql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < jql.length) {
    const ch = jql[i]!;
    if (/\s/.test(ch)) {
      i += 1;
    } else if (ch === '"' || ch === "'") {
      let value = '';
      i += 1;
      while (i < jql.length && jql[i] !== ch) {
        if (jql[i] === '\\' && i + 1 < jql.length) i += 1;
        value += jql[i];
        i += 1;
      }
      if (i >= jql.length) throw new JqlError('The quoted string is not terminated.');
      i += 1;
      tokens.push({ kind: 'string', value });
    } else if (ch === '(' || ch === ')' || ch === ',') {
      tokens.push({ kind: 'punct', value: ch });
      i += 1;
    } else if (ch === '!' && jql[i + 1] === '=') {
      tokens.push({ kind: 'op', value: '!=' });
      i += 2;
    } else if (ch === '=') {
      tokens.push({ kind: 'op', value: '=' });
      i += 1;
    } else {
      const match = /^[A-Za-z0-9_.\-]+/.exec(jql.slice(i));
      if (!match) throw new JqlError(`The character '${ch}' is a reserved JQL character.`);
      tokens.push({ kind: 'word', value: match[0] });
      i += match[0].length;
    }
  }
  return tokens;
}

export type JqlField = 'project' | 'status' | 'statuscategory' | 'labels' | 'assignee' | 'issue';
const FIELD_ALIASES: Record<string, JqlField> = {
  project: 'project',
  status: 'status',
  statuscategory: 'statuscategory',
  labels: 'labels',
  assignee: 'assignee',
  id: 'issue',
  key: 'issue',
  issue: 'issue',
  issuekey: 'issue',
};
const SORT_FIELDS = new Set(['created', 'updated', 'key']);

export type JqlExpr =
  | { kind: 'and' | 'or'; parts: JqlExpr[] }
  | { kind: 'not'; part: JqlExpr }
  | { kind: 'clause'; field: JqlField; written: string; op: '=' | '!=' | 'in' | 'not in'; values: string[] };

export interface JqlQuery {
  where: JqlExpr | null;
  orderBy: Array<{ field: string; desc: boolean }>;
}

/** Parses the supported subset or throws JqlError with Jira's style of message. */
export function parseJql(jql: string): JqlQuery {
  const tokens = tokenize(jql);
  let pos = 0;
  const peekWord = (word: string) => tokens[pos]?.kind === 'word' && tokens[pos]!.value.toLowerCase() === word;
  const expect = (value: string) => {
    if (tokens[pos]?.value !== value) throw new JqlError(`Expecting '${value}' but got '${tokens[pos]?.value ?? 'end of query'}'.`);
    pos += 1;
  };
  const value = (): string => {
    const token = tokens[pos];
    if (!token || (token.kind !== 'word' && token.kind !== 'string')) {
      throw new JqlError(`Expecting a value but got '${token?.value ?? 'end of query'}'.`);
    }
    if (token.kind === 'word' && tokens[pos + 1]?.value === '(') throw new JqlError(`Function '${token.value}' is not supported by the fake.`);
    pos += 1;
    return token.value;
  };
  const clause = (): JqlExpr => {
    const token = tokens[pos];
    if (!token || token.kind !== 'word') throw new JqlError(`Expecting a field name but got '${token?.value ?? 'end of query'}'.`);
    const field = FIELD_ALIASES[token.value.toLowerCase()];
    if (!field) throw new JqlError(`Field '${token.value}' does not exist or you do not have permission to view it.`);
    pos += 1;
    let op: '=' | '!=' | 'in' | 'not in';
    if (tokens[pos]?.kind === 'op') {
      op = tokens[pos]!.value as '=' | '!=';
      pos += 1;
      return { kind: 'clause', field, written: token.value, op, values: [value()] };
    }
    if (peekWord('not')) {
      pos += 1;
      if (!peekWord('in')) throw new JqlError("Expecting 'IN' after 'NOT'.");
      op = 'not in';
    } else if (peekWord('in')) {
      op = 'in';
    } else {
      throw new JqlError(`Expecting operator but got '${tokens[pos]?.value ?? 'end of query'}'.`);
    }
    pos += 1;
    expect('(');
    const values = [value()];
    while (tokens[pos]?.value === ',') {
      pos += 1;
      values.push(value());
    }
    expect(')');
    return { kind: 'clause', field, written: token.value, op, values };
  };
  const unary = (): JqlExpr => {
    if (peekWord('not')) {
      pos += 1;
      return { kind: 'not', part: unary() };
    }
    if (tokens[pos]?.value === '(') {
      pos += 1;
      const inner = or();
      expect(')');
      return inner;
    }
    return clause();
  };
  const and = (): JqlExpr => {
    const parts = [unary()];
    while (peekWord('and')) {
      pos += 1;
      parts.push(unary());
    }
    return parts.length === 1 ? parts[0]! : { kind: 'and', parts };
  };
  const or = (): JqlExpr => {
    const parts = [and()];
    while (peekWord('or')) {
      pos += 1;
      parts.push(and());
    }
    return parts.length === 1 ? parts[0]! : { kind: 'or', parts };
  };

  const where = pos < tokens.length && !peekWord('order') ? or() : null;
  const orderBy: JqlQuery['orderBy'] = [];
  if (peekWord('order')) {
    pos += 1;
    if (!peekWord('by')) throw new JqlError("Expecting 'BY' after 'ORDER'.");
    pos += 1;
    do {
      if (orderBy.length) pos += 1;
      const token = tokens[pos];
      if (!token || token.kind !== 'word' || !SORT_FIELDS.has(token.value.toLowerCase())) {
        throw new JqlError(`Field '${token?.value ?? ''}' cannot be used in ORDER BY by the fake.`);
      }
      pos += 1;
      let desc = false;
      if (peekWord('asc') || peekWord('desc')) {
        desc = tokens[pos]!.value.toLowerCase() === 'desc';
        pos += 1;
      }
      orderBy.push({ field: token.value.toLowerCase(), desc });
    } while (tokens[pos]?.value === ',');
  }
  if (pos < tokens.length) throw new JqlError(`Expecting either 'OR' or 'AND' but got '${tokens[pos]!.value}'.`);
  if (!where) throw new JqlError('Unbounded JQL queries are not allowed here. Please add a search restriction to your query.');
  return { where, orderBy };
}

/** What a clause reads from an issue: the values it can match (case-insensitively unless noted). */
export type JqlSubject = (field: JqlField) => { values: string[]; caseSensitive?: boolean };

export function matchesJql(expr: JqlExpr, subject: JqlSubject): boolean {
  switch (expr.kind) {
    case 'and':
      return expr.parts.every((part) => matchesJql(part, subject));
    case 'or':
      return expr.parts.some((part) => matchesJql(part, subject));
    case 'not':
      return !matchesJql(expr.part, subject);
    case 'clause': {
      const { values, caseSensitive } = subject(expr.field);
      const fold = (v: string) => (caseSensitive ? v : v.toLowerCase());
      const have = new Set(values.map(fold));
      const hit = expr.values.some((v) => have.has(fold(v)));
      return expr.op === '=' || expr.op === 'in' ? hit : !hit;
    }
  }
}

/** Every value an `id`/`key`/`issue` clause names: Jira refuses a query naming an issue that does not exist. */
export function namedIssues(expr: JqlExpr): Array<{ value: string; field: string }> {
  switch (expr.kind) {
    case 'and':
    case 'or':
      return expr.parts.flatMap(namedIssues);
    case 'not':
      return namedIssues(expr.part);
    case 'clause':
      return expr.field === 'issue' ? expr.values.map((value) => ({ value, field: expr.written })) : [];
  }
}
