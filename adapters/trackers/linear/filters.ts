/**
 * Linear `IssueFilter` values for Baton's scope: the configured project plus either the requested
 * states (case-insensitive, as the scheduler compares them) or the requested ids. Pure.
 */
import { BatonError, ErrorCategory } from '../../../core/errors.js';

/** Issues of the project in any of `states`. */
export function candidateFilter(projectSlug: string, states: readonly string[]): Record<string, unknown> {
  return {
    project: { slugId: { eq: projectSlug } },
    state: { or: states.map((name) => ({ name: { eqIgnoreCase: name } })) },
  };
}

/** Issues of the project with one of `ids` (ids outside the project are simply not returned). */
export function inflightFilter(projectSlug: string, ids: readonly string[]): Record<string, unknown> {
  return { project: { slugId: { eq: projectSlug } }, id: { in: [...ids] } };
}

/**
 * Follows one Relay cursor and refuses the two ways a broken server loops or truncates silently:
 * `hasNextPage` without an `endCursor`, and a cursor that comes back again.
 */
export class CursorTrail {
  private readonly seen = new Set<string>();

  constructor(private readonly what: string) {}

  /** The cursor for the next page, or null when this was the last page. */
  next(pageInfo: { hasNextPage: boolean; endCursor?: string | null }): string | null {
    if (!pageInfo.hasNextPage) return null;
    const cursor = pageInfo.endCursor;
    if (!cursor) {
      throw new BatonError(
        ErrorCategory.trackerPagination,
        `Linear said more ${this.what} follow but sent no cursor; the result would be incomplete, so this tick is skipped`,
      );
    }
    if (this.seen.has(cursor)) {
      throw new BatonError(
        ErrorCategory.trackerPagination,
        `Linear sent the same page cursor twice while listing ${this.what}; stopping instead of looping, this tick is skipped`,
      );
    }
    this.seen.add(cursor);
    return cursor;
  }
}
