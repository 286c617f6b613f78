// Report renderers (JSON, JUnit, Prometheus, HTML, text) on hostile host names, kinds, items and outputs.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { SweepReport } from '../../../src/model/sweep.js';
import { renderSweepJunit } from '../../../src/report/sweep-junit.js';
import { labelValue, renderSweepPrometheus } from '../../../src/report/sweep-prometheus.js';
import { renderSweepHtml } from '../../../src/report/sweep-html.js';
import { renderSweepText } from '../../../src/report/sweep-text.js';
import { colorsFor } from '../../../src/report/colors.js';
import { host, item, run, sweep, task } from './sweep-fixtures.js';

const HOSTILE: [string, string][] = [
  ['markup in a name', 'evil"<script>alert(1)</script>'],
  ['a closing script tag', '</script><script>window.__pwned=1</script>'],
  ['an attribute break-out', "x' onmouseover='alert(1)"],
  ['CDATA end and a bare ampersand', 'a]]>b&amp;c&'],
  ['newline, backslash and quote', 'line1\nline2\\"end'],
  ['control characters and a terminal escape', 'ctl\u0001\u001b[31mred\u0007'],
  ['unicode', 'ünïcödé ✓ 🚀'],
];

/** A fix-mode sweep where the hostile string is a host, a kind, an item, a reason, a snapshot and a rollback. */
function hostileReport(s: string): SweepReport {
  const kinds = new Map([['0/1', `kind-${s}`]]);
  return sweep('fix', [{
    path: `pb-${s}.yml`, kinds,
    result: run('R1', [host(s, 'changed'), host('n2', 'unreachable', `refused ${s}`), host('n3', 'failed', `task "x": ${s}`)], [
      task(s, 0, 1, `remove ${s}`, 'changed', [item(s, 'fixed', `why ${s}`)]),
      task('n3', 0, 0, `list ${s}`, 'failed', undefined, { reason: `rc=1: ${s}` }),
    ]),
  }], {
    action: () => ({ snapshot: `snap ${s}`, rollback: `printf %s '${s}' > /x`, rollbackCommand: `fleetsweep rollback R1 --host '${s}'` }),
    shard: '1/2',
  });
}

for (const [name, s] of HOSTILE) {
  describe(`when a host, kind, item and output hold ${name}`, () => {
    const r = hostileReport(s);

    test('the JSON report parses back to the same report', () => {
      assert.deepEqual(JSON.parse(JSON.stringify(r, null, 2)), r);
    });

    test('the JUnit XML is well-formed and carries the text escaped', () => {
      const xml = renderSweepJunit(r);
      assertWellFormedXml(xml);
      const want = s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '\ufffd');
      assert.ok(decodeXml(xml).includes(want), 'the hostile text survives, control characters replaced');
      assert.match(xml, /<testsuites name="[^"]*" tests="\d+" failures="0" errors="2"/);
    });

    test('every Prometheus sample line parses and its label values unescape to the originals', () => {
      const text = renderSweepPrometheus(r);
      const labels = new Set<string>();
      for (const line of text.split('\n')) {
        if (line === '' || line.startsWith('# HELP ') || line.startsWith('# TYPE ')) continue;
        const m = /^([a-z_]+)\{((?:[a-z_]+="(?:[^"\\\n]|\\[\\"n])*",?)*)\} (-?[0-9.e+]+|NaN|[+-]Inf)$/.exec(line);
        assert.ok(m, `not an exposition line: ${JSON.stringify(line)}`);
        for (const lm of m[2]!.matchAll(/([a-z_]+)="((?:[^"\\\n]|\\[\\"n])*)"/g)) labels.add(lm[2]!.replace(/\\(.)/g, (_x, c: string) => (c === 'n' ? '\n' : c)));
      }
      assert.ok(labels.has(`kind-${s}`));
      assert.equal(labelValue(s).includes('\n'), false);
    });

    test('the HTML escapes everything: no injected element, one script, pinned by the CSP hash', () => {
      const html = renderSweepHtml(r);
      assert.equal(html.match(/<script/g)?.length, 1, 'only our own script element');
      for (const bad of ['<script>alert', '<script>window.__pwned', "onmouseover='", 'a]]>b&amp;c&<']) assert.equal(html.includes(bad), false, bad);
      assert.ok(html.includes(escHtml(s)), 'the text is there, escaped');
      const script = /<script>([\s\S]*)<\/script>/.exec(html)![1]!;
      const hash = createHash('sha256').update(script).digest('base64');
      assert.ok(html.includes(`script-src &#39;sha256-${hash}&#39;`), 'CSP pins the inline script');
      assert.match(html, /default-src &#39;none&#39;/);
      assert.doesNotMatch(html, /\b(src|href)=["']?(https?:)?\/\//, 'no external asset');
    });

    test('the terminal summary carries no control character', () => {
      const text = renderSweepText(r, colorsFor({ isTTY: false } as NodeJS.WriteStream));
      assert.doesNotMatch(text, /[\u0000-\u0009\u000b-\u001f\u007f]/);
    });
  });
}

describe('numbers', () => {
  const r = hostileReport('n1');

  test('the HTML cards and kind table carry the JSON numbers', () => {
    const html = renderSweepHtml(r);
    const metric = (m: string) => Number(new RegExp(`data-metric="${m}" data-value="(\\d+)"`).exec(html)?.[1]);
    assert.equal(metric('scanned'), r.coverage.scanned);
    assert.equal(metric('targeted'), r.coverage.targeted);
    assert.equal(metric('unreachable'), r.coverage.unreachable);
    assert.equal(metric('fixed'), r.totals.fixed);
    assert.equal(metric('errors'), r.errors.length);
  });

  test('Prometheus has the coverage, residue per kind and state, duration and time', () => {
    const text = renderSweepPrometheus(r);
    const base = 'inventory="prod-0123456789",shard="1/2",mode="fix"';
    for (const line of [
      `fleetsweep_hosts{${base},state="targeted"} 3`, `fleetsweep_hosts{${base},state="scanned"} 1`, `fleetsweep_hosts{${base},state="unreachable"} 1`,
      `fleetsweep_hosts{${base},state="failed"} 1`, `fleetsweep_residue_items{${base},kind="kind-n1",state="fixed"} 1`,
      `fleetsweep_residue_items{${base},kind="kind-n1",state="found"} 0`, `fleetsweep_sweep_duration_seconds{${base}} 12.5`,
      `fleetsweep_sweep_timestamp_seconds{${base}} ${Date.parse(r.endedAt) / 1000}`, `fleetsweep_sweep_exit_code{${base}} 12`,
    ]) assert.ok(text.split('\n').includes(line), line);
  });

  test('JUnit counts a failure per host with open residue and an error per host not scanned', () => {
    const rep = sweep('report', [{
      path: 'pb.yml', kinds: new Map([['0/1', 'stale-lock']]),
      result: run('R1', [host('a', 'would-change'), host('b', 'ok'), host('c', 'hung', 'x')], [task('a', 0, 1, 'rm', 'would-change', [item('x', 'found')]), task('b', 0, 1, 'rm', 'ok', [])]),
    }]);
    const xml = renderSweepJunit(rep);
    assert.match(xml, /<testsuite name="stale-lock" tests="2" failures="1" errors="0"/);
    assert.match(xml, /<testsuite name="coverage" tests="3" failures="0" errors="1"/);
    assert.match(xml, /<testsuites name="[^"]*" tests="5" failures="1" errors="1"/);
  });
});

function escHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

function decodeXml(s: string): string {
  return s.replace(/&(lt|gt|quot|apos|amp|#\d+);/g, (_m, e: string) => ({ lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' } as Record<string, string>)[e] ?? String.fromCodePoint(Number(e.slice(1))));
}

/** Enough of XML 1.0 to catch what escaping bugs produce: stray < or &, bad nesting, forbidden characters. */
function assertWellFormedXml(xml: string): void {
  const body = xml.replace(/^<\?xml version="1\.0" encoding="UTF-8"\?>\n/, '');
  const forbidden = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/;
  const entity = /&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/;
  const re = /<(\/?)([A-Za-z_][\w.-]*)((?:\s+[A-Za-z_][\w.-]*="[^"<]*")*)\s*(\/?)>|([^<]+)|(<)/g;
  const stack: string[] = [];
  let roots = 0;
  for (const m of body.matchAll(re)) {
    if (m[6]) assert.fail(`stray < at ${m.index}: ${body.slice(m.index!, m.index! + 40)}`);
    if (m[5] !== undefined) {
      if (stack.length === 0) { assert.match(m[5], /^\s*$/, 'text outside the root'); continue; }
      assert.doesNotMatch(m[5], entity, 'bare & in text');
      assert.doesNotMatch(m[5], forbidden, 'forbidden character in text');
      continue;
    }
    assert.doesNotMatch(m[3] ?? '', entity, 'bare & in an attribute');
    assert.doesNotMatch(m[3] ?? '', forbidden, 'forbidden character in an attribute');
    if (m[1]) assert.equal(stack.pop(), m[2], `</${m[2]}> closes the wrong element`);
    else if (!m[4]) { if (stack.length === 0) roots++; stack.push(m[2]!); }
  }
  assert.equal(stack.length, 0, `unclosed: ${stack.join(' ')}`);
  assert.equal(roots, 1);
}
