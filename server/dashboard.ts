/**
 * The dashboard: a static HTML shell (`/`) and its script (`/dashboard.js`). The script opens one
 * Server-Sent Events stream (`/api/v1/events`) fed by the server's single state poller and redraws
 * from the same shapes as `GET /api/v1/state`; it never polls. Every value reaches the page as
 * text (DOM nodes, never HTML strings), and the page's Content-Security-Policy allows only this
 * server's own script.
 */
import { escapeHtml } from './html.js';

export const DASHBOARD_CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'";

export function dashboardHtml(deployment: string): string {
  const title = `Baton · ${escapeHtml(deployment)}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px system-ui,sans-serif;margin:1.5rem 2rem;color:#1d2330}
h1{font-size:1.3rem;margin:0 0 .4rem}h2{font-size:1rem;margin:1.4rem 0 .4rem}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #e3e6ec;vertical-align:top}
th{background:#f5f6f8;font-weight:600;white-space:nowrap}.muted{color:#6b7280}.err{color:#b42318}
.status{font-weight:600;white-space:nowrap}.gated,.stopped{color:#b54708}.running,.writing{color:#027a48}.retrying{color:#b42318}
.cards{display:flex;gap:1rem;flex-wrap:wrap;margin:.6rem 0}.card{border:1px solid #e3e6ec;border-radius:6px;padding:.4rem .8rem}
.card b{display:block;font-size:1.2rem}button{margin:0 .2rem .2rem 0;cursor:pointer}
.small{font-size:12px}#notice{min-height:1.2em}
</style></head>
<body><h1>${title}</h1>
<div id="summary" class="muted">connecting…</div>
<div id="problems" class="err"></div>
<div class="cards" id="cards"></div>
<p id="notice" class="muted"></p>
<h2>Issues</h2>
<table><thead><tr><th>Issue</th><th>Stage</th><th>State</th><th>Status</th><th>Attempt</th><th>Last error / why</th><th>Retry due</th><th>Gate</th><th>Runtime</th><th>Tokens</th><th>Session</th><th>Links</th><th>Actions</th></tr></thead>
<tbody id="rows"><tr><td colspan="13" class="muted">waiting for the first snapshot…</td></tr></tbody></table>
<div id="queued"></div>
<script src="/dashboard.js"></script></body></html>`;
}

/** The dashboard's script: SSE in, DOM out. */
export const DASHBOARD_JS = String.raw`'use strict';
const $ = (id) => document.getElementById(id);
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('data-') || k === 'href' || k === 'title' || k === 'target' || k === 'rel') el.setAttribute(k, String(v));
    else if (k === 'class') el.className = v;
    else el[k] = v;
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}
const num = (n) => Number(n || 0).toLocaleString('en-US');
function duration(s) {
  if (s === null || s === undefined) return '-';
  s = Math.max(0, Math.round(s));
  if (s < 60) return s + 's';
  if (s < 3600) return Math.floor(s / 60) + 'm ' + (s % 60) + 's';
  return Math.floor(s / 3600) + 'h ' + Math.floor((s % 3600) / 60) + 'm';
}
function dueText(iso) {
  if (!iso) return '';
  const left = (Date.parse(iso) - Date.now()) / 1000;
  const at = new Date(iso).toLocaleTimeString();
  return at + (left > 0 ? ' (in ' + duration(left) + ')' : ' (due now)');
}
function shortSession(id) { return id && id.length > 20 ? id.slice(0, 8) + '…' + id.slice(-8) : (id || '-'); }
let last = null;
async function act(issue, action) {
  $('notice').textContent = action + ' ' + issue.identifier + '…';
  try {
    const res = await fetch('/api/v1/' + encodeURIComponent(issue.identifier) + '/' + action + '?tracker=' + encodeURIComponent(issue.tracker), {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'from the dashboard' }) });
    const body = await res.json();
    $('notice').textContent = res.ok ? issue.identifier + ': ' + body.message : issue.identifier + ': ' + action + ' refused: ' + (body.error ? body.error.message : res.status);
  } catch (e) { $('notice').textContent = action + ' failed: ' + e; }
}
function row(b) {
  const issue = { identifier: b.identifier, tracker: b.tracker };
  const why = b.last_error || b.reason || '';
  const links = [];
  if (b.temporal_url) links.push(h('a', { href: b.temporal_url, target: '_blank', rel: 'noreferrer', class: 'temporal-link' }, 'Temporal'));
  const pr = b.pull_request;
  if (pr) links.push(h('a', { href: pr.url, target: '_blank', rel: 'noreferrer', class: 'pr-link', title: pr.summary || pr.repo + '#' + pr.number }, 'PR #' + pr.number + (pr.state ? ' ' + pr.state : '')));
  return h('tr', { 'data-identifier': b.identifier, 'data-status': b.status },
    h('td', {}, b.tracker_url ? h('a', { href: b.tracker_url, target: '_blank', rel: 'noreferrer', class: 'tracker-link' }, b.identifier) : b.identifier,
      h('div', { class: 'muted small' }, b.title)),
    h('td', { class: 'stage' }, b.stage || '-'),
    h('td', { class: 'state' }, b.state),
    h('td', { class: 'status ' + b.status }, b.status),
    h('td', { class: 'attempt' }, b.attempt),
    h('td', { class: 'why' + (b.last_error ? ' err' : '') }, why),
    h('td', { class: 'due', 'data-due': b.retry_due_at || '' }, dueText(b.retry_due_at)),
    h('td', { class: 'gate' }, b.gate ? h('span', {}, b.gate.stage + ': ', h('span', { class: 'small' }, b.gate.how_to_answer)) : ''),
    h('td', { class: 'runtime' }, duration(b.stage_runtime_seconds)),
    h('td', { class: 'tokens' }, num(b.tokens.total_tokens)),
    h('td', { class: 'session small', title: b.session_id || '' }, shortSession(b.session_id)),
    h('td', { class: 'links' }, links.flatMap((l, i) => (i ? [' · ', l] : [l]))),
    h('td', { class: 'actions' }, b.actions.map((a) => h('button', { 'data-action': a, onclick: () => act(issue, a) }, a))));
}
function card(label, value) { return h('div', { class: 'card' }, h('b', {}, value), label); }
function render(s) {
  last = s;
  const b = s.baton;
  $('summary').replaceChildren(
    b.issues.length + ' issue(s) in flight · ' + b.slots.held + '/' + (b.slots.max ?? '?') + ' agents · ' + b.slots.waiting + ' waiting for a slot · last poll ' +
      (b.last_poll_at ? new Date(b.last_poll_at).toLocaleTimeString() : 'never') + ' · ',
    b.temporal_url ? h('a', { href: b.temporal_url, target: '_blank', rel: 'noreferrer' }, 'orchestrator in Temporal') : 'orchestrator ' + b.orchestrator_workflow_id);
  const problems = [];
  if (b.config_error) problems.push('config error (last good config kept): ' + b.config_error);
  for (const [t, e] of Object.entries(b.poll_errors || {})) problems.push('tracker ' + t + ': ' + e);
  for (const held of b.held_stages || []) problems.push('stage ' + held.stage + ' held: ' + held.backend + ' failed its check: ' + held.cause + (held.fix ? ' (fix: ' + held.fix + ')' : ''));
  $('problems').replaceChildren(...problems.map((p) => h('div', {}, p)));
  $('cards').replaceChildren(card('running', s.counts.running), card('retrying', s.counts.retrying), card('waiting for a person', s.counts.blocked),
    card('tokens (in / out)', num(s.codex_totals.input_tokens) + ' / ' + num(s.codex_totals.output_tokens)), card('agent runtime', duration(s.codex_totals.seconds_running)));
  $('rows').replaceChildren(...(b.issues.length ? b.issues.map(row) : [h('tr', {}, h('td', { colspan: 13, class: 'muted' }, 'No issue in flight.'))]));
  $('queued').replaceChildren(...(b.queued.length ? [h('h2', {}, 'Queued'), h('table', {}, h('tbody', {}, b.queued.map((q) =>
    h('tr', { 'data-queued': q.issue_identifier }, h('td', {}, q.issue_identifier), h('td', {}, q.stage || '-'), h('td', {}, q.state || '-'), h('td', {}, q.reason || '')))))] : []));
}
setInterval(() => { for (const td of document.querySelectorAll('td.due')) if (td.dataset.due) td.textContent = dueText(td.dataset.due); }, 1000);
const events = new EventSource('/api/v1/events');
events.addEventListener('state', (e) => render(JSON.parse(e.data)));
events.addEventListener('unavailable', (e) => { const err = JSON.parse(e.data).error; $('summary').textContent = 'Baton cannot read the deployment: ' + err.message; });
events.onerror = () => { $('summary').textContent = 'connection to Baton lost; reconnecting…'; };
`;
