// Fleet tests of `fleetsweep sweep` over real sshd nodes: report mode, every report format agreeing, the
// webhook, an overlapping sweep refused, fix mode, the diff, partial coverage, shards, history, rollback.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fleetUnavailableReason, startFleet, type Fleet } from './harness.js';
import { runCli, type CliResult } from '../helpers/cli.js';
import type { SweepReport } from '../../src/model/sweep.js';
import { sweepKey } from '../../src/journal/sweep-state.js';

const PLAYBOOK = fileURLToPath(new URL('../../../test/fixtures/sweep/stale-locks.yml', import.meta.url));
const SLOW = fileURLToPath(new URL('../../../test/fixtures/sweep/slow.yml', import.meta.url));

let fleet: Fleet;
let work: string;
let state: string;
let hook: Server;
let hookUrl: string;
const posts: unknown[] = [];
let fixReport: SweepReport | undefined;

before(async () => {
  assert.equal(await fleetUnavailableReason(), undefined);
  fleet = await startFleet({ count: 4, firstAddress: '127.0.5.1', namePrefix: 'sweep' });
  work = mkdtempSync(join(tmpdir(), 'fs-sweep-'));
  state = join(work, 'state');
  hook = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c));
    req.on('end', () => { posts.push(JSON.parse(body)); res.statusCode = 202; res.end(); });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/fleetsweep`;
  // node1: a stale lock, a live one (pid 1 always lives) and an orphaned marker; node2: a stale lock;
  // node3: only a live lock; node4: nothing at all
  await sh('node1', 'mkdir -p /var/tmp/fleetsweep-locks /var/tmp/fleetsweep-marks && echo 999999 > /var/tmp/fleetsweep-locks/a.lock && echo 1 > /var/tmp/fleetsweep-locks/live.lock && echo /gone/dir > /var/tmp/fleetsweep-marks/m1');
  await sh('node2', 'mkdir -p /var/tmp/fleetsweep-locks && echo 999998 > /var/tmp/fleetsweep-locks/b.lock');
  await sh('node3', 'mkdir -p /var/tmp/fleetsweep-locks && echo 1 > /var/tmp/fleetsweep-locks/live.lock');
});

after(async () => {
  hook?.closeAllConnections();
  await new Promise<void>((r) => (hook ? hook.close(() => r()) : r()));
  await fleet?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

async function sh(node: string, cmd: string): Promise<string> {
  const r = await fleet.exec(fleet.node(node), cmd);
  assert.equal(r.exitCode, 0, `${node}: ${cmd}: ${r.output}`);
  return r.stdout;
}

let n = 0;
interface Swept { r: CliResult; json: SweepReport; junit: string; prom: string; html: string; dir: string }

async function sweep(args: string[], playbook = PLAYBOOK): Promise<Swept> {
  const dir = join(work, `sweep-${++n}`);
  const r = await runCli(['sweep', playbook, '-i', fleet.inventoryPath, '--state-dir', state, '--connect-timeout', '3s',
    '--report', `json=${dir}/sweep.json`, '--report', `junit=${dir}/sweep.xml`, '--report', `prom=${dir}/sweep.prom`, '--report', `html=${dir}/sweep.html`, ...args], { timeoutMs: 120_000 });
  if (!existsSync(join(dir, 'sweep.json'))) assert.fail(`no report (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  const read = (f: string) => readFileSync(join(dir, f), 'utf8');
  return { r, json: JSON.parse(read('sweep.json')) as SweepReport, junit: read('sweep.xml'), prom: read('sweep.prom'), html: read('sweep.html'), dir };
}

const residue = (s: SweepReport) => s.residue.map((x) => `${x.host} ${x.kind} ${x.item} ${x.state}${x.change ? ` ${x.change}` : ''}`).sort();
const promValue = (prom: string, metric: string, labels: string) => {
  const line = prom.split('\n').find((l) => l.startsWith(`${metric}{`) && l.includes(labels));
  assert.ok(line, `${metric}{…${labels}} missing`);
  return Number(line.split(' ').pop());
};
const htmlMetric = (html: string, m: string) => Number(new RegExp(`data-metric="${m}" data-value="(\\d+)"`).exec(html)?.[1]);

describe('fleetsweep sweep over real ssh', () => {
  test('report mode finds the residue, exits 10, changes nothing, and JSON, JUnit, Prometheus, HTML and the webhook agree', async () => {
    const s = await sweep(['--webhook', hookUrl]);
    assert.equal(s.r.code, 10, s.r.stderr);
    assert.deepEqual(residue(s.json), ['node1 orphan-marker m1 found new', 'node1 stale-lock a.lock found new', 'node2 stale-lock b.lock found new']);
    assert.equal(s.json.status, 'residue-found');
    assert.deepEqual(s.json.coverage, { targeted: 4, scanned: 4, unreachable: 0, hung: 0, failed: 0, notStarted: 0 });
    assert.match(s.json.residue.find((x) => x.item === 'a.lock')!.detail ?? '', /owner pid 999999 is gone/);
    // nothing changed on the nodes
    assert.equal(await sh('node1', 'ls /var/tmp/fleetsweep-locks /var/tmp/fleetsweep-marks | tr "\\n" " "'), '/var/tmp/fleetsweep-locks: a.lock live.lock  /var/tmp/fleetsweep-marks: m1 ');
    // Prometheus
    const base = `inventory="${s.json.inventoryKey}",shard="",mode="report"`;
    assert.equal(promValue(s.prom, 'fleetsweep_residue_items', `${base},kind="stale-lock",state="found"`), 2);
    assert.equal(promValue(s.prom, 'fleetsweep_residue_items', `${base},kind="orphan-marker",state="found"`), 1);
    assert.equal(promValue(s.prom, 'fleetsweep_residue_hosts', `${base},kind="stale-lock"`), 2);
    assert.equal(promValue(s.prom, 'fleetsweep_hosts', `${base},state="scanned"`), 4);
    assert.equal(promValue(s.prom, 'fleetsweep_hosts', `${base},state="unreachable"`), 0);
    assert.equal(promValue(s.prom, 'fleetsweep_sweep_exit_code', base), 10);
    assert.equal(promValue(s.prom, 'fleetsweep_sweep_duration_seconds', base), s.json.durationMs / 1000);
    // JUnit: a failing case per (kind, host) with residue, four clean coverage cases
    assert.match(s.junit, /<testsuite name="stale-lock" tests="4" failures="2" errors="0"/);
    assert.match(s.junit, /<testsuite name="orphan-marker" tests="4" failures="1" errors="0"/);
    assert.match(s.junit, /<testsuite name="coverage" tests="4" failures="0" errors="0"/);
    // HTML cards
    assert.equal(htmlMetric(s.html, 'found'), 3);
    assert.equal(htmlMetric(s.html, 'scanned'), 4);
    assert.equal(htmlMetric(s.html, 'targeted'), 4);
    assert.equal((s.html.match(/<tr data-host=/g) ?? []).length, 3);
    // text summary and log
    assert.match(s.r.stdout, /coverage {2}scanned 4 of 4/);
    assert.match(s.r.stdout, /exit 10: residue found/);
    const log = readFileSync(join(state, 'sweeps', sweepKey([fleet.inventoryPath]).key, 'sweep.log'), 'utf8');
    assert.match(log, new RegExp(`sweep=${s.json.sweepId} end exit=10`));
    // the webhook got the summary before the sweep exited
    const post = posts.at(-1) as { sweepId: string; status: string; totals: { found: number } };
    assert.equal(post.sweepId, s.json.sweepId);
    assert.equal(post.status, 'residue-found');
    assert.equal(post.totals.found, 3);
  });

  test('an overlapping sweep of the same inventory is refused with exit 7 and a clear message', async () => {
    const lock = join(state, 'sweeps', sweepKey([fleet.inventoryPath]).key, 'sweep.lock');
    const first = runCli(['sweep', SLOW, '-i', fleet.inventoryPath, '--state-dir', state], { timeoutMs: 60_000 });
    const deadline = Date.now() + 30_000;
    while (!existsSync(lock)) {
      assert.ok(Date.now() < deadline, 'the first sweep never took its lock');
      await new Promise((r) => setTimeout(r, 25));
    }
    const second = await runCli(['sweep', PLAYBOOK, '-i', fleet.inventoryPath, '--state-dir', state]);
    assert.equal(second.code, 7, second.stderr);
    assert.match(second.stderr, /state\.locked: another sweep of .* is still running; this one did not start/);
    const done = await first;
    assert.equal(done.code, 0, done.stderr);
    assert.equal(existsSync(lock), false, 'the lock is released');
  });

  test('fix mode cleans every stale item within the contract, exits 11, and keeps snapshots and rollback commands', async () => {
    const s = await sweep(['--mode', 'fix']);
    assert.equal(s.r.code, 11, s.r.stderr);
    assert.deepEqual(residue(s.json), ['node1 orphan-marker m1 fixed still', 'node1 stale-lock a.lock fixed still', 'node2 stale-lock b.lock fixed still']);
    assert.equal(await sh('node1', 'ls /var/tmp/fleetsweep-locks'), 'live.lock\n');
    assert.equal(await sh('node1', 'ls /var/tmp/fleetsweep-marks'), '');
    assert.equal(await sh('node2', 'ls /var/tmp/fleetsweep-locks'), '');
    fixReport = s.json;
    const b = s.json.residue.find((x) => x.item === 'b.lock')!;
    assert.equal(Buffer.from(b.action!.snapshot!, 'base64').toString(), '999998\n');
    assert.match(b.action!.rollback!, /base64 -d > /);
    assert.match(b.action!.rollbackCommand, /^fleetsweep rollback \S+ --host node2 --task 'remove stale lock files' --state-dir /);
    assert.equal(htmlMetric(s.html, 'fixed'), 3);
    assert.equal((s.html.match(/<article class="action"/g) ?? []).length, 3);
    assert.equal(promValue(s.prom, 'fleetsweep_residue_items', 'kind="stale-lock",state="fixed"'), 2);
    assert.match(s.junit, /<testsuite name="stale-lock" tests="4" failures="0"/);
  });

  test('the next sweep finds nothing, exits 0, and reports the fixed items as gone', async () => {
    const s = await sweep([]);
    assert.equal(s.r.code, 0, s.r.stderr);
    assert.equal(s.json.status, 'clean');
    assert.deepEqual(s.json.diff.gone.map((g) => `${g.host} ${g.item}`).sort(), ['node1 a.lock', 'node1 m1', 'node2 b.lock']);
    assert.equal(promValue(s.prom, 'fleetsweep_residue_changes', 'kind="stale-lock",change="gone"'), 2);
    assert.match(s.r.stdout, /3 gone/);
  });

  test('an unreachable and a hung host make partial coverage: exit 13, with the host lists', async () => {
    await sh('node3', 'mkfifo /var/tmp/fleetsweep-locks/hang.lock');
    await fleet.stop(fleet.node('node4'));
    try {
      const s = await sweep([]);
      assert.equal(s.r.code, 13, s.r.stderr);
      assert.deepEqual(Object.fromEntries(Object.entries(s.json.hosts).map(([h, v]) => [h, v.state])), { node1: 'scanned', node2: 'scanned', node3: 'hung', node4: 'unreachable' });
      assert.match(s.r.stdout, /scanned 2 of 4; 1 unreachable, 1 hung/);
      assert.match(s.r.stdout, /unreachable +node4/);
      assert.equal(promValue(s.prom, 'fleetsweep_hosts', 'state="hung"'), 1);
      assert.match(s.junit, /<testsuite name="coverage" tests="4" failures="0" errors="2"/);
      assert.match(s.html, /data-metric="unreachable" data-value="1"/);
    } finally {
      await fleet.start(fleet.node('node4'));
      await sh('node3', 'rm -f /var/tmp/fleetsweep-locks/hang.lock');
    }
  });

  test('a rollback command from the report restores the item, and the next sweep sees it as new', async () => {
    const b = fixReport!.residue.find((x) => x.item === 'b.lock')!;
    const rb = await runCli(['rollback', b.runId, '--host', 'node2', '--task', b.taskName, '--state-dir', state]);
    assert.equal(rb.code, 0, rb.stderr);
    assert.equal(await sh('node2', 'cat /var/tmp/fleetsweep-locks/b.lock'), '999998\n');
    const s = await sweep([]);
    assert.equal(s.r.code, 10);
    assert.deepEqual(residue(s.json), ['node2 stale-lock b.lock found new']);
  });

  test('the shards of the inventory split the hosts exactly, each with its own lock and baseline', async () => {
    const one = await sweep(['--shard', '1/2']);
    const two = await sweep(['--shard', '2/2']);
    const hosts = [...Object.keys(one.json.hosts), ...Object.keys(two.json.hosts)].sort();
    assert.deepEqual(hosts, ['node1', 'node2', 'node3', 'node4']);
    assert.equal(Object.keys(one.json.hosts).filter((h) => h in two.json.hosts).length, 0);
    assert.notEqual(one.json.inventoryKey, two.json.inventoryKey);
    assert.equal(one.json.shard, '1/2');
    assert.match(one.prom, /shard="1\/2"/);
    const withB = [one, two].find((s) => 'node2' in s.json.hosts)!;
    assert.deepEqual(residue(withB.json), ['node2 stale-lock b.lock found new'], 'a shard diffs against its own previous sweep');
  });

  test('history answers which hosts had stale locks in the last sweeps, and a host\'s timeline', async () => {
    const r = await runCli(['history', '--state-dir', state, '--kind', 'stale-lock', '--last', '7', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const a = JSON.parse(r.stdout) as { window: { sweeps: number }; hosts: { host: string; seen: number; of: number }[] };
    // unsharded: report, slow, fix, clean, partial, after rollback; node2's b.lock also in its shard's sweep
    assert.deepEqual(a.hosts.map((h) => [h.host, h.seen]).sort(), [['node1', 2], ['node2', 4]]);
    const t = await runCli(['history', '--state-dir', state, '--host', 'node3']);
    assert.equal(t.code, 0, t.stderr);
    assert.match(t.stdout, /TIMELINE node3/);
    assert.match(t.stdout, /hung/);
  });
});
