// The host lock protocol, run through /bin/sh against a private lock directory.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lockCommand, lockResult, unlockCommand, HostLockedError } from '../../../src/runner/host-lock.js';
import type { HostLockOwner } from '../../../src/runner/types.js';

const owner = (runId: string, ttlSeconds = 3600): HostLockOwner => ({ runId, user: 'sre', controller: 'ctl-1', pid: 42, ttlSeconds });

function sh(dir: string, cmd: string): { stdout: string; rc: number } {
  try {
    return { stdout: execFileSync('/bin/sh', ['-c', cmd], { env: { PATH: process.env.PATH, FLEETSWEEP_LOCK_DIR: dir }, encoding: 'utf8' }), rc: 0 };
  } catch (err) {
    const e = err as { stdout: string; status: number };
    return { stdout: e.stdout, rc: e.status };
  }
}
const take = (dir: string, o: HostLockOwner, from?: string) => { const r = sh(dir, lockCommand(o, from).text); return lockResult(r.stdout, r.rc); };

describe('host lock', () => {
  test('the first run takes the lock and records who holds it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fs-lock-'));
    assert.deepEqual(take(dir, owner('run-a')), {});
    assert.match(readFileSync(join(dir, 'fleetsweep.lock', 'owner'), 'utf8'), /^run-a sre@ctl-1 pid=42\n\d+\n$/);
  });

  test('another run is refused with the owner named; the same run (another alias of this machine) gets it again', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fs-lock-'));
    take(dir, owner('run-a'));
    assert.throws(() => take(dir, owner('run-b')), (e: unknown) => e instanceof HostLockedError && /locked by another run: run-a sre@ctl-1 pid=42 since/.test(e.message));
    assert.deepEqual(take(dir, owner('run-a')), {});
  });

  test('a lock older than its ttl is taken over and the previous owner is named', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fs-lock-'));
    take(dir, owner('run-a'));
    writeFileSync(join(dir, 'fleetsweep.lock', 'owner'), 'run-a sre@ctl-1 pid=42\n1000\n');
    assert.deepEqual(take(dir, owner('run-b')), { takenFrom: 'run-a sre@ctl-1 pid=42' });
  });

  test('a resume takes over the lock of the run it resumes, however fresh', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fs-lock-'));
    take(dir, owner('run-a'));
    assert.deepEqual(take(dir, owner('run-b'), 'run-a'), { takenFrom: 'run-a sre@ctl-1 pid=42' });
  });

  test('only the owner releases the lock', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fs-lock-'));
    take(dir, owner('run-a'));
    sh(dir, unlockCommand(owner('run-b')).text);
    assert.ok(existsSync(join(dir, 'fleetsweep.lock')));
    sh(dir, unlockCommand(owner('run-a')).text);
    assert.ok(!existsSync(join(dir, 'fleetsweep.lock')));
  });

  test('odd owner fields cannot break out of the lock command', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fs-lock-'));
    const evil = { ...owner("x'; touch /tmp/pwned-fs; '"), user: '$(id)', controller: 'a b\nc' };
    take(dir, evil);
    assert.match(readFileSync(join(dir, 'fleetsweep.lock', 'owner'), 'utf8'), /^x___touch__tmp_pwned-fs___ __id_@a_b_c pid=42\n/);
    assert.ok(!existsSync('/tmp/pwned-fs'));
  });
});
