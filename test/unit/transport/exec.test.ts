// The exec lifecycle against a scripted backend: frozen hosts, kill channels that never open, late channels.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { runWrapped, type Backend, type ExitInfo, type Proc } from '../../../src/transport/exec.js';
import { classify, toUnreachable } from '../../../src/transport/connect-error.js';
import { UnreachableError } from '../../../src/transport/connection.js';

const timing = { killBudgetMs: 300, closeGraceMs: 100 };

/** A fake channel: the test plays the remote side through `remote`. */
function fakeProc() {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let exit: (e: ExitInfo) => void = () => {};
  const done = new Promise<ExitInfo>((r) => { exit = r; });
  let destroyed = false;
  const proc: Proc = { stdin, stdout, stderr, done, destroy: () => { destroyed = true; stdout.end(); stderr.end(); exit({ code: null, signal: null }); } };
  const received: Buffer[] = [];
  stdin.on('data', (b: Buffer) => received.push(b));
  return {
    proc,
    stdout,
    stderr,
    /** prints the wrapper's marker as the real wrapper would */
    marker(line: string, pgid: number) {
      const nonce = /FSPG:([0-9a-f]+):/.exec(line)![1]!;
      stderr.write(`\x1eFSPG:${nonce}:${pgid}\n`);
    },
    finish(code: number) { stdout.end(); stderr.end(); exit({ code, signal: null }); },
    stdinText: () => Buffer.concat(received).toString(),
    destroyed: () => destroyed,
  };
}

test('a host that never opens the channel still gives a timed-out result, bounded by the kill budget', async () => {
  const backend: Backend = { open: () => new Promise(() => {}), killGroup: async () => {} };
  const t0 = Date.now();
  const r = await runWrapped(backend, 'true', { timeoutMs: 100 }, timing);
  assert.deepEqual([r.timedOut, r.rc], [true, null]);
  assert.ok(Date.now() - t0 < 1000);
});

test('when the kill channel cannot be opened the result is given anyway and the channel is dropped', async () => {
  const f = fakeProc();
  const backend: Backend = {
    open: async (line) => { setImmediate(() => f.marker(line, 4242)); return f.proc; },
    killGroup: () => new Promise(() => {}), // frozen host
  };
  const t0 = Date.now();
  const r = await runWrapped(backend, 'sleep 99', { timeoutMs: 100 }, timing);
  assert.deepEqual([r.timedOut, r.rc], [true, null]);
  assert.ok(Date.now() - t0 < 1000);
  assert.equal(f.destroyed(), true);
});

test('at the deadline the group named by the marker is killed, as the become user', async () => {
  const f = fakeProc();
  const kills: Array<[number, string | undefined]> = [];
  const backend: Backend = {
    open: async (line) => { setImmediate(() => f.marker(line, 777)); return f.proc; },
    killGroup: async (pgid, become) => { kills.push([pgid, become?.user]); f.finish(143); },
  };
  const r = await runWrapped(backend, 'sleep 99', { timeoutMs: 100, become: { user: 'root' } }, timing);
  assert.equal(r.timedOut, true);
  assert.deepEqual(kills, [[777, 'root']]);
});

test('a channel that opens after the deadline gave up is killed once its marker shows up', async () => {
  const f = fakeProc();
  let openNow: (p: Proc) => void = () => {};
  const killed: number[] = [];
  const backend: Backend = { open: () => new Promise((r) => { openNow = r; }), killGroup: async (pgid) => { killed.push(pgid); } };
  let line = '';
  const backendWithLine: Backend = { ...backend, open: (l) => { line = l; return backend.open(l); } };
  const r = await runWrapped(backendWithLine, 'true', { timeoutMs: 50 }, timing);
  assert.equal(r.timedOut, true);
  openNow(f.proc);
  await new Promise((res) => setImmediate(res));
  f.marker(line, 999);
  await new Promise((res) => setTimeout(res, 20));
  assert.deepEqual(killed, [999]);
  assert.equal(f.destroyed(), true);
});

test('stdin is sent only after the marker, and the sudo password only when sudo prompts', async () => {
  const f = fakeProc();
  const backend: Backend = {
    open: async (line) => {
      const prompt = /-p '(\[fleetsweep-sudo-[0-9a-f]+\])'/.exec(line)![1]!;
      setImmediate(() => {
        assert.equal(f.stdinText(), '');
        f.stderr.write(prompt);
        setImmediate(() => {
          assert.equal(f.stdinText(), 'pw\n');
          f.marker(line, 5);
          setImmediate(() => { f.stdout.write(f.stdinText()); f.finish(0); });
        });
      });
      return f.proc;
    },
    killGroup: async () => {},
  };
  const r = await runWrapped(backend, 'cat', { timeoutMs: 5000, become: { user: 'root', password: 'pw' }, stdin: 'payload' }, timing);
  assert.deepEqual([r.rc, r.stdout, r.stderr], [0, 'pw\npayload', '']);
});

test('a lost connection during a command is thrown as an UnreachableError', async () => {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const lost = new UnreachableError('closed', 'gone');
  const proc: Proc = { stdin: new PassThrough(), stdout, stderr, done: Promise.reject(lost), destroy() {} };
  proc.done.catch(() => {});
  const backend: Backend = { open: async () => { setImmediate(() => { stdout.end(); stderr.end(); }); return proc; }, killGroup: async () => {} };
  await assert.rejects(runWrapped(backend, 'true', { timeoutMs: 5000 }, timing), { code: 'transport.closed' });
});

const errors: Array<[string, object, string]> = [
  ['ECONNREFUSED is refused', { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' }, 'refused'],
  ['ENOTFOUND is dns', { code: 'ENOTFOUND', message: 'getaddrinfo ENOTFOUND x' }, 'dns'],
  ['EAI_AGAIN is dns', { code: 'EAI_AGAIN', message: 'getaddrinfo EAI_AGAIN x' }, 'dns'],
  ['the handshake timeout is timeout', { level: 'client-timeout', message: 'Timed out while waiting for handshake' }, 'timeout'],
  ['EHOSTUNREACH is timeout', { code: 'EHOSTUNREACH', message: 'connect EHOSTUNREACH' }, 'timeout'],
  ['failed authentication is auth', { level: 'client-authentication', message: 'All configured authentication methods failed' }, 'auth'],
  ['an agent failure is auth', { level: 'agent', message: 'agent refused' }, 'auth'],
  ['a reset is closed', { code: 'ECONNRESET', message: 'read ECONNRESET' }, 'closed'],
  ['anything else is other', { message: 'weird' }, 'other'],
];
for (const [name, err, reason] of errors) {
  test(`when connecting fails, ${name}`, () => {
    const e = Object.assign(new Error((err as { message: string }).message), err);
    assert.equal(classify(e), reason);
    const u = toUnreachable(e, { dest: 'root@10.0.0.1:22', tried: 'key k', connectTimeoutMs: 1000, via: '' });
    assert.equal(u.code, `transport.${reason}`);
    assert.ok(u.message.includes('10.0.0.1'));
  });
}

test('under become, a command whose wrapper never started (sudo refused) has no exit code of its own', async () => {
  const f = fakeProc();
  const backend: Backend = {
    open: async () => { setImmediate(() => { f.stderr.write('sudo: a password is required\n'); f.finish(1); }); return f.proc; },
    killGroup: async () => {},
  };
  const r = await runWrapped(backend, 'test -e /x || exit 1', { timeoutMs: 5000, become: { user: 'root' } }, timing);
  // sudo's rc 1 must not read as the command's: a contract check takes 1 for "nothing to do"
  assert.deepEqual([r.rc, r.timedOut, r.stderr], [null, false, 'sudo: a password is required\n']);
});

test('under become, once the marker shows the command ran, its exit code is kept', async () => {
  const f = fakeProc();
  const backend: Backend = {
    open: async (line) => { setImmediate(() => { f.marker(line, 9); f.finish(1); }); return f.proc; },
    killGroup: async () => {},
  };
  const r = await runWrapped(backend, 'exit 1', { timeoutMs: 5000, become: { user: 'root' } }, timing);
  assert.deepEqual([r.rc, r.timedOut], [1, false]);
});
