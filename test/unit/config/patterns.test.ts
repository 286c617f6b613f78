// Host patterns with Ansible semantics, and stable sharding.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadInventory } from '../../../src/config/inventory.js';
import { selectHosts, shardHosts, splitPattern } from '../../../src/config/patterns.js';
import { ConfigError } from '../../../src/errors/config-error.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const FIX = join(ROOT, 'test/fixtures/inventory');
const inv = loadInventory([join(FIX, 'k8s-prod.ini')]);
const ALL = [...inv.hosts.keys()];
const short = (hosts: string[]): string[] => hosts.map((h) => h.replace('.prod.example.net', ''));
const W = (...n: number[]): string[] => n.map((i) => `worker${String(i).padStart(2, '0')}`);
const CP = ['cp01', 'cp02', 'cp03'];
const GPU = ['gpu-a', 'gpu-b', 'gpu-c'];
const WORKERS = [...W(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 15, 17, 19), ...GPU];
const MON = ['10.20.0.11', '10.20.0.12', '10.20.0.13'];

test('patterns select hosts with Ansible semantics, in inventory order', () => {
  const rows: Array<[pattern: string | string[], hosts: string[]]> = [
    ['all', short(ALL)],
    ['*', short(ALL)],
    ['k8s_control', CP],
    ['k8s', [...CP, ...WORKERS]],
    ['cp02.prod.example.net', ['cp02']],
    ['10.20.0.11', ['10.20.0.11']],
    ['ungrouped', ['bastion']],
    // unions with , or :
    ['ceph_mon,k8s_control', [...CP, ...MON]],
    ['ceph_mon:k8s_control', [...CP, ...MON]],
    [['ceph_mon', 'k8s_control'], [...CP, ...MON]],
    ['  ceph_mon , k8s_control ', [...CP, ...MON]],
    // exclusions and intersections, applied after unions whatever the order
    ['k8s:!k8s_control', WORKERS],
    ['k8s_workers:&storage_heavy', [...W(1, 2), 'gpu-a']],
    ['&k8s,storage', [...W(1, 2), 'gpu-a']],
    ['!ceph_mon,storage', [...W(1, 2), 'gpu-a']],
    ['!k8s', ['bastion', ...MON]],
    ['k8s:!storage_heavy:&k8s_workers', [...W(3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 15, 17, 19), 'gpu-b', 'gpu-c']],
    // globs match groups and hosts; the built-in groups are never matched by a glob
    ['worker0*', W(1, 2, 3, 4, 5, 6, 7, 8, 9)],
    ['worker1?.prod.example.net', W(10, 11, 12, 13, 15, 17, 19)],
    ['gpu-[ab]*', ['gpu-a', 'gpu-b']],
    ['gpu-[!ab]*', ['gpu-c']],
    ['k8s_c*', CP],
    ['*.prod.example.net:!worker*', ['bastion', ...CP, ...GPU]],
    ['al*', []],
    // regexes, anchored at the start like Python's re.match
    ['~worker(0[1-3]|1[35])\\.', W(1, 2, 3, 13, 15)],
    ['~10\\.20\\.0\\.1[23]', ['10.20.0.12', '10.20.0.13']],
    ['~ceph', MON],
    ['~mon', []],
    // subscripts index the group's hosts (its own, then its children's), inclusive ranges
    ['k8s_control[0]', ['cp01']],
    ['k8s_control[-1]', ['cp03']],
    ['k8s_workers[1:3]', W(2, 3, 4)],
    ['k8s_workers[17:]', ['gpu-b', 'gpu-c']],
    ['storage[0]', ['10.20.0.11']],
    ['storage[0:1],bastion.prod.example.net', ['bastion', '10.20.0.11', '10.20.0.12']],
    ['k8s_control[0]:k8s_control[2]', ['cp01', 'cp03']],
    // one pattern per line of a file, relative to cwd
    ['@limit.txt', [...W(1, 3), ...MON]],
    ['@limit.txt,!ceph_mon', W(1, 3)],
  ];
  for (const [pattern, hosts] of rows) {
    assert.deepEqual(short(selectHosts(inv, pattern, { cwd: FIX }).hosts), hosts, JSON.stringify(pattern));
  }
});

test('plain names that match nothing are reported as unknown; globs and regexes are not', () => {
  const rows: Array<[pattern: string, unknown: string[]]> = [
    ['k8s_control', []],
    ['k8s_control,k8s_worker,!typo', ['k8s_worker', 'typo']],
    ['worker9*', []],
    ['~nothing', []],
    ['nosuch[0]', ['nosuch']],
    ['localhost', ['localhost']],
  ];
  for (const [pattern, unknown] of rows) assert.deepEqual(selectHosts(inv, pattern).unknown, unknown, pattern);
});

test('a limit is applied as an intersection', () => {
  assert.deepEqual(short(selectHosts(inv, 'k8s', { limit: 'storage_heavy' }).hosts), [...W(1, 2), 'gpu-a']);
  assert.deepEqual(short(selectHosts(inv, 'all', { limit: '@limit.txt', cwd: FIX }).hosts), [...W(1, 3), ...MON]);
  assert.deepEqual(selectHosts(inv, 'k8s', { limit: 'typo' }), { hosts: [], unknown: ['typo'] });
});

test('patterns split on "," or else on ":" unless the pattern is one address or range', () => {
  const rows: Array<[pattern: string, parts: string[]]> = [
    ['a:b', ['a', 'b']],
    ['a,b:c', ['a', 'b:c']],
    ['all:!web[0:1]', ['all', '!web[0:1]']],
    ['web[0:2]', ['web[0:2]']],
    ['node[01:20].example.net', ['node[01:20].example.net']],
    ['fe80::1', ['fe80::1']],
    ['[2001:db8::1]:22', ['[2001:db8::1]:22']],
    ['10.0.0.1', ['10.0.0.1']],
    ['web db', ['web', 'db']],
    ['', []],
  ];
  for (const [pattern, parts] of rows) assert.deepEqual(splitPattern(pattern), parts, pattern);
});

test('a subscript past the end, a bad regex or a missing @file is a ConfigError with a code', () => {
  const rows: Array<[pattern: string, code: string]> = [
    ['k8s_control[5]', 'pattern.badSubscript'],
    ['k8s_control[5:]', 'pattern.badSubscript'],
    ['~worker(', 'pattern.badRegex'],
    ['@no-such-file.txt', 'pattern.fileNotFound'],
  ];
  for (const [pattern, code] of rows) {
    assert.throws(() => selectHosts(inv, pattern, { cwd: FIX, loc: { file: 'site.yml', line: 3, col: 10 } }), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.deepEqual([e.code, e.diagnostics[0]!.loc], [code, { file: 'site.yml', line: 3, col: 10 }]);
      return true;
    }, pattern);
  }
});

test('shards partition any host list: every host lands in exactly one of N shards', () => {
  const hosts = Array.from({ length: 1000 }, (_, i) => `node${String(i).padStart(4, '0')}.dc1.example.net`);
  for (const n of [1, 2, 3, 7, 16]) {
    const shards = Array.from({ length: n }, (_, k) => shardHosts(hosts, k + 1, n));
    assert.deepEqual(shards.flat().sort(), [...hosts].sort(), `n=${n}`);
    for (const s of shards) assert.ok(s.length > 1000 / n * 0.7 && s.length < 1000 / n * 1.3, `n=${n} balanced: ${shards.map((x) => x.length)}`);
    // order within a shard is the input order
    for (const s of shards) assert.deepEqual(s, hosts.filter((h) => s.includes(h)));
  }
});

test('a host keeps its shard whatever else is in the list', () => {
  const hosts = Array.from({ length: 200 }, (_, i) => `w${i}`);
  const full = shardHosts(hosts, 2, 5);
  const part = shardHosts(hosts.filter((_, i) => i % 3 === 0).reverse(), 2, 5);
  assert.deepEqual(part, full.filter((h) => part.includes(h)).reverse());
  assert.ok(part.every((h) => full.includes(h)));
  assert.deepEqual(shardHosts(['a', 'b', 'c'], 1, 1), ['a', 'b', 'c']);
});

test('a shard outside 1..N is refused', () => {
  for (const [k, n] of [[0, 3], [4, 3], [1, 0], [1.5, 3]] as const) assert.throws(() => shardHosts(['a'], k, n), RangeError, `${k}/${n}`);
});
