/**
 * `baton init` through the real bin: the flag path for every tracker and preset (each result passes
 * `baton validate`), the refusal to overwrite without `--force`, and the interactive path answered
 * through a pseudo-terminal (`script` from util-linux gives the child a real TTY).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { BATON_BIN, runBaton } from '../helpers/cli.js';
import { scaled } from '../helpers/time.js';

/** What every tracker's secrets resolve to, so `validate` can pass. */
const secrets = { LINEAR_API_KEY: 'lin-test', GITHUB_TOKEN: 'ghp-test', JIRA_EMAIL: 'me@example.com', JIRA_API_TOKEN: 'jira-test' };
const env = { ...process.env, ...secrets };

function emptyDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'baton-init-'));
}

interface WrittenConfig {
  name: string;
  trackers: Array<{ kind: string; provider: Record<string, string> }>;
  agent: { backend: string };
  stages: Array<{ name: string; prompt_file: string }>;
}

function readConfig(dir: string): WrittenConfig {
  return parse(readFileSync(path.join(dir, 'baton.yaml'), 'utf8')) as WrittenConfig;
}

describe.concurrent('baton init --yes (flags)', () => {
  it.each([
    ['file', [], 'symphony', 'command', ['run']],
    ['file', [], 'plan-implement-review-merge', 'command', ['plan', 'implement', 'review', 'merge']],
    ['linear', ['--project-slug', 'web-1234abcd'], 'symphony', 'codex', ['run']],
    ['github', ['--repo', 'acme/site', '--agent', 'openai'], 'plan-implement-review-merge', 'openai', ['plan', 'implement', 'review', 'merge']],
    ['jira', ['--jira-url', 'https://acme.atlassian.net', '--jira-project', 'ENG'], 'symphony', 'codex', ['run']],
  ])('--tracker %s %j --stages %s writes a config that validates, with agent %s and one prompt per stage', async (tracker, extra, preset, agent, stages) => {
    const dir = emptyDir();
    const init = await runBaton(['init', '--yes', '--tracker', tracker, '--stages', preset, ...extra], { cwd: dir, env });
    expect(init.code, init.stderr).toBe(0);
    expect(init.stdout).toMatch(/Next: baton (doctor|validate)/);

    const config = readConfig(dir);
    expect(config.name).toBe(path.basename(dir));
    expect(config.trackers[0]!.kind).toBe(tracker);
    expect(config.agent.backend).toBe(agent);
    expect(config.stages.map((s) => s.name)).toEqual(stages);
    expect(readdirSync(path.join(dir, 'prompts')).sort()).toEqual(stages.map((s) => `${s}.md`).sort());
    expect(existsSync(path.join(dir, 'issues', 'EXAMPLE-1.md'))).toBe(tracker === 'file');
    // The first line points editors at the schema the installed package ships.
    const firstLine = readFileSync(path.join(dir, 'baton.yaml'), 'utf8').split('\n')[0]!;
    const schema = firstLine.replace('# yaml-language-server: $schema=', '');
    expect(existsSync(path.resolve(dir, schema)), firstLine).toBe(true);

    const validate = await runBaton(['validate'], { cwd: dir, env });
    expect(validate.code, validate.stderr).toBe(0);
    expect(validate.stderr).toContain(`ok: baton.yaml: 1 tracker(s), ${stages.length} stage(s)`);
  });

  it('the tracker key fields become the provider keys', async () => {
    const dir = emptyDir();
    await runBaton(['init', '--yes', '--tracker', 'jira', '--jira-url', 'https://acme.atlassian.net', '--jira-project', 'OPS'], { cwd: dir, env });
    expect(readConfig(dir).trackers[0]!.provider).toMatchObject({ base_url: 'https://acme.atlassian.net', project: 'OPS', api_token: '$JIRA_API_TOKEN' });
  });

  it('never overwrites without --force, and replaces with it', async () => {
    const dir = emptyDir();
    writeFileSync(path.join(dir, 'baton.yaml'), 'name: mine\n');
    const refused = await runBaton(['init', '--yes'], { cwd: dir, env });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('not overwriting baton.yaml');
    expect(refused.stderr).toContain('--force');
    expect(readFileSync(path.join(dir, 'baton.yaml'), 'utf8')).toBe('name: mine\n');
    expect(existsSync(path.join(dir, 'prompts'))).toBe(false);

    const forced = await runBaton(['init', '--yes', '--force'], { cwd: dir, env });
    expect(forced.code, forced.stderr).toBe(0);
    expect(readConfig(dir).trackers[0]!.kind).toBe('file');
  });

  it('rejects a value that is not one of the choices', async () => {
    const run = await runBaton(['init', '--yes', '--tracker', 'trello'], { cwd: emptyDir(), env });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('tracker `trello` is not one of: file, linear, github, jira');
  });
});

describe('baton init (interactive, on a terminal)', () => {
  it('asks for the tracker, its key fields, the agent, the stages and the name, and writes what was answered', async () => {
    const dir = emptyDir();
    const answers: Array<[RegExp, string]> = [
      [/Tracker:[\s\S]*Choose \[file\]: $/, '3'],
      [/GitHub repository \(owner\/name\) \[my-org\/my-repo\]: $/, 'acme/widgets'],
      [/Agent backend:[\s\S]*Choose \[codex\]: $/, 'command'],
      [/Stages:[\s\S]*Choose \[symphony\]: $/, '2'],
      [/Deployment name \[[^\]]+\]: $/, 'widgets'],
    ];
    const transcript = await converse(dir, answers);
    expect(transcript).toContain('wrote baton.yaml');
    const config = readConfig(dir);
    expect(config).toMatchObject({ name: 'widgets', agent: { backend: 'command' } });
    expect(config.trackers[0]).toMatchObject({ kind: 'github', provider: { repo: 'acme/widgets' } });
    expect(config.stages.map((s) => s.name)).toEqual(['plan', 'implement', 'review', 'merge']);
    const validate = await runBaton(['validate'], { cwd: dir, env });
    expect(validate.code, validate.stderr).toBe(0);
  });
});

/**
 * Run `baton init` on a pseudo-terminal and answer each prompt once it shows (a line typed before
 * its question would be lost, as it would be for a person). Resolves with everything printed.
 */
function converse(cwd: string, answers: Array<[RegExp, string]>): Promise<string> {
  const command = `${JSON.stringify(process.execPath)} ${JSON.stringify(BATON_BIN)} init`;
  const child = spawn('script', ['-q', '-e', '-c', command, '/dev/null'], { cwd, env: { ...env, TERM: 'dumb' }, stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  let next = 0;
  let sinceLastAnswer = 0;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`baton init did not finish; it printed:\n${output}`));
    }, scaled(60_000));
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8').replace(/\r/g, '');
      const pending = answers[next];
      if (pending && pending[0].test(output.slice(sinceLastAnswer))) {
        sinceLastAnswer = output.length;
        next += 1;
        child.stdin.write(`${pending[1]}\r`);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      child.stdin.end();
      if (code === 0 && next === answers.length) resolve(output);
      else reject(new Error(`baton init exited ${code} after ${next}/${answers.length} answers; it printed:\n${output}`));
    });
  });
}
