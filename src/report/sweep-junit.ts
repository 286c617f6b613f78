// JUnit XML for CI systems: a test suite per residue kind (a test case per scanned host), plus one for coverage.
import type { Residue, SweepReport } from '../model/sweep.js';
import { STATUS_TEXT, coverageLine } from './sweep-text.js';

/**
 * Per kind, every host the kind was scanned on is a test case: it fails when residue of that kind was found
 * (or not fixed) there, and passes when there was none or all of it was fixed (listed in system-out). The
 * `coverage` suite has a case per targeted host that errors when the host could not be scanned, so a CI view
 * shows both "what is dirty" and "what we could not look at".
 */
export function renderSweepJunit(r: SweepReport): string {
  const secs = (r.durationMs / 1000).toFixed(3);
  const byHostKind = new Map<string, Residue[]>();
  for (const x of r.residue) {
    const k = `${x.kind}\0${x.host}`;
    byHostKind.set(k, [...(byHostKind.get(k) ?? []), x]);
  }
  const suites: string[] = [];
  let tests = 0;
  let failures = 0;
  let errors = 0;
  for (const kind of Object.keys(r.byKind)) {
    const cases: string[] = [];
    let f = 0;
    for (const [host, h] of Object.entries(r.hosts)) {
      const scannedForKind = h.playbooks.some((i) => r.playbooks[i]?.kinds.includes(kind));
      const items = byHostKind.get(`${kind}\0${host}`) ?? [];
      if (!scannedForKind || (h.state !== 'scanned' && items.length === 0)) continue;
      const open = items.filter((x) => x.state !== 'fixed');
      const fixed = items.filter((x) => x.state === 'fixed');
      let body = '';
      if (open.length) {
        f++;
        body += `<failure type="${open.some((x) => x.state === 'unfixed') ? 'residue-not-fixed' : 'residue-found'}" message="${attr(`${open.length} ${kind} item(s) on ${host}`)}">${text(open.map(line).join('\n'))}</failure>`;
      }
      if (fixed.length) body += `<system-out>${text(fixed.map(line).join('\n'))}</system-out>`;
      cases.push(`    <testcase classname="${attr(`fleetsweep.${kind}`)}" name="${attr(host)}" time="0">${body}</testcase>`);
    }
    tests += cases.length;
    failures += f;
    suites.push(`  <testsuite name="${attr(kind)}" tests="${cases.length}" failures="${f}" errors="0" skipped="0" time="${secs}" timestamp="${attr(r.startedAt)}">\n${cases.join('\n')}${cases.length ? '\n' : ''}  </testsuite>`);
  }
  const cov: string[] = [];
  let e = 0;
  for (const [host, h] of Object.entries(r.hosts)) {
    let body = '';
    if (h.state !== 'scanned') {
      e++;
      body = `<error type="${attr(h.state)}" message="${attr(`${host} ${h.state}${h.reason ? `: ${h.reason}` : ''}`)}">${text(h.reason ?? h.state)}</error>`;
    }
    cov.push(`    <testcase classname="fleetsweep.coverage" name="${attr(host)}" time="0">${body}</testcase>`);
  }
  const runErrors = r.errors.map((x) => `${x.host} | ${r.playbooks[x.playbook]?.path ?? ''} | ${x.taskName}: ${x.reason}`);
  tests += cov.length;
  errors += e;
  suites.push(`  <testsuite name="coverage" tests="${cov.length}" failures="0" errors="${e}" skipped="0" time="${secs}" timestamp="${attr(r.startedAt)}">\n` +
    `    <properties>\n${props(r).map(([k, v]) => `      <property name="${attr(k)}" value="${attr(v)}"/>`).join('\n')}\n    </properties>\n` +
    `${cov.join('\n')}${cov.length ? '\n' : ''}` +
    `    <system-out>${text([coverageLine(r), `exit ${r.exitCode}: ${STATUS_TEXT[r.status]}`].join('\n'))}</system-out>\n` +
    (runErrors.length ? `    <system-err>${text(runErrors.join('\n'))}</system-err>\n` : '') +
    '  </testsuite>');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="${attr(`fleetsweep sweep ${r.sweepId}`)}" tests="${tests}" failures="${failures}" errors="${errors}" time="${secs}">\n${suites.join('\n')}\n</testsuites>\n`;
}

function props(r: SweepReport): [string, string][] {
  return [
    ['sweep', r.sweepId], ['mode', r.mode], ['status', r.status], ['exitCode', String(r.exitCode)], ['inventory', r.inventory.join(',')],
    ['shard', r.shard ?? ''], ['scanned', String(r.coverage.scanned)], ['targeted', String(r.coverage.targeted)],
  ];
}

function line(x: Residue): string {
  return `${x.state} ${x.item}${x.detail ? ` (${x.detail})` : ''}`;
}

/** XML 1.0 cannot carry most control characters even escaped: they become U+FFFD. */
function clean(s: string): string {
  return s.replace(/[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/gu, '\ufffd');
}

export function text(s: string): string {
  return clean(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function attr(s: string): string {
  return text(s).replace(/"/g, '&quot;').replace(/'/g, '&apos;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');
}
