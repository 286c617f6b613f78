// Fleet tests of playbooks/multipath-residue.yml (issue 5): the real CLI against simulated workers
// (test/scenarios/multipath/fleet.yml), asserting exit codes, JSON reports and the state left on the
// nodes; every destructive run is repeated (nothing left to do) and rolled back.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { fleetUnavailableReason } from './harness.js';
import { startScenario, type StartedScenario } from './scenario.js';
import { applyMultipath, loadMultipathSpec, readMultipath, SCENARIOS_DIR, type MultipathSimState } from './multipath-sim.js';
import { runCli, type CliResult } from '../helpers/cli.js';

const DIR = join(SCENARIOS_DIR, 'multipath');
const PLAYBOOK = join(dirname(dirname(SCENARIOS_DIR)), 'playbooks', 'multipath-residue.yml');
const CLEANUP = 'flush residual maps and delete their SCSI paths';
const SEED_WWID = '3618cf24100f8f457014a764c000001f6';
const HANG_WWID = '3600a098038303053453f463045727a41';

interface Item { item: string; outcome: string; reason: string | null; phases: Record<string, { rc: number; stdout: string; stderr: string; durationMs: number }> }
interface Task { name: string; outcome: string; reason: string | null; startedAt: string; items?: Item[] }
interface Report {
  runId: string;
  check: boolean;
  hosts: Record<string, { outcome: string; reason: string | null; tasks: Task[] }>;
}
interface Run { r: CliResult; report: Report; ms: number }

let sc: StartedScenario;
let stateDir: string;
let n = 0;

before(async () => {
  const reason = await fleetUnavailableReason();
  assert.equal(reason, undefined, `fleet tests need docker and the images: ${reason}`);
  sc = await startScenario(join(DIR, 'fleet.yml'), { namePrefix: 'mpres' });
  const tm = sc.timings;
  console.log(`# multipath-residue fleet: containers ${tm.fleetMs} ms, set-up ${tm.setupMs} ms, total ${tm.totalMs} ms`);
  stateDir = join(sc.dir, 'state');
  // the arrays' block volumes, which the scenario format cannot describe, join the cluster state
  const extra = parseYaml(readFileSync(join(DIR, 'kubernetes.yml'), 'utf8')) as Record<string, unknown[]>;
  const state = await sc.kubeState();
  for (const [k, objs] of Object.entries(extra)) state[k] = [...(state[k] ?? []), ...objs];
  const b64 = Buffer.from(JSON.stringify(state)).toString('base64');
  const load = await sc.exec(sc.control, `printf %s '${b64}' | base64 -d | kubectl-sim load -`);
  assert.equal(load.exitCode, 0, load.output);
});

after(async () => {
  await sc?.close();
});

async function arrange(node: string, file: string): Promise<void> {
  await applyMultipath(sc.fleet, sc.node(node), loadMultipathSpec(join(DIR, file)));
}

/** Runs the playbook (or `rollback RUN`) with the scenario's inventory and the fleet's state dir. */
async function play(args: string[]): Promise<Run> {
  const json = join(sc.dir, `report-${++n}.json`);
  const t0 = Date.now();
  const r = await runCli(['run', PLAYBOOK, '-i', sc.inventoryPath, '--state-dir', stateDir, '--json', json, ...args], { timeoutMs: 300_000 });
  const ms = Date.now() - t0;
  let report: Report;
  try {
    report = JSON.parse(readFileSync(json, 'utf8')) as Report;
  } catch (err) {
    throw new Error(`no JSON report (exit ${r.code}):\n${r.stdout}\n${r.stderr}`, { cause: err });
  }
  return { r, report, ms };
}

const task = (rep: Report, host: string, name: string): Task | undefined => rep.hosts[host]?.tasks.find((t) => t.name === name);
const items = (rep: Report, host: string): Array<[string, string, string]> =>
  (task(rep, host, CLEANUP)?.items ?? []).map((i) => [i.item, i.outcome, i.reason ?? '']);
const summary = (rep: Report, host: string): string => task(rep, host, 'report')?.reason ?? '';
const changedHosts = (rep: Report): string[] => Object.entries(rep.hosts).filter(([, h]) => h.outcome === 'changed' || h.outcome === 'would-change').map(([name]) => name);

/** What a run may touch, per node: maps (name -> wwid, dm, paths), disks, by-id links. */
async function nodeState(node: string): Promise<{ maps: Record<string, string>; disks: string[]; byId: string[]; sim: MultipathSimState }> {
  const sim = await readMultipath(sc.fleet, sc.node(node));
  const maps = Object.fromEntries(Object.values(sim.maps).map((m) => [m.name, `${m.wwid} dm-${m.dm} ${m.features} ${m.groups.flatMap((g) => g.paths.map((p) => `${p.hctl}=${p.dev}:${p.dm}/${p.checker}`)).join(',')}`]));
  const ls = await sc.exec(node, 'ls -l /dev/disk/by-id/');
  const byId = ls.stdout.split('\n').filter((l) => l.includes(' -> ')).map((l) => l.split(/\s+/).slice(-3).join(' ')).sort();
  return { maps, disks: Object.keys(sim.disks).sort(), byId, sim };
}

async function ddCount(node: string): Promise<number> {
  const r = await sc.exec(node, "ps -eo comm= | grep -cx dd || true");
  return Number(r.stdout.trim());
}

describe('multipath residue across the fleet (node-a seed, node-b decoys, node-c queueing)', () => {
  const fleet = ['-l', 'all:!node-d'];
  const initial: Record<string, Awaited<ReturnType<typeof nodeState>>> = {};
  let cleanupRun: Run;

  before(async () => {
    await arrange('node-a', 'seed.yml');
    await arrange('node-b', 'decoys.yml');
    await arrange('node-c', 'queueing-hang.yml');
    for (const node of ['node-a', 'node-b', 'node-c']) initial[node] = await nodeState(node);
  });

  test('a --check scan reports the residual maps, why every other map is left alone, and changes nothing', async (t) => {
    const { r, report, ms } = await play(['--check', ...fleet]);
    t.diagnostic(`--check over control + 3 workers: ${ms} ms`);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(report.check, true);
    assert.deepEqual(items(report, 'node-a').map(([m, o]) => [m, o]), [['mpathb', 'would-change']]);
    assert.match(items(report, 'node-a')[0]![2], /^residual: a direct read of dm-12 fails with EIO$/);
    assert.deepEqual(items(report, 'node-c').map(([m, o]) => [m, o]), [['mpathq', 'would-change']]);
    assert.match(items(report, 'node-c')[0]![2], /^residual: the read probe of dm-7 hung and was killed after 5s, no dd left$/);
    assert.equal(task(report, 'node-b', CLEANUP)?.outcome, 'skipped', 'nothing on node-b is residual');

    assert.match(summary(report, 'node-a'), /^3 map\(s\); residual 1 \(mpathb\); would clean 1 \(mpathb\); probes hung: none; left alone: mpatha \(active path\); mpathn \(active path\); invalid, skipped: none; kubernetes: ok$/);
    assert.match(summary(report, 'node-c'), /residual 1 \(mpathq\); would clean 1 \(mpathq\); probes hung: mpathq; left alone: mpathd \(active path\);/);
    const b = summary(report, 'node-b');
    for (const why of [
      /mpatha \(active path\)/,
      /mpathc \(active path\)/,
      /mpathg \(not every path failed\)/,
      /mpathk \(Kubernetes places its volume on this node\)/,
      /mpathp \(Kubernetes places its volume on this node\)/,
      /mpathl \(in use: held by dm-18 /,
      /mpathm \(in use: mounted on \/srv\/mpathm\)/,
      /mpatho \(in use: dm-8 is open \(1\)\)/,
      /mpathr \(not residual: a direct read of dm-11 succeeds although every path looks failed \(escalate\)\)/,
      /invalid, skipped: "mpath\$\(touch\$\{IFS\}fleetsweep-pwned\)" \(map name "mpath\$\(touch\$\{IFS\}fleetsweep-pwned\)" is not a safe map name\)/,
    ]) assert.match(b, why);
    assert.match(b, /^10 map\(s\); residual 0; would clean 0; probes hung: none;/);

    for (const node of ['node-a', 'node-b', 'node-c']) {
      const now = await nodeState(node);
      assert.deepEqual(now.maps, initial[node]!.maps, `${node}: maps changed in check mode`);
      assert.deepEqual(now.disks, initial[node]!.disks, `${node}: disks changed in check mode`);
      assert.deepEqual(now.byId, initial[node]!.byId, `${node}: by-id links changed in check mode`);
    }
    assert.equal(await ddCount('node-c'), 0, 'the hung probes left a dd behind');
    const pwned = await sc.exec('node-b', 'find / -xdev -name fleetsweep-pwned 2>/dev/null');
    assert.equal(pwned.stdout, '', 'the hostile map name reached a shell');
  });

  test('the cleanup run flushes the seed map and the queueing map, deletes their paths and links, and leaves the healthy maps and the decoys', async (t) => {
    cleanupRun = await play(fleet);
    const { r, report, ms } = cleanupRun;
    t.diagnostic(`cleanup over control + 3 workers: ${ms} ms`);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.deepEqual(changedHosts(report).sort(), ['node-a', 'node-c']);
    assert.deepEqual(items(report, 'node-a').map(([m, o]) => [m, o]), [['mpathb', 'changed']]);
    assert.deepEqual(items(report, 'node-c').map(([m, o]) => [m, o]), [['mpathq', 'changed']]);
    assert.match(summary(report, 'node-a'), /residual 1 \(mpathb\); cleaned 1 \(mpathb\); probes hung: none;/);
    assert.match(summary(report, 'node-c'), /residual 1 \(mpathq\); cleaned 1 \(mpathq\); probes hung: mpathq;/);
    const seedItem = task(report, 'node-a', CLEANUP)!.items![0]!;
    assert.match(seedItem.phases['snapshot']!.stdout, /^39:0:0:1 sdi\n38:0:0:1 sdj\n/m, 'the snapshot records every path');
    assert.match(seedItem.phases['snapshot']!.stdout, /scsi-3618cf24100f8f457014a764c000001f6 -> \.\.\/\.\.\/sdi/);
    const hungItem = task(report, 'node-c', CLEANUP)!.items![0]!;
    assert.match(hungItem.phases['snapshot']!.stdout, /features='1 queue_if_no_path'/);

    // node-a: the seed's step 4
    const a = await nodeState('node-a');
    assert.deepEqual(Object.keys(a.maps).sort(), ['mpatha', 'mpathn']);
    assert.equal(a.maps['mpatha'], initial['node-a']!.maps['mpatha']);
    assert.equal(a.maps['mpathn'], initial['node-a']!.maps['mpathn']);
    assert.deepEqual(a.disks, initial['node-a']!.disks.filter((d) => d !== 'sdi' && d !== 'sdj'));
    assert.deepEqual(a.byId.filter((l) => /\/(sdi|sdj|dm-12)$|mpathb|3618cf24100f8f457014a764c000001f6/.test(l)), []);
    assert.deepEqual(a.byId, initial['node-a']!.byId.filter((l) => !/\/(sdi|sdj|dm-12)$/.test(l)));
    const ll = (await sc.exec('node-a', 'multipath -ll')).stdout;
    assert.doesNotMatch(ll, /dm-12|sdi|sdj/);
    assert.match(ll, /^ {2}\|- 39:0:0:3 +sdd 8:80 +active ready +running$/m);

    // node-c: the queueing map is gone, no dd survives, the healthy map of the same array stays
    const c = await nodeState('node-c');
    assert.deepEqual(Object.keys(c.maps), ['mpathd']);
    assert.equal(c.maps['mpathd'], initial['node-c']!.maps['mpathd']);
    assert.deepEqual(c.disks, ['sdk', 'sdl']);
    assert.equal(await ddCount('node-c'), 0, 'a probe dd is still running');

    // node-b: every decoy is where it was
    const b = await nodeState('node-b');
    assert.deepEqual(b.maps, initial['node-b']!.maps);
    assert.deepEqual(b.disks, initial['node-b']!.disks);
    assert.deepEqual(b.sim.use['dm-6']?.mounts, ['/srv/mpathm']);
  });

  test('a second run finds nothing left to do and changes nothing', async () => {
    const a = await nodeState('node-a');
    const c = await nodeState('node-c');
    const { r, report } = await play(fleet);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.deepEqual(changedHosts(report), []);
    for (const h of ['control', 'node-a', 'node-b', 'node-c']) assert.equal(report.hosts[h]!.outcome, 'ok', h);
    for (const h of ['node-a', 'node-b', 'node-c']) assert.equal(task(report, h, CLEANUP)!.outcome, 'skipped', h);
    assert.match(summary(report, 'node-a'), /^2 map\(s\); residual 0; cleaned 0;/);
    assert.deepEqual((await nodeState('node-a')).maps, a.maps);
    assert.deepEqual((await nodeState('node-c')).maps, c.maps);
  });

  test('rollback rescans each path and brings the residual maps back', async () => {
    const r = await runCli(['rollback', cleanupRun.report.runId, '--state-dir', stateDir], { timeoutMs: 120_000 });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^node-a \| flush residual maps and delete their SCSI paths "mpathb" \| restored \| rolled back and verified by check$/m);
    assert.match(r.stdout, /^node-c \| flush residual maps and delete their SCSI paths "mpathq" \| restored \| rolled back and verified by check$/m);
    const a = await nodeState('node-a');
    const b = a.sim.maps['mpathb'];
    assert.equal(b?.wwid, SEED_WWID);
    assert.deepEqual(b.groups.flatMap((g) => g.paths.map((p) => `${p.hctl} ${p.dev} ${p.dm} ${p.checker}`)), ['39:0:0:1 sdi failed faulty', '38:0:0:1 sdj failed faulty']);
    assert.deepEqual(a.disks, initial['node-a']!.disks);
    assert.ok(a.byId.includes('scsi-3618cf24100f8f457014a764c000001f6 -> ../../sdi'), a.byId.join('\n'));
    const c = await nodeState('node-c');
    assert.equal(c.sim.maps['mpathq']?.wwid, HANG_WWID);
    assert.match(c.sim.maps['mpathq']!.features, /queue_if_no_path/);
    assert.deepEqual(c.disks, initial['node-c']!.disks);
    // the maps are residual again: a new scan finds exactly them
    const again = await play(['--check', ...fleet]);
    assert.deepEqual(items(again.report, 'node-a').map(([m, o]) => [m, o]), [['mpathb', 'would-change']]);
    assert.deepEqual(items(again.report, 'node-c').map(([m, o]) => [m, o]), [['mpathq', 'would-change']]);
  });
});

describe('the Kubernetes check', () => {
  const decoys = ['-l', 'node-b:control'];
  const kept = ['3618cf24100f8f457014a764c00000214', '618cf24100f8f457014a764c00000215'];

  test('without a control group the maps Kubernetes protected are residual, and attached_wwids keeps them', async () => {
    await arrange('node-b', 'decoys.yml');
    const unprotected = await play(['--check', ...decoys, '-e', '{"kube_control_group": ""}']);
    assert.equal(unprotected.r.code, 0, unprotected.r.stdout + unprotected.r.stderr);
    assert.deepEqual(items(unprotected.report, 'node-b').map(([m, o]) => [m, o]), [['mpathk', 'would-change'], ['mpathp', 'would-change']]);
    assert.match(summary(unprotected.report, 'node-b'), /kubernetes: not asked$/);

    const kept2 = await play(['--check', ...decoys, '-e', JSON.stringify({ kube_control_group: '', attached_wwids: kept })]);
    assert.equal(kept2.r.code, 0, kept2.r.stderr);
    assert.equal(task(kept2.report, 'node-b', CLEANUP)?.outcome, 'skipped');
    assert.match(summary(kept2.report, 'node-b'), /mpathk \(listed in attached_wwids\); mpathp \(listed in attached_wwids\)/);
    const comma = await play(['--check', ...decoys, '-e', `kube_control_group=`, '-e', `attached_wwids=${kept.join(',')}`]);
    assert.equal(task(comma.report, 'node-b', CLEANUP)?.outcome, 'skipped', summary(comma.report, 'node-b'));
  });

  test('when kubectl fails on the control node nothing is cleaned, and the report says why', async () => {
    await arrange('node-a', 'seed.yml');
    const mv = await sc.exec(sc.control, 'mv /root/.kube/config /root/.kube/config.off');
    assert.equal(mv.exitCode, 0, mv.output);
    try {
      const before = await nodeState('node-a');
      const { r, report } = await play(['-l', 'node-a:control']);
      assert.notEqual(r.code, 0);
      assert.equal(report.hosts['control']!.outcome, 'failed');
      assert.equal(task(report, 'node-a', CLEANUP)?.outcome, 'skipped');
      assert.match(summary(report, 'node-a'), /mpathb \(Kubernetes state unknown: kubectl on control failed\); invalid, skipped: none; kubernetes: unknown$/);
      assert.deepEqual((await nodeState('node-a')).maps, before.maps);
    } finally {
      await sc.exec(sc.control, 'mv /root/.kube/config.off /root/.kube/config');
    }
  });
});

describe('max_maps_per_host', () => {
  const one = ['-l', 'node-d:control', '-e', 'max_maps_per_host=2'];

  test('a run cleans two maps and defers the third, the next run cleans it, a third run changes nothing, and rollback restores all three', async () => {
    await arrange('node-d', 'three-residual.yml');
    const start = await nodeState('node-d');
    const first = await play(one);
    assert.equal(first.r.code, 0, first.r.stdout + first.r.stderr);
    assert.deepEqual(items(first.report, 'node-d').map(([m, o]) => [m, o]), [['mpathb', 'changed'], ['mpathe', 'changed']]);
    assert.match(summary(first.report, 'node-d'), /residual 3 \(mpathb, mpathe, mpathf\); cleaned 2 \(mpathb, mpathe\);.*mpathf \(deferred: max_maps_per_host is 2\)/);
    assert.deepEqual(Object.keys((await nodeState('node-d')).maps).sort(), ['mpatha', 'mpathf']);

    const second = await play(one);
    assert.deepEqual(items(second.report, 'node-d').map(([m, o]) => [m, o]), [['mpathf', 'changed']]);
    const third = await play(one);
    assert.deepEqual(changedHosts(third.report), []);
    assert.equal(third.report.hosts['node-d']!.outcome, 'ok');
    const end = await nodeState('node-d');
    assert.deepEqual(Object.keys(end.maps), ['mpatha']);
    assert.deepEqual(end.disks, ['sdd', 'sde']);

    for (const run of [second, first]) {
      const rb = await runCli(['rollback', run.report.runId, '--state-dir', stateDir], { timeoutMs: 120_000 });
      assert.equal(rb.code, 0, rb.stdout + rb.stderr);
    }
    const back = await nodeState('node-d');
    assert.deepEqual(Object.fromEntries(Object.values(back.sim.maps).map((m) => [m.name, m.wwid])), Object.fromEntries(Object.values(start.sim.maps).map((m) => [m.name, m.wwid])));
    assert.deepEqual(back.disks, start.disks);
  });
});

describe('hard cases', () => {
  test('a map an operator half cleaned (one path already deleted, printed as an orphan) is still cleaned and rolled back', async () => {
    await applyMultipath(sc.fleet, sc.node('node-a'), { ...loadMultipathSpec(join(DIR, 'seed.yml')), deletedPaths: 'orphan' });
    const del = await sc.exec('node-a', 'echo 1 > /sys/block/sdi/device/delete && multipath -ll mpathb');
    assert.match(del.stdout, /^ {2}\|- #:#:#:# +- +#:# +failed faulty running$/m);
    const start = await nodeState('node-a');
    const lim = ['-l', 'node-a:control'];
    const first = await play(lim);
    assert.equal(first.r.code, 0, first.r.stdout + first.r.stderr);
    assert.deepEqual(items(first.report, 'node-a').map(([m, o]) => [m, o]), [['mpathb', 'changed']]);
    assert.match(task(first.report, 'node-a', CLEANUP)!.items![0]!.phases['apply']!.stdout, /^flushed mpathb \(dm-12\), deleted sdj$/m);
    const gone = await nodeState('node-a');
    assert.deepEqual(Object.keys(gone.maps).sort(), ['mpatha', 'mpathn']);
    assert.ok(!gone.disks.includes('sdj'));
    const second = await play(lim);
    assert.deepEqual(changedHosts(second.report), []);
    const rb = await runCli(['rollback', first.report.runId, '--state-dir', stateDir], { timeoutMs: 120_000 });
    assert.equal(rb.code, 0, rb.stdout + rb.stderr);
    const back = await nodeState('node-a');
    // the rescan brings back what the run deleted (sdj); the operator's sdi stays deleted
    assert.deepEqual(back.sim.maps['mpathb']?.groups.flatMap((g) => g.paths.filter((p) => !p.gone).map((p) => `${p.hctl} ${p.dev}`)), ['38:0:0:1 sdj']);
    assert.deepEqual(back.disks, start.disks);
  });

  test('when a reader blocked on a queueing map never lets go, the flush is refused, queueing is restored and the host fails; once it is gone the next run cleans the map', async () => {
    await arrange('node-c', 'queueing-hang.yml');
    // a `dd` that even disabling queueing does not release (a reader stuck in the kernel): a process named
    // dd reading /dev/dm-7 that holds it open
    const fake = await sc.exec('node-c', `mkdir -p /tmp/stuck && printf '#!/bin/sh\\nexec 3<"\${1#if=}"\\nsleep 600 3<&-\\n' > /tmp/stuck/dd && chmod +x /tmp/stuck/dd && (setsid /tmp/stuck/dd if=/dev/dm-7 >/dev/null 2>&1 & echo $! > /tmp/stuck/pid) && sleep 0.5 && dmsetup info -c --noheadings -o open mpathq`);
    assert.equal(fake.stdout.trim(), '1', fake.output);
    const lim = ['-l', 'node-c:control'];
    const refused = await play(lim);
    assert.equal(refused.r.code, 4, refused.r.stdout + refused.r.stderr);
    assert.equal(refused.report.hosts['node-c']!.outcome, 'failed');
    assert.match(refused.report.hosts['node-c']!.reason ?? '', /cleanup failed for mpathq/);
    assert.deepEqual(items(refused.report, 'node-c'), [['mpathq', 'failed', 'apply failed (rc=1: multipath -f mpathq refused: its paths are kept, queueing restored)']]);
    assert.match(summary(refused.report, 'node-c'), /residual 1 \(mpathq\); cleaned 0; FAILED mpathq; probes hung: mpathq;/);
    const probe = task(refused.report, 'node-c', 'prove each candidate residual (mounts, holders, open count, direct read probe)')!;
    assert.match(probe.items![0]!.phases['cmd']!.stdout, /^residual: the read probe of dm-7 hung and was killed after 5s; dd \d+ stays blocked in the kernel until queueing is disabled$/m);
    const kept = await nodeState('node-c');
    assert.match(kept.sim.maps['mpathq']!.features, /queue_if_no_path/);
    assert.deepEqual(kept.disks, ['sdf', 'sdg', 'sdk', 'sdl']);

    const gone = await sc.exec('node-c', 'kill "$(cat /tmp/stuck/pid)"; rm -rf /tmp/stuck; sleep 0.5; dmsetup info -c --noheadings -o open mpathq');
    assert.equal(gone.stdout.trim(), '0', gone.output);
    const cleaned = await play(lim);
    assert.equal(cleaned.r.code, 0, cleaned.r.stdout + cleaned.r.stderr);
    assert.deepEqual(items(cleaned.report, 'node-c').map(([m, o]) => [m, o]), [['mpathq', 'changed']]);
    assert.equal(await ddCount('node-c'), 0);
    const again = await play(lim);
    assert.deepEqual(changedHosts(again.report), []);
    const rb = await runCli(['rollback', cleaned.report.runId, '--state-dir', stateDir], { timeoutMs: 120_000 });
    assert.equal(rb.code, 0, rb.stdout + rb.stderr);
    assert.equal((await nodeState('node-c')).sim.maps['mpathq']?.wwid, HANG_WWID);
  });

  test('with one storage_array for every host, at most two hosts flush maps at once', async () => {
    await arrange('node-a', 'seed.yml');
    await arrange('node-c', 'queueing-hang.yml');
    await arrange('node-d', 'three-residual.yml');
    const lim = ['-l', 'all:!node-b', '-e', 'storage_array=oceanstor-1'];
    const first = await play(lim);
    assert.equal(first.r.code, 0, first.r.stdout + first.r.stderr);
    assert.deepEqual(changedHosts(first.report).sort(), ['node-a', 'node-c', 'node-d']);
    const spans = ['node-a', 'node-c', 'node-d'].map((h): [number, number] => {
      const t = task(first.report, h, CLEANUP)!;
      const ms = (t.items ?? []).reduce((s, i) => s + Object.values(i.phases).reduce((a, p) => a + p.durationMs, 0), 0);
      return [Date.parse(t.startedAt), Date.parse(t.startedAt) + ms];
    });
    assert.equal(maxOverlap(spans), 2, JSON.stringify(spans));
    const second = await play(lim);
    assert.deepEqual(changedHosts(second.report), []);
    const rb = await runCli(['rollback', first.report.runId, '--state-dir', stateDir], { timeoutMs: 120_000 });
    assert.equal(rb.code, 0, rb.stdout + rb.stderr);
    assert.match(rb.stdout, /5 of 5 step\(s\) restored/);
  });
});

/** The largest number of [start, end] spans that overlap at one instant. */
function maxOverlap(spans: Array<[number, number]>): number {
  const ev = spans.flatMap(([a, b]) => [[a, 1], [b, -1]] as const).sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  let cur = 0;
  let max = 0;
  for (const [, d] of ev) { cur += d; max = Math.max(max, cur); }
  return max;
}
