/**
 * The test titles a test file declares, read from its source with the TypeScript parser (no test
 * code runs): every `it`/`test`/`describe` call — `.each(...)`, `.concurrent`, `.sequential` forms
 * included — whose first argument is a string literal or a template without substitutions. A
 * table test (`it.each([...])('%s …')`) contributes its title as written and, for every row made
 * of literals, the title vitest prints for that row (`%s`/`%i`/`%d`/`%j` filled from the row's
 * elements, `$key` from an object row).
 *
 * The conformance matrix (spec/conformance.md) names tests by these titles, so a renamed or
 * deleted test breaks the matrix test instead of leaving a stale row.
 */
import { readFileSync } from 'node:fs';
import ts from 'typescript';

const TEST_FUNCTIONS = new Set(['it', 'test', 'describe']);

/** The function a call like `it(...)`, `it.each(rows)(...)` or `describe.concurrent(...)` invokes. */
function calleeRoot(expr: ts.Expression): string | undefined {
  if (ts.isIdentifier(expr)) return expr.text;
  if (ts.isPropertyAccessExpression(expr)) return calleeRoot(expr.expression);
  // `it.each(rows)` is itself a call whose result is called with the title.
  if (ts.isCallExpression(expr)) return calleeRoot(expr.expression);
  return undefined;
}

type Literal = string | number | boolean | null | Literal[] | { [key: string]: Literal };
const NOT_LITERAL = Symbol('not a literal');

/** The value of a literal expression (strings, numbers, booleans, null, arrays, objects), else NOT_LITERAL. */
function literal(node: ts.Expression): Literal | typeof NOT_LITERAL {
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  if (ts.isNumericLiteral(node)) return Number(node.text);
  if (ts.isPrefixUnaryExpression(node) && node.operator === ts.SyntaxKind.MinusToken && ts.isNumericLiteral(node.operand)) return -Number(node.operand.text);
  if (node.kind === ts.SyntaxKind.TrueKeyword) return true;
  if (node.kind === ts.SyntaxKind.FalseKeyword) return false;
  if (node.kind === ts.SyntaxKind.NullKeyword) return null;
  if (ts.isArrayLiteralExpression(node)) {
    const items = node.elements.map((e) => literal(e));
    return items.includes(NOT_LITERAL) ? NOT_LITERAL : (items as Literal[]);
  }
  if (ts.isObjectLiteralExpression(node)) {
    const out: Record<string, Literal> = {};
    for (const p of node.properties) {
      if (!ts.isPropertyAssignment(p) || !(ts.isIdentifier(p.name) || ts.isStringLiteral(p.name))) return NOT_LITERAL;
      const v = literal(p.initializer);
      if (v === NOT_LITERAL) return NOT_LITERAL;
      out[p.name.text] = v;
    }
    return out;
  }
  return NOT_LITERAL;
}

/** One table row: its elements (an array row) or itself; elements that are not literals are marked. */
type Row = Literal | (Literal | typeof NOT_LITERAL)[];

/** The title vitest prints for one table row, or undefined when a placeholder it uses has no literal. */
export function formatRowTitle(template: string, row: Row): string | undefined {
  const args: (Literal | typeof NOT_LITERAL)[] = Array.isArray(row) ? row : [row];
  let i = 0;
  let ok = true;
  let title = template.replace(/%[sidjf%]/g, (spec) => {
    if (spec === '%%') return '%';
    const value = i < args.length ? args[i++]! : NOT_LITERAL;
    if (value === NOT_LITERAL) {
      ok = false;
      return spec;
    }
    if (spec === '%j') return JSON.stringify(value);
    return typeof value === 'string' ? value : JSON.stringify(value);
  });
  if (row !== null && typeof row === 'object' && !Array.isArray(row)) {
    title = title.replace(/\$([A-Za-z_][A-Za-z0-9_]*)/g, (whole, key: string) => {
      if (!(key in row)) return whole;
      const value = row[key]!;
      return typeof value === 'string' ? value : JSON.stringify(value);
    });
  }
  return ok ? title : undefined;
}

/** Every title declared in `source` (a file's text), in source order. */
export function testTitles(source: string, fileName = 'test.ts'): string[] {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS);
  const titles: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node)) {
      const root = calleeRoot(node.expression);
      const first = node.arguments[0];
      if (root && TEST_FUNCTIONS.has(root) && first && (ts.isStringLiteral(first) || ts.isNoSubstitutionTemplateLiteral(first))) {
        titles.push(first.text);
        titles.push(...rowTitles(node, first.text));
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return titles;
}

/** `rows as const`, `(rows)`, `rows satisfies T`: the expression inside. */
function unwrap(node: ts.Expression): ts.Expression {
  if (ts.isAsExpression(node) || ts.isParenthesizedExpression(node) || ts.isSatisfiesExpression(node)) return unwrap(node.expression);
  return node;
}

/** For `x.each(rows)(title, …)`: the title of every literal row. */
function rowTitles(call: ts.CallExpression, template: string): string[] {
  const callee = call.expression;
  if (!ts.isCallExpression(callee) || !ts.isPropertyAccessExpression(callee.expression) || callee.expression.name.text !== 'each') return [];
  const table = callee.arguments[0] && unwrap(callee.arguments[0]);
  if (!table || !ts.isArrayLiteralExpression(table)) return [];
  const out: string[] = [];
  for (const element of table.elements) {
    // An array row keeps its literal elements even when others are not (a fixture passed by name).
    const item = unwrap(element);
    const row: Row | typeof NOT_LITERAL = ts.isArrayLiteralExpression(item) ? item.elements.map((e) => literal(unwrap(e))) : literal(item);
    if (row === NOT_LITERAL) continue;
    const title = formatRowTitle(template, row);
    if (title !== undefined && title !== template) out.push(title);
  }
  return out;
}

/** The titles declared in the test file at `path`. */
export function testTitlesOf(path: string): string[] {
  return testTitles(readFileSync(path, 'utf8'), path);
}
