import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, chownSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveStateDir } from '../../../src/journal/state-dir.js';
import { StateError } from '../../../src/errors/state-error.js';
import { ExitCode } from '../../../src/errors/exit-codes.js';
import { mode, tempDir } from './helpers.js';

test('the flag wins over FLEETSWEEP_STATE_DIR, which wins over XDG_STATE_HOME, which wins over HOME', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const env = { FLEETSWEEP_STATE_DIR: join(dir, 'env'), XDG_STATE_HOME: join(dir, 'xdg'), HOME: join(dir, 'home') };
    assert.equal(resolveStateDir(join(dir, 'flag'), env), join(dir, 'flag'));
    assert.equal(resolveStateDir(undefined, env), join(dir, 'env'));
    assert.equal(resolveStateDir(undefined, { ...env, FLEETSWEEP_STATE_DIR: '' }), join(dir, 'xdg', 'fleetsweep'));
    assert.equal(resolveStateDir(undefined, { HOME: env.HOME }), join(dir, 'home', '.local', 'state', 'fleetsweep'));
    // a relative XDG_STATE_HOME is invalid per the XDG spec and ignored
    assert.equal(resolveStateDir(undefined, { HOME: env.HOME, XDG_STATE_HOME: 'rel' }), join(dir, 'home', '.local', 'state', 'fleetsweep'));
  } finally {
    await cleanup();
  }
});

test('a missing state directory and its missing parents are created 0700 whatever the umask', async () => {
  const { dir, cleanup } = tempDir();
  const old = process.umask(0o277);
  try {
    const sd = resolveStateDir(undefined, { HOME: join(dir, 'home') });
    assert.equal(mode(sd), 0o700);
    assert.equal(mode(join(dir, 'home', '.local', 'state')), 0o700);
    assert.equal(mode(join(dir, 'home')), 0o700);
  } finally {
    process.umask(old);
    await cleanup();
  }
});

test('an existing readable but not writable-by-others directory is accepted as it is', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const sd = join(dir, 'sd');
    mkdirSync(sd);
    chmodSync(sd, 0o755);
    assert.equal(resolveStateDir(sd), sd);
    assert.equal(mode(sd), 0o755);
  } finally {
    await cleanup();
  }
});

test('a group- or world-writable state directory is refused as insecure', async () => {
  const { dir, cleanup } = tempDir();
  try {
    for (const m of [0o770, 0o707, 0o1777]) {
      const sd = join(dir, `sd${m.toString(8)}`);
      mkdirSync(sd);
      chmodSync(sd, m);
      assert.throws(() => resolveStateDir(sd), (e: unknown) => e instanceof StateError && e.code === 'state.insecure' && e.exitCode === ExitCode.STATE);
    }
  } finally {
    await cleanup();
  }
});

test('a state directory owned by another user is refused as insecure', { skip: process.getuid?.() !== 0 && 'needs root to chown' }, async () => {
  const { dir, cleanup } = tempDir();
  try {
    const sd = join(dir, 'sd');
    mkdirSync(sd, { mode: 0o700 });
    chownSync(sd, 12345, 12345);
    assert.throws(() => resolveStateDir(sd), { code: 'state.insecure' });
  } finally {
    await cleanup();
  }
});

test('a state directory path that is a file is refused', async () => {
  const { dir, cleanup } = tempDir();
  try {
    writeFileSync(join(dir, 'f'), '');
    assert.throws(() => resolveStateDir(join(dir, 'f')), { code: 'state.dirUnusable' });
    assert.throws(() => resolveStateDir(join(dir, 'f', 'sub')), { code: 'state.dirUnusable' });
  } finally {
    await cleanup();
  }
});
