// Folding runs into a sweep: residue states, coverage, errors, the status precedence and the diff.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ExitCode } from '../../../src/errors/exit-codes.js';
import { sweepStatus } from '../../../src/report/sweep-summary.js';
import type { SweepStatus } from '../../../src/model/sweep.js';
import { LOCK_KINDS, host, item, run, sweep, task } from './sweep-fixtures.js';

const listTask = (h: string) => task(h, 0, 0, 'list', 'ok');

describe('residue', () => {
  test('in report mode a would-change item of a contract task is residue found, with its kind, item and why', () => {
    const r = sweep('report', [{
      path: 'pb.yml', kinds: LOCK_KINDS,
      result: run('R1', [host('n1', 'would-change'), host('n2', 'ok')], [
        listTask('n1'), task('n1', 0, 1, 'remove', 'would-change', [item('a.lock', 'found', 'owner pid 7 is gone'), item('b.lock', 'clean')]),
        listTask('n2'), task('n2', 0, 1, 'remove', 'ok', [item('c.lock', 'clean')]),
      ]),
    }]);
    assert.deepEqual(r.residue.map((x) => [x.host, x.kind, x.item, x.state, x.detail]), [['n1', 'stale-lock', 'a.lock', 'found', 'owner pid 7 is gone']]);
    assert.equal(r.status, 'residue-found');
    assert.equal(r.exitCode, ExitCode.SWEEP_RESIDUE_FOUND);
    assert.deepEqual(r.coverage, { targeted: 2, scanned: 2, unreachable: 0, hung: 0, failed: 0, notStarted: 0 });
    assert.deepEqual(r.byKind['stale-lock'], { found: 1, fixed: 0, unfixed: 0, hosts: 1, new: 1, gone: 0 });
  });

  test('a plain command that changed something is never residue: only contract tasks count', () => {
    const r = sweep('fix', [{
      path: 'pb.yml', kinds: LOCK_KINDS,
      result: run('R1', [host('n1', 'changed')], [task('n1', 0, 0, 'list', 'changed'), task('n1', 0, 1, 'remove', 'ok', [item('a', 'clean')])]),
    }]);
    assert.equal(r.residue.length, 0);
    assert.equal(r.status, 'clean');
    assert.equal(r.exitCode, 0);
  });

  test('in fix mode applied items are fixed; a failed apply or a spent budget leaves the item not fixed (exit 12)', () => {
    const r = sweep('fix', [{
      path: 'pb.yml', kinds: LOCK_KINDS,
      result: run('R1', [host('n1', 'failed', 'task "remove": apply failed')], [
        task('n1', 0, 1, 'remove', 'failed', [item('a', 'fixed'), item('b', 'apply-failed'), item('c', 'budget'), item('d', 'check-failed')], { reason: 'apply failed (rc=1: busy)' }),
      ]),
    }]);
    assert.deepEqual(r.residue.map((x) => [x.item, x.state]), [['a', 'fixed'], ['b', 'unfixed'], ['c', 'unfixed']]);
    assert.equal(r.errors.length, 1);
    assert.equal(r.status, 'errors');
    assert.equal(r.exitCode, ExitCode.SWEEP_ERRORS);
  });

  test('when every item found was fixed the sweep exits 11', () => {
    const r = sweep('fix', [{ path: 'pb.yml', kinds: LOCK_KINDS, result: run('R1', [host('n1', 'changed')], [task('n1', 0, 1, 'remove', 'changed', [item('a', 'fixed'), item('b', 'clean')])]) }]);
    assert.equal(r.status, 'residue-fixed');
    assert.equal(r.exitCode, ExitCode.SWEEP_RESIDUE_FIXED);
  });

  test('a task without a loop is one item named after the task; object items get a stable sorted-key identity', () => {
    const kinds = new Map([['0/0', 'scsi'], ['0/1', 'rbd']]);
    const r = sweep('report', [{
      path: 'pb.yml', kinds,
      result: run('R1', [host('n1', 'would-change')], [
        task('n1', 0, 0, 'rescan scsi', 'would-change', undefined, { reason: 'new luns' }),
        task('n1', 0, 1, 'unmap', 'would-change', [item({ pool: 'kube', image: 'pvc-1' }, 'found')]),
      ]),
    }]);
    assert.deepEqual(r.residue.map((x) => [x.kind, x.id, x.item]), [['rbd', '{"image":"pvc-1","pool":"kube"}', '{"image":"pvc-1","pool":"kube"}'], ['scsi', 'rescan scsi', 'rescan scsi']]);
  });
});

describe('coverage', () => {
  test('unreachable, hung and failed hosts are not scanned, and the worst state over several playbooks wins', () => {
    const r = sweep('report', [
      { path: 'a.yml', kinds: LOCK_KINDS, result: run('R1', [host('n1', 'ok'), host('n2', 'unreachable', 'refused'), host('n3', 'ok'), host('n4', 'ok')], [listTask('n1'), listTask('n3'), listTask('n4')]) },
      { path: 'b.yml', kinds: LOCK_KINDS, result: run('R2', [host('n1', 'ok'), host('n2', 'unreachable', 'refused'), host('n3', 'hung', 'task "list": no result after 4s'), host('n4', 'ok')], [listTask('n1'), listTask('n4')]) },
    ]);
    assert.deepEqual(Object.fromEntries(Object.entries(r.hosts).map(([h, v]) => [h, [v.state, v.playbooks]])), {
      n1: ['scanned', [0, 1]], n2: ['unreachable', [0, 1]], n3: ['hung', [0, 1]], n4: ['scanned', [0, 1]],
    });
    assert.equal(r.coverage.scanned, 2);
    assert.equal(r.hosts.n3!.reason, 'task "list": no result after 4s');
    assert.equal(r.status, 'partial-coverage');
    assert.equal(r.exitCode, ExitCode.SWEEP_PARTIAL);
  });

  test('hosts a canary abort never started are not scanned, and the abort is an error', () => {
    const r = sweep('fix', [{
      path: 'pb.yml', kinds: LOCK_KINDS,
      result: run('R1', [host('n1', 'failed', 'task "list": rc=1'), host('n2', 'skipped'), host('n3', 'skipped')], [task('n1', 0, 0, 'list', 'failed', undefined, { reason: 'rc=1' })], { aborted: 'canary failed on n1' }),
    }]);
    assert.deepEqual(Object.values(r.hosts).map((h) => h.state), ['failed', 'not-started', 'not-started']);
    assert.match(r.hosts.n2!.reason ?? '', /canary failed/);
    assert.equal(r.status, 'errors');
  });

  test('a failure marked ignore_errors is no error', () => {
    const r = sweep('report', [{ path: 'pb.yml', kinds: LOCK_KINDS, result: run('R1', [host('n1', 'ok')], [task('n1', 0, 0, 'probe', 'failed', undefined, { ignored: true })]) }]);
    assert.equal(r.errors.length, 0);
    assert.equal(r.status, 'clean');
  });
});

describe('status precedence', () => {
  const base = { interrupted: false, errors: 0, aborted: false, totals: { found: 0, fixed: 0, unfixed: 0 }, coverage: { targeted: 10, scanned: 10 } };
  const cases: [string, Partial<typeof base> & { stateError?: string }, SweepStatus, number][] = [
    ['nothing at all', {}, 'clean', 0],
    ['residue fixed', { totals: { found: 0, fixed: 3, unfixed: 0 } }, 'residue-fixed', 11],
    ['fixed but a host was down', { totals: { found: 0, fixed: 3, unfixed: 0 }, coverage: { targeted: 10, scanned: 9 } }, 'partial-coverage', 13],
    ['residue found and a host down: residue wins', { totals: { found: 2, fixed: 0, unfixed: 0 }, coverage: { targeted: 10, scanned: 9 } }, 'residue-found', 10],
    ['a task failed beats residue found', { errors: 1, totals: { found: 2, fixed: 0, unfixed: 0 } }, 'errors', 12],
    ['a fix that did not complete is an error', { totals: { found: 0, fixed: 1, unfixed: 1 } }, 'errors', 12],
    ['a run stopped early is an error', { aborted: true }, 'errors', 12],
    ['the journal failed beats errors', { errors: 1, stateError: 'disk full' }, 'state-error', 6],
    ['interrupted beats everything', { errors: 1, interrupted: true, stateError: 'x' }, 'interrupted', 130],
  ];
  for (const [name, over, status, code] of cases) {
    test(`${name} → ${status} (exit ${code})`, async () => {
      const { SWEEP_EXIT } = await import('../../../src/errors/exit-codes.js');
      const s = sweepStatus({ ...base, ...over });
      assert.equal(s, status);
      assert.equal(SWEEP_EXIT[s], code);
    });
  }
});

describe('diff against the previous sweep', () => {
  const prevRun = (items: [string, 'found' | 'fixed'][]) => sweep('report', [{
    path: 'pb.yml', kinds: LOCK_KINDS,
    result: run('R0', [host('n1', 'would-change'), host('n2', 'would-change')], items.map(([i, how], k) => task(k % 2 ? 'n2' : 'n1', 0, 1, 'remove', 'would-change', [item(i, how)]))),
  }], { sweepId: 'S1' });

  test('items are new or still there; missing ones are gone where the host was scanned, unverified where it was not', () => {
    const previous = prevRun([['a', 'found'], ['b', 'found'], ['c', 'found'], ['d', 'found']]); // n1: a, c; n2: b, d
    const now = sweep('report', [{
      path: 'pb.yml', kinds: LOCK_KINDS,
      result: run('R1', [host('n1', 'would-change'), host('n2', 'unreachable', 'refused'), host('n3', 'would-change')], [
        task('n1', 0, 1, 'remove', 'would-change', [item('a', 'found'), item('c', 'clean')]),
        task('n3', 0, 1, 'remove', 'would-change', [item('e', 'found')]),
      ]),
    }], { previous });
    assert.deepEqual(now.residue.map((x) => [x.host, x.item, x.change]), [['n1', 'a', 'still'], ['n3', 'e', 'new']]);
    assert.deepEqual(now.diff.gone.map((g) => [g.host, g.item]), [['n1', 'c']]);
    assert.deepEqual(now.diff.unverified.map((g) => [g.host, g.item]).sort(), [['n2', 'b'], ['n2', 'd']]);
    assert.deepEqual([now.totals.new, now.totals.still, now.totals.gone], [1, 1, 1]);
    assert.deepEqual(now.diff.previous, { sweepId: 'S1', startedAt: previous.startedAt });
  });

  test('residue of a kind this sweep did not check is unverified, not gone', () => {
    const previous = prevRun([['a', 'found']]);
    const now = sweep('report', [{ path: 'other.yml', kinds: new Map([['0/1', 'multipath']]), result: run('R1', [host('n1', 'ok')], [listTask('n1')]) }], { previous });
    assert.equal(now.diff.gone.length, 0);
    assert.deepEqual(now.diff.unverified.map((g) => g.item), ['a']);
  });

  test('what a fix sweep fixed is gone in the next sweep', () => {
    const fixSweep = sweep('fix', [{ path: 'pb.yml', kinds: LOCK_KINDS, result: run('R1', [host('n1', 'changed')], [task('n1', 0, 1, 'remove', 'changed', [item('a', 'fixed')])]) }], { sweepId: 'S1' });
    const after = sweep('report', [{ path: 'pb.yml', kinds: LOCK_KINDS, result: run('R2', [host('n1', 'ok')], [task('n1', 0, 1, 'remove', 'ok', [])]) }], { previous: fixSweep });
    assert.deepEqual(after.diff.gone.map((g) => g.item), ['a']);
    assert.equal(after.status, 'clean');
  });
});
