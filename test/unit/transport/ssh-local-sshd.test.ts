// The ssh transport against a real OpenSSH server on 127.0.3.1 started by this file (loopback only).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, connect as tcpConnect, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { connect, UnreachableError, type ConnectTarget, type Connection } from '../../../src/transport/index.js';
import { connectSsh } from '../../../src/transport/ssh.js';
import { ADDRESS, keygen, sshdUnavailableReason, startSshd, type Sshd } from './sshd.js';
import { survivors } from './proc.js';

const skip = sshdUnavailableReason();
let sshd: Sshd;
let kh: string; // a known_hosts that trusts the test sshd
const T = { timeoutMs: 10_000 };

function target(over: Partial<ConnectTarget> = {}): ConnectTarget {
  return {
    name: 'sshd',
    kind: 'ssh',
    address: ADDRESS,
    port: sshd.port,
    user: 'root',
    privateKeyPath: sshd.clientKey.path,
    knownHostsPaths: [kh],
    acceptNewHostKeys: false,
    connectTimeoutMs: 5000,
    ...over,
  };
}

async function unreachable(p: Promise<unknown>): Promise<UnreachableError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof UnreachableError, `expected UnreachableError, got ${e}`);
    return e;
  }
  assert.fail('expected the connection to fail');
}

before(async () => {
  if (skip) return;
  sshd = await startSshd();
  kh = join(sshd.dir, 'known_hosts');
  writeFileSync(kh, `[${ADDRESS}]:${sshd.port} ${sshd.hostKey.keyPart}\n`);
});
after(async () => { await sshd?.stop(); });

test('a command returns its exit code and exact stdout and stderr bytes', { skip }, async (t) => {
  const t0 = performance.now();
  const c = await connect(target());
  const r = await c.exec(`printf ' a\\n\\n'; printf '\\377 e\\n' >&2; exit 7`, T);
  const first = performance.now() - t0;
  const t1 = performance.now();
  const r2 = await c.exec('echo again', T);
  const extra = performance.now() - t1;
  await c.close();
  assert.deepEqual([r.rc, r.stdout, r.stderr, r.timedOut, r.truncated], [7, ' a\n\n', '\uFFFD e\n', false, false]);
  assert.equal(r2.stdout, 'again\n');
  t.diagnostic(`connect+exec ${first.toFixed(1)} ms, extra exec on the same connection ${extra.toFixed(1)} ms`);
});

test('every command of a host reuses one connection: one handshake for many execs', { skip }, async () => {
  const before = sshd.logins();
  const c = await connect(target());
  for (let i = 0; i < 5; i++) assert.equal((await c.exec(`echo ${i}`, T)).stdout, `${i}\n`);
  const parallel = await Promise.all([1, 2, 3].map((i) => c.exec(`echo p${i}`, T)));
  assert.deepEqual(parallel.map((r) => r.stdout), ['p1\n', 'p2\n', 'p3\n']);
  await c.close();
  assert.equal(sshd.logins() - before, 1);
});

test('stdin and environment reach the remote command through the login shell', { skip }, async () => {
  const c = await connect(target());
  const r = await c.exec('cat; printf "|%s" "$V"', { ...T, stdin: 'in\n', env: { V: `q'"$x` } });
  await c.close();
  assert.equal(r.stdout, `in\n|q'"$x`);
});

test('an unknown host key is refused without the accept flag, naming the fingerprint and the fix', { skip }, async () => {
  const empty = join(sshd.dir, 'empty_known_hosts');
  const e = await unreachable(connect(target({ knownHostsPaths: [empty] })));
  assert.equal(e.reason, 'hostkey-unknown');
  assert.equal(e.code, 'transport.hostkey-unknown');
  assert.ok(e.message.includes(sshd.hostKey.fingerprint), e.message);
  assert.match(e.message, /--accept-new-host-keys|ssh-keyscan/);
  assert.equal(existsSync(empty), false);
});

test('an unknown host key is recorded with the accept flag, and trusted on the next connection', { skip }, async () => {
  const dir = mkdtempSync(join(sshd.dir, 'tofu-'));
  const file = join(dir, 'ssh', 'known_hosts');
  const c = await connect(target({ knownHostsPaths: [file], acceptNewHostKeys: true }));
  assert.equal((await c.exec('echo ok', T)).stdout, 'ok\n');
  await c.close();
  assert.equal(readFileSync(file, 'utf8'), `[${ADDRESS}]:${sshd.port} ${sshd.hostKey.keyPart}\n`);
  const c2 = await connect(target({ knownHostsPaths: [file] }));
  await c2.close();
});

test('a changed host key is refused even with the accept flag, pointing at the known_hosts line', { skip }, async () => {
  const other = keygen(sshd.dir, 'other_host_key');
  const file = join(sshd.dir, 'changed_known_hosts');
  writeFileSync(file, `# header\n[${ADDRESS}]:${sshd.port} ${other.keyPart}\n`);
  const e = await unreachable(connect(target({ knownHostsPaths: [file], acceptNewHostKeys: true })));
  assert.equal(e.reason, 'hostkey-changed');
  assert.ok(e.message.includes(`${file}:2`), e.message);
  assert.ok(e.message.includes(sshd.hostKey.fingerprint), e.message);
  assert.equal(readFileSync(file, 'utf8').split('\n').length, 3, 'the file is left alone');
});

test('at the deadline the remote process group is killed, background children included', { skip }, async () => {
  const pids = join(sshd.dir, 'remote-pids');
  const c = await connect(target());
  const started = Date.now();
  const r = await c.exec(`sleep 30 & echo $! > ${pids}; sh -c 'sleep 31' & echo $! >> ${pids}; echo $$ >> ${pids}; wait`, { ...T, timeoutMs: 800 });
  assert.deepEqual([r.timedOut, r.rc], [true, null]);
  assert.ok(Date.now() - started < 5000);
  const list = readFileSync(pids, 'utf8').trim().split('\n').map(Number);
  assert.equal(list.length, 3);
  assert.deepEqual(await survivors(list), []);
  assert.equal((await c.exec('echo still usable', T)).stdout, 'still usable\n');
  await c.close();
});

const sudo = existsSync('/usr/bin/sudo');
test('become runs the command as the user through sudo -n, and its group is killed as that user', { skip: skip ?? (sudo ? false : 'sudo is not installed') }, async () => {
  const c = await connect(target());
  const r = await c.exec('id -un; cat', { ...T, become: { user: 'nobody' }, stdin: 'x' });
  assert.deepEqual([r.rc, r.stdout, r.stderr], [0, 'nobody\nx', '']);
  const r2 = await c.exec('sleep 30 & echo $!; sleep 30', { ...T, timeoutMs: 800, become: { user: 'nobody' } });
  assert.equal(r2.timedOut, true);
  assert.deepEqual(await survivors([Number(r2.stdout.trim())]), []);
  await c.close();
});

test('a refused TCP connection is reported as refused', { skip }, async () => {
  const e = await unreachable(connect(target({ address: '127.0.3.2', port: 1 })));
  assert.equal(e.reason, 'refused');
});

test('a key that is not authorized is reported as an authentication failure', { skip }, async () => {
  const wrong = keygen(sshd.dir, 'unauthorized');
  const e = await unreachable(connect(target({ privateKeyPath: wrong.path })));
  assert.equal(e.reason, 'auth');
  assert.match(e.message, /authentication failed/);
});

test('an encrypted key with a wrong passphrase fails as auth before any connection', { skip }, async () => {
  const enc = keygen(sshd.dir, 'encrypted', 'ed25519', 'right');
  writeFileSync(join(sshd.dir, 'authorized_keys'), `${enc.pub}\n`, { flag: 'a' });
  const connections = () => sshd.log().split('\n').filter((l) => l.includes('Connection from')).length;
  const before = connections();
  const e = await unreachable(connect(target({ privateKeyPath: enc.path, passphrase: 'wrong' })));
  assert.equal(e.reason, 'auth');
  assert.match(e.message, /passphrase/);
  assert.equal(connections(), before);
  const c = await connect(target({ privateKeyPath: enc.path, passphrase: 'right' }));
  await c.close();
});

test('a key passphrase never shows in an error', { skip }, async () => {
  const enc = keygen(sshd.dir, 'encrypted2', 'ed25519', 'pp-right-4f1e');
  const e = await unreachable(connect(target({ privateKeyPath: enc.path, passphrase: 'pp-wrong-9c2d' })));
  assert.equal(e.reason, 'auth');
  assert.doesNotMatch(`${e.message} ${String(e.cause ?? '')}`, /pp-wrong-9c2d|pp-right-4f1e/);
});

test('authentication through an ssh-agent works without a key file', { skip: skip ?? (existsSync('/usr/bin/ssh-agent') ? false : 'no ssh-agent') }, async () => {
  const sock = join(sshd.dir, 'agent.sock');
  const agent = spawn('/usr/bin/ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
  try {
    for (let i = 0; i < 100 && !existsSync(sock); i++) await new Promise((r) => setTimeout(r, 20));
    execFileSync('ssh-add', ['-q', sshd.clientKey.path], { env: { ...process.env, SSH_AUTH_SOCK: sock }, stdio: 'ignore' });
    const c = await connect(target({ privateKeyPath: undefined, agent: sock }));
    assert.equal((await c.exec('echo via agent', T)).stdout, 'via agent\n');
    await c.close();
    // a stale agent socket is skipped instead of failing the connection
    const c2 = await connect(target({ agent: join(sshd.dir, 'no-such-agent.sock') }));
    await c2.close();
  } finally {
    agent.kill('SIGTERM');
  }
});

test('a host that accepts TCP but never speaks ssh is a timeout', { skip }, async () => {
  const sockets: Socket[] = [];
  const silent: Server = createServer((s) => sockets.push(s));
  await new Promise<void>((r) => silent.listen(0, ADDRESS, r));
  const port = (silent.address() as { port: number }).port;
  const e = await unreachable(connect(target({ port, connectTimeoutMs: 500 })));
  sockets.forEach((s) => s.destroy());
  silent.close();
  assert.equal(e.reason, 'timeout');
});

/** A TCP relay in front of the test sshd that a test can cut or freeze (a hung host keeps its TCP session). */
async function relay() {
  const links: Array<[Socket, Socket]> = [];
  const server = createServer((down) => {
    const up = tcpConnect(sshd.port, ADDRESS);
    links.push([down, up]);
    down.pipe(up).pipe(down);
    down.on('error', () => up.destroy());
    up.on('error', () => down.destroy());
  });
  await new Promise<void>((r) => server.listen(0, ADDRESS, r));
  const port = (server.address() as { port: number }).port;
  writeFileSync(kh, `[${ADDRESS}]:${port} ${sshd.hostKey.keyPart}\n`, { flag: 'a' });
  return {
    port,
    cut: () => links.forEach(([a, b]) => { a.destroy(); b.destroy(); }),
    freeze: () => links.forEach(([a, b]) => { a.unpipe(b); b.unpipe(a); a.pause(); b.pause(); }),
    close: () => { links.forEach(([a, b]) => { a.destroy(); b.destroy(); }); server.close(); },
  };
}

test('a connection lost in the middle of a command throws closed', { skip }, async () => {
  const r = await relay();
  const c = await connect(target({ port: r.port }));
  const running = c.exec('sleep 20', T);
  setTimeout(r.cut, 300);
  const e = await unreachable(running);
  assert.equal(e.reason, 'closed');
  await unreachable(c.exec('true', T));
  await c.close();
  r.close();
});

test('on a host that freezes mid-command the deadline still gives a result, and close does not hang', { skip }, async () => {
  const r = await relay();
  const c = await connectSsh(target({ port: r.port }), { killBudgetMs: 400, closeGraceMs: 200 });
  const running = c.exec('sleep 20', { timeoutMs: 500 });
  setTimeout(r.freeze, 200);
  const t0 = Date.now();
  const res = await running;
  assert.deepEqual([res.timedOut, res.rc], [true, null]);
  assert.ok(Date.now() - t0 < 2000, `took ${Date.now() - t0} ms`);
  const t1 = Date.now();
  await c.close();
  assert.ok(Date.now() - t1 < 2000);
  r.close();
});

test('a ProxyJump goes through the jump host with the same verification and authentication', { skip }, async () => {
  const before = sshd.logins();
  const c = await connect(target({ proxyJump: `root@${ADDRESS}:${sshd.port}` }));
  const r = await c.exec('echo through the jump', T);
  await c.close();
  assert.equal(r.stdout, 'through the jump\n');
  assert.equal(sshd.logins() - before, 2);
  const e = await unreachable(connect(target({ proxyJump: `root@${ADDRESS}:${sshd.port}`, port: 1 })));
  assert.equal(e.reason, 'refused');
  assert.match(e.message, /jump host/);
});
