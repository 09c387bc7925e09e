/**
 * `/metrics` of a real `baton worker` process during a run: the text parses with a Prometheus
 * text-format parser, the Temporal SDK's worker series are merged in, and Baton's own series
 * (issues by status and stage, stage runs by outcome, stage durations, tracker polls) move as the
 * stages run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import { createDeployment, waitFor, type Deployment } from '../helpers/deployment.js';
import { startBatonWorker, type BatonProcess } from './baton-process.js';

interface ParsedFamily {
  name: string;
  type: string;
  metrics: { value?: string; labels?: Record<string, string>; buckets?: Record<string, string> }[];
}
// The parser ships CommonJS without type declarations.
const parsePrometheus = createRequire(import.meta.url)('parse-prometheus-text-format') as (text: string) => ParsedFamily[];

let d: Deployment;
let baton: BatonProcess;

async function scrape(): Promise<Map<string, ParsedFamily>> {
  const res = await fetch(`${baton.url}/metrics`);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return new Map(parsePrometheus(await res.text()).map((f) => [f.name, f]));
}

function sample(families: Map<string, ParsedFamily>, name: string, labels: Record<string, string>): number {
  const family = families.get(name);
  const m = family?.metrics.find((x) => Object.entries(labels).every(([k, v]) => x.labels?.[k] === v));
  return m ? Number(m.value) : 0;
}

beforeAll(async () => {
  d = await createDeployment({
    issues: [
      { identifier: 'MET-1', state: 'Todo', labels: ['agent'] },
      { identifier: 'MET-2', state: 'Todo', labels: ['agent'] },
    ],
    // Long enough per stage that a scrape sees each stage in flight.
    agentBody: 'sleep 1.5',
    config: { server: { port: 0 } },
  });
  baton = await startBatonWorker(d.configPath);
});

afterAll(async () => {
  await baton?.stop();
});

describe('/metrics during a run', () => {
  it('parses as Prometheus text; Baton’s series move as stages run; the SDK’s worker series are merged in', async () => {
    const first = await scrape();
    expect(sample(first, 'baton_stage_runs_total', { stage: 'plan', outcome: 'succeeded' })).toBe(0);
    let sawRunning = false;
    const later = await waitFor(
      'plan and implement runs counted',
      async () => {
        const m = await scrape();
        sawRunning ||= sample(m, 'baton_issues', { status: 'running' }) > 0;
        const plan = sample(m, 'baton_stage_runs_total', { stage: 'plan', outcome: 'succeeded' });
        const implement = sample(m, 'baton_stage_runs_total', { stage: 'implement', outcome: 'succeeded' });
        return plan === 2 && implement >= 1 ? m : null;
      },
      90_000,
      250,
    );
    expect(sawRunning).toBe(true);
    expect(later.get('baton_stage_runs_total')?.type).toBe('COUNTER');
    expect(later.get('baton_issues')?.type).toBe('GAUGE');
    expect(later.get('baton_stage_duration_seconds')?.type).toBe('HISTOGRAM');
    // The parser keeps a histogram's buckets but not its labels: at least the plan runs fell in +Inf.
    const observed = Math.max(...(later.get('baton_stage_duration_seconds')?.metrics ?? []).map((m) => Number(m.buckets?.['+Inf'] ?? 0)));
    expect(observed).toBeGreaterThanOrEqual(1);
    expect(sample(later, 'baton_tracker_requests_total', { tracker: 'local' })).toBeGreaterThan(0);
    expect([...later.keys()].filter((n) => n.startsWith('temporal_')).length).toBeGreaterThan(0);
    expect([...later.keys()].some((n) => n.startsWith('baton_process_'))).toBe(true);
  });

  it('the worker’s stdout under BATON_LOG_FORMAT=json: only JSON objects, one per line, each key once, Temporal SDK lines included', () => {
    const lines = baton.lines.filter((l) => l.length > 0);
    expect(lines.length).toBeGreaterThan(5);
    const notJson = lines.filter((l) => {
      try {
        return typeof JSON.parse(l) !== 'object';
      } catch {
        return true;
      }
    });
    expect(notJson).toEqual([]);
    // A line with a repeated key differs from its own re-serialization (JSON.parse keeps one).
    expect(lines.filter((l) => JSON.stringify(JSON.parse(l)) !== l)).toEqual([]);
    expect(lines.some((l) => (JSON.parse(l) as { sdk_component?: string }).sdk_component === 'worker')).toBe(true);
  });
});
