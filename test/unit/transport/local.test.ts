// The local connection: exit codes, exact bytes, caps, deadlines killing the whole group, env, stdin, sudo.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '../../../src/transport/index.js';
import type { Connection } from '../../../src/transport/connection.js';
import { spawn } from 'node:child_process';
import { wrapCommand } from '../../../src/transport/wrapper.js';
import { survivors } from './proc.js';

let conn: Connection;
const dir = mkdtempSync(join(tmpdir(), 'fs-local-'));
const T = { timeoutMs: 10_000 };

before(async () => {
  conn = await connect({ name: 'localhost', kind: 'local', address: 'localhost', port: 22, user: 'x', knownHostsPaths: [], acceptNewHostKeys: false, connectTimeoutMs: 1000 });
});
after(() => conn.close());

test('the exit code, stdout and stderr come back exactly, without trimming', async () => {
  const r = await conn.exec(`printf '  out \\n\\n'; printf 'err\\n ' >&2; exit 3`, T);
  assert.equal(r.rc, 3);
  assert.equal(r.stdout, '  out \n\n');
  assert.equal(r.stderr, 'err\n ');
  assert.equal(r.timedOut, false);
  assert.equal(r.truncated, false);
});

test('a command killed by a signal gets 128 plus the signal number', async () => {
  const r = await conn.exec('kill -9 $$', T);
  assert.equal(r.rc, 137);
  assert.equal(r.stderr, '');
});

test('the command runs under /bin/sh, without bash features', async () => {
  const r = await conn.exec('readlink -f /proc/$$/exe', T);
  assert.equal(r.stdout.trim(), realpathSync('/bin/sh'));
});

test('output beyond the cap is drained and dropped, and the result says truncated', async () => {
  const r = await conn.exec(`head -c 3000000 /dev/zero | tr '\\0' a; echo done >&2`, { ...T, maxOutputBytes: 1000 });
  assert.equal(r.rc, 0);
  assert.equal(r.stdout, 'a'.repeat(1000));
  assert.equal(r.stderr, 'done\n');
  assert.equal(r.truncated, true);
});

test('invalid UTF-8 becomes replacement characters', async () => {
  const r = await conn.exec(`printf '\\377\\376ok\\n'`, T);
  assert.equal(r.stdout, '\uFFFD\uFFFDok\n');
});

test('environment values are exported with quoting intact, and a bad name is refused', async () => {
  const env = { A: `it's "$HOME" \`id\` $(id)`, B: 'line1\nline2', C: '' };
  const r = await conn.exec(`printf '%s|%s|%s' "$A" "$B" "$C"`, { ...T, env });
  assert.equal(r.stdout, `${env.A}|${env.B}|`);
  await assert.rejects(conn.exec('true', { ...T, env: { 'A;rm': 'x' } }), { code: 'transport.badEnvName' });
});

test('stdin is given to the command, and a command that does not read it still ends', async () => {
  const r = await conn.exec('cat; echo', { ...T, stdin: 'line\nno newline' });
  assert.equal(r.stdout, 'line\nno newline\n');
  const r2 = await conn.exec('cat', T);
  assert.equal(r2.stdout, '');
  const r3 = await conn.exec('true', { ...T, stdin: 'x'.repeat(1 << 20) });
  assert.equal(r3.rc, 0);
});

test('at the deadline the whole process group is killed, background children included', async () => {
  const pids = join(dir, 'pids');
  const started = Date.now();
  const r = await conn.exec(`sleep 30 & echo $! > ${pids}; sh -c 'sleep 30' & echo $! >> ${pids}; echo $$ >> ${pids}; wait`, { ...T, timeoutMs: 700 });
  assert.equal(r.timedOut, true);
  assert.equal(r.rc, null);
  assert.ok(Date.now() - started < 5000, 'kill must not wait for the commands');
  const list = readFileSync(pids, 'utf8').trim().split('\n').map(Number);
  assert.equal(list.length, 3);
  assert.deepEqual(await survivors(list), []);
});

test('a command that never stops writing is bounded by its deadline and its cap', async () => {
  const r = await conn.exec('yes', { ...T, timeoutMs: 500, maxOutputBytes: 4096 });
  assert.equal(r.timedOut, true);
  assert.equal(r.truncated, true);
  assert.equal(r.stdout.length, 4096);
});

test('aborting the signal kills the command like a deadline, and an aborted signal runs nothing', async () => {
  const marker = join(dir, 'aborted-ran');
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 300);
  const r = await conn.exec('sleep 30', { ...T, signal: ac.signal });
  assert.equal(r.timedOut, true);
  const r2 = await conn.exec(`touch ${marker}`, { ...T, signal: AbortSignal.abort() });
  assert.equal(r2.timedOut, true);
  assert.equal(existsSync(marker), false);
});

test('many commands in parallel on one connection keep their outputs apart', async () => {
  const rs = await Promise.all(Array.from({ length: 20 }, (_, i) => conn.exec(`echo ${i}; echo e${i} >&2; exit ${i % 5}`, T)));
  rs.forEach((r, i) => assert.deepEqual([r.stdout, r.stderr, r.rc], [`${i}\n`, `e${i}\n`, i % 5]));
});

// A stand-in sudo, so the password protocol is tested without touching the machine's sudoers.
const fake = join(dir, 'bin');
function withFakeSudo<T>(mode: 'password' | 'nopasswd', fn: () => Promise<T>): Promise<T> {
  const path = process.env.PATH;
  process.env.PATH = `${fake}:${path}`;
  process.env.FAKE_SUDO_MODE = mode;
  return fn().finally(() => { process.env.PATH = path; delete process.env.FAKE_SUDO_MODE; });
}
before(() => {
  mkdirSync(fake);
  writeFileSync(join(fake, 'sudo'), `#!/bin/sh
n=0; prompt='Password:'
while [ $# -gt 0 ]; do
  case "$1" in -n) n=1;; -S) ;; -p) shift; prompt=$1;; -u) shift;; --) shift; break;; *) break;; esac
  shift
done
if [ "$FAKE_SUDO_MODE" = password ]; then
  [ $n = 1 ] && { echo "sudo: a password is required" >&2; exit 1; }
  tries=0
  while [ $tries -lt 3 ]; do
    printf '%s' "$prompt" >&2
    IFS= read -r pw || { echo "sudo: no password was provided" >&2; exit 1; }
    [ "$pw" = "s3cret" ] && exec "$@"
    echo "Sorry, try again." >&2
    tries=$((tries+1))
  done
  echo "sudo: 3 incorrect password attempts" >&2; exit 1
fi
exec "$@"
`);
  chmodSync(join(fake, 'sudo'), 0o755);
});

test('with a become password, sudo gets it when it prompts and the command gets only its own stdin', () =>
  withFakeSudo('password', async () => {
    const r = await conn.exec('cat', { ...T, become: { user: 'root', password: 's3cret' }, stdin: 'data' });
    assert.deepEqual([r.rc, r.stdout, r.stderr], [0, 'data', '']);
  }));

test('with a wrong become password the command fails quickly instead of hanging', () =>
  withFakeSudo('password', async () => {
    const r = await conn.exec('echo never', { ...T, become: { user: 'root', password: 'wrong' } });
    assert.equal(r.rc, null, 'sudo refused: the command never ran, so it has no exit code');
    assert.equal(r.timedOut, false);
    assert.equal(r.stdout, '');
    assert.ok(!r.stderr.includes('fleetsweep-sudo'), 'the prompt is removed');
  }));

test('when sudo needs a password that was not given it fails at once, with no exit code (sudo\'s 1 is not the command\'s)', () =>
  withFakeSudo('password', async () => {
    const r = await conn.exec('echo never', { ...T, become: { user: 'root' } });
    assert.deepEqual([r.rc, r.timedOut, r.stdout, r.stderr], [null, false, '', 'sudo: a password is required\n']);
  }));

test('when sudo does not ask, the password is never passed to the command', () =>
  withFakeSudo('nopasswd', async () => {
    const r = await conn.exec('cat', { ...T, become: { user: 'root', password: 's3cret' } });
    assert.deepEqual([r.rc, r.stdout], [0, '']);
  }));

const realSudo = ['/usr/bin/sudo', '/bin/sudo'].some(existsSync) && process.getuid?.() === 0;
test('with the real sudo as root, become runs as the user and its process group is killed at the deadline', { skip: realSudo ? false : 'needs root and /usr/bin/sudo' }, async () => {
  const r = await conn.exec('id -un', { ...T, become: { user: 'nobody' } });
  assert.deepEqual([r.rc, r.stdout], [0, 'nobody\n']);
  const r2 = await conn.exec('sleep 30 & echo $!; sleep 30', { ...T, timeoutMs: 600, become: { user: 'nobody' } });
  assert.equal(r2.timedOut, true);
  assert.deepEqual(await survivors([Number(r2.stdout.trim())]), []);
});

test('closing is idempotent and a closed connection refuses to run commands', async () => {
  const c = await connect({ name: 'l', kind: 'local', address: 'l', port: 22, user: 'x', knownHostsPaths: [], acceptNewHostKeys: false, connectTimeoutMs: 1 });
  await c.close();
  await c.close();
  await assert.rejects(c.exec('true', T), { code: 'transport.closed' });
});

test('the command runs in the process group the marker names, whether or not its shell led a group already', async () => {
  // detached: the shell leads its group (as under sshd) and keeps it; attached: it is in ours, and setsid makes one
  for (const detached of [true, false]) {
    const w = wrapCommand(`cut -d' ' -f5 /proc/$$/stat`, {});
    const c = spawn('/bin/sh', ['-c', w.line], { detached, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    c.stdout.on('data', (b: Buffer) => (out += b.toString()));
    c.stderr.on('data', (b: Buffer) => (err += b.toString()));
    const code = await new Promise((r) => c.once('close', r));
    assert.equal(code, 0);
    const marker = Number(new RegExp(`\\x1eFSPG:${w.nonce}:([0-9]+)\\n`).exec(err)?.[1]);
    assert.equal(Number(out.trim()), marker, `detached=${detached}`);
    if (detached) assert.equal(marker, c.pid);
    else assert.notEqual(marker, c.pid);
  }
});
