// Flag values of sweep and history: --report FORMAT=FILE, --mode, --since.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { collectReports, parseMode, parseReportTarget, parseSince } from '../../../src/cli/sweep-options.js';

const usage = (code: string) => (e: unknown) => (e as { code: string }).code === code && (e as { exitCode: number }).exitCode === 2;

describe('--report', () => {
  const cases: [string, string, string][] = [
    ['json=out.json', 'json', '/w/out.json'], ['junit=/r/s.xml', 'junit', '/r/s.xml'], ['xml=s.xml', 'junit', '/w/s.xml'],
    ['prometheus=m.prom', 'prometheus', '/w/m.prom'], ['prom=m.prom', 'prometheus', '/w/m.prom'], ['HTML=r.html', 'html', '/w/r.html'], ['json=-', 'json', '-'],
    ['html=dir/with=equals.html', 'html', '/w/dir/with=equals.html'],
  ];
  for (const [spec, format, file] of cases) test(`${spec} → ${format} to ${file}`, () => assert.deepEqual(parseReportTarget(spec, '/w'), { format, file }));
  for (const bad of ['jsn=x', 'json', 'json=', 'pdf=x.pdf']) test(`"${bad}" is a usage error`, () => assert.throws(() => parseReportTarget(bad, '/w'), usage('usage.badReport')));
  test('only one report may go to stdout', () => assert.throws(() => collectReports('html=-', collectReports('json=-')), usage('usage.badReport')));
  test('a misspelt format gets a suggestion', () => assert.throws(() => parseReportTarget('jsn=x'), /did you mean "json"/));
});

test('--mode takes report or fix', () => {
  assert.equal(parseMode('fix'), 'fix');
  assert.throws(() => parseMode('clean'), usage('usage.badValue'));
});

describe('--since', () => {
  const now = () => new Date('2026-11-23T12:00:00Z');
  const cases: [string, string][] = [
    ['7d', '2026-11-16T12:00:00.000Z'], ['12h', '2026-11-23T00:00:00.000Z'], ['30m', '2026-11-23T11:30:00.000Z'], ['2w', '2026-11-09T12:00:00.000Z'],
    ['2026-11-01', '2026-11-01T00:00:00.000Z'], ['2026-11-01T06:00Z', '2026-11-01T06:00:00.000Z'],
  ];
  for (const [v, want] of cases) test(`${v} → ${want}`, () => assert.equal(parseSince('--since', now)(v).toISOString(), want));
  for (const bad of ['7', 'yesterday', '7 days', '2026-13-45']) test(`"${bad}" is a usage error`, () => assert.throws(() => parseSince('--since', now)(bad), usage('usage.badValue')));
});
