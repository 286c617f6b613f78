// hostConnection: how a host is reached, from ansible_* and fleetsweep_* variables.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hostConnection } from '../../../src/config/host-connection.js';
import { implicitLocalhost, loadInventory } from '../../../src/config/inventory.js';
import type { Host, HostConnection, Vars } from '../../../src/model/inventory.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const INI = join(ROOT, 'test/fixtures/inventory/k8s-prod.ini');

function host(vars: Vars, name = 'node01'): Host {
  return { name, vars, origins: {}, groups: ['all'] };
}

test('variables map to connection fields, and unset ones stay undefined for ~/.ssh/config', () => {
  const rows: Array<[what: string, vars: Vars, want: HostConnection]> = [
    ['nothing set', {}, { kind: 'ssh', address: 'node01', become: false, becomeUser: 'root', addresses: ['node01'] }],
    ['the usual ansible_* names', { ansible_host: '10.0.0.1', ansible_port: 2222, ansible_user: 'sre', ansible_ssh_private_key_file: '/keys/id', ansible_become: true, ansible_become_user: 'ops' },
      { kind: 'ssh', address: '10.0.0.1', port: 2222, user: 'sre', privateKeyPath: '/keys/id', become: true, becomeUser: 'ops', addresses: ['10.0.0.1'] }],
    ['the old ansible_ssh_* names', { ansible_ssh_host: '10.0.0.2', ansible_ssh_port: '2200', ansible_ssh_user: 'root' },
      { kind: 'ssh', address: '10.0.0.2', port: 2200, user: 'root', become: false, becomeUser: 'root', addresses: ['10.0.0.2'] }],
    ['ansible_host wins over ansible_ssh_host', { ansible_host: 'a', ansible_ssh_host: 'b' }, { kind: 'ssh', address: 'a', become: false, becomeUser: 'root', addresses: ['a'] }],
    ['become as an INI/YAML word', { ansible_become: 'yes' }, { kind: 'ssh', address: 'node01', become: true, becomeUser: 'root', addresses: ['node01'] }],
    ['become false words', { ansible_become: 'False' }, { kind: 'ssh', address: 'node01', become: false, becomeUser: 'root', addresses: ['node01'] }],
    ['a local connection', { ansible_connection: 'local' }, { kind: 'local', address: 'node01', become: false, becomeUser: 'root', addresses: ['node01'] }],
    ['fleetsweep_connection overrides ansible_connection', { ansible_connection: 'local', fleetsweep_connection: 'ssh' }, { kind: 'ssh', address: 'node01', become: false, becomeUser: 'root', addresses: ['node01'] }],
    ['ssh aliases', { ansible_connection: 'smart' }, { kind: 'ssh', address: 'node01', become: false, becomeUser: 'root', addresses: ['node01'] }],
    ['storage addresses after the ssh address, deduplicated', { ansible_host: '10.0.0.1', fleetsweep_addresses: ['172.26.10.105', '10.0.0.1', '172.26.10.105'] },
      { kind: 'ssh', address: '10.0.0.1', become: false, becomeUser: 'root', addresses: ['10.0.0.1', '172.26.10.105'] }],
    ['storage addresses as text', { fleetsweep_addresses: '172.26.10.105, 172.26.11.105' },
      { kind: 'ssh', address: 'node01', become: false, becomeUser: 'root', addresses: ['node01', '172.26.10.105', '172.26.11.105'] }],
    ['a key in the home directory', { ansible_ssh_private_key_file: '~/.ssh/fleet' },
      { kind: 'ssh', address: 'node01', privateKeyPath: join(homedir(), '.ssh/fleet'), become: false, becomeUser: 'root', addresses: ['node01'] }],
    ['an absolute known_hosts', { fleetsweep_known_hosts: '/etc/fleet/known_hosts' },
      { kind: 'ssh', address: 'node01', knownHostsPath: '/etc/fleet/known_hosts', become: false, becomeUser: 'root', addresses: ['node01'] }],
  ];
  for (const [what, vars, want] of rows) assert.deepEqual(hostConnection(host(vars)), want, what);
});

test('a relative fleetsweep_known_hosts is relative to the inventory file that sets it', () => {
  const inv = loadInventory([INI]);
  const c = hostConnection(inv.hosts.get('worker01.prod.example.net')!);
  assert.equal(c.knownHostsPath, join(ROOT, 'test/fixtures/inventory/known_hosts.prod'));
  assert.deepEqual(c.addresses, ['worker01.prod.example.net', '172.26.10.101', '172.26.10.201']);
  assert.deepEqual([c.user, c.become, c.becomeUser], ['sre', true, 'root']);
});

test('a relative fleetsweep_known_hosts in group_vars is relative to the inventory directory', () => {
  const inv = loadInventory([join(ROOT, 'test/fixtures/inventory/lab-dir')]);
  const c = hostConnection(inv.hosts.get('node04.lab.example.net')!);
  assert.equal(c.knownHostsPath, join(ROOT, 'test/fixtures/inventory/lab-dir/known_hosts'));
});

test('templated connection values are rendered when a renderer is given', () => {
  const h = host({ ansible_host: '{{ inventory_hostname }}.mgmt', ansible_port: '{{ base }}' });
  const render = (t: string): string => t.replace('{{ inventory_hostname }}', 'node01').replace('{{ base }}', '2201');
  const c = hostConnection(h, { render });
  assert.deepEqual([c.address, c.port], ['node01.mgmt', 2201]);
  assert.deepEqual([hostConnection(h).address, hostConnection(h).port], ['{{ inventory_hostname }}.mgmt', undefined]);
});

test('the implicit localhost connects locally', () => {
  const c = hostConnection(implicitLocalhost().hosts.get('localhost')!);
  assert.deepEqual(c, { kind: 'local', address: 'localhost', become: false, becomeUser: 'root', addresses: ['localhost'] });
});
