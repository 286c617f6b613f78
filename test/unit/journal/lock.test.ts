import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { acquireLock, type LockOwner } from '../../../src/journal/lock.js';
import { ExitCode } from '../../../src/errors/exit-codes.js';
import { deadPid, mode, tempDir } from './helpers.js';

const owner = (runId: string, pid = process.pid, host = hostname()): LockOwner => ({ runId, pid, hostname: host, startedAt: '2026-11-23T18:10:02Z' });

test('a free lock is taken, written 0600 with its owner, and released', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const path = join(dir, 'sweep.lock');
    const lock = await acquireLock(path, owner('r1'));
    assert.equal(mode(path), 0o600);
    assert.equal(JSON.parse(readFileSync(path, 'utf8')).runId, 'r1');
    assert.equal(lock.tookOverFrom, undefined);
    await lock.release();
    await lock.release();
    assert.equal(existsSync(path), false);
  } finally {
    await cleanup();
  }
});

test('a lock held by a live process is refused with state.locked and exit 7', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const path = join(dir, 'sweep.lock');
    const held = await acquireLock(path, owner('r1'));
    await assert.rejects(acquireLock(path, owner('r2')), (e: unknown) => (e as { code: string }).code === 'state.locked' && (e as { exitCode: number }).exitCode === ExitCode.LOCKED && /r1/.test((e as Error).message));
    await held.release();
  } finally {
    await cleanup();
  }
});

test('a stale lock of a dead pid on this host is taken over and the takeover recorded', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const path = join(dir, 'sweep.lock');
    const dead = owner('r0', deadPid());
    writeFileSync(path, JSON.stringify(dead));
    const lock = await acquireLock(path, owner('r1'));
    assert.deepEqual(lock.tookOverFrom, dead);
    const onDisk = JSON.parse(readFileSync(path, 'utf8'));
    assert.equal(onDisk.runId, 'r1');
    assert.deepEqual(onDisk.tookOverFrom, dead);
    assert.equal(existsSync(`${path}.takeover`), false);
    await lock.release();
  } finally {
    await cleanup();
  }
});

test('a lock of a dead pid on another host is not presumed stale', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const path = join(dir, 'sweep.lock');
    writeFileSync(path, JSON.stringify(owner('r0', deadPid(), 'some-other-controller')));
    await assert.rejects(acquireLock(path, owner('r1')), { code: 'state.locked' });
  } finally {
    await cleanup();
  }
});

test('releasing a lock that was taken over leaves the new holder alone', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const path = join(dir, 'sweep.lock');
    const old = await acquireLock(path, owner('r0'));
    writeFileSync(path, JSON.stringify(owner('r9')));
    await old.release();
    assert.equal(JSON.parse(readFileSync(path, 'utf8')).runId, 'r9');
  } finally {
    await cleanup();
  }
});

test('two processes taking over the same stale lock end with exactly one holder', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const path = join(dir, 'sweep.lock');
    writeFileSync(path, JSON.stringify(owner('r0', deadPid())));
    const results = await Promise.allSettled([acquireLock(path, owner('a')), acquireLock(path, owner('b'))]);
    const won = results.filter((r) => r.status === 'fulfilled');
    assert.equal(won.length, 1);
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    assert.equal(rejected.reason.code, 'state.locked');
  } finally {
    await cleanup();
  }
});
