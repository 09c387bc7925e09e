/**
 * The branches behind the GitHub fake's pull requests: an in-memory map for adapter tests, or a
 * real bare git repository (the remote the agents push to) for pipeline tests, so a PR's head is
 * whatever was pushed last and a merge writes a real commit on the base branch. Merges use git
 * plumbing only (`merge-tree --write-tree`, `commit-tree`, `update-ref`): a bare repository has no
 * work tree.
 */
import { createHash, randomUUID } from 'node:crypto';
import { execFileSync } from 'node:child_process';

export type MergeMethod = 'merge' | 'squash' | 'rebase';

export interface FakeGit {
  /** The commit a branch points at, or null when there is no such branch. */
  head(branch: string): string | null;
  /** Merge `head` into `base`; the new tip of `base`. Throws `MergeConflict` when they conflict. */
  merge(base: string, head: string, method: MergeMethod, message: string): string;
  /** Delete a branch; false when it did not exist. */
  deleteBranch(branch: string): boolean;
}

export class MergeConflict extends Error {}

/** Branches as a map; tests push with `push`. */
export class MemoryGit implements FakeGit {
  readonly branches = new Map<string, string>([['main', sha('main')]]);

  push(branch: string, commit = sha(`${branch}:${randomUUID()}`)): string {
    this.branches.set(branch, commit);
    return commit;
  }

  head(branch: string): string | null {
    return this.branches.get(branch) ?? null;
  }

  merge(base: string, head: string, method: MergeMethod, message: string): string {
    const tip = sha(`${this.head(base)}:${this.head(head)}:${method}:${message}`);
    this.branches.set(base, tip);
    return tip;
  }

  deleteBranch(branch: string): boolean {
    return this.branches.delete(branch);
  }
}

/** A bare repository on disk, read and written with the git CLI. */
export class BareRepoGit implements FakeGit {
  constructor(readonly dir: string) {}

  private git(args: string[], env: Record<string, string> = {}): string {
    return execFileSync('git', ['--git-dir', this.dir, ...args], {
      encoding: 'utf8',
      env: { ...process.env, GIT_AUTHOR_NAME: 'GitHub', GIT_AUTHOR_EMAIL: 'noreply@github.com', GIT_COMMITTER_NAME: 'GitHub', GIT_COMMITTER_EMAIL: 'noreply@github.com', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    }).trim();
  }

  head(branch: string): string | null {
    try {
      return this.git(['rev-parse', '--verify', '--quiet', `refs/heads/${branch}^{commit}`]) || null;
    } catch {
      return null;
    }
  }

  merge(base: string, head: string, method: MergeMethod, message: string): string {
    const baseSha = this.head(base);
    const headSha = this.head(head);
    if (!baseSha || !headSha) throw new Error(`fake git: no branch ${baseSha ? head : base}`);
    const tree = this.mergedTree(baseSha, headSha);
    // squash and rebase leave one parent (rebase of many commits is flattened here: the fake's
    // tests look at the tree and the count of merges, not at rebased history).
    const parents = method === 'merge' ? ['-p', baseSha, '-p', headSha] : ['-p', baseSha];
    const commit = this.git(['commit-tree', tree, ...parents, '-m', message]);
    this.git(['update-ref', `refs/heads/${base}`, commit, baseSha]);
    return commit;
  }

  private mergedTree(baseSha: string, headSha: string): string {
    try {
      // Fast path: the base has not moved since the branch left it.
      execFileSync('git', ['--git-dir', this.dir, 'merge-base', '--is-ancestor', baseSha, headSha], { stdio: 'ignore' });
      return this.git(['rev-parse', `${headSha}^{tree}`]);
    } catch {
      try {
        return this.git(['merge-tree', '--write-tree', baseSha, headSha]).split('\n')[0]!;
      } catch {
        throw new MergeConflict('merge conflict');
      }
    }
  }

  deleteBranch(branch: string): boolean {
    if (!this.head(branch)) return false;
    this.git(['update-ref', '-d', `refs/heads/${branch}`]);
    return true;
  }

  /** Branch names, for assertions. */
  branches(): string[] {
    const out = this.git(['for-each-ref', '--format=%(refname:short)', 'refs/heads/']);
    return out ? out.split('\n') : [];
  }

  /** Subject lines of `branch`, newest first. */
  log(branch: string): string[] {
    const out = this.git(['log', '--format=%s', branch]);
    return out ? out.split('\n') : [];
  }
}

function sha(seed: string): string {
  return createHash('sha1').update(seed).digest('hex');
}
