/**
 * Confining the model's file paths to its workspace. Every path a tool receives is resolved
 * against the workspace, every symlink on the way is followed (with the workspace helpers'
 * segment-by-segment canonicalization, so paths that do not exist yet work too), and the result
 * must lie strictly below the canonical workspace. Tools then act on the canonical path, the one
 * that was checked, never on the path as written.
 */
import path from 'node:path';
import { canonicalizePath } from '../../../workspace/workspace.js';

/** A path the model asked for that Baton refuses; the message is written for the model. */
export class PathRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PathRefusedError';
  }
}

function isStrictlyBelow(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel);
}

/**
 * The canonical absolute path of `requested` (relative to the workspace, or absolute), which must
 * lie strictly below the canonical `workspace`. Throws {@link PathRefusedError} for an empty path,
 * a NUL byte, the workspace itself, a path outside it, and a path that a symlink takes outside it.
 */
export async function resolveWorkspaceFile(workspace: string, requested: unknown): Promise<string> {
  if (typeof requested !== 'string' || requested.trim() === '') {
    throw new PathRefusedError('`path` must be a non-empty string, relative to the workspace.');
  }
  if (requested.includes('\0')) throw new PathRefusedError('`path` must not contain NUL bytes.');
  const root = await canonicalizePath(workspace);
  const lexical = path.resolve(root, requested);
  if (!isStrictlyBelow(lexical, root) && !isStrictlyBelow(lexical, path.resolve(workspace))) {
    throw new PathRefusedError(
      lexical === root || lexical === path.resolve(workspace)
        ? `${requested} is the workspace directory itself; name a file inside it.`
        : `${requested} is outside the workspace (${root}); only paths inside the workspace are allowed.`,
    );
  }
  const canonical = await canonicalizePath(lexical);
  if (!isStrictlyBelow(canonical, root)) {
    throw new PathRefusedError(
      `${requested} resolves to ${canonical} through a symbolic link, outside the workspace (${root}); links out of the workspace are not followed.`,
    );
  }
  return canonical;
}

/** `absolute` relative to the workspace, for messages (falls back to the absolute path). */
export function displayPath(workspaceCanonical: string, absolute: string): string {
  const rel = path.relative(workspaceCanonical, absolute);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : absolute;
}
