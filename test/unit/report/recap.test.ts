// Host-range compression and the grouped recap: 1,000 hosts must still fit a screen.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { compressHosts } from '../../../src/report/host-ranges.js';
import { renderRecap } from '../../../src/report/recap.js';
import { colorsFor } from '../../../src/report/colors.js';
import type { RunResult } from '../../../src/runner/types.js';
import type { HostSummary, Outcome, TaskResult } from '../../../src/model/outcome.js';

const plain = colorsFor({ isTTY: false } as NodeJS.WriteStream);

describe('compressHosts', () => {
  const cases: Array<[string[], string]> = [
    [['node01', 'node02', 'node03', 'node07'], 'node[01-03,07]'],
    [['node1', 'node2', 'node10'], 'node[1-2,10]'],
    [['web'], 'web'],
    [['a1.dc', 'a2.dc', 'b1.dc'], 'a[1-2].dc,b1.dc'],
    [['127.0.1.1', '127.0.1.2', '127.0.1.3'], '127.0.1.[1-3]'],
    [['node3', 'node1', 'node2', 'node2'], 'node[1-3]'],
    [['n09', 'n10'], 'n[09-10]'],
    [['node0998', 'node0999', 'node1000'], 'node[0998-1000]'],
    [['n1', 'n01'], 'n01,n1'],
    [[], ''],
  ];
  for (const [input, want] of cases) {
    test(`${JSON.stringify(input)} compresses to ${JSON.stringify(want)}`, () => assert.equal(compressHosts(input), want));
  }
});

function result(n: number, outcome: (i: number) => Outcome, reason: (i: number) => string | undefined): RunResult {
  const hosts: HostSummary[] = [];
  const results: TaskResult[] = [];
  for (let i = 1; i <= n; i++) {
    const host = `node${String(i).padStart(4, '0')}`;
    const o = outcome(i);
    hosts.push({ host, outcome: o, reason: reason(i), counts: { ok: 0, changed: 0, 'would-change': 0, skipped: 0, failed: 0, hung: 0, unreachable: 0 } });
    results.push({ host, play: 0, task: 0, name: 'clean', loc: { file: 'p.yml', line: 1, col: 1 }, outcome: o, startedAt: '2026-11-23T00:00:00.000Z', durationMs: 5 });
  }
  return { runId: 'r1', startedAt: '2026-11-23T00:00:00.000Z', endedAt: '2026-11-23T00:00:41.200Z', interrupted: false, results, hosts };
}

describe('renderRecap', () => {
  test('1,000 hosts with mixed outcomes fit in a dozen lines, identical failures grouped with host ranges', () => {
    const r = result(1000, (i) => (i <= 961 ? 'ok' : i <= 992 ? 'changed' : i <= 994 ? 'failed' : i === 995 ? 'hung' : 'unreachable'),
      (i) => (i > 992 && i <= 994 ? 'task "clean": rc=1: permission denied' : i === 995 ? 'task "clean": no result after 30s' : i > 995 ? 'refused: connect ECONNREFUSED' : undefined));
    const text = renderRecap(r, plain, { playbook: 'p.yml', check: false });
    const lines = text.split('\n');
    assert.ok(lines.length <= 14, text);
    assert.match(text, /ok\s+961\s+node\[0001-0961\]/);
    assert.match(text, /changed\s+31\s+node\[0962-0992\]/);
    assert.match(text, /node\[0993-0994\]\s+task "clean": rc=1: permission denied/);
    assert.match(text, /unreachable\s+5\s+node\[0996-1000\]/);
    assert.match(text, /CHANGES\n\s+changed\s+clean\s+node\[0962-0992\]\s+\(31 items\)/);
  });

  test('many distinct failure reasons are capped and point at the JSON report', () => {
    const r = result(50, () => 'failed', (i) => `task "clean": rc=${i}`);
    const text = renderRecap(r, plain, { playbook: 'p.yml', check: false });
    assert.match(text, /… 42 more distinct reasons \(see --json\)/);
  });

  test('a stopped run and a spent change budget are said at the end', () => {
    const r = { ...result(2, () => 'ok', () => undefined), aborted: 'canary failed on node0001', limitReached: 'max_changes 1 for the run reached' };
    const text = renderRecap(r, plain, { playbook: 'p.yml', check: true });
    assert.match(text, /^RECAP \(check mode\)/);
    assert.match(text, /STOPPED: canary failed on node0001/);
    assert.match(text, /LIMIT: max_changes 1 for the run reached/);
  });
});
