// --shard K/N: parsing, and that the N shards partition an inventory exactly and stably.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyShard, parseShard } from '../../../src/cli/shard.js';
import { runCli } from '../../helpers/cli.js';

describe('parseShard', () => {
  for (const [spec, want] of [['1/1', { k: 1, n: 1 }], ['2/4', { k: 2, n: 4 }], [' 4 / 4 ', { k: 4, n: 4 }], ['17/64', { k: 17, n: 64 }]] as const) {
    test(`"${spec}" is shard ${want.k} of ${want.n}`, () => assert.deepEqual(parseShard(spec), want));
  }
  for (const bad of ['0/4', '5/4', '1/0', '2-4', '2', '', 'a/b', '-1/4', '1.5/4']) {
    test(`"${bad}" is a usage error`, () => assert.throws(() => parseShard(bad), (e: unknown) => (e as { code: string; exitCode: number }).code === 'usage.badShard' && (e as { exitCode: number }).exitCode === 2));
  }
});

describe('applyShard', () => {
  const hosts = Array.from({ length: 2000 }, (_, i) => `k8s-node-${String(i).padStart(4, '0')}.prod.example.net`);

  for (const n of [1, 2, 3, 4, 7, 16]) {
    test(`the ${n} shard(s) of 2,000 hosts are disjoint, cover every host, and keep inventory order`, () => {
      const shards = Array.from({ length: n }, (_, k) => applyShard(hosts, { k: k + 1, n }));
      const all = shards.flat();
      assert.equal(all.length, hosts.length);
      assert.equal(new Set(all).size, hosts.length);
      for (const s of shards) assert.deepEqual(s, hosts.filter((h) => s.includes(h)));
      if (n > 1) for (const s of shards) assert.ok(s.length > (hosts.length / n) * 0.8 && s.length < (hosts.length / n) * 1.2, `balanced: ${shards.map((x) => x.length).join(',')}`);
    });
  }

  test('a host stays in its shard when other hosts come and go', () => {
    const before = applyShard(hosts, { k: 3, n: 8 });
    const shrunk = hosts.filter((_, i) => i % 3 !== 0);
    const grown = [...hosts, ...Array.from({ length: 100 }, (_, i) => `new-${i}`)];
    assert.deepEqual(applyShard(shrunk, { k: 3, n: 8 }), before.filter((h) => shrunk.includes(h)));
    assert.deepEqual(applyShard(grown, { k: 3, n: 8 }).filter((h) => !h.startsWith('new-')), before);
  });

  test('without a shard every host is kept', () => assert.equal(applyShard(hosts, undefined), hosts));
});

test('inventory list --shard partitions the inventory the same way', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fs-shard-'));
  const inv = join(dir, 'hosts.yml');
  const names = Array.from({ length: 60 }, (_, i) => `n${i}`);
  writeFileSync(inv, `all:\n  children:\n    nodes:\n      hosts:\n${names.map((n) => `        ${n}: {}\n`).join('')}`);
  const seen: string[] = [];
  for (let k = 1; k <= 3; k++) {
    const r = await runCli(['inventory', 'list', '-i', inv, '--shard', `${k}/3`, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const listed = Object.keys((JSON.parse(r.stdout) as { hosts: Record<string, unknown> }).hosts);
    assert.deepEqual(listed, applyShard(names, { k, n: 3 }));
    seen.push(...listed);
  }
  assert.deepEqual([...seen].sort(), [...names].sort());
  const bad = await runCli(['inventory', 'list', '-i', inv, '--shard', '4/3']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--shard takes K\/N/);
});
