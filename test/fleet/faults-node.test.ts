// Fault injection, nodes and network: a node dies (read-only task, apply, rollback), freezes past the deadline,
// stalls the handshake, refuses the key, changes its host key, wants a sudo password, lacks a command.
// Each case: the right per-host outcome, the other hosts finish, the journal is consistent, no destructive step
// is repeated or lost, and the documented exit code. The matrix is in docs/hardening.md.
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { fleetUnavailableReason, startFleet, type Fleet } from './harness.js';
import {
  APPLY_LOG, Cli, RES_DIR, appliesOn, applyBegins, assertConsistent, existsOn, residueLeft, residuePlaybook, seedResidue, statuses, waitFor,
} from './faults-helpers.js';

let fleet: Fleet;
let cli: Cli;
let n = 0;
const ALL = ['node1', 'node2', 'node3', 'node4'];
const GATE = '/var/tmp/fs-gate';

before(async () => {
  const reason = await fleetUnavailableReason();
  assert.equal(reason, undefined, `fleet tests need docker and the node image: ${reason}`);
  fleet = await startFleet({ count: 4, firstAddress: '127.0.8.1', namePrefix: 'faultnode' });
});

after(async () => {
  await fleet?.close();
});

beforeEach(async () => {
  cli = new Cli(fleet, join(fleet.dir, `state-${++n}`));
  await seedResidue(fleet);
  await Promise.all(fleet.nodes.map((x) => fleet.exec(x, `rm -f ${GATE} /var/tmp/fs-mark-*; rm -rf /run/lock/fleetsweep.lock /tmp/fleetsweep.lock`)));
});

const outcomes = (rep: { hosts: Record<string, { outcome: string }> }) => Object.fromEntries(Object.entries(rep.hosts).map(([h, v]) => [h, v.outcome]));

/** Apply that waits on the node's gate file (touching a marker first) before it logs and removes the item. */
const GATED_BEFORE = `if [ -e ${GATE} ]; then touch /var/tmp/fs-mark-apply-{{ item }}; sleep 120; fi; echo {{ item }} >> ${APPLY_LOG} && rm -f {{ path }}`;
/** Apply that logs and removes the item, then (gate present) marks and waits. */
const GATED_AFTER = `echo {{ item }} >> ${APPLY_LOG} && rm -f {{ path }} && if [ -e ${GATE} ]; then touch /var/tmp/fs-mark-apply-{{ item }}; sleep 120; fi`;

describe('a node dies', () => {
  test('during a read-only task: that host is unreachable (closed), the others finish both tasks, exit 5', async () => {
    const node2 = fleet.node('node2');
    let pid = 0;
    const running = cli.run(`
- hosts: nodes
  tasks:
    - name: slow read
      shell: "{% if inventory_hostname == 'node2' %}touch /var/tmp/fs-mark-ro; sleep 120{% else %}true{% endif %}"
      changed_when: false
    - name: after
      command: hostname
      changed_when: false
`, [], { onSpawn: (p) => (pid = p) });
    try {
      await waitFor(() => existsOn(fleet, 'node2', '/var/tmp/fs-mark-ro'), 'the read on node2 to start');
      await fleet.stop(node2);
      const r = await running;
      assert.ok(pid > 0);
      assert.equal(r.code, 5, r.stdout + r.stderr);
      assert.equal(r.report!.hosts.node2!.outcome, 'unreachable');
      assert.match(r.report!.hosts.node2!.reason ?? '', /^closed: /);
      for (const h of ['node1', 'node3', 'node4']) {
        assert.equal(r.report!.hosts[h]!.outcome, 'ok', h);
        assert.equal(r.report!.hosts[h]!.tasks.length, 2, `${h} ran both tasks`);
      }
      const recs = cli.records(r.report!.runId);
      assertConsistent(recs, { ended: true });
      assert.deepEqual(recs.filter((x) => x.type === 'task-end' && x.host === 'node2').map((x) => x.outcome), ['unreachable']);
      assert.equal((await cli.lastRun()).state, 'finished');
    } finally {
      await fleet.start(node2);
    }
  });

  for (const when of ['before', 'after'] as const) {
    test(`during an apply, ${when} it changed the node: possibly-applied in the journal, exit 5; resume re-checks it and ${when === 'before' ? 'applies it once' : 'does not apply it again'}`, async () => {
      const node3 = fleet.node('node3');
      await fleet.exec(node3, `touch ${GATE}`);
      let stopped = false;
      try {
        const running = cli.run(residuePlaybook({ apply: when === 'before' ? GATED_BEFORE : GATED_AFTER }));
        // the gate holds item a on node3 (the first item): the apply-begin is durable before the command is sent
        await waitFor(() => applyBegins(cli.allRecords(), 'node3').length > 0, 'the apply-begin record of node3');
        await waitFor(() => existsOn(fleet, 'node3', '/var/tmp/fs-mark-apply-a'), 'the apply on node3 to reach the gate');
        await fleet.stop(node3);
        stopped = true;
        const r = await running;
        assert.equal(r.code, 5, r.stdout + r.stderr);
        assert.deepEqual(outcomes(r.report!), { node1: 'changed', node2: 'changed', node3: 'unreachable', node4: 'changed' });
        const id = r.report!.runId;
        assertConsistent(cli.records(id), { ended: true });
        const view = await cli.show(id);
        assert.deepEqual(statuses(view, 'node3'), { a: 'possibly-applied' }, 'b and c never started on node3');
        for (const h of ['node1', 'node2', 'node4']) assert.deepEqual(statuses(view, h), { a: 'verified', b: 'verified', c: 'verified' }, h);

        await fleet.start(node3);
        stopped = false;
        await fleet.exec(node3, `rm -f ${GATE}`);
        const resumed = await cli.fs(['resume', id]);
        assert.equal(resumed.code, 0, resumed.stdout + resumed.stderr);
        const rid = (await cli.lastRun('resume')).id;
        const rrecs = cli.records(rid);
        assertConsistent(rrecs, { ended: true });
        // verified steps are not even checked again; node3's possibly-applied item is checked first
        assert.deepEqual(rrecs.filter((x) => x.type === 'step' && x.host !== 'node3'), []);
        const checkA = rrecs.find((x) => x.type === 'step' && x.host === 'node3' && x.phase === 'check' && x.event === 'end' && x.itemKey === '"a"');
        assert.equal(checkA?.rc, when === 'before' ? 0 : 1, 'check decides whether the possibly-applied item is done');
        assert.deepEqual(applyBegins(rrecs), when === 'before' ? ['node3:a', 'node3:b', 'node3:c'] : ['node3:b', 'node3:c']);
        // on every node, each item was applied exactly once over both runs: nothing repeated, nothing lost
        for (const h of ALL) {
          assert.deepEqual((await appliesOn(fleet, h)).sort(), ['a', 'b', 'c'], `${h}: ${APPLY_LOG}`);
          assert.deepEqual(await residueLeft(fleet, h), [], h);
        }
      } finally {
        if (stopped) await fleet.start(node3);
        await fleet.exec(node3, `rm -f ${GATE}`);
      }
    });
  }

  test('during rollback: its steps there are unreachable, the other hosts are restored, exit 8; a second rollback finishes from a check', async () => {
    const node2 = fleet.node('node2');
    const original = await Promise.all(ALL.map((h) => fleet.exec(fleet.node(h), `cat ${RES_DIR}/a.res ${RES_DIR}/b.res ${RES_DIR}/c.res`).then((x) => x.stdout)));
    const run = await cli.run(residuePlaybook({
      rollback: `if [ -e ${GATE} ]; then touch /var/tmp/fs-mark-rb-{{ item }}; sleep 120; fi; printf %s {{ snapshot.stdout }} | base64 -d > {{ path }}`,
    }));
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const id = run.report!.runId;
    await fleet.exec(node2, `touch ${GATE}`);
    let stopped = false;
    try {
      const rolling = cli.fs(['rollback', id]);
      // newest first: c is the first step rolled back on node2
      await waitFor(() => existsOn(fleet, 'node2', '/var/tmp/fs-mark-rb-c'), 'the rollback on node2 to start');
      await fleet.stop(node2);
      stopped = true;
      const rb = await rolling;
      assert.equal(rb.code, 8, rb.stdout + rb.stderr);
      assert.match(rb.stdout, /^node2 \| remove residue "c" \| unreachable \|/m);
      assert.match(rb.stdout, /^node2 \| remove residue "a" \| unreachable \|/m);
      for (const h of ['node1', 'node3', 'node4']) assert.equal((rb.stdout.match(new RegExp(`^${h} \\| .* \\| restored \\|`, 'gm')) ?? []).length, 3, rb.stdout);
      const rbRun = await cli.lastRun('rollback');
      const rbRecs = cli.records(rbRun.id);
      assertConsistent(rbRecs, { ended: true });
      const begun = rbRecs.filter((x) => x.type === 'step' && x.phase === 'rollback' && x.event === 'begin' && x.host === 'node2');
      assert.deepEqual(begun.map((x) => x.itemKey), ['"c"'], 'node2: only c was sent before it died');
      assert.equal(rbRecs.some((x) => x.type === 'step' && x.phase === 'rollback' && x.event === 'end' && x.host === 'node2'), false);

      await fleet.start(node2);
      stopped = false;
      await fleet.exec(node2, `rm -f ${GATE}`);
      const again = await cli.fs(['rollback', id]);
      assert.equal(again.code, 0, again.stdout + again.stderr);
      assert.deepEqual(again.stdout.split('\n').filter((l) => l.startsWith('node')).map((l) => l.split(' | ').slice(0, 3).join(' | ')).sort(), [
        'node2 | remove residue "a" | restored', 'node2 | remove residue "b" | restored', 'node2 | remove residue "c" | restored',
      ], 'only node2 is left to roll back; c (possibly rolled back) is checked first and, not restored, rolled back');
      const now = await Promise.all(ALL.map((h) => fleet.exec(fleet.node(h), `cat ${RES_DIR}/a.res ${RES_DIR}/b.res ${RES_DIR}/c.res`).then((x) => x.stdout)));
      assert.deepEqual(now, original);
      const third = await cli.fs(['rollback', id]);
      assert.equal(third.code, 0);
      assert.match(third.stdout, /nothing to roll back/);
    } finally {
      if (stopped) await fleet.start(node2);
      await fleet.exec(node2, `rm -f ${GATE}`);
    }
  });
});

describe('the network misbehaves', () => {
  test('a node frozen longer than the deadline is hung, the others finish, exit 4; once thawed its lock holds off the next run (exit 7) until --lock-ttl', async () => {
    const node4 = fleet.node('node4');
    let paused = false;
    try {
      const running = cli.run(`
- hosts: nodes
  tasks:
    - name: work
      shell: touch /var/tmp/fs-mark-work; sleep 1
      timeout: 4s
    - name: after
      shell: touch /var/tmp/fs-mark-after
`);
      await waitFor(() => existsOn(fleet, 'node4', '/var/tmp/fs-mark-work'), 'the command on node4 to start');
      await fleet.pause(node4);
      paused = true;
      const r = await running;
      await fleet.unpause(node4);
      paused = false;
      assert.equal(r.code, 4, r.stdout + r.stderr);
      assert.equal(r.report!.hosts.node4!.outcome, 'hung');
      assert.equal(r.report!.hosts.node4!.tasks.length, 1, 'a hung host takes no further task');
      for (const h of ['node1', 'node2', 'node3']) {
        assert.equal(r.report!.hosts[h]!.outcome, 'changed', h);
        assert.ok(await existsOn(fleet, h, '/var/tmp/fs-mark-after'), `${h} ran the next task`);
      }
      assert.equal(await existsOn(fleet, 'node4', '/var/tmp/fs-mark-after'), false);
      assertConsistent(cli.records(r.report!.runId), { ended: true });

      // The frozen run could not release node4's host lock, and cannot know whether its command still runs
      // there: the next run is refused (exit 7, naming the owner) until the lock is older than --lock-ttl.
      const again = `
- hosts: node4
  tasks:
    - { name: again, shell: touch /var/tmp/fs-mark-again }
`;
      const locked = await cli.run(again);
      assert.equal(locked.code, 7, locked.stdout + locked.stderr);
      assert.match(locked.report!.hosts.node4!.reason ?? '', new RegExp(`locked by another run: ${r.report!.runId} `));
      assert.equal(await existsOn(fleet, 'node4', '/var/tmp/fs-mark-again'), false);
      const next = await cli.run(again, ['--lock-ttl', '1s']);
      assert.equal(next.code, 0, next.stdout + next.stderr);
      assert.match(next.stderr, new RegExp(`took over a stale host lock from ${r.report!.runId} `));
      assert.ok(await existsOn(fleet, 'node4', '/var/tmp/fs-mark-again'));
    } finally {
      if (paused) await fleet.unpause(node4);
    }
  });

  for (const kind of ['silent', 'banner'] as const) {
    test(`an sshd that accepts and then stalls the handshake (${kind}) is unreachable with reason timeout; the others finish, exit 5`, async () => {
      const sockets: Socket[] = [];
      const server: Server = createServer((s) => {
        sockets.push(s);
        s.on('error', () => undefined);
        if (kind === 'banner') s.write('SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n');
      });
      await new Promise<void>((res, rej) => server.once('error', rej).listen(2222, '127.0.8.20', res));
      try {
        const inv = inventory([{ name: 'staller', address: '127.0.8.20', port: 2222 }]);
        const r = await cli.run(`
- hosts: all
  tasks:
    - { name: probe, command: "true", changed_when: false }
`, ['--connect-timeout', '2s'], { inventory: inv });
        assert.equal(r.code, 5, r.stdout + r.stderr);
        assert.equal(r.report!.hosts.staller!.outcome, 'unreachable');
        assert.match(r.report!.hosts.staller!.reason ?? '', /^timeout: no ssh handshake with root@127\.0\.8\.20:2222 within 2000 ms/);
        for (const h of ALL) assert.equal(r.report!.hosts[h]!.outcome, 'ok', h);
        assert.ok(sockets.length >= 1, 'the listener was reached');
      } finally {
        for (const s of sockets) s.destroy();
        await new Promise((res) => server.close(res));
      }
    });
  }
});

describe('the node refuses or cannot do the work', () => {
  test('a key the node does not accept: unreachable with reason auth, no secret in the message, the others finish, exit 5', async () => {
    const other = join(fleet.dir, `other-key-${n}`);
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', other]);
    const inv = inventory([{ name: 'wrongkey', address: fleet.node('node1').address, port: 22, key: other }]);
    const r = await cli.run(residuePlaybook({ hosts: 'all' }), [], { inventory: inv });
    assert.equal(r.code, 5, r.stdout + r.stderr);
    assert.equal(r.report!.hosts.wrongkey!.outcome, 'unreachable');
    assert.match(r.report!.hosts.wrongkey!.reason ?? '', /^auth: authentication failed for root@127\.0\.8\.1:22 .*tried: key /);
    assert.doesNotMatch(JSON.stringify(r.report) + r.stdout + r.stderr, /BEGIN OPENSSH PRIVATE KEY|PRIVATE KEY/);
    for (const h of ALL) assert.equal(r.report!.hosts[h]!.outcome, 'changed', h);
    assert.deepEqual(applyBegins(cli.records(r.report!.runId), 'wrongkey'), []);
  });

  test('a host key that changed between two runs: the second run refuses that host before any command, even with --accept-new-host-keys, exit 5', async () => {
    const first = await cli.run(`
- hosts: nodes
  tasks:
    - { name: probe, command: "true", changed_when: false }
`);
    assert.equal(first.code, 0, first.stderr);
    const node2 = fleet.node('node2');
    await fleet.rotateHostKey(node2);
    try {
      const r = await cli.run(residuePlaybook(), ['--accept-new-host-keys']);
      assert.equal(r.code, 5, r.stdout + r.stderr);
      assert.equal(r.report!.hosts.node2!.outcome, 'unreachable');
      assert.match(r.report!.hosts.node2!.reason ?? '', /^hostkey-changed: /);
      for (const h of ['node1', 'node3', 'node4']) assert.equal(r.report!.hosts[h]!.outcome, 'changed', h);
      assert.deepEqual(await appliesOn(fleet, 'node2'), []);
      assert.deepEqual(await residueLeft(fleet, 'node2'), ['a', 'b', 'c']);
      const recs = cli.records(r.report!.runId);
      assertConsistent(recs, { ended: true });
      // the first check was journaled as begun (before connecting); nothing of node2 ever ended or was applied
      assert.deepEqual(recs.filter((x) => x.type === 'step' && x.host === 'node2').map((x) => `${x.phase}:${x.event}`), ['check:begin']);
      assert.deepEqual(recs.filter((x) => x.type === 'task-end' && x.host === 'node2').map((x) => x.outcome), ['unreachable']);
      assert.doesNotMatch(await fleet.exec(node2, 'cat /var/tmp/fs-applies.log; ls /run/lock').then((x) => x.stdout), /fleetsweep\.lock/);
    } finally {
      await fleet.writeKnownHosts();
    }
  });

  test('sudo that asks for a password nobody gave: that host fails at once with nothing applied, the others finish, exit 4', async () => {
    const inv = inventory([], (h) => (h === 'node1' ? 'pwuser' : 'fleet'));
    const pb = residuePlaybook().replace('  hosts: nodes\n', '  hosts: nodes\n  become: true\n');
    const r = await cli.run(pb, [], { inventory: inv, env: { FLEETSWEEP_BECOME_PASSWORD: '' } });
    assert.equal(r.code, 4, r.stdout + r.stderr);
    assert.equal(r.report!.hosts.node1!.outcome, 'failed');
    assert.match(r.report!.hosts.node1!.reason ?? '', /check failed \(rc=null: sudo: a password is required\); nothing applied/);
    for (const h of ['node2', 'node3', 'node4']) assert.equal(r.report!.hosts[h]!.outcome, 'changed', h);
    assert.deepEqual(await residueLeft(fleet, 'node1'), ['a', 'b', 'c']);
    assert.deepEqual(applyBegins(cli.records(r.report!.runId), 'node1'), []);
    assertConsistent(cli.records(r.report!.runId), { ended: true });
  });

  test('a command that is not installed (multipath: not found) fails that host with rc 127 and nothing applied; exit 4', async () => {
    // node4 has a multipath stand-in; the others have none
    await fleet.exec(fleet.node('node4'), `printf '#!/bin/sh\\nexit 0\\n' > /usr/local/sbin/multipath && chmod +x /usr/local/sbin/multipath`);
    try {
      const r = await cli.run(residuePlaybook({ preTasks: `
    - name: read the topology
      command: multipath -ll
      register: mp
      changed_when: false` }));
      assert.equal(r.code, 4, r.stdout + r.stderr);
      for (const h of ['node1', 'node2', 'node3']) {
        assert.equal(r.report!.hosts[h]!.outcome, 'failed', h);
        assert.match(r.report!.hosts[h]!.reason ?? '', /task "read the topology": rc=127: .*multipath: (command )?not found/);
        assert.deepEqual(await residueLeft(fleet, h), ['a', 'b', 'c'], h);
      }
      assert.equal(r.report!.hosts.node4!.outcome, 'changed');
      assert.deepEqual(await residueLeft(fleet, 'node4'), []);
      assertConsistent(cli.records(r.report!.runId), { ended: true });
    } finally {
      await fleet.exec(fleet.node('node4'), 'rm -f /usr/local/sbin/multipath');
    }
  });
});

/** The fleet's nodes (each with its ansible_user) plus extra hosts, as a YAML inventory. */
function inventory(extra: Array<{ name: string; address: string; port: number; key?: string }>, user: (h: string) => string = () => 'root'): string {
  const q = JSON.stringify;
  const lines = ['all:', '  children:', '    nodes:', '      hosts:'];
  for (const x of fleet.nodes) lines.push(`        ${x.name}: { ansible_host: ${q(x.address)}, ansible_port: ${x.port}, ansible_user: ${q(user(x.name))}, ansible_ssh_private_key_file: ${q(fleet.keyPath)} }`);
  lines.push('  hosts:');
  for (const x of extra) lines.push(`    ${x.name}: { ansible_host: ${q(x.address)}, ansible_port: ${x.port}, ansible_user: root, ansible_ssh_private_key_file: ${q(x.key ?? fleet.keyPath)} }`);
  if (!extra.length) lines.pop();
  lines.push('  vars:', `    fleetsweep_known_hosts: ${q(fleet.knownHostsPath)}`);
  const file = join(fleet.dir, `fault-inv-${++n}.yml`);
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}
