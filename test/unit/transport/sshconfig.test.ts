// ~/.ssh/config resolution from temp files: fields, tokens, Include, ProxyJump aliases, precedence.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { clearSshConfigCache, layerTarget, resolveSshConfig } from '../../../src/transport/sshconfig.js';
import { parseJump } from '../../../src/transport/ssh.js';

const dir = mkdtempSync(join(tmpdir(), 'fs-sshcfg-'));
const key = join(dir, 'id_node');
writeFileSync(key, 'not really a key');
mkdirSync(join(dir, 'config.d'));
writeFileSync(join(dir, 'config.d', '10-bastion.conf'), 'Host bastion\n  HostName 10.9.0.1\n  User jump\n  Port 2200\n');
writeFileSync(join(dir, 'config.d', '20-db'), 'Host db*\n  User dbadmin\n');
const cfg = join(dir, 'config');
writeFileSync(cfg, [
  '# user ssh config',
  'Include config.d/*',
  'Host node*',
  '  HostName %h.k8s.example.com',
  '  User core',
  '  Port 2222',
  `  IdentityFile ${join(dir, 'missing')}`,
  `  IdentityFile ${dir}/id_%h`,
  '  ProxyJump bastion',
  '  StrictHostKeyChecking accept-new',
  '  UserKnownHostsFile ~/.ssh/fleet_known_hosts /etc/fleet/known_hosts',
  '  ForwardAgent yes',
  '  ConnectTimeout 7',
  'Host node1',
  '  User ignored-first-match-wins',
  'Host plain',
  '  HostName 192.0.2.10',
  '  StrictHostKeyChecking yes',
  '  ProxyJump none',
  '  UserKnownHostsFile none',
  'Host *',
  '  User fallback',
].join('\n'));

test('a host block gives address, user, port, key, jump, host key policy, known_hosts, agent forwarding and timeout', () => {
  clearSshConfigCache();
  const r = resolveSshConfig('node', cfg);
  assert.deepEqual(r, {
    address: 'node.k8s.example.com',
    user: 'core',
    port: 2222,
    privateKeyPath: join(dir, 'missing'), // none exists: the first, so the error names it
    proxyJump: 'jump@10.9.0.1:2200',
    acceptNewHostKeys: true,
    knownHostsPaths: [join(homedir(), '.ssh/fleet_known_hosts'), '/etc/fleet/known_hosts'],
    forwardAgent: true,
    connectTimeoutMs: 7000,
  });
});

test('the first IdentityFile that exists is chosen and %h expands to the HostName', () => {
  writeFileSync(cfg + '-id', `Host n\n  HostName id_node\n  IdentityFile ${dir}/nope\n  IdentityFile ${dir}/%h\n`);
  assert.equal(resolveSshConfig('n', cfg + '-id').privateKeyPath, key);
});

test('the first value wins, as in OpenSSH, and Host * supplies what is still unset', () => {
  assert.equal(resolveSshConfig('node1', cfg).user, 'core');
  assert.equal(resolveSshConfig('other', cfg).user, 'fallback');
});

test('an included file is read, relative to the including file, with globs', () => {
  const r = resolveSshConfig('bastion', cfg);
  assert.equal(r.address, '10.9.0.1');
  assert.equal(r.port, 2200);
  assert.equal(resolveSshConfig('db1', cfg).user, 'dbadmin');
});

test('none values and strict checking turn the corresponding features off', () => {
  const r = resolveSshConfig('plain', cfg);
  assert.equal(r.address, '192.0.2.10');
  assert.equal(r.acceptNewHostKeys, false);
  assert.equal(r.proxyJump, undefined);
  assert.deepEqual(r.knownHostsPaths, []);
});

test('a missing config file gives nothing', () => {
  assert.deepEqual(resolveSshConfig('x', join(dir, 'absent')), {});
});

test('inventory values win over ssh config, which wins over defaults, and undefined never overrides', () => {
  const merged = layerTarget<{ user: string; port: number; address: string }>(
    { user: 'me', port: 22, address: 'a' },
    { user: 'core', port: 2222 },
    { user: 'root', port: undefined },
  );
  assert.deepEqual(merged, { user: 'root', port: 2222, address: 'a' });
});

test('a ProxyJump spec is parsed into user, host and port, and several hops are refused', () => {
  assert.deepEqual(parseJump('jump@10.9.0.1:2200'), { user: 'jump', host: '10.9.0.1', port: 2200 });
  assert.deepEqual(parseJump('bastion'), { host: 'bastion' });
  assert.deepEqual(parseJump('ssh://u@[fd00::1]:22'), { user: 'u', host: 'fd00::1', port: 22 });
  assert.throws(() => parseJump('a,b'), { code: 'transport.other' });
});
