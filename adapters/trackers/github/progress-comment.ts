/**
 * The one comment Baton owns on an issue, recognised by a hidden HTML marker at its start (GitHub
 * renders nothing for it). Edited in place so the timeline does not fill with status posts.
 */

/** Marks Baton's progress comment; invisible in GitHub's rendering. */
export const PROGRESS_MARKER = '<!-- baton:progress -->';

/** The comment body Baton writes for `text`. */
export function progressBody(text: string): string {
  return `${PROGRESS_MARKER}\n${text}`;
}

/** The id of Baton's progress comment among `comments` (the oldest, if a race made two). */
export function findProgressComment(comments: readonly unknown[]): number | null {
  for (const comment of comments) {
    const c = comment as { id?: unknown; body?: unknown } | null;
    if (typeof c?.id === 'number' && typeof c.body === 'string' && c.body.trimStart().startsWith(PROGRESS_MARKER)) return c.id;
  }
  return null;
}
