// Loading real Ansible inventories: INI and YAML agree, directories with group_vars/host_vars, precedence with origins.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadInventory, loadInventoryReport, implicitLocalhost, detectFormat } from '../../../src/config/inventory.js';
import { ConfigError } from '../../../src/errors/config-error.js';
import type { Inventory } from '../../../src/model/inventory.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const FIX = join(ROOT, 'test/fixtures/inventory');
const INI = join(FIX, 'k8s-prod.ini');
const YAML = join(FIX, 'k8s-prod.yml');
const LAB = join(FIX, 'lab-dir');

/**
 * Everything about an inventory except source positions, for comparing two formats of the same inventory.
 * Hosts written under `all: hosts:` in YAML are direct members of all, which INI cannot express: all's own host
 * list is left out (both put such hosts in ungrouped).
 */
function shape(inv: Inventory): unknown {
  return {
    hosts: [...inv.hosts.values()].map((h) => ({
      name: h.name,
      vars: h.vars,
      groups: h.groups,
      origins: Object.fromEntries(Object.entries(h.origins).map(([k, o]) => [k, `${o.scope}:${o.name ?? ''}`])),
    })),
    groups: Object.fromEntries([...inv.groups.values()].map((g) => [g.name, { hosts: g.name === 'all' ? [] : g.hosts, children: g.children, vars: g.vars }])),
  };
}

/** A throwaway inventory directory from a { relative path: content } table. */
function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'fleetsweep-inv-'));
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(join(dir, rel, '..'), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
  return dir;
}

test('the INI and the YAML form of the same inventory resolve to identical hosts, groups, vars and origins', () => {
  assert.deepEqual(shape(loadInventory([YAML])), shape(loadInventory([INI])));
});

test('INI host ranges expand with padding, strides and letters, and a :port suffix becomes ansible_port', () => {
  const inv = loadInventory([INI]);
  const names = [...inv.hosts.keys()];
  assert.equal(names.length, 26);
  assert.deepEqual(names.filter((n) => n.startsWith('cp')), ['cp01.prod.example.net', 'cp02.prod.example.net', 'cp03.prod.example.net']);
  assert.deepEqual(names.filter((n) => /^worker1[3-9]/.test(n)), ['worker13.prod.example.net', 'worker15.prod.example.net', 'worker17.prod.example.net', 'worker19.prod.example.net']);
  assert.deepEqual(names.filter((n) => n.startsWith('gpu-')), ['gpu-a.prod.example.net', 'gpu-b.prod.example.net', 'gpu-c.prod.example.net']);
  assert.deepEqual(names.filter((n) => n.startsWith('10.')), ['10.20.0.11', '10.20.0.12', '10.20.0.13']);
  assert.equal(inv.hosts.get('gpu-a.prod.example.net')!.vars['ansible_port'], 2200);
  assert.equal(inv.hosts.get('bastion.prod.example.net')!.vars['ansible_port'], 2222);
});

test('INI values are typed like Ansible: ints, True, Python lists; paths and words stay strings', () => {
  const inv = loadInventory([INI]);
  const w1 = inv.hosts.get('worker01.prod.example.net')!.vars;
  assert.equal(w1['storage_vlan'], 20);
  assert.equal(w1['multipath_enabled'], true);
  assert.equal(w1['ansible_become'], true);
  assert.deepEqual(w1['fleetsweep_addresses'], ['172.26.10.101', '172.26.10.201']);
  assert.equal(w1['ansible_python_interpreter'], '/usr/bin/python3');
  assert.equal(w1['fleetsweep_known_hosts'], 'known_hosts.prod');
  assert.equal(inv.hosts.get('worker13.prod.example.net')!.vars['node_pool'], 'batch');
});

test('hosts belong to every ancestor group and to all; hosts without a group are in ungrouped', () => {
  const inv = loadInventory([INI]);
  assert.deepEqual(inv.hosts.get('bastion.prod.example.net')!.groups, ['all', 'ungrouped']);
  assert.deepEqual(inv.hosts.get('cp01.prod.example.net')!.groups, ['all', 'k8s', 'k8s_control']);
  assert.deepEqual(inv.hosts.get('10.20.0.11')!.groups, ['all', 'storage', 'ceph_mon']);
  assert.deepEqual(inv.groups.get('ungrouped')!.hosts, ['bastion.prod.example.net']);
  assert.deepEqual(inv.groups.get('all')!.children, ['ungrouped', 'k8s', 'storage']);
  assert.deepEqual(inv.groups.get('k8s')!.children, ['k8s_control', 'k8s_workers']);
});

test('variable precedence follows Ansible and every winning value names its origin', () => {
  const inv = loadInventory([INI]);
  const rows: Array<[host: string, v: string, value: unknown, scope: string, name: string | undefined, line: number]> = [
    // all < parent group < child group
    ['cp01.prod.example.net', 'ansible_user', 'sre', 'all', 'all', 31],
    ['cp01.prod.example.net', 'cluster_name', 'prod-eu1', 'group', 'k8s', 38],
    // k8s_workers and storage_heavy share depth 2: ansible_group_priority=10 puts k8s_workers last, so it wins
    ['worker01.prod.example.net', 'storage_vlan', 20, 'group', 'k8s_workers', 41],
    // only storage_heavy sets it
    ['worker01.prod.example.net', 'rbd_map_timeout', 60, 'group', 'storage_heavy', 49],
    // host vars beat group vars
    ['gpu-b.prod.example.net', 'ansible_user', 'gpuadm', 'host', 'gpu-b.prod.example.net', 11],
    ['10.20.0.12', 'ansible_user', 'ceph', 'host', '10.20.0.12', 14],
    ['worker02.prod.example.net', 'ansible_become_user', 'storageadm', 'host', 'worker02.prod.example.net', 19],
    // the :2200 suffix is a host var written where the host is
    ['gpu-a.prod.example.net', 'ansible_port', 2200, 'host', 'gpu-a.prod.example.net', 20],
  ];
  for (const [host, v, value, scope, name, line] of rows) {
    const h = inv.hosts.get(host)!;
    assert.equal(h.vars[v], value, `${host} ${v}`);
    const o = h.origins[v]!;
    assert.deepEqual([o.scope, o.name, o.loc?.file, o.loc?.line], [scope, name, INI, line], `origin of ${host} ${v}`);
  }
});

test('ansible_group_priority orders groups but is not itself a variable', () => {
  const inv = loadInventory([INI]);
  assert.equal('ansible_group_priority' in inv.hosts.get('worker03.prod.example.net')!.vars, false);
  assert.deepEqual(inv.hosts.get('worker01.prod.example.net')!.groups, ['all', 'k8s', 'storage', 'storage_heavy', 'k8s_workers']);
});

test('an inventory directory reads every inventory file in it and its group_vars and host_vars', () => {
  const r = loadInventoryReport([LAB]);
  const inv = r.inventory!;
  assert.ok(inv);
  // 01-hosts (INI without extension) and 02-storage.yml; README.md, hosts.retry and .hidden are skipped
  assert.deepEqual([...inv.hosts.keys()], [
    'node01.lab.example.net', 'node02.lab.example.net', 'node03.lab.example.net', 'node04.lab.example.net',
    'node05.lab.example.net', 'node06.lab.example.net', 'ceph1.lab.example.net', 'ceph2.lab.example.net', 'ceph3.lab.example.net',
  ]);
  const warnings = r.diagnostics.filter((d) => d.severity === 'warning');
  assert.deepEqual(warnings.map((d) => [d.code, d.loc.file, d.hint]), [
    ['inventory.unusedVars', join(LAB, 'group_vars/k8s_worker.yml'), 'did you mean "k8s_workers"?'],
  ]);
});

test('group_vars and host_vars files rank as in Ansible, above the inventory file', () => {
  const inv = loadInventory([LAB]);
  const gv = (f: string): string => join(LAB, 'group_vars', f);
  const rows: Array<[host: string, v: string, value: unknown, scope: string, name: string, file: string]> = [
    // group_vars/all.yml wins over [k8s_workers:vars] written in the inventory file (Ansible's precedence 3 < 4)
    ['node03.lab.example.net', 'ntp_server', 'ntp.lab.example.net', 'all', 'all', gv('all.yml')],
    // group_vars/k8s_workers/ (depth 2) beats group_vars/k8s.yaml (depth 1) beats group_vars/all.yml
    ['node03.lab.example.net', 'storage_vlan', 20, 'group', 'k8s_workers', gv('k8s_workers/10-main.yml')],
    ['ceph1.lab.example.net', 'storage_vlan', 1, 'all', 'all', gv('all.yml')],
    ['node03.lab.example.net', 'kubelet_root', '/var/lib/kubelet', 'group', 'k8s', gv('k8s.yaml')],
    // gpu and k8s_workers share depth 2: same priority, so the name decides and k8s_workers comes last
    ['node05.lab.example.net', 'storage_vlan', 20, 'group', 'k8s_workers', gv('k8s_workers/10-main.yml')],
    // a file without extension
    ['node05.lab.example.net', 'nvidia_driver', '535', 'group', 'gpu', gv('gpu')],
    // later files of a group_vars/NAME/ directory override earlier ones
    ['node03.lab.example.net', 'multipath_blacklist', ['sda', 'sdb'], 'group', 'k8s_workers', gv('k8s_workers/20-storage.yml')],
    // host_vars beat host vars written in the inventory file (ansible_port=22 on the INI line)
    ['node01.lab.example.net', 'ansible_port', 2201, 'host', 'node01.lab.example.net', join(LAB, 'host_vars/node01.lab.example.net.yml')],
    ['node02.lab.example.net', 'ansible_host', '10.0.1.2', 'host', 'node02.lab.example.net', join(LAB, 'host_vars/node02.lab.example.net/main.yml')],
    // a host var from the YAML file of the same directory
    ['node01.lab.example.net', 'rack', 'r1', 'host', 'node01.lab.example.net', join(LAB, '02-storage.yml')],
    // YAML 1.1 as Ansible reads it: `yes` is true
    ['ceph2.lab.example.net', 'ansible_become', true, 'all', 'all', gv('all.yml')],
    ['ceph2.lab.example.net', 'ansible_user', 'cephadm', 'host', 'ceph2.lab.example.net', join(LAB, '02-storage.yml')],
  ];
  for (const [host, v, value, scope, name, file] of rows) {
    const h = inv.hosts.get(host)!;
    assert.deepEqual(h.vars[v], value, `${host} ${v}`);
    const o = h.origins[v]!;
    assert.deepEqual([o.scope, o.name, o.loc?.file], [scope, name, file], `origin of ${host} ${v}`);
  }
  assert.equal(inv.hosts.get('ceph1.lab.example.net')!.vars['storage_vlan'], 1);
  assert.equal('storage_vlan' in inv.groups.get('k8s_workers')!.vars, true, 'Group.vars include its group_vars files');
});

test('when several -i sources are given, hosts and groups merge and later sources override variables', () => {
  const a = tree({ 'a.ini': '[web]\nweb1 role=old\n\n[web:vars]\nport=80\nowner=a\n' });
  const b = tree({ 'b.yml': 'all:\n  children:\n    web:\n      hosts:\n        web2:\n        web1:\n          role: new\n      vars:\n        port: 8080\n    db:\n      hosts:\n        db1:\n' });
  const inv = loadInventory([join(a, 'a.ini'), join(b, 'b.yml')]);
  assert.deepEqual([...inv.hosts.keys()], ['web1', 'web2', 'db1']);
  assert.deepEqual(inv.groups.get('web')!.hosts, ['web1', 'web2']);
  assert.deepEqual(inv.hosts.get('web1')!.vars, { port: 8080, owner: 'a', role: 'new' });
  assert.equal(inv.hosts.get('web1')!.origins['port']!.loc!.file, join(b, 'b.yml'));
  assert.deepEqual(inv.sources, [join(a, 'a.ini'), join(b, 'b.yml')]);
});

test('YAML inventories accept null hosts, string shorthands, top-level groups besides all, and ranges in keys', () => {
  const d = tree({
    'hosts.yml': [
      'all:',
      '  hosts:',
      '    jump:',
      'k8s_workers:',
      '  hosts:',
      '    node[01:03]:',
      '      ansible_user: core',
      '    node04:2222:',
      'ceph:',
      '  hosts: ceph01',
      '  children: ceph_osd',
      'ceph_osd:',
      '  hosts:',
      '    "[2001:db8::10]:2200":',
      '',
    ].join('\n'),
  });
  const inv = loadInventory([join(d, 'hosts.yml')]);
  assert.deepEqual([...inv.hosts.keys()], ['jump', 'node01', 'node02', 'node03', 'node04', 'ceph01', '2001:db8::10']);
  assert.equal(inv.hosts.get('node02')!.vars['ansible_user'], 'core');
  assert.equal(inv.hosts.get('node04')!.vars['ansible_port'], 2222);
  assert.equal(inv.hosts.get('2001:db8::10')!.vars['ansible_port'], 2200);
  assert.deepEqual(inv.hosts.get('2001:db8::10')!.groups, ['all', 'ceph', 'ceph_osd']);
  assert.deepEqual(inv.hosts.get('jump')!.groups, ['all', 'ungrouped']);
});

test('YAML anchors, aliases and merge keys work in hosts and vars, with explicit keys winning', () => {
  const d = tree({
    'hosts.yml': [
      'all:',
      '  vars: &base',
      '    ansible_user: core',
      '    ansible_become: yes',
      '  children:',
      '    gpu:',
      '      vars:',
      '        <<: *base',
      '        ansible_user: gpuadm',
      '      hosts:',
      '        gpu01: &gpuhost',
      '          gpu_count: 8',
      '        gpu02: *gpuhost',
      '        gpu03:',
      '          <<: [*gpuhost, *base]',
      '          gpu_count: 4',
      '',
    ].join('\n'),
  });
  const inv = loadInventory([join(d, 'hosts.yml')]);
  assert.deepEqual(inv.hosts.get('gpu02')!.vars, { ansible_user: 'gpuadm', ansible_become: true, gpu_count: 8 });
  assert.deepEqual(inv.hosts.get('gpu03')!.vars, { ansible_user: 'core', ansible_become: true, gpu_count: 4 });
  assert.equal(inv.hosts.get('gpu03')!.origins['ansible_user']!.loc!.line, 3, 'a merged value points at the anchored definition');
});

test('the JSON printed by ansible-inventory --list loads, with _meta.hostvars as host vars', () => {
  const inv = loadInventory([join(FIX, 'ansible-inventory-list.json')]);
  assert.deepEqual([...inv.hosts.keys()], ['edge01', 'edge02', 'tools01']);
  assert.deepEqual(inv.hosts.get('edge02')!.vars, { site: 'fra1', ansible_host: '203.0.113.22' });
  assert.deepEqual(inv.hosts.get('edge02')!.groups, ['all', 'edge', 'edge_gpu']);
  assert.equal(inv.hosts.has('orphan'), false, 'hostvars of hosts no group lists are ignored, as Ansible does');
});

test('a comma-separated host list works as an inventory, as with ansible -i "h1,h2,"', () => {
  const inv = loadInventory(['node1, node2:2222,']);
  assert.deepEqual([...inv.hosts.keys()], ['node1', 'node2']);
  assert.equal(inv.hosts.get('node2')!.vars['ansible_port'], 2222);
  assert.deepEqual(inv.hosts.get('node1')!.groups, ['all', 'ungrouped']);
  assert.deepEqual([...loadInventory([join(tmpdir(), '10.0.0.1,10.0.0.2')]).hosts.keys()], ['10.0.0.1', '10.0.0.2'], 'a list that was resolved as a path');
});

test('without -i the implicit inventory is localhost with a local connection, in all', () => {
  const inv = implicitLocalhost();
  assert.deepEqual([...inv.hosts.keys()], ['localhost']);
  const h = inv.hosts.get('localhost')!;
  assert.equal(h.vars['ansible_connection'], 'local');
  assert.equal(h.origins['ansible_connection']!.scope, 'default');
  assert.ok(h.groups.includes('all'));
  assert.deepEqual(inv.sources, []);
});

test('formats are recognised by extension first and then by content', () => {
  const rows: Array<[file: string, text: string, format: string]> = [
    ['hosts.yml', '[web]\nweb1\n', 'yaml'],
    ['hosts.ini', 'all:\n  hosts:\n', 'ini'],
    ['hosts', '# comment\n[web]\nweb1\n', 'ini'],
    ['hosts', 'web1 ansible_host=10.0.0.1\nweb2\n', 'ini'],
    ['hosts', 'web1:2222\n', 'ini'],
    ['hosts', '---\nall:\n  hosts:\n    web1:\n', 'yaml'],
    ['hosts', 'all:\n  hosts:\n    web1:\n', 'yaml'],
    ['hosts', '', 'ini'],
    ['ec2.py', '#!/usr/bin/env python3\nprint("{}")\n', 'script'],
    ['secret', '$ANSIBLE_VAULT;1.1;AES256\n6162\n', 'vault'],
  ];
  for (const [file, text, format] of rows) assert.equal(detectFormat(file, text), format, `${file}: ${JSON.stringify(text)}`);
});

test('all problems of all files are reported at once in one ConfigError', () => {
  const d = tree({
    'a.ini': '[web]\nweb[01:]\n[web:child]\n',
    'b.yml': 'all:\n  hosts:\n    db1:\n      ansible_port: 0\n  chlidren:\n',
  });
  try {
    loadInventory([join(d, 'a.ini'), join(d, 'b.yml')]);
    assert.fail('expected a ConfigError');
  } catch (e) {
    assert.ok(e instanceof ConfigError);
    assert.deepEqual(e.diagnostics.filter((x) => x.severity === 'error').map((x) => `${x.loc.file.slice(d.length + 1)}:${x.loc.line}:${x.loc.col} ${x.code}`), [
      'a.ini:2:4 inventory.badRange',
      'a.ini:3:6 inventory.iniSyntax',
      'b.yml:4:21 inventory.badPort',
      'b.yml:5:3 inventory.unknownKey',
    ]);
    assert.equal(e.exitCode, 3);
    assert.ok(e.sources.get(join(d, 'b.yml'))!.includes('chlidren'));
  }
});

test('an inventory path that does not exist is an error with a suggestion', () => {
  const d = tree({ 'hosts.ini': '[web]\nweb1\n' });
  const r = loadInventoryReport([join(d, 'host.ini')]);
  assert.equal(r.inventory, undefined);
  assert.deepEqual(r.diagnostics.map((x) => [x.code, x.hint]), [['inventory.notFound', `did you mean "${join(d, 'hosts.ini')}"?`]]);
});

test('inventory scripts, plugin configs and vault files are refused with a way out, not executed', () => {
  const d = tree({
    'ec2.py': '#!/usr/bin/env python3\nprint("{}")\n',
    'aws_ec2.yml': 'plugin: amazon.aws.aws_ec2\n',
    'secret.yml': '$ANSIBLE_VAULT;1.1;AES256\n3031\n',
  });
  const r = loadInventoryReport([join(d, 'ec2.py'), join(d, 'aws_ec2.yml'), join(d, 'secret.yml')]);
  assert.deepEqual(r.diagnostics.map((x) => x.code), ['inventory.scriptUnsupported', 'inventory.pluginUnsupported', 'inventory.vaultUnsupported']);
  assert.match(r.diagnostics[0]!.hint!, /ansible-inventory -i ec2.py --list/);
});

test('vault-encrypted values and group_vars files are skipped with a warning instead of used as ciphertext', () => {
  const d = tree({
    'hosts.yml': 'all:\n  hosts:\n    n1:\n      become_pass: !vault |\n        $ANSIBLE_VAULT;1.1;AES256\n        3031\n      plain: !unsafe "{{ not templated }}"\n',
    'group_vars/all/vault.yml': '$ANSIBLE_VAULT;1.1;AES256\n3031\n',
    'group_vars/all/main.yml': 'ntp: pool.ntp.org\n',
  });
  const r = loadInventoryReport([join(d, 'hosts.yml')]);
  assert.deepEqual(r.inventory!.hosts.get('n1')!.vars, { ntp: 'pool.ntp.org', plain: '{{ not templated }}' });
  assert.deepEqual(r.diagnostics.map((x) => x.code), ['inventory.vaultUnsupported', 'inventory.vaultUnsupported']);
});

test('INI warns where Ansible keeps a trailing comment as part of a :vars value', () => {
  const d = tree({ 'hosts': '[web]\nweb1\n[web:vars]\nhttp_port=8080 # parsed as 8080\nowner=sre # kept as "sre # ..."\n' });
  const r = loadInventoryReport([join(d, 'hosts')]);
  assert.deepEqual(r.inventory!.hosts.get('web1')!.vars, { http_port: 8080, owner: 'sre # kept as "sre # ..."' });
  assert.deepEqual(r.diagnostics.map((x) => `${x.loc.line}:${x.loc.col} ${x.code}`), ['5:11 inventory.iniComment']);
});

test('a [group:children] section may name groups declared later in the file', () => {
  const d = tree({ 'hosts': '[k8s:children]\nworkers\n\n[workers]\nw1\n' });
  const inv = loadInventory([join(d, 'hosts')]);
  assert.deepEqual(inv.hosts.get('w1')!.groups, ['all', 'k8s', 'workers']);
});

test('a connection plugin fleetsweep cannot use is a warning, so shared inventories still load', () => {
  const d = tree({ 'hosts': '[switches]\nsw1 ansible_connection=network_cli\n[k8s]\nn1\n' });
  const r = loadInventoryReport([join(d, 'hosts')]);
  assert.ok(r.inventory);
  assert.deepEqual(r.diagnostics.map((x) => `${x.loc.line}:${x.loc.col} ${x.severity} ${x.code}`), ['2:24 warning inventory.unsupportedConnection']);
});
