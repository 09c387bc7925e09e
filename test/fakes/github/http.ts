/**
 * The GitHub fake's request plumbing shared by its handler modules: the error a handler throws to
 * answer with a status (every fake's, from ../shared/http.ts), what a handler receives and returns,
 * and GitHub's `Link` pagination.
 */
import { HttpError } from '../shared/http.js';

export { HttpError };

export interface HandlerContext {
  url: URL;
  params: Record<string, unknown>;
  query: Record<string, unknown>;
  body: unknown;
}

export interface HandlerResult {
  status: number;
  body: unknown;
  link?: string;
  /** Extra response headers (a redirect's `location`). */
  headers?: Record<string, string>;
}

export type Handler = (ctx: HandlerContext) => HandlerResult;

export function paginate<T>(items: T[], ctx: HandlerContext): { page: T[]; link?: string } {
  const perPage = Math.min(Number(ctx.query.per_page ?? 30), 100);
  const page = Number(ctx.query.page ?? 1);
  const last = Math.max(1, Math.ceil(items.length / perPage));
  const at = (n: number) => {
    const u = new URL(ctx.url);
    u.searchParams.set('page', String(n));
    return u.toString();
  };
  const rels: string[] = [];
  if (page > 1) rels.push(`<${at(page - 1)}>; rel="prev"`);
  if (page < last) rels.push(`<${at(page + 1)}>; rel="next"`, `<${at(last)}>; rel="last"`);
  if (page > 1) rels.push(`<${at(1)}>; rel="first"`);
  return { page: items.slice((page - 1) * perPage, page * perPage), link: rels.length ? rels.join(', ') : undefined };
}

export function onlyParams(ctx: HandlerContext, implemented: readonly string[]): void {
  const extra = Object.keys(ctx.query).filter((k) => !implemented.includes(k));
  if (extra.length) throw new HttpError(500, `fake: query parameter(s) ${extra.join(', ')} are valid on GitHub but not implemented by the fake`);
}
