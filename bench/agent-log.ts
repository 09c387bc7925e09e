/**
 * The bench's instant agent and its log. The agent is a bash script for the `command` backend that
 * appends `start <stage> <identifier> <epoch ms>` to a log and exits 0; the log is the bench's
 * clock for "the agent started", taken inside the agent process itself.
 */
import { readFile } from 'node:fs/promises';

/** One agent start as the agent logged it. */
export interface AgentStart {
  stage: string;
  identifier: string;
  /** Wall-clock epoch milliseconds (`date +%s%3N`), comparable with `Date.now()`. */
  at: number;
}

/** The agent script body: log the start, drain the prompt from stdin, succeed. */
export function instantAgentScript(logFile: string): string {
  return [
    '#!/usr/bin/env bash',
    // One short `>>` write per line: appends from concurrent agents do not interleave.
    `echo "start $BATON_STAGE $BATON_ISSUE_IDENTIFIER $(date +%s%3N)" >> ${JSON.stringify(logFile)}`,
    'cat > /dev/null',
    'exit 0',
    '',
  ].join('\n');
}

/** Parse the log text; lines that are not well-formed start lines are skipped. */
export function parseAgentStarts(text: string): AgentStart[] {
  const starts: AgentStart[] = [];
  for (const line of text.split('\n')) {
    const [kind, stage, identifier, ms, ...rest] = line.trim().split(/\s+/);
    const at = Number(ms);
    if (kind !== 'start' || !stage || !identifier || rest.length > 0 || !Number.isSafeInteger(at)) continue;
    starts.push({ stage, identifier, at });
  }
  return starts;
}

/** The starts logged so far (none when the log does not exist yet). */
export async function readAgentStarts(logFile: string): Promise<AgentStart[]> {
  const text = await readFile(logFile, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return '';
    throw err;
  });
  return parseAgentStarts(text);
}

/** The stages each identifier's agent ran, in log order. */
export function stagesByIssue(starts: readonly AgentStart[]): Map<string, string[]> {
  const byIssue = new Map<string, string[]>();
  for (const s of starts) {
    const list = byIssue.get(s.identifier) ?? [];
    list.push(s.stage);
    byIssue.set(s.identifier, list);
  }
  return byIssue;
}
