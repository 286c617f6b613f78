// Fleet tests of the runner over real SSH: five sshd nodes, the real CLI, exit codes, JSON reports and node state.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { fleetUnavailableReason, startFleet, type Fleet } from './harness.js';
import { isolatedHome, runCli, type CliResult } from '../helpers/cli.js';

let fleet: Fleet;

before(async () => {
  const reason = await fleetUnavailableReason();
  assert.equal(reason, undefined, `fleet tests need docker and the node image: ${reason}`);
  fleet = await startFleet({ count: 5, firstAddress: '127.0.2.1', namePrefix: 'runner' });
});

after(async () => {
  await fleet?.close();
});

interface Report {
  runId: string;
  check: boolean;
  stats: Record<string, number>;
  hosts: Record<string, { outcome: string; reason: string | null; tasks: Array<{ name: string; outcome: string; reason: string | null; rc?: number | null; stdout?: string; startedAt: string; durationMs: number; items?: Array<{ item: unknown; outcome: string }> }> }>;
}

let n = 0;
/** Writes a playbook, runs it with the fleet's inventory, returns the CLI result and the JSON report. */
async function play(yaml: string, args: string[] = [], env: Record<string, string> = {}): Promise<{ r: CliResult; report: Report }> {
  const file = join(fleet.dir, `play-${++n}.yml`);
  const json = join(fleet.dir, `report-${n}.json`);
  writeFileSync(file, yaml);
  const r = await runCli(['run', file, '-i', fleet.inventoryPath, '--json', json, ...args], { env, timeoutMs: 120_000 });
  let report: Report;
  try {
    report = JSON.parse(readFileSync(json, 'utf8')) as Report;
  } catch (err) {
    throw new Error(`no JSON report (exit ${r.code}):\n${r.stdout}\n${r.stderr}`, { cause: err });
  }
  return { r, report };
}

const outcomes = (rep: Report) => Object.fromEntries(Object.entries(rep.hosts).map(([h, v]) => [h, v.outcome]));
const onNode = async (name: string, cmd: string) => (await fleet.exec(fleet.node(name), cmd)).stdout;

describe('runner over real ssh', () => {
  test('when every node answers then every host reports ok or changed and the exit code is 0', async () => {
    const { r, report } = await play(`
- name: greet
  hosts: nodes
  tasks:
    - name: read the hostname
      command: hostname
      register: hn
      changed_when: false
    - name: leave a mark
      shell: echo {{ inventory_hostname }} {{ hn.stdout }} > /tmp/fs-mark
`);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(outcomes(report), { node1: 'changed', node2: 'changed', node3: 'changed', node4: 'changed', node5: 'changed' });
    for (const node of fleet.nodes) {
      assert.equal(report.hosts[node.name]!.tasks[0]!.outcome, 'ok');
      assert.equal(report.hosts[node.name]!.tasks[0]!.stdout, `${node.name}\n`);
      assert.equal(await onNode(node.name, 'cat /tmp/fs-mark'), `${node.name} ${node.name}\n`);
    }
    assert.match(r.stdout, /RECAP/);
    assert.match(r.stdout, /changed\s+5\s+node\[1-5\]/);
  });

  test('each host is reached over one ssh connection for all its tasks', async () => {
    const before = acceptedLogins('node1');
    const { r } = await play(`
- hosts: node1
  tasks:
    - { command: "true", changed_when: false }
    - { command: "true", changed_when: false }
    - { command: "true", changed_when: false }
`);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(acceptedLogins('node1') - before, 1);
  });

  test('when a node is stopped before the run then it is unreachable, the others finish, and the exit code is 5', async () => {
    const node5 = fleet.node('node5');
    await fleet.stop(node5);
    try {
      const { r, report } = await play(`
- hosts: nodes
  tasks:
    - { name: probe, command: "true", changed_when: false }
`, ['--connect-timeout', '5s']);
      assert.equal(r.code, 5, r.stderr);
      assert.equal(report.hosts.node5!.outcome, 'unreachable');
      assert.match(report.hosts.node5!.reason ?? '', /refused|timeout/);
      for (const h of ['node1', 'node2', 'node3', 'node4']) assert.equal(report.hosts[h]!.outcome, 'ok');
    } finally {
      await fleet.start(node5);
    }
  });

  test('when a command hangs then the host is hung after its deadline, its process group is killed, and the others finish', async () => {
    const { r, report } = await play(`
- hosts: nodes
  tasks:
    - name: maybe hang
      shell: "{% if inventory_hostname == 'node2' %}sleep 317 & sleep 318; wait{% else %}true{% endif %}"
      timeout: 2s
      changed_when: false
    - name: after
      command: "true"
      changed_when: false
`);
    assert.equal(r.code, 4, r.stderr);
    assert.equal(report.hosts.node2!.outcome, 'hung');
    assert.equal(report.hosts.node2!.tasks.length, 1, 'a hung host takes no further tasks');
    for (const h of ['node1', 'node3', 'node4', 'node5']) {
      assert.equal(report.hosts[h]!.outcome, 'ok');
      assert.equal(report.hosts[h]!.tasks.length, 2);
    }
    const left = await fleet.exec(fleet.node('node2'), "ps -eo args | grep -c '^sleep 31[78]' || true");
    assert.equal(left.stdout.trim(), '0', 'no sleep of the hung command survives');
  });

  test('with --forks 2 never more than two hosts run at once', async () => {
    const { r } = await play(`
- hosts: nodes
  tasks:
    - name: occupy
      shell: date +%s%N > /tmp/fs-t0; sleep 1; date +%s%N > /tmp/fs-t1
`, ['--forks', '2']);
    assert.equal(r.code, 0, r.stderr);
    const spans: Array<[number, number]> = [];
    for (const node of fleet.nodes) {
      const [t0, t1] = (await onNode(node.name, 'cat /tmp/fs-t0 /tmp/fs-t1')).trim().split('\n').map(Number);
      spans.push([t0!, t1!]);
    }
    assert.equal(maxOverlap(spans), 2);
  });

  test('a changed host key is refused and only that host fails', async () => {
    const node3 = fleet.node('node3');
    await fleet.rotateHostKey(node3);
    try {
      const { r, report } = await play(`
- hosts: nodes
  tasks:
    - { command: "true", changed_when: false }
`, ['--accept-new-host-keys']);
      assert.equal(r.code, 5, r.stderr);
      assert.equal(report.hosts.node3!.outcome, 'unreachable');
      assert.match(report.hosts.node3!.reason ?? '', /hostkey-changed/);
      assert.equal(report.hosts.node1!.outcome, 'ok');
    } finally {
      await fleet.writeKnownHosts();
    }
  });

  test('an unknown host key is refused unless --accept-new-host-keys, which records it', async () => {
    const kh = readFileSync(fleet.knownHostsPath, 'utf8');
    writeFileSync(fleet.knownHostsPath, kh.split('\n').filter((l) => !l.startsWith('127.0.2.4 ')).join('\n'));
    try {
      const pb = `
- hosts: node4
  tasks:
    - { command: "true", changed_when: false }
`;
      const refused = await play(pb);
      assert.equal(refused.r.code, 5);
      assert.match(refused.report.hosts.node4!.reason ?? '', /hostkey-unknown/);
      const accepted = await play(pb, ['--accept-new-host-keys']);
      assert.equal(accepted.r.code, 0, accepted.r.stderr);
      assert.match(readFileSync(fleet.knownHostsPath, 'utf8'), /^127\.0\.2\.4 ssh-ed25519 /m);
    } finally {
      await fleet.writeKnownHosts();
    }
  });

  test('--check runs no changing command and reports exactly the items that would change', async () => {
    await onNode('node1', 'mkdir -p /tmp/fs-locks && touch /tmp/fs-locks/a.lock /tmp/fs-locks/b.lock');
    await onNode('node2', 'mkdir -p /tmp/fs-locks && touch /tmp/fs-locks/c.lock');
    for (const h of ['node3', 'node4', 'node5']) await onNode(h, 'rm -rf /tmp/fs-locks');
    const { r, report } = await play(`
- hosts: nodes
  tasks:
    - name: find stale locks
      shell: ls /tmp/fs-locks/*.lock 2>/dev/null || true
      register: locks
      changed_when: false
    - name: remove stale locks
      loop: "{{ locks.stdout_lines }}"
      check: test -e {{ item }}
      snapshot: stat -c %s {{ item }}
      apply: rm -f {{ item }}
      verify: test ! -e {{ item }}
      rollback: touch {{ item }}
    - name: an unmarked command
      shell: touch /tmp/fs-check-touched
`, ['--check']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(report.check, true);
    const removal = (h: string) => report.hosts[h]!.tasks.find((t) => t.name === 'remove stale locks')!;
    assert.deepEqual(removal('node1').items!.map((i) => [i.item, i.outcome]), [['/tmp/fs-locks/a.lock', 'would-change'], ['/tmp/fs-locks/b.lock', 'would-change']]);
    assert.deepEqual(removal('node2').items!.map((i) => [i.item, i.outcome]), [['/tmp/fs-locks/c.lock', 'would-change']]);
    assert.equal(removal('node3').outcome, 'skipped');
    for (const node of fleet.nodes) {
      assert.equal(report.hosts[node.name]!.tasks.find((t) => t.name === 'an unmarked command')!.outcome, 'skipped');
      assert.equal((await fleet.exec(node, 'test -e /tmp/fs-check-touched')).exitCode, 1, `${node.name}: the unmarked command must not run in check mode`);
    }
    assert.equal((await onNode('node1', 'ls /tmp/fs-locks')).trim().split('\n').length, 2);
    assert.match(r.stdout, /would-change/);
  });

  test('--limit narrows the hosts and serial runs them in batches, one batch after the other', async () => {
    const { r, report } = await play(`
- hosts: nodes
  serial: 2
  tasks:
    - { name: one, shell: "sleep 0.3", changed_when: false }
    - { name: two, shell: "sleep 0.3", changed_when: false }
`, ['--limit', 'nodes:!node5']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(Object.keys(report.hosts).sort(), ['node1', 'node2', 'node3', 'node4']);
    const span = (h: string) => {
      const ts = report.hosts[h]!.tasks;
      return [Date.parse(ts[0]!.startedAt), Date.parse(ts[ts.length - 1]!.startedAt) + ts[ts.length - 1]!.durationMs];
    };
    const firstEnd = Math.max(span('node1')[1]!, span('node2')[1]!);
    const secondStart = Math.min(span('node3')[0]!, span('node4')[0]!);
    assert.ok(secondStart >= firstEnd, `batch 2 started ${firstEnd - secondStart} ms before batch 1 ended`);
  });

  test('~/.ssh/config is honoured: HostName, User, IdentityFile and UserKnownHostsFile of an alias', async () => {
    const home = isolatedHome();
    mkdirSync(join(home, '.ssh'), { mode: 0o700 });
    const node = fleet.node('node3');
    writeFileSync(join(home, '.ssh', 'config'), [
      'Host db-alias',
      `  HostName ${node.address}`,
      '  User root',
      `  IdentityFile ${fleet.keyPath}`,
      `  UserKnownHostsFile ${fleet.knownHostsPath}`,
      '',
    ].join('\n'));
    const inv = join(fleet.dir, 'alias.ini');
    writeFileSync(inv, '[db]\ndb-alias\n');
    const pb = join(fleet.dir, 'alias.yml');
    writeFileSync(pb, '- hosts: db\n  tasks:\n    - { command: hostname, changed_when: false }\n');
    const json = join(fleet.dir, 'alias.json');
    const r = await runCli(['run', pb, '-i', inv, '--json', json], { env: { HOME: home } });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal((JSON.parse(readFileSync(json, 'utf8')) as Report).hosts['db-alias']!.tasks[0]!.stdout, 'node3\n');
  });

  test('Ctrl-C lets running commands finish, starts nothing new, prints the recap and exits 130', async () => {
    for (const node of fleet.nodes) await onNode(node.name, 'rm -f /tmp/fs-int-*');
    const file = join(fleet.dir, 'interrupt.yml');
    writeFileSync(file, `
- hosts: nodes
  tasks:
    - { name: slow, shell: "touch /tmp/fs-int-start; sleep 2; touch /tmp/fs-int-done" }
    - { name: next, shell: touch /tmp/fs-int-next }
`);
    let pid = 0;
    const done = runCli(['run', file, '-i', fleet.inventoryPath], { onSpawn: (p) => (pid = p) });
    await waitFor(async () => {
      for (const node of fleet.nodes) if ((await fleet.exec(node, 'test -e /tmp/fs-int-start')).exitCode !== 0) return false;
      return true;
    });
    process.kill(pid, 'SIGINT');
    const r = await done;
    assert.equal(r.code, 130, r.stderr);
    assert.match(r.stdout, /RECAP[\s\S]*INTERRUPTED/);
    for (const node of fleet.nodes) {
      assert.equal((await fleet.exec(node, 'test -e /tmp/fs-int-done')).exitCode, 0, `${node.name}: the running command finished`);
      assert.notEqual((await fleet.exec(node, 'test -e /tmp/fs-int-next')).exitCode, 0, `${node.name}: no new task started`);
    }
  });

  test('become runs commands as root through sudo, with a password from the environment when sudo wants one', async () => {
    const inv = readFileSync(fleet.inventoryPath, 'utf8').replace(/ansible_user: "root"/g, 'ansible_user: "fleet"');
    const fleetInv = join(fleet.dir, 'inv-fleet.yml');
    writeFileSync(fleetInv, inv);
    const pb = join(fleet.dir, 'become.yml');
    writeFileSync(pb, `
- hosts: node1
  become: true
  tasks:
    - { name: whoami, command: id -u, changed_when: false }
`);
    const ok = await runCli(['run', pb, '-i', fleetInv, '--json', join(fleet.dir, 'b1.json')]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal((JSON.parse(readFileSync(join(fleet.dir, 'b1.json'), 'utf8')) as Report).hosts.node1!.tasks[0]!.stdout, '0\n');

    const pwInv = join(fleet.dir, 'inv-pw.yml');
    writeFileSync(pwInv, inv.replace(/ansible_user: "fleet"/g, 'ansible_user: "pwuser"'));
    const noPw = await runCli(['run', pb, '-i', pwInv, '--json', join(fleet.dir, 'b2.json')], { timeoutMs: 30_000 });
    assert.equal(noPw.code, 4);
    assert.match(readFileSync(join(fleet.dir, 'b2.json'), 'utf8'), /password is required/);
    const withPw = await runCli(['run', pb, '-i', pwInv, '--json', join(fleet.dir, 'b3.json')], { env: { FLEETSWEEP_BECOME_PASSWORD: 's3cret-pw' } });
    assert.equal(withPw.code, 0, withPw.stderr);
    assert.doesNotMatch(readFileSync(join(fleet.dir, 'b3.json'), 'utf8') + withPw.stdout + withPw.stderr, /s3cret-pw/);
  });
});

async function waitFor(pred: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await pred()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('condition not met in time');
}

function acceptedLogins(name: string): number {
  const id = fleet.node(name).container.getId();
  // sshd -e logs to stderr; the container id is hex, safe in a shell word
  const logs = execFileSync('sh', ['-c', `docker logs ${id} 2>&1`], { encoding: 'utf8' });
  return logs.split('\n').filter((l) => /Accepted publickey/.test(l)).length;
}

/** The largest number of [start, end] spans that overlap at one instant. */
function maxOverlap(spans: Array<[number, number]>): number {
  const ev = spans.flatMap(([a, b]) => [[a, 1], [b, -1]] as const).sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  let cur = 0;
  let max = 0;
  for (const [, d] of ev) { cur += d; max = Math.max(max, cur); }
  return max;
}
