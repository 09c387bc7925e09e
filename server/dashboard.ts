/**
 * The dashboard page: a static HTML shell that reads `/api/v1/state` every two seconds. No
 * framework and no build step; the data it shows is the same as `baton status`.
 */
export function dashboardHtml(deployment: string): string {
  const title = `Baton · ${escapeHtml(deployment)}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px system-ui,sans-serif;margin:2rem;color:#1d2330}
h1{font-size:1.3rem}table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:.35rem .6rem;border-bottom:1px solid #e3e6ec;vertical-align:top}
th{background:#f5f6f8}.muted{color:#6b7280}.err{color:#b42318}
.status{font-weight:600}.gated,.stopped{color:#b54708}.running{color:#027a48}.retrying{color:#b42318}
</style></head>
<body><h1>${title}</h1>
<p id="summary" class="muted">loading…</p><p id="errors" class="err"></p>
<table><thead><tr><th>Issue</th><th>Stage</th><th>State</th><th>Status</th><th>Attempt</th><th>Tokens</th><th>Last event / why</th></tr></thead>
<tbody id="rows"></tbody></table>
<script>
const esc = (s) => String(s ?? '').replace(/[&<>"]/g, (c) => ({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;'}[c]));
async function load() {
  try {
    const s = await (await fetch('/api/v1/state')).json();
    if (s.error) { document.getElementById('summary').textContent = s.error.message; return; }
    document.getElementById('summary').textContent =
      s.issues.length + ' issue(s) in flight · ' + s.slots.held + '/' + s.slots.max + ' agents running · ' +
      s.slots.waiting + ' waiting for a slot · last poll ' + (s.last_poll_at ?? 'never');
    const errs = Object.entries(s.poll_errors || {}).map(([t, e]) => 'tracker ' + t + ': ' + e);
    if (s.config_error) errs.unshift('config error (last good config kept): ' + s.config_error);
    document.getElementById('errors').textContent = errs.join(' · ');
    document.getElementById('rows').innerHTML = s.issues.map((i) => '<tr>' +
      '<td>' + (i.url ? '<a href="' + esc(i.url) + '">' + esc(i.identifier) + '</a>' : esc(i.identifier)) + '<div class="muted">' + esc(i.title) + '</div></td>' +
      '<td>' + esc(i.stage ?? '-') + '</td><td>' + esc(i.state) + '</td>' +
      '<td class="status ' + esc(i.status) + '">' + esc(i.status) + '</td><td>' + i.attempt + '</td>' +
      '<td>' + (i.tokens?.total_tokens ?? 0) + '</td>' +
      '<td>' + esc(i.reason || (i.lastEvent ? i.lastEvent.event + (i.lastEvent.message ? ': ' + i.lastEvent.message : '') : '-')) + '</td></tr>').join('');
  } catch (e) { document.getElementById('summary').textContent = 'Baton is not answering: ' + e; }
}
load(); setInterval(load, 2000);
</script></body></html>`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}
