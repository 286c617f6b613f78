// INI values as Ansible types them (shlex + ast.literal_eval), and host range / port expansion.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pyLiteral, shlexSplit } from '../../../src/config/inventory-ini-values.js';
import { parseHostKey } from '../../../src/config/inventory-hostpattern.js';

test('literal_eval turns Python literals into values and leaves everything else as the text', () => {
  const rows: Array<[text: string, value: unknown]> = [
    ['22', 22],
    ['-5', -5],
    ['1_000', 1000],
    ['0x1F', 31],
    ['0o17', 15],
    ['0b101', 5],
    ['1.5', 1.5],
    ['1e3', 1000],
    ['True', true],
    ['False', false],
    ['None', null],
    ["'22'", '22'],
    ['"a b"', 'a b'],
    ["'it''s'", 'its'],
    ["'tab\\there'", 'tab\there'],
    ["r'C:\\new'", 'C:\\new'],
    ["['a', 'b']", ['a', 'b']],
    ['[1, [2, 3],]', [1, [2, 3]]],
    ["('a', 1)", ['a', 1]],
    ['1, 2', [1, 2]],
    ['(7)', 7],
    ["{'k': 1, 'j': [True]}", { k: 1, j: [true] }],
    ['{}', {}],
    ['{1, 2}', [1, 2]],
    ['8080 # a comment', 8080],
    // not literals: Ansible keeps the text
    ['true', 'true'],
    ['yes', 'yes'],
    ['no', 'no'],
    ['FALSE', 'FALSE'],
    ['010', '010'],
    ['10-5', '10-5'],
    ['10.0.0.1', '10.0.0.1'],
    ['2001:db8::1', '2001:db8::1'],
    ['/usr/bin/python3', '/usr/bin/python3'],
    ['rbd.csi.ceph.com', 'rbd.csi.ceph.com'],
    ['1j', '1j'],
    ['9007199254740993', '9007199254740993'],
    ['[1, 2', '[1, 2'],
    ['sre # owner', 'sre # owner'],
    ['', ''],
  ];
  for (const [text, value] of rows) assert.deepEqual(pyLiteral(text), value, JSON.stringify(text));
});

test('host lines split like shlex: quotes group, # starts a comment even inside a word', () => {
  const rows: Array<[line: string, tokens: string[] | string]> = [
    ['web1 a=1 b=2', ['web1', 'a=1', 'b=2']],
    ['web1   a="x y"  b=\'z w\'', ['web1', 'a=x y', 'b=z w']],
    ['web1 pw="\'03#pa33\'"', ['web1', "pw='03#pa33'"]],
    ['web1 pw=ab#cd e=f', ['web1', 'pw=ab']],
    ['web1 # comment a=1', ['web1']],
    ['web1 a=x\\ y', ['web1', 'a=x y']],
    ['web1 a="say \\"hi\\""', ['web1', 'a=say "hi"']],
    ['web1 a="open', 'no closing quotation'],
  ];
  for (const [line, want] of rows) {
    const r = shlexSplit(line);
    if (typeof want === 'string') assert.ok('error' in r && r.error === want, line);
    else assert.deepEqual('tokens' in r ? r.tokens.map((t) => t.text) : r, want, line);
  }
});

test('host keys expand ranges and split ports like Ansible', () => {
  const rows: Array<[key: string, hosts: string[], port?: number]> = [
    ['node01', ['node01']],
    ['node[1:3]', ['node1', 'node2', 'node3']],
    ['node[01:03]', ['node01', 'node02', 'node03']],
    ['node[08:12:2]', ['node08', 'node10', 'node12']],
    ['node[:2]', ['node0', 'node1', 'node2']],
    ['rack[a:c]', ['racka', 'rackb', 'rackc']],
    ['rack[y:B]', ['racky', 'rackz', 'rackA', 'rackB']],
    ['r[a:b]n[1:2]', ['ran1', 'ran2', 'rbn1', 'rbn2']],
    ['10.0.0.[1:3]', ['10.0.0.1', '10.0.0.2', '10.0.0.3']],
    ['node01:2222', ['node01'], 2222],
    ['node[1:2]:2222', ['node1', 'node2'], 2222],
    ['10.0.0.5:22', ['10.0.0.5'], 22],
    ['[2001:db8::1]:2200', ['2001:db8::1'], 2200],
    ['2001:db8::1', ['2001:db8::1']],
  ];
  for (const [key, hosts, port] of rows) {
    assert.deepEqual(parseHostKey(key), port === undefined ? { hosts } : { hosts, port }, key);
  }
});

test('bad host keys are refused with the offset of the problem', () => {
  const rows: Array<[key: string, code: string, at: number]> = [
    ['node[01:]', 'inventory.badRange', 4],
    ['node[5:1]', 'inventory.badRange', 4],
    ['node[01:5]', 'inventory.badRange', 4],
    ['node[1:3:0]', 'inventory.badRange', 4],
    ['node[a:5]', 'inventory.badRange', 4],
    ['node[1:2:3:4]', 'inventory.badRange', 4],
    ['node[1:3', 'inventory.badRange', 4],
    ['node1]', 'inventory.badRange', 5],
    ['node[0:9999999]', 'inventory.badRange', 4],
    ['node01:70000', 'inventory.badPort', 7],
    ['node01:', 'inventory.badHostName', 6],
    ['sre@node01', 'inventory.badHostName', 0],
    ['node/01', 'inventory.badHostName', 0],
    ['---', 'inventory.badHostName', 0],
  ];
  for (const [key, code, at] of rows) {
    const r = parseHostKey(key);
    assert.ok('error' in r, key);
    assert.deepEqual([r.error.code, r.error.at], [code, at], key);
  }
});
