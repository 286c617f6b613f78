// `fleetsweep history`: residue per host and kind over the selected sweeps, a host's timeline, as text or JSON.
import type { HistoryAnswer, HistoryRow, HistorySweep, HostKindHistory, HostTimelineEntry } from '../model/history.js';
import type { Colors } from './colors.js';

const ITEMS_KEPT = 10;

function group(s: Pick<HistorySweep, 'inv' | 'shard'>): string {
  return `${s.inv}\0${s.shard ?? ''}`;
}

export function aggregateHistory(sel: { sweeps: HistorySweep[]; rows: HistoryRow[]; filesRead: number }, host?: string): HistoryAnswer {
  const byId = new Map(sel.sweeps.map((s) => [s.id, s]));
  const acc = new Map<string, HostKindHistory & { ids: Set<string>; itemSet: Set<string>; groups: Set<string> }>();
  for (const r of sel.rows) {
    const s = byId.get(r.id);
    if (!s) continue;
    const k = `${r.h}\0${r.k}`;
    let a = acc.get(k);
    if (!a) acc.set(k, (a = { host: r.h, kind: r.k, seen: 0, of: 0, first: s.at, last: s.at, lastState: r.st, items: [], itemCount: 0, ids: new Set(), itemSet: new Set(), groups: new Set() }));
    a.ids.add(r.id);
    a.groups.add(group(s));
    if (s.at < a.first) a.first = s.at;
    if (s.at >= a.last) { a.last = s.at; a.lastState = r.st; }
    if (!a.itemSet.has(r.i)) { a.itemSet.add(r.i); if (a.items.length < ITEMS_KEPT) a.items.push(r.i); }
  }
  // denominators in one pass over the sweeps: a year of them times every host would not do
  const kindSweeps = new Map<string, number>();
  const unscanned = new Map<string, number>();
  for (const s of sel.sweeps) {
    const g = group(s);
    for (const k of s.kinds) {
      kindSweeps.set(`${g}\0${k}`, (kindSweeps.get(`${g}\0${k}`) ?? 0) + 1);
      for (const [h] of s.un) unscanned.set(`${g}\0${k}\0${h}`, (unscanned.get(`${g}\0${k}\0${h}`) ?? 0) + 1);
    }
  }
  const hosts: HostKindHistory[] = [];
  for (const a of acc.values()) {
    let of = 0;
    for (const g of a.groups) of += (kindSweeps.get(`${g}\0${a.kind}`) ?? 0) - (unscanned.get(`${g}\0${a.kind}\0${a.host}`) ?? 0);
    hosts.push({ host: a.host, kind: a.kind, seen: a.ids.size, of: Math.max(of, a.ids.size), first: a.first, last: a.last, lastState: a.lastState, items: a.items, itemCount: a.itemSet.size });
  }
  hosts.sort((x, y) => y.seen - x.seen || cmp(x.host, y.host) || cmp(x.kind, y.kind));
  const answer: HistoryAnswer = {
    window: { sweeps: sel.sweeps.length, from: sel.sweeps[0]?.at ?? null, to: sel.sweeps[sel.sweeps.length - 1]?.at ?? null, filesRead: sel.filesRead },
    hosts,
  };
  if (host !== undefined) answer.timeline = { host, entries: timeline(sel, host) };
  return answer;
}

function timeline(sel: { sweeps: HistorySweep[]; rows: HistoryRow[] }, host: string): HostTimelineEntry[] {
  const rowsBy = new Map<string, HistoryRow[]>();
  for (const r of sel.rows) if (r.h === host) rowsBy.set(r.id, [...(rowsBy.get(r.id) ?? []), r]);
  const groups = new Set<string>();
  for (const s of sel.sweeps) if (rowsBy.has(s.id) || s.un.some(([h]) => h === host)) groups.add(group(s));
  return sel.sweeps.filter((s) => groups.has(group(s))).map((s) => {
    const rows = rowsBy.get(s.id) ?? [];
    const un = s.un.find(([h]) => h === host);
    return {
      sweepId: s.id, at: s.at, state: rows.length ? 'residue' : un ? un[1] : 'clean',
      items: rows.map((r) => ({ kind: r.k, item: r.i, state: r.st })),
    };
  });
}

export function renderHistoryText(a: HistoryAnswer, c: Colors, opts: { kind?: string; host?: string } = {}): string {
  const out: string[] = [];
  const w = a.window;
  out.push(c.bold(`HISTORY ${w.sweeps} sweep(s)${w.from ? ` from ${w.from} to ${w.to}` : ''}${opts.kind ? ` · kind ${opts.kind}` : ''}${opts.host ? ` · host ${opts.host}` : ''}`));
  if (a.hosts.length === 0) {
    out.push(w.sweeps ? '  no residue recorded in these sweeps' : '  no sweep recorded in this window');
  } else {
    const rows = a.hosts.map((h) => [safe(h.host), safe(h.kind), `${h.seen}/${h.of}`, day(h.first), day(h.last), h.lastState, `${h.itemCount}: ${safe(h.items.slice(0, 3).join(', '))}${h.itemCount > 3 ? ', …' : ''}`]);
    out.push(...table(['HOST', 'KIND', 'SWEEPS', 'FIRST', 'LAST', 'LAST STATE', 'ITEMS'], rows));
  }
  if (a.timeline) {
    out.push(c.bold(`TIMELINE ${safe(a.timeline.host)}`));
    if (a.timeline.entries.length === 0) out.push('  nothing recorded for this host (no residue, never unreachable) in these sweeps');
    for (const e of a.timeline.entries) {
      const what = e.state === 'residue' ? e.items.map((i) => `${safe(i.kind)} ${safe(i.item)} (${i.state})`).join(', ') : e.state;
      out.push(`  ${day(e.at)}  ${e.sweepId}  ${e.state === 'residue' ? c.yellow(what) : e.state === 'clean' ? c.green(what) : c.red(what)}`);
    }
  }
  return out.join('\n') + '\n';
}

function table(head: string[], rows: string[][]): string[] {
  const widths = head.map((h, i) => Math.min(40, Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length))));
  const fmt = (r: string[]) => '  ' + r.map((v, i) => (i === r.length - 1 ? v : v.padEnd(widths[i]!))).join('  ');
  return [fmt(head), ...rows.map(fmt)];
}

function day(iso: string): string {
  return iso.replace('T', ' ').replace(/:\d\d(\.\d+)?Z$/, 'Z');
}

function safe(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ');
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
