/**
 * The JQL Baton sends: the configured scope (project plus the optional extra `jql`) and, for a
 * poll, ONE query whose result holds both the candidates (`status in (...)`) and the in-flight
 * snapshots (`id in (...)`). Pure; values are always quoted and escaped.
 */

/** A JQL string literal: double-quoted, backslashes and quotes escaped. */
export function jqlString(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** An issue id list entry: Jira ids are numbers; anything else is quoted (it may be a key). */
function idLiteral(id: string): string {
  return /^\d+$/.test(id) ? id : jqlString(id);
}

/** Stable provider order: oldest first, key as the tie-breaker. */
export const ORDER_BY = 'ORDER BY created ASC, key ASC';

/**
 * `project = "KEY" [AND (extra)] AND (status in (...) OR id in (...))` ordered by creation.
 * At least one of `states` and `ids` must be non-empty.
 */
export function buildReadJql(scope: { projectKey: string; jql: string | null }, states: readonly string[], ids: readonly string[]): string {
  const wanted: string[] = [];
  if (states.length) wanted.push(`status in (${states.map(jqlString).join(', ')})`);
  if (ids.length) wanted.push(`id in (${ids.map(idLiteral).join(', ')})`);
  if (wanted.length === 0) throw new Error('buildReadJql needs states or ids');
  const parts = [`project = ${jqlString(scope.projectKey)}`];
  if (scope.jql) parts.push(`(${scope.jql})`);
  parts.push(wanted.length === 1 ? wanted[0]! : `(${wanted.join(' OR ')})`);
  return `${parts.join(' AND ')} ${ORDER_BY}`;
}

/**
 * An agent's JQL confined to the project: `project = "KEY" AND (<their query>)`, with their
 * ORDER BY (if any) kept at the end where JQL requires it.
 */
export function confineJql(projectKey: string, userJql: string): string {
  const match = /\border\s+by\b/i.exec(userJql);
  const where = (match ? userJql.slice(0, match.index) : userJql).trim();
  const order = match ? ` ${userJql.slice(match.index).trim()}` : '';
  return `project = ${jqlString(projectKey)}${where ? ` AND (${where})` : ''}${order}`;
}
