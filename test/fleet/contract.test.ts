// Fleet tests of the check/snapshot/apply/verify contract, the journal, rollback, resume and the safety limits,
// over real SSH with the shipped example playbook (playbooks/examples/stale-locks.yml).
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fleetUnavailableReason, startFleet, type Fleet } from './harness.js';
import { runCli, type CliResult } from '../helpers/cli.js';

const EXAMPLE = fileURLToPath(new URL('../../../playbooks/examples/stale-locks.yml', import.meta.url));
let fleet: Fleet;
let stateDir: string;

before(async () => {
  const reason = await fleetUnavailableReason();
  assert.equal(reason, undefined, `fleet tests need docker and the node image: ${reason}`);
  fleet = await startFleet({ count: 3, firstAddress: '127.0.6.1', namePrefix: 'contract' });
});

after(async () => {
  await fleet?.close();
});

interface Report { hosts: Record<string, { outcome: string; reason: string | null; tasks: Array<{ name: string; outcome: string; reason: string | null; items?: Array<{ item: unknown; outcome: string; reason: string | null }> }> }> }

let n = 0;
async function fs(args: string[], opts: { timeoutMs?: number; onSpawn?: (pid: number) => void } = {}): Promise<CliResult & { report?: Report }> {
  const json = join(fleet.dir, `c-report-${++n}.json`);
  const withJson = args[0] === 'run' || args[0] === 'resume' ? [...args, ...(args[0] === 'run' ? ['--json', json] : [])] : args;
  const r = await runCli(withJson, { env: { FLEETSWEEP_STATE_DIR: stateDir }, timeoutMs: opts.timeoutMs ?? 120_000, onSpawn: opts.onSpawn });
  const report = existsSync(json) ? (JSON.parse(readFileSync(json, 'utf8')) as Report) : undefined;
  return { ...r, report };
}
const run = (playbook: string, ...extra: string[]) => fs(['run', playbook, '-i', fleet.inventoryPath, ...extra]);
const sh = async (node: string, cmd: string) => {
  const r = await fleet.exec(fleet.node(node), cmd);
  assert.equal(r.exitCode, 0, `${node}: ${cmd}: ${r.output}`);
  return r.stdout;
};
const items = (rep: Report, host: string, task: string) =>
  (rep.hosts[host]?.tasks.find((t) => t.name === task)?.items ?? []).map((i) => [i.item, i.outcome]);

/** node1: two stale locks and one held by a live process (pid 1); node2: one stale lock and a leftover process; node3: clean. */
async function seed(): Promise<void> {
  for (const node of fleet.nodes) await sh(node.name, 'rm -rf /var/lock/app; mkdir -p /var/lock/app; pkill -x app-leftover || true');
  await sh('node1', 'printf "999991\\nbuild\\n" > /var/lock/app/a.lock; chmod 640 /var/lock/app/a.lock; printf "999992\\n" > /var/lock/app/b.lock; echo 1 > /var/lock/app/live.lock');
  await sh('node2', 'printf "" > /var/lock/app/c.lock; cp /bin/sleep /usr/local/bin/app-leftover; setsid /usr/local/bin/app-leftover 3600 >/dev/null 2>&1 < /dev/null &');
}
/** What must be restored exactly: names, modes and content of every lock file. */
const snapshotState = (node: string) => sh(node, 'cd /var/lock/app && for f in *; do [ -e "$f" ] && echo "$f $(stat -c %a "$f") $(md5sum < "$f")"; done; true');
const leftoverRunning = async (node: string) => (await fleet.exec(fleet.node(node), 'pgrep -x app-leftover')).exitCode === 0;
const lastRun = async (): Promise<{ id: string; state: string; kind: string }> => {
  const r = await fs(['runs', '--json']);
  return (JSON.parse(r.stdout) as Array<{ id: string; state: string; kind: string }>)[0]!;
};

describe('the contract over real ssh', () => {
  beforeEach(async () => {
    stateDir = join(fleet.dir, `state-${++n}`);
    await seed();
  });

  test('--check reports exactly the items that would change and changes nothing', async () => {
    const before = [await snapshotState('node1'), await snapshotState('node2')];
    const r = await run(EXAMPLE, '--check');
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(items(r.report!, 'node1', 'remove stale lock files'), [['/var/lock/app/a.lock', 'would-change'], ['/var/lock/app/b.lock', 'would-change']]);
    assert.deepEqual(items(r.report!, 'node2', 'remove stale lock files'), [['/var/lock/app/c.lock', 'would-change']]);
    assert.equal(items(r.report!, 'node2', 'stop leftover processes').length, 1);
    assert.deepEqual(items(r.report!, 'node3', 'remove stale lock files'), []);
    assert.deepEqual([await snapshotState('node1'), await snapshotState('node2')], before);
    assert.ok(await leftoverRunning('node2'));
  });

  test('apply removes only what check proved stale, verifies it, and a second run has nothing to do', async () => {
    const first = await run(EXAMPLE);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(await sh('node1', 'ls /var/lock/app'), 'live.lock\n');
    assert.equal(await sh('node2', 'ls /var/lock/app'), '');
    assert.equal(await leftoverRunning('node2'), false);
    const second = await run(EXAMPLE);
    assert.equal(second.code, 0, second.stderr);
    for (const h of ['node1', 'node2', 'node3']) assert.equal(second.report!.hosts[h]!.outcome, 'ok', `${h} on the second run`);
  });

  test('rollback restores the lock files exactly, reports the step that has no rollback, and does nothing the second time', async () => {
    const before = await snapshotState('node1');
    const beforeNode2 = await snapshotState('node2');
    assert.equal((await run(EXAMPLE)).code, 0);
    const { id } = await lastRun();
    const show = await fs(['runs', 'show', id]);
    assert.match(show.stdout, /verified "\/var\/lock\/app\/a\.lock"/);
    assert.match(show.stdout, /snapshot\| 640/);

    const locks = await fs(['rollback', id, '--task', 'remove stale lock files']);
    assert.equal(locks.code, 0, locks.stdout + locks.stderr);
    assert.equal(await snapshotState('node1'), before);
    assert.equal(await snapshotState('node2'), beforeNode2);

    const rest = await fs(['rollback', id]);
    assert.equal(rest.code, 8, rest.stdout);
    assert.match(rest.stdout, /node2 \| stop leftover processes .*\| no-rollback \|/);

    const again = await fs(['rollback', id, '--task', 'remove stale lock files']);
    assert.equal(again.code, 0);
    assert.match(again.stdout, /nothing to roll back/);
  });

  test('a verify that fails makes the task fail even though apply exited 0', async () => {
    const pb = join(fleet.dir, 'bad-verify.yml');
    writeFileSync(pb, `
- hosts: node1
  tasks:
    - name: pretend
      check: "true"
      snapshot: "true"
      apply: "true"
      verify: test -e /nonexistent
`);
    const r = await run(pb);
    assert.equal(r.code, 4);
    assert.equal(r.report!.hosts.node1!.outcome, 'failed');
    assert.match(r.report!.hosts.node1!.tasks[0]!.reason ?? '', /verify failed after apply/);
  });

  test('max_changes stops starting destructive steps once the budget is spent, and says so', async () => {
    const r = await run(EXAMPLE, '--limit', 'node1', '--max-changes', '1');
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(items(r.report!, 'node1', 'remove stale lock files').map((i) => i[1]), ['changed', 'skipped']);
    assert.match(r.stdout, /LIMIT: max_changes 1 for the run reached/);
    assert.equal(await sh('node1', 'ls /var/lock/app'), 'b.lock\nlive.lock\n');
  });

  test('a failing canary keeps the other hosts from starting', async () => {
    const pb = join(fleet.dir, 'canary.yml');
    writeFileSync(pb, readFileSync(EXAMPLE, 'utf8').replace('  hosts: all\n', '  hosts: all\n  canary: 1\n'));
    await sh('node1', 'rm -f /var/lock/app/a.lock && mkdir /var/lock/app/a.lock');
    const r = await run(pb);
    assert.equal(r.code, 4);
    assert.match(r.stdout, /canary failed on node1/);
    for (const h of ['node2', 'node3']) {
      assert.equal(r.report!.hosts[h]!.outcome, 'skipped');
      assert.equal(r.report!.hosts[h]!.tasks.length, 0);
      assert.match(r.report!.hosts[h]!.reason ?? '', /not started: canary failed on node1/);
    }
    assert.equal(await sh('node2', 'ls /var/lock/app'), 'c.lock\n');
  });

  test('a host locked by another run is reported as locked and left alone; a stale lock is taken over', async () => {
    const lock = 'd=/run/lock; { [ -d "$d" ] && [ -w "$d" ]; } || d=/tmp; l="$d/fleetsweep.lock"';
    await sh('node2', `${lock}; mkdir "$l" && printf 'other-run someone@elsewhere pid=7\\n%s\\n' "$(date +%s)" > "$l/owner"`);
    const held = await run(EXAMPLE);
    assert.equal(held.code, 7, held.stdout + held.stderr);
    assert.match(held.report!.hosts.node2!.reason ?? '', /locked by another run: other-run someone@elsewhere/);
    assert.equal(await sh('node2', 'ls /var/lock/app'), 'c.lock\n');
    assert.equal(held.report!.hosts.node1!.outcome, 'changed');

    await sh('node2', `${lock}; printf 'other-run someone@elsewhere pid=7\\n%s\\n' 1000 > "$l/owner"`);
    const stale = await run(EXAMPLE);
    assert.equal(stale.code, 0, stale.stdout + stale.stderr);
    assert.match(stale.stderr, /took over a stale host lock from other-run/);
    assert.equal(await sh('node2', `${lock}; test -e "$l" && echo held || echo free`), 'free\n');
  });

  test('after SIGKILL mid-apply the run shows as crashed; resume finishes without re-applying; rollback undoes both runs', async () => {
    const pb = join(fleet.dir, 'slow.yml');
    writeFileSync(pb, readFileSync(EXAMPLE, 'utf8').replace('apply: rm -f {{ item }}', 'apply: sleep 1; rm -f {{ item }}'));
    await sh('node1', 'for i in 1 2 3 4; do echo 99999$i > /var/lock/app/s$i.lock; done');
    const before = await snapshotState('node1');
    let pid = 0;
    const killed = fs(['run', pb, '-i', fleet.inventoryPath, '--limit', 'node1', '--forks', '1'], { onSpawn: (p) => (pid = p) });
    // wait until the journal shows the third apply began (two applied and verified), then kill the controller
    await waitFor(async () => countApplyBegins() >= 3, 60_000);
    process.kill(pid, 'SIGKILL');
    const k = await killed;
    assert.equal(k.signal, 'SIGKILL');

    const crashed = await lastRun();
    assert.equal(crashed.state, 'crashed');
    const show = await fs(['runs', 'show', crashed.id, '--json']);
    type Step = { status: string; phases: { apply?: { begin?: { item?: string } } } };
    const steps = (JSON.parse(show.stdout) as { hosts: Array<{ tasks: Array<{ steps: Step[] }> }> }).hosts[0]!.tasks.flatMap((t) => t.steps);
    const verified = steps.filter((st) => st.status === 'verified').map((st) => st.phases.apply!.begin!.item!);
    assert.ok(verified.length >= 2, JSON.stringify(steps.map((st) => st.status)));

    const resumed = await fs(['resume', crashed.id]);
    assert.equal(resumed.code, 0, resumed.stdout + resumed.stderr);
    assert.equal(await sh('node1', 'ls /var/lock/app'), 'live.lock\n');
    const resumeRun = await lastRun();
    assert.equal(resumeRun.kind, 'resume');
    // no step the crashed run had verified was applied again by the resume
    const resumeJournal = readFileSync(join(stateDir, 'runs', resumeRun.id, 'journal.jsonl'), 'utf8');
    const reapplied = resumeJournal.split('\n').filter((l) => l.includes('"phase":"apply"') && l.includes('"event":"begin"')).map((l) => (JSON.parse(l) as { item: string }).item);
    assert.ok(reapplied.length > 0, 'the resume finished the remaining items');
    assert.deepEqual(reapplied.filter((i) => verified.includes(i)), []);

    assert.equal((await fs(['rollback', resumeRun.id])).code, 0);
    const rb = await fs(['rollback', crashed.id, '--task', 'remove stale lock files']);
    assert.equal(rb.code, 0, rb.stdout);
    assert.equal(await snapshotState('node1'), before);
  });
});

/** Apply-begin records in every journal of the state dir (they are fsync'd before each apply is sent). */
function countApplyBegins(): number {
  try {
    return readdirSync(join(stateDir, 'runs')).reduce((n, id) => {
      const file = join(stateDir, 'runs', id, 'journal.jsonl');
      if (!existsSync(file)) return n;
      return n + readFileSync(file, 'utf8').split('\n').filter((l) => l.includes('"phase":"apply"') && l.includes('"event":"begin"')).length;
    }, 0);
  } catch {
    return 0;
  }
}

async function waitFor(pred: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await pred()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('condition not met in time');
}
