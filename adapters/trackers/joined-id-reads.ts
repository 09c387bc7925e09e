/**
 * Re-reads by id that arrive together, as one provider request, for adapters whose provider takes
 * many ids in one query (Linear, Jira, GitLab). Every stage start, stage write and turn re-reads
 * its issue by id; through `freshBatchedRead` (base/fresh-read.ts) the callers that ask while one
 * read runs join the next, with their ids merged, and each gets only its own issues, read after it
 * asked: ten stages starting at once cost two requests, not ten.
 *
 * A joined read the provider answered with a record Baton cannot use (`tracker_response`: the
 * adapter fails a read by id on a malformed requested record) is read again per caller, so only
 * that issue's caller fails; a transport error, a rate limit or a refused key is every joined
 * caller's, without a request more.
 */
import { BatonError, ErrorCategory } from '../../core/errors.js';
import type { Issue } from '../../core/issue.js';
import { freshBatchedRead } from '../../base/fresh-read.js';

type ReadByIds = (ids: readonly string[]) => Promise<Issue[]>;

const aboutOneRecord = (err: unknown): boolean => err instanceof BatonError && err.category === ErrorCategory.trackerResponse;

/** `read`, joined; an empty or repeated id list is trimmed first (no ids: no request). */
export function joinIdReads(read: ReadByIds): ReadByIds {
  const joined = freshBatchedRead<string, Issue>(read, (issue) => issue.id, aboutOneRecord);
  return (ids) => {
    const unique = [...new Set(ids)];
    return unique.length === 0 ? Promise.resolve([]) : joined(unique);
  };
}
