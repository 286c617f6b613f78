// The sweep history: appended per sweep, queried over a generated year of hourly sweeps.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { appendHistory, dayFile, encodeHistory, historyDir, queryHistory, type HistoryRow, type HistorySweep } from '../../../src/journal/history.js';
import { aggregateHistory } from '../../../src/report/history-view.js';
import { tempDir } from './helpers.js';
import { host, item, run, sweep, task } from '../report/sweep-fixtures.js';

const HOURS = 365 * 24;
const HOSTS = 40;
const T0 = Date.parse('2025-01-01T00:00:00Z');
const at = (s: number) => new Date(T0 + s * 3_600_000).toISOString();
const name = (i: number) => `node${String(i).padStart(2, '0')}`;

/**
 * The year: hosts 00, 10, 20, 30 and 07 always have a stale lock; node05 has one in the last 3 sweeps only;
 * node07 is unreachable in the last 2 sweeps; node03 has multipath residue in the first sweep of each day.
 */
function generate(stateDir: string, inv = 'prod-aaaaaaaaaa', shard: string | null = null): void {
  const dir = historyDir(stateDir);
  mkdirSync(dir, { recursive: true });
  const byDay = new Map<string, string[]>();
  for (let s = 0; s < HOURS; s++) {
    const id = `${at(s).replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${inv.slice(0, 4)}${shard ? shard[0] : ''}`;
    const rows: HistoryRow[] = [];
    const un: [string, 'unreachable'][] = s >= HOURS - 2 ? [[name(7), 'unreachable']] : [];
    for (let i = 0; i < HOSTS; i++) {
      if (i === 7 && un.length) continue;
      if (i % 10 === 0 || i === 7 || (i === 5 && s >= HOURS - 3)) rows.push({ id, h: name(i), k: 'stale-lock', i: `${name(i)}.lock`, st: 'found' });
    }
    if (s % 24 === 0) rows.push({ id, h: name(3), k: 'multipath', i: 'mpatha', st: 'found' });
    const sw: HistorySweep = {
      t: 's', v: 1, id, at: at(s), end: at(s), inv, shard, mode: 'report', status: 'residue-found', exit: 10, targeted: HOSTS, scanned: HOSTS - un.length,
      un, kinds: ['multipath', 'stale-lock'], found: rows.length, fixed: 0, unfixed: 0,
    };
    const f = dayFile(dir, sw.at);
    byDay.set(f, [...(byDay.get(f) ?? []), encodeHistory(sw, rows)]);
  }
  for (const [f, parts] of byDay) appendFileSync(f, parts.join(''));
}

describe('history over a generated year of hourly sweeps', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  before(() => {
    ({ dir, cleanup } = tempDir('fs-history-'));
    generate(dir);
  });
  after(() => cleanup());

  test('which nodes had stale locks in the last 7 sweeps: each with how often, among the sweeps that scanned it', () => {
    const sel = queryHistory(dir, { last: 7, kind: 'stale-lock' });
    assert.equal(sel.sweeps.length, 7);
    assert.equal(sel.sweeps[6]!.at, at(HOURS - 1));
    assert.ok(sel.filesRead <= 2, `read ${sel.filesRead} day files`);
    const a = aggregateHistory(sel);
    assert.deepEqual(a.hosts.map((h) => [h.host, h.seen, h.of, h.lastState]), [
      ['node00', 7, 7, 'found'], ['node10', 7, 7, 'found'], ['node20', 7, 7, 'found'], ['node30', 7, 7, 'found'],
      ['node07', 5, 5, 'found'], ['node05', 3, 7, 'found'],
    ]);
    assert.equal(a.hosts.find((h) => h.host === 'node05')!.first, at(HOURS - 3));
  });

  test('a host timeline shows the sweeps where it had residue and where it could not be reached', () => {
    const a = aggregateHistory(queryHistory(dir, { last: 7, host: 'node07' }), 'node07');
    assert.deepEqual(a.timeline!.entries.map((e) => e.state), ['residue', 'residue', 'residue', 'residue', 'residue', 'unreachable', 'unreachable']);
    assert.deepEqual(a.timeline!.entries[0]!.items, [{ kind: 'stale-lock', item: 'node07.lock', state: 'found' }]);
  });

  test('--since 7d reads only the days it needs', () => {
    const since = new Date(T0 + (HOURS - 7 * 24) * 3_600_000);
    const sel = queryHistory(dir, { since });
    assert.equal(sel.sweeps.length, 7 * 24);
    assert.equal(sel.filesRead, 7);
    const a = aggregateHistory(sel);
    assert.equal(a.hosts.find((h) => h.host === 'node03' && h.kind === 'multipath')!.seen, 7);
  });

  test('a host over the whole year', () => {
    const a = aggregateHistory(queryHistory(dir, { since: new Date(T0), host: 'node00' }), 'node00');
    assert.equal(a.window.sweeps, HOURS);
    assert.equal(a.window.filesRead, 365);
    assert.deepEqual(a.hosts.map((h) => [h.kind, h.seen, h.of]), [['stale-lock', HOURS, HOURS]]);
    assert.equal(a.timeline!.entries.length, HOURS);
  });

  test('a kind over the whole year', () => {
    const a = aggregateHistory(queryHistory(dir, { since: new Date(T0), kind: 'multipath' }));
    assert.deepEqual(a.hosts.map((h) => [h.host, h.seen, h.of, h.itemCount]), [['node03', 365, HOURS, 1]]);
  });

  test('a window with no sweep answers nothing', () => {
    const a = aggregateHistory(queryHistory(dir, { since: new Date('2030-01-01T00:00:00Z') }));
    assert.equal(a.window.sweeps, 0);
    assert.deepEqual(a.hosts, []);
  });
});

describe('history store', () => {
  test('--last counts sweeps per inventory and shard, and --inventory keeps one inventory', async () => {
    const { dir, cleanup } = tempDir('fs-history-');
    try {
      const d = historyDir(dir);
      mkdirSync(d, { recursive: true });
      const mk = (id: string, s: number, inv: string, shard: string | null, hosts: string[]): string =>
        encodeHistory({ t: 's', v: 1, id, at: at(s), end: at(s), inv, shard, mode: 'report', status: 'residue-found', exit: 10, targeted: 2, scanned: 2, un: [], kinds: ['k'], found: hosts.length, fixed: 0, unfixed: 0 },
          hosts.map((h) => ({ h, k: 'k', i: 'x', st: 'found' as const })));
      writeFileSync(dayFile(d, at(0)), [
        mk('a1', 0, 'prod', '1/2', ['p1']), mk('b1', 0, 'prod', '2/2', ['p2']), mk('c1', 0, 'lab', null, ['l1']),
        mk('a2', 1, 'prod', '1/2', ['p1']), mk('b2', 1, 'prod', '2/2', []), mk('c2', 1, 'lab', null, ['l1']),
        mk('a3', 2, 'prod', '1/2', []),
      ].join('') + '["p1",0,"x","fou');
      const last2 = queryHistory(dir, { last: 2 });
      assert.deepEqual(last2.sweeps.map((s) => s.id).sort(), ['a2', 'a3', 'b1', 'b2', 'c1', 'c2']);
      assert.deepEqual(aggregateHistory(last2).hosts.map((h) => [h.host, h.seen, h.of]), [['l1', 2, 2], ['p1', 1, 2], ['p2', 1, 2]]);
      const prod = queryHistory(dir, { last: 1, inv: 'prod' });
      assert.deepEqual(prod.sweeps.map((s) => s.id).sort(), ['a3', 'b2'], 'the torn last line is skipped');
    } finally {
      await cleanup();
    }
  });

  test('a sweep is appended as its sweep line plus one line per residue item, to the file of the day it started', async () => {
    const { dir, cleanup } = tempDir('fs-history-');
    try {
      const r = sweep('report', [{ path: 'pb.yml', kinds: new Map([['0/1', 'stale-lock']]), result: run('R1', [host('n1', 'would-change'), host('n2', 'unreachable', 'refused')], [task('n1', 0, 1, 'rm', 'would-change', [item('a', 'found'), item('b', 'found')])]) }],
        { startedAt: '2026-03-04T23:59:59.000Z', endedAt: '2026-03-05T00:00:09.000Z' });
      const file = appendHistory(dir, r);
      assert.equal(file, join(historyDir(dir), '2026-03-04.jsonl'));
      const lines = readFileSync(file, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l));
      assert.equal(lines.length, 3);
      assert.deepEqual(lines[0].un, [['n2', 'unreachable']]);
      assert.deepEqual(lines[0].kinds, ['stale-lock']);
      assert.deepEqual(lines.slice(1), [['n1', 0, 'a', 'found'], ['n1', 0, 'b', 'found']]);
      appendHistory(dir, r);
      assert.equal(queryHistory(dir, { since: new Date('2026-03-01T00:00:00Z') }).rows.length, 4);
    } finally {
      await cleanup();
    }
  });
});
