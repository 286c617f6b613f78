// The sweep report for people: one self-contained HTML file (inline CSS and JS, no external assets), phone-readable.
import { createHash } from 'node:crypto';
import type { Residue, SweepReport } from '../model/sweep.js';
import { STATUS_TEXT, coverageLine, fmtInt } from './sweep-text.js';

/**
 * Every value from hosts, playbooks or command output goes through `esc`; the one inline script is pinned by
 * its hash in the Content-Security-Policy, so even a markup injection that slipped past could not run code,
 * and `default-src 'none'` keeps the page from loading anything from anywhere.
 */
export function renderSweepHtml(r: SweepReport, opts: { version?: string } = {}): string {
  const script = SCRIPT;
  const hash = createHash('sha256').update(script).digest('base64');
  const csp = `default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-${hash}'; img-src data:; base-uri 'none'; form-action 'none'`;
  const title = `fleetsweep sweep ${r.sweepId}: ${STATUS_TEXT[r.status]}`;
  const t = r.totals;
  const c = r.coverage;
  const actions = r.residue.filter((x) => x.action);
  const unscanned = Object.entries(r.hosts).filter(([, h]) => h.state !== 'scanned');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${esc(csp)}">
<meta name="referrer" content="no-referrer">
<title>${esc(title)}</title>
<style>${CSS}</style>
</head>
<body>
<header>
<h1>fleetsweep sweep <span class="id">${esc(r.sweepId)}</span></h1>
<p class="meta">${esc(r.mode)} mode · ${esc(r.inventory.join(', ') || 'implicit localhost')}${r.shard ? ` · shard ${esc(r.shard)}` : ''}${r.limit ? ` · limit ${esc(r.limit)}` : ''} · started ${esc(r.startedAt)} · ${esc((r.durationMs / 1000).toFixed(1))}s</p>
<p class="status s-${esc(r.status)}" id="status" data-status="${esc(r.status)}" data-exit-code="${r.exitCode}">exit ${r.exitCode}: ${esc(STATUS_TEXT[r.status])}</p>
</header>
<main>
<section id="summary" aria-label="Summary">
<div class="cards">
${card('scanned', c.scanned, `scanned of ${fmtInt(c.targeted)}`, c.scanned < c.targeted ? 'warn' : 'good')}
${card('targeted', c.targeted, 'hosts targeted')}
${card('unreachable', c.unreachable, 'unreachable', c.unreachable ? 'bad' : '')}
${card('hung', c.hung, 'hung', c.hung ? 'bad' : '')}
${card('failed', c.failed, 'failed', c.failed ? 'bad' : '')}
${c.notStarted ? card('not-started', c.notStarted, 'not started', 'bad') : ''}
${card('found', t.found, 'residue found', t.found ? 'warn' : '')}
${card('fixed', t.fixed, 'residue fixed', t.fixed ? 'good' : '')}
${card('unfixed', t.unfixed, 'not fixed', t.unfixed ? 'bad' : '')}
${card('hosts-with-residue', t.hostsWithResidue, 'hosts with residue')}
${card('new', t.new, r.diff.previous ? 'new since last sweep' : 'new (no previous sweep)')}
${card('gone', t.gone, 'gone since last sweep')}
${card('errors', r.errors.length, 'task errors', r.errors.length ? 'bad' : '')}
</div>
<p id="coverage-line">${esc(coverageLine(r))}</p>
${r.diff.previous ? `<p class="meta">compared with sweep ${esc(r.diff.previous.sweepId)} (${esc(r.diff.previous.startedAt)})${r.diff.unverified.length ? `; ${fmtInt(r.diff.unverified.length)} earlier item(s) not rechecked (host or kind not scanned now)` : ''}</p>` : ''}
${kindTable(r)}
</section>
<div class="filter" role="search">
<label for="host-filter">Filter hosts</label>
<input id="host-filter" type="search" placeholder="host name contains…" autocomplete="off" spellcheck="false">
<span id="filter-count" aria-live="polite"></span>
</div>
<section id="residue">
<h2>Residue by host and kind <span class="count" data-count-for="residue">${fmtInt(r.residue.length)}</span></h2>
${r.residue.length ? table(RESIDUE_HEADS, r.residue.map((x) => row(RESIDUE_HEADS, x.host, [
    x.host, x.kind, x.item, `<span class="st st-${esc(x.state)}">${esc(x.state === 'unfixed' ? 'not fixed' : x.state)}</span>`, x.change ?? '', x.detail ?? '',
  ], [false, false, false, true, false, false], `data-kind="${esc(x.kind)}" data-state="${esc(x.state)}"`))) : '<p class="empty">No residue found.</p>'}
</section>
<section id="actions">
<h2>Actions taken <span class="count" data-count-for="actions">${fmtInt(actions.length)}</span></h2>
${actions.length ? actions.map(action).join('\n') : `<p class="empty">${r.mode === 'report' ? 'Report mode: nothing was changed.' : 'Nothing was changed.'}</p>`}
</section>
<section id="gone">
<h2>Gone since the previous sweep <span class="count" data-count-for="gone">${fmtInt(r.diff.gone.length)}</span></h2>
${r.diff.gone.length ? table(GONE_HEADS, r.diff.gone.map((g) => row(GONE_HEADS, g.host, [g.host, g.kind, g.item]))) : `<p class="empty">${r.diff.previous ? 'Nothing disappeared.' : 'No previous sweep of this inventory.'}</p>`}
</section>
<section id="unscanned">
<h2>Hosts that could not be scanned <span class="count" data-count-for="unscanned">${fmtInt(unscanned.length)}</span></h2>
${unscanned.length ? table(UNSCANNED_HEADS, unscanned.map(([h, v]) => row(UNSCANNED_HEADS, h, [h, `<span class="st st-${esc(v.state)}">${esc(v.state)}</span>`, v.reason ?? ''], [false, true, false]))) : '<p class="empty">Every targeted host was scanned.</p>'}
</section>
<section id="errors">
<h2>Errors <span class="count" data-count-for="errors">${fmtInt(r.errors.length)}</span></h2>
${r.errors.length ? table(ERROR_HEADS, r.errors.map((e) => row(ERROR_HEADS, e.host, [e.host, r.playbooks[e.playbook]?.path ?? '', e.taskName, e.reason]))) : '<p class="empty">No task failed.</p>'}
</section>
</main>
<footer>
<h2>Playbooks</h2>
<ul>${r.playbooks.map((p) => `<li><code>${esc(p.path)}</code> · run ${p.runId ? `<code>${esc(p.runId)}</code>` : 'not started'} · kinds ${esc(p.kinds.join(', ') || 'none')} · ${fmtInt(p.hosts)} host(s)${p.aborted ? ` · <strong>stopped: ${esc(p.aborted)}</strong>` : ''}${p.limitReached ? ` · limit: ${esc(p.limitReached)}` : ''}</li>`).join('')}</ul>
<p>Generated by fleetsweep${opts.version ? ` ${esc(opts.version)}` : ''} at ${esc(r.endedAt)}. Inventory key <code>${esc(r.inventoryKey)}</code>.</p>
</footer>
<script>${script}</script>
</body>
</html>
`;
}

const RESIDUE_HEADS = ['Host', 'Kind', 'Item', 'State', 'Change', 'Detail'];
const GONE_HEADS = ['Host', 'Kind', 'Item'];
const UNSCANNED_HEADS = ['Host', 'State', 'Reason'];
const ERROR_HEADS = ['Host', 'Playbook', 'Task', 'Reason'];

function card(metric: string, value: number, label: string, tone = ''): string {
  return `<div class="card ${tone}"><div class="num" data-metric="${esc(metric)}" data-value="${value}">${esc(fmtInt(value))}</div><div class="lbl">${esc(label)}</div></div>`;
}

function kindTable(r: SweepReport): string {
  const kinds = Object.entries(r.byKind);
  if (!kinds.length) return '<p class="empty">The playbooks declare no residue kind (no contract task).</p>';
  return `<div class="scroll"><table class="kinds"><thead><tr><th>Kind</th><th>Found</th><th>Fixed</th><th>Not fixed</th><th>Hosts</th><th>New</th><th>Gone</th></tr></thead><tbody>${kinds.map(([k, v]) =>
    `<tr data-kind-row="${esc(k)}"><td data-label="Kind">${esc(k)}</td>${(['found', 'fixed', 'unfixed', 'hosts', 'new', 'gone'] as const).map((f) =>
      `<td data-label="${esc(f)}" data-field="${f}" data-value="${v[f]}">${esc(fmtInt(v[f]))}</td>`).join('')}</tr>`).join('')}</tbody></table></div>`;
}

function table(head: string[], rows: string[]): string {
  return `<div class="scroll"><table class="rows" data-heads="${esc(head.join('|'))}"><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>\n${rows.join('\n')}\n</tbody></table></div>`;
}

/** A filterable row: `cells` are text unless `html[i]` says the cell is markup this file built. */
function row(heads: string[], host: string, cells: string[], html: boolean[] = [], extra = ''): string {
  return `<tr data-host="${esc(host)}"${extra ? ' ' + extra : ''}>${cells.map((v, i) => `<td data-label="${esc(heads[i] ?? '')}">${html[i] ? v : esc(v)}</td>`).join('')}</tr>`;
}

function action(x: Residue): string {
  const a = x.action!;
  return `<article class="action" data-host="${esc(x.host)}" data-kind="${esc(x.kind)}">
<h3><span class="host">${esc(x.host)}</span> · ${esc(x.kind)} · <span class="item">${esc(x.item)}</span> <span class="st st-${esc(x.state)}">${esc(x.state === 'unfixed' ? 'not fixed' : x.state)}</span></h3>
${x.detail ? `<p>${esc(x.detail)}</p>` : ''}
${a.snapshot !== undefined ? `<details><summary>Snapshot (journaled before the change)${a.snapshotTruncated ? ', cut for this report; the journal has it whole' : ''}</summary><pre>${esc(a.snapshot)}</pre></details>` : '<p>No snapshot was taken.</p>'}
<p>Rollback command: ${a.rollback === null ? '<em>none declared by the task</em>' : `<code class="block">${esc(a.rollback)}</code>`}</p>
<p>Undo with: <code class="block cli">${esc(a.rollbackCommand)}</code></p>
</article>`;
}

export function esc(s: string): string {
  return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

const CSS = `
:root{--bg:#fff;--fg:#1b1f24;--mut:#57606a;--line:#d0d7de;--card:#f6f8fa;--good:#1a7f37;--warn:#9a6700;--bad:#cf222e;--acc:#0969da}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--mut:#8d96a0;--line:#30363d;--card:#161b22;--good:#3fb950;--warn:#d29922;--bad:#f85149;--acc:#58a6ff}}
*{box-sizing:border-box}
body{margin:0;padding:1rem;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:var(--bg);color:var(--fg);max-width:1200px;margin-inline:auto}
h1{font-size:1.3rem;margin:.2rem 0;overflow-wrap:anywhere}h2{font-size:1.1rem;margin:1.6rem 0 .5rem;border-bottom:1px solid var(--line);padding-bottom:.25rem}h3{font-size:1rem;margin:.2rem 0;overflow-wrap:anywhere}
.meta{color:var(--mut);margin:.2rem 0;overflow-wrap:anywhere}
.status{display:inline-block;padding:.35rem .7rem;border-radius:6px;font-weight:600;border:1px solid var(--line)}
.s-clean,.s-residue-fixed{color:var(--good)}.s-residue-found,.s-partial-coverage{color:var(--warn)}.s-errors,.s-interrupted,.s-state-error{color:var(--bad)}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(8.5rem,1fr));gap:.5rem;margin:.8rem 0}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:.5rem .7rem}
.card .num{font-size:1.5rem;font-weight:700;font-variant-numeric:tabular-nums}.card .lbl{color:var(--mut);font-size:.85rem}
.card.good .num{color:var(--good)}.card.warn .num{color:var(--warn)}.card.bad .num{color:var(--bad)}
.filter{position:sticky;top:0;background:var(--bg);padding:.6rem 0;display:flex;flex-wrap:wrap;gap:.5rem;align-items:center;border-bottom:1px solid var(--line);z-index:1}
.filter input{flex:1 1 14rem;font:inherit;padding:.4rem .6rem;border:1px solid var(--line);border-radius:6px;background:var(--card);color:var(--fg)}
#filter-count{color:var(--mut);font-size:.9rem}
.count{color:var(--mut);font-weight:400;font-size:.9rem}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid var(--line);vertical-align:top;overflow-wrap:anywhere}
th{font-size:.85rem;color:var(--mut)}
.kinds th{white-space:nowrap;overflow-wrap:normal}.kinds td[data-value]{font-variant-numeric:tabular-nums}
.st{font-weight:600}.st-found{color:var(--warn)}.st-fixed{color:var(--good)}.st-unfixed,.st-unreachable,.st-hung,.st-failed,.st-not-started{color:var(--bad)}
.empty{color:var(--mut)}
.action{border:1px solid var(--line);border-radius:8px;padding:.6rem .8rem;margin:.6rem 0;background:var(--card)}
pre,code.block{display:block;white-space:pre-wrap;overflow-wrap:anywhere;background:var(--bg);border:1px solid var(--line);border-radius:6px;padding:.4rem .6rem;font:13px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;max-height:22rem;overflow:auto}
code{font:13px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;overflow-wrap:anywhere}
footer{margin-top:2rem;color:var(--mut);font-size:.9rem}footer ul{padding-left:1.2rem}
[hidden]{display:none!important}
@media (max-width:640px){
 body{padding:.6rem}
 table.rows thead{display:none}
 table.rows tr{display:block;border:1px solid var(--line);border-radius:8px;margin:.5rem 0;padding:.3rem .5rem}
 table.rows td{display:flex;gap:.6rem;border:0;padding:.15rem 0}
 table.rows td::before{content:attr(data-label);flex:0 0 4.5rem;color:var(--mut);font-size:.85rem}
 table.kinds th,table.kinds td{padding:.3rem}
}
`;

/** Filters every element with data-host by a case-insensitive substring; counts what stays visible per section. */
const SCRIPT = `(function(){
var input=document.getElementById('host-filter');var out=document.getElementById('filter-count');
var rows=Array.prototype.slice.call(document.querySelectorAll('[data-host]'));
function apply(){var q=input.value.trim().toLowerCase();var shown=0;var per={};
rows.forEach(function(el){var ok=!q||el.getAttribute('data-host').toLowerCase().indexOf(q)!==-1;el.hidden=!ok;
var sec=el.closest('section');var id=sec?sec.id:'';per[id]=(per[id]||0)+(ok?1:0);if(ok)shown++;});
document.querySelectorAll('[data-count-for]').forEach(function(c){var id=c.getAttribute('data-count-for');c.textContent=String(per[id]||0);});
out.textContent=q?(shown+' of '+rows.length+' rows match'):'';
if(history.replaceState){history.replaceState(null,'',q?'#host='+encodeURIComponent(q):location.pathname+location.search);}}
input.addEventListener('input',apply);
var m=/^#host=(.*)$/.exec(location.hash);if(m){try{input.value=decodeURIComponent(m[1]);}catch(e){}}
apply();})();`;
