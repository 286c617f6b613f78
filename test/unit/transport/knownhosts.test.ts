// known_hosts parsing and lookup: plain, lists, wildcards, [host]:port, hashed, @revoked, @cert-authority.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkHostKey, fingerprint, knownHostName, parseKnownHosts, loadKnownHosts, appendKnownHost, knownKeyTypes, hostFieldMatches } from '../../../src/transport/knownhosts.js';

/** A syntactically valid public key blob of `type` (random body: only the bytes matter here). */
function blob(type: string, seed: number): Buffer {
  const t = Buffer.from(type);
  const body = createHash('sha256').update(`${type}${seed}`).digest();
  const len = (n: number) => { const b = Buffer.alloc(4); b.writeUInt32BE(n); return b; };
  return Buffer.concat([len(t.length), t, len(body.length), body]);
}
const b64 = (b: Buffer) => b.toString('base64');
const ED1 = blob('ssh-ed25519', 1);
const ED2 = blob('ssh-ed25519', 2);
const EC1 = blob('ecdsa-sha2-nistp256', 1);
const RSA1 = blob('ssh-rsa', 1);

function hashed(name: string): string {
  const salt = randomBytes(20);
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
}

const FILE = [
  '# a comment',
  '',
  `node1,10.0.0.1 ssh-ed25519 ${b64(ED1)} root@node1`,
  `[10.0.0.2]:2222 ssh-ed25519 ${b64(ED1)}`,
  `${hashed('10.0.0.3')} ssh-ed25519 ${b64(ED1)}`,
  `${hashed('[10.0.0.4]:2200')} ecdsa-sha2-nistp256 ${b64(EC1)}`,
  `10.0.1.* ,!10.0.1.9 ssh-rsa ${b64(RSA1)}`.replace(' ,', ','),
  `@revoked * ssh-ed25519 ${b64(ED2)}`,
  `@cert-authority *.example.com ssh-ed25519 ${b64(ED1)}`,
  `10.0.0.5 ecdsa-sha2-nistp256 ${b64(EC1)}`,
  'garbage-line-without-key',
  `10.0.0.6 ssh-ed25519 not-base64!!`,
].join('\n');

const { entries, problems } = parseKnownHosts(FILE, 'kh');

test('comments and blank lines are skipped and malformed lines are reported with their line number', () => {
  assert.equal(entries.length, 8);
  assert.deepEqual(problems.map((p) => p.line), [11, 12]);
});

const table: Array<[string, string, number, Buffer, string]> = [
  ['a plain name in a comma list matches', 'node1', 22, ED1, 'match'],
  ['an address in a comma list matches', '10.0.0.1', 22, ED1, 'match'],
  ['host names are compared case-insensitively', 'NODE1', 22, ED1, 'match'],
  ['a different key of the same type is a changed key', '10.0.0.1', 22, blob('ssh-ed25519', 9), 'changed'],
  ['a non-22 port is looked up as [host]:port', '10.0.0.2', 2222, ED1, 'match'],
  ['the same host on port 22 is not the [host]:port entry', '10.0.0.2', 22, ED1, 'unknown'],
  ['a hashed entry matches its host', '10.0.0.3', 22, ED1, 'match'],
  ['a hashed entry does not match another host', '10.0.0.33', 22, ED1, 'unknown'],
  ['a hashed [host]:port entry matches', '10.0.0.4', 2200, EC1, 'match'],
  ['a wildcard pattern matches', '10.0.1.7', 22, RSA1, 'match'],
  ['a negated pattern excludes a host the wildcard would match', '10.0.1.9', 22, RSA1, 'unknown'],
  ['a revoked key is refused even for an otherwise unknown host', '10.9.9.9', 22, ED2, 'revoked'],
  ['a cert-authority line does not make a host known', 'a.example.com', 22, ED1, 'unknown'],
  ['a host known only with another key type is reported as such', '10.0.0.5', 22, ED1, 'other-type'],
  ['an unknown host is unknown', '192.168.1.1', 22, ED1, 'unknown'],
];
for (const [name, host, port, key, status] of table) {
  test(`when looking up ${host}:${port}, ${name}`, () => {
    assert.equal(checkHostKey(entries, host, port, key).status, status);
  });
}

test('a changed key points at the file and line to fix', () => {
  const r = checkHostKey(entries, 'node1', 22, blob('ssh-ed25519', 9));
  assert.equal(r.status, 'changed');
  assert.equal(r.status === 'changed' && `${r.entry.file}:${r.entry.line}`, 'kh:3');
});

test('fingerprints are printed like OpenSSH: SHA256 and unpadded base64', () => {
  const fp = fingerprint(ED1);
  assert.match(fp, /^SHA256:[A-Za-z0-9+/]{43}$/);
  assert.equal(fp, `SHA256:${createHash('sha256').update(ED1).digest('base64').replace(/=+$/, '')}`);
});

test('the known_hosts name of a host is bare on port 22 and bracketed otherwise', () => {
  assert.equal(knownHostName('Node1', 22), 'node1');
  assert.equal(knownHostName('10.0.0.1', 2222), '[10.0.0.1]:2222');
});

test('the key types known for a host are listed so ssh can ask for them first', () => {
  assert.deepEqual(knownKeyTypes(entries, '10.0.0.5', 22), ['ecdsa-sha2-nistp256']);
  assert.deepEqual(knownKeyTypes(entries, '10.0.1.7', 22), ['ssh-rsa']);
});

test('a host on plain, wildcard and hashed lines is found on all of them, in file order', () => {
  const kh = parseKnownHosts([
    `${hashed('10.1.0.1')} ecdsa-sha2-nistp256 ${b64(EC1)}`,
    `10.1.0.2,10.1.0.1 ssh-ed25519 ${b64(ED1)}`,
    `10.1.0.* ssh-rsa ${b64(RSA1)}`,
    `10.1.0.1 ssh-ed25519 ${b64(ED2)}`,
  ].join('\n'), 'kh').entries;
  assert.deepEqual(knownKeyTypes(kh, '10.1.0.1', 22), ['ecdsa-sha2-nistp256', 'ssh-ed25519', 'ssh-rsa']);
  assert.deepEqual(knownKeyTypes(kh, '10.1.0.2', 22), ['ssh-ed25519', 'ssh-rsa']);
  // the first line with the key wins, and a later line with another key of the same type does not hide it
  const r = checkHostKey(kh, '10.1.0.1', 22, ED2);
  assert.equal(r.status === 'match' && r.entry.line, 4);
  const c = checkHostKey(kh, '10.1.0.1', 22, blob('ssh-ed25519', 7));
  assert.equal(c.status === 'changed' && c.entry.line, 2);
});

test('a fleet-sized file answers every host from its own line', () => {
  const lines = Array.from({ length: 3000 }, (_, i) => `10.2.${i >> 8}.${i & 255} ssh-ed25519 ${b64(blob('ssh-ed25519', 100 + i))}`);
  const kh = parseKnownHosts(lines.join('\n'), 'kh').entries;
  for (const i of [0, 1, 1500, 2999]) {
    const r = checkHostKey(kh, `10.2.${i >> 8}.${i & 255}`, 22, blob('ssh-ed25519', 100 + i));
    assert.equal(r.status === 'match' && r.entry.line, i + 1);
  }
  assert.equal(checkHostKey(kh, '10.2.0.1', 22, blob('ssh-ed25519', 100)).status, 'changed');
});

test('a hashed entry generated like ssh-keygen -H matches only its exact name', () => {
  const h = hashed('[127.0.0.1]:2222');
  assert.ok(hostFieldMatches(h, '[127.0.0.1]:2222'));
  assert.ok(!hostFieldMatches(h, '127.0.0.1'));
});

test('an accepted key is appended to a new file created 0600 in a 0700 directory, and is found afterwards', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fs-kh-'));
  const file = join(dir, 'sub', 'known_hosts');
  await appendKnownHost(file, '127.0.0.1', 2222, ED1);
  await appendKnownHost(file, '127.0.0.2', 22, EC1);
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.equal(statSync(join(dir, 'sub')).mode & 0o777, 0o700);
  assert.equal(readFileSync(file, 'utf8'), `[127.0.0.1]:2222 ssh-ed25519 ${b64(ED1)}\n127.0.0.2 ecdsa-sha2-nistp256 ${b64(EC1)}\n`);
  const loaded = await loadKnownHosts([join(dir, 'missing'), file]);
  assert.equal(checkHostKey(loaded.entries, '127.0.0.1', 2222, ED1).status, 'match');
});

test('appending to a file without a final newline starts a new line', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fs-kh-'));
  const file = join(dir, 'known_hosts');
  writeFileSync(file, `node1 ssh-ed25519 ${b64(ED1)}`);
  await appendKnownHost(file, 'node2', 22, ED2);
  const parsed = parseKnownHosts(readFileSync(file, 'utf8'), file);
  assert.equal(parsed.entries.length, 2);
  assert.equal(parsed.problems.length, 0);
});
