/**
 * The command backend's preflight reads the command without running it: the table pins which word
 * is the program and which the script, and the real-shell cases show a missing program or script
 * is named, and that nothing of the command (a redirect, a `; rm …`) is executed.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { commandPreflight, commandStart } from '../../adapters/agents/command-preflight.js';

const env = { HOME: '/home/u', BATON_STAGE: 'plan', AGENT_DIR: 'agents' };

describe('commandStart', () => {
  it.each([
    ['a plain program', 'codex app-server', { program: 'codex' }],
    ['an interpreter and its script', 'bash agents/plan.sh --fast', { program: 'bash', script: 'agents/plan.sh' }],
    ['options before the script', 'node --enable-source-maps ./agent.mjs', { program: 'node', script: './agent.mjs' }],
    ['inline code is no script', `bash -c 'echo hi'`, { program: 'bash' }],
    ['python -m runs a module', 'python3 -m agent', { program: 'python3' }],
    ['a full path to an interpreter', '/usr/bin/env python3 x.py', { program: 'python3', script: 'x.py' }],
    ['env assignments and exec are skipped', 'FOO=1 BAR=2 exec node a.js', { program: 'node', script: 'a.js' }],
    ['echo with a path-like argument has no script', 'echo "$BATON_STAGE $PWD/x" >> "$HOME/log"; sleep 0.5', { program: 'echo' }],
    ['variables expand from the stage env', 'bash $AGENT_DIR/$BATON_STAGE.sh', { program: 'bash', script: 'agents/plan.sh' }],
    ['only the first simple command counts', 'true && bash missing.sh', { program: 'true' }],
    ['a subshell is not checked', '(cd x && ./run)', undefined],
    ['an empty command', '   ', undefined],
  ])('%s', (_what, command, expected) => {
    expect(commandStart(command, env)).toEqual(expected);
  });
});

describe('commandPreflight in a real login shell', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'baton-cmd-preflight-'));
  writeFileSync(path.join(dir, 'plan.sh'), 'echo plan\n');
  const shellEnv = { ...process.env };

  it('passes a program on the PATH with its script, naming both', async () => {
    const finding = await commandPreflight('bash plan.sh', dir, shellEnv);
    expect(finding.ok).toBe(true);
    expect(finding.summary).toMatch(/bash` found, script plan\.sh exists/);
  });

  it('names a program bash -lc cannot find, and how to fix it', async () => {
    const finding = await commandPreflight('no-such-agent-cli --serve', dir, shellEnv);
    expect(finding.ok).toBe(false);
    expect(finding.cause).toContain('`no-such-agent-cli` is not found on the PATH of bash -lc');
    expect(finding.fix).toContain('install it');
  });

  it('names a missing script with the path it looked for', async () => {
    const finding = await commandPreflight('bash agents/missing.sh', dir, shellEnv);
    expect(finding.ok).toBe(false);
    expect(finding.cause).toContain(`the script \`agents/missing.sh\` does not exist (looked for ${path.join(dir, 'agents/missing.sh')})`);
  });

  it('runs nothing of the command: no redirect target appears, no later command runs', async () => {
    const finding = await commandPreflight(`echo hi >> made.log; touch touched; bash plan.sh`, dir, shellEnv);
    expect(finding.ok).toBe(true);
    expect(existsSync(path.join(dir, 'made.log'))).toBe(false);
    expect(existsSync(path.join(dir, 'touched'))).toBe(false);
  });
});
