// crossCheck: unknown groups in hosts patterns and undefined variables, found before any host is contacted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadPlaybook } from '../../../src/config/playbook.js';
import { crossCheck } from '../../../src/config/crosscheck.js';
import type { Inventory, Host, Group, Vars } from '../../../src/model/inventory.js';

const FIXTURES = fileURLToPath(new URL('../../../../test/fixtures/playbooks/', import.meta.url));

/** The same inventory as test/fixtures/playbooks/inventory/small.yml, built by hand (no inventory loader needed). */
function smallInventory(): Inventory {
  const hosts = new Map<string, Host>();
  const groups = new Map<string, Group>();
  const allVars: Vars = { image: 'kubernetes-dynamic-pvc-1bf69589' };
  const host = (name: string, vars: Vars, gs: string[]): void => {
    hosts.set(name, { name, vars: { ...allVars, ...vars }, origins: {}, groups: ['all', ...gs] });
  };
  host('node1', { storage_array: 'huawei-1' }, ['nodes']);
  host('node2', { storage_array: 'huawei-1' }, ['nodes', 'ceph_clients']);
  host('admin1', {}, ['ceph_admin']);
  const group = (name: string, hs: string[], children: string[] = [], vars: Vars = {}): void => { groups.set(name, { name, hosts: hs, children, vars }); };
  group('all', [], ['ungrouped', 'nodes', 'ceph_clients', 'ceph_admin'], allVars);
  group('ungrouped', []);
  group('nodes', ['node1', 'node2']);
  group('ceph_clients', ['node2']);
  group('ceph_admin', ['admin1']);
  return { sources: [], hosts, groups };
}

function check(yaml: string, extra: Vars = {}): Array<[string, number, number, string]> {
  const file = join(mkdtempSync(join(tmpdir(), 'fleetsweep-cc-')), 'p.yml');
  writeFileSync(file, yaml);
  const { playbook } = loadPlaybook(file);
  return crossCheck(playbook, smallInventory(), extra).map((d) => [d.code, d.loc.line, d.loc.col, d.message]);
}

test('the good fixture playbooks pass the cross-check against the small inventory', () => {
  for (const name of ['plain.yml', 'loops.yml', 'contract.yml', 'two-play.yml']) {
    const { playbook } = loadPlaybook(join(FIXTURES, name));
    assert.deepEqual(crossCheck(playbook, smallInventory(), { extra_flags: '-v' }), [], name);
  }
});

test('a hosts pattern naming a missing group is an error with a did you mean', () => {
  const got = check('- hosts: node\n  tasks: [{shell: ls}]\n- hosts: "nodes:&ceph_client:!admin1"\n  tasks: [{shell: ls}]\n');
  assert.deepEqual(got.map(([c, l, col]) => [c, l, col]), [['config.unknownGroup', 1, 10], ['config.unknownGroup', 3, 10]]);
  assert.match(got[0]![3], /"node".*did you mean "nodes"/);
  assert.match(got[1]![3], /"ceph_client".*did you mean "ceph_clients"/);
});

test('groups created by earlier group_by and add_host tasks may be targeted by later plays', () => {
  assert.deepEqual(check([
    '- hosts: ceph_admin',
    '  tasks:',
    '    - group_by: {key: "dirty_{{ inventory_hostname }}"}',
    '    - add_host: {name: node9, groups: [rescued]}',
    '- hosts: "dirty_admin1:rescued:node9"',
    '  tasks: [{shell: ls}]',
  ].join('\n') + '\n'), []);
});

test('a templated hosts pattern is not matched against the inventory', () => {
  assert.deepEqual(check('- hosts: "{{ target }}"\n  tasks: [{shell: ls}]\n', { target: 'whatever' }), []);
});

test('a variable defined nowhere is an error at its template, with a did you mean over the known names', () => {
  const got = check([
    '- hosts: nodes',
    '  vars: {pool: kube}',
    '  tasks:',
    '    - shell: rbd showmapped -p {{ pool }}',
    '      register: mapped',
    '    - shell: echo {{ maped.stdout }}',
    '    - shell: echo {{ imagee }}',
  ].join('\n') + '\n');
  assert.deepEqual(got.map(([c, l, col]) => [c, l, col]), [['config.undefinedVar', 6, 14], ['config.undefinedVar', 7, 14]]);
  assert.match(got[0]![3], /"maped".*did you mean "mapped"/);
  assert.match(got[1]![3], /"imagee".*did you mean "image"/);
});

test('variables from every source count as defined', () => {
  assert.deepEqual(check([
    '- hosts: nodes',
    '  vars: {a: 1}',
    '  tasks:',
    '    - shell: echo {{ a }} {{ b }} {{ image }} {{ storage_array }} {{ inventory_hostname }} {{ groups.nodes }}',
    '      vars: {b: 2}',
    '      register: r1',
    '    - set_fact: {f: "{{ r1.stdout }}"}',
    '    - add_host: {name: x, hv: 1}',
    '- hosts: nodes',
    '  tasks:',
    '    - shell: echo {{ r1.rc }} {{ f }} {{ hv }} {{ from_cli }} {{ fleetsweep_run_id }}',
  ].join('\n') + '\n', { from_cli: 1 }), []);
});

test('play vars do not leak into later plays but registered results do', () => {
  const got = check('- hosts: nodes\n  vars: {a: 1}\n  tasks: [{shell: ls, register: r}]\n- hosts: nodes\n  tasks: [{shell: "echo {{ a }} {{ r.rc }}"}]\n');
  assert.deepEqual(got.map(([c, , , m]) => [c, m.split(' ')[0]]), [['config.undefinedVar', '"a"']]);
});

test('a register is readable in its own until, changed_when and failed_when but not in its own command', () => {
  const got = check('- hosts: nodes\n  tasks:\n    - shell: echo {{ r }}\n      register: r\n      until: r.rc == 0\n      changed_when: r.stdout != ""\n      failed_when: r.rc > 1\n');
  assert.deepEqual(got.map(([c, l]) => [c, l]), [['config.undefinedVar', 3]]);
});

test('item is defined only in tasks that loop, and a renamed loop var replaces it', () => {
  const got = check([
    '- hosts: nodes',
    '  tasks:',
    '    - shell: echo {{ item }}',
    '    - shell: echo {{ item }} {{ ansible_loop.index }}',
    '      loop: [1, 2]',
    '    - shell: echo {{ dev }} {{ item }}',
    '      loop: [1, 2]',
    '      loop_control: {loop_var: dev}',
  ].join('\n') + '\n');
  assert.deepEqual(got.map(([c, l]) => [c, l]), [['config.undefinedVar', 3], ['config.undefinedVar', 6]]);
});

test('guarded reads are not errors', () => {
  assert.deepEqual(check('- hosts: nodes\n  tasks:\n    - shell: echo {{ x | default(1) }}\n      when: y is defined and y\n'), []);
});

test('templates inside vars, set_fact, literal loops and environment are checked where they are written', () => {
  const got = check([
    '- hosts: nodes',
    '  vars:',
    '    a: "{{ nope1 }}"',
    '  tasks:',
    '    - set_fact:',
    '        b: ["{{ nope2 }}"]',
    '    - shell: ls',
    '      loop: ["{{ nope3 }}"]',
    '      environment: {X: "{{ nope4 }}"}',
  ].join('\n') + '\n');
  assert.deepEqual(got.map(([c, l, col]) => [c, l, col]), [['config.undefinedVar', 3, 8], ['config.undefinedVar', 6, 13], ['config.undefinedVar', 8, 14], ['config.undefinedVar', 9, 24]]);
});
