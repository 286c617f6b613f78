// Fault injection, what nodes print: megabytes of output, output that never ends, invalid UTF-8, and outputs
// crafted to attack the cleanup (hostile multipath and rbd names through stand-in `multipath` and `rbd`).
// Nothing a node prints may reach a shell unquoted; parsed names must pass strict patterns, the rest is
// reported and skipped. The matrix is in docs/hardening.md.
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { fleetUnavailableReason, startFleet, type Fleet } from './harness.js';
import { Cli, assertConsistent, existsOn, type Report } from './faults-helpers.js';

let fleet: Fleet;
let cli: Cli;
let n = 0;
const ALL = ['node1', 'node2', 'node3'];
const CANARY = '/tmp/pwned';

before(async () => {
  const reason = await fleetUnavailableReason();
  assert.equal(reason, undefined, `fleet tests need docker and the node image: ${reason}`);
  fleet = await startFleet({ count: 3, firstAddress: '127.0.8.11', namePrefix: 'faultout' });
});

after(async () => {
  await fleet?.close();
});

beforeEach(async () => {
  cli = new Cli(fleet, join(fleet.dir, `state-${++n}`));
  await Promise.all(fleet.nodes.map((x) => fleet.exec(x, `rm -rf ${CANARY} /var/tmp/fs-* /etc/fs-fake; pkill -x yes; true`)));
});

/** Writes exact bytes to a file on a node (base64 through docker exec). */
async function put(node: string, path: string, content: string | Buffer, mode = '644'): Promise<void> {
  const b64 = Buffer.from(content).toString('base64');
  const r = await fleet.exec(fleet.node(node), `mkdir -p "$(dirname ${path})" && echo ${b64} | base64 -d > ${path} && chmod ${mode} ${path}`);
  assert.equal(r.exitCode, 0, r.output);
}

const task = (rep: Report, host: string, name: string) => {
  const t = rep.hosts[host]?.tasks.find((x) => x.name === name);
  assert.ok(t, `${host}: no task "${name}" in the report`);
  return t;
};

describe('output that misbehaves', () => {
  test('megabytes of output are capped (1 MiB in memory, 64 KiB in the report and journal), flagged truncated, and the task still succeeds', async () => {
    const r = await cli.run(`
- hosts: nodes
  tasks:
    - name: flood
      shell: head -c 8000000 /dev/zero | tr '\\0' x; echo; echo end
      register: big
      changed_when: false
    - name: size seen by the playbook
      debug: { msg: "{{ big.stdout | length }} {{ big.truncated }}" }
    - name: a check that floods
      check: head -c 3000000 /dev/zero | tr '\\0' y; exit 1
      apply: "true"
      verify: false
      destructive: false
`);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    for (const h of ALL) {
      const flood = task(r.report!, h, 'flood');
      assert.equal(flood.outcome, 'ok');
      assert.equal(flood.truncated, true);
      assert.equal(flood.stdout!.length, 64 * 1024, 'the report keeps 64 KiB');
      assert.equal(task(r.report!, h, 'size seen by the playbook').reason, `${1024 * 1024} true`);
      assert.equal(task(r.report!, h, 'a check that floods').outcome, 'ok');
    }
    const recs = cli.records(r.report!.runId);
    assertConsistent(recs, { ended: true });
    const size = statSync(join(cli.stateDir, 'runs', r.report!.runId, 'journal.jsonl')).size;
    assert.ok(size < 3 * 80 * 1024, `journal is ${size} bytes: each journaled stream is capped at 64 KiB`);
  });

  test('output that never ends: the command is killed at its deadline (nothing left running), the host is hung, the others finish, exit 4', async () => {
    const r = await cli.run(`
- hosts: nodes
  tasks:
    - name: endless
      shell: "{% if inventory_hostname == 'node2' %}yes{% else %}echo fine{% endif %}"
      timeout: 3s
      changed_when: false
    - { name: next, command: "true", changed_when: false }
`);
    assert.equal(r.code, 4, r.stdout + r.stderr);
    assert.equal(r.report!.hosts.node2!.outcome, 'hung');
    const endless = task(r.report!, 'node2', 'endless');
    assert.equal(endless.truncated, true);
    for (const h of ['node1', 'node3']) {
      assert.equal(r.report!.hosts[h]!.outcome, 'ok');
      assert.equal(r.report!.hosts[h]!.tasks.length, 2);
    }
    assert.equal((await fleet.exec(fleet.node('node2'), 'pgrep -x yes')).exitCode, 1, 'yes was killed with its process group');
    assertConsistent(cli.records(r.report!.runId), { ended: true });
  });

  test('invalid UTF-8 is replaced (U+FFFD) in registered output, the report and the journal, which stay valid JSON', async () => {
    const r = await cli.run(`
- hosts: nodes
  tasks:
    - name: binary
      shell: printf 'ok \\377\\376 end\\n'
      register: b
      changed_when: false
    - name: seen
      debug: { msg: "{{ b.stdout }}" }
    - name: a check with binary output
      check: printf 'dev \\300\\257 gone\\n'; exit 1
      apply: "true"
      verify: false
      destructive: false
`);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    for (const h of ALL) {
      assert.equal(task(r.report!, h, 'binary').stdout, 'ok \uFFFD\uFFFD end\n');
      assert.equal(task(r.report!, h, 'seen').reason, 'ok \uFFFD\uFFFD end');
      assert.equal(task(r.report!, h, 'a check with binary output').reason, 'dev \uFFFD\uFFFD gone');
    }
    const recs = cli.records(r.report!.runId);
    assertConsistent(recs, { ended: true });
    assert.ok(recs.some((x) => x.type === 'step' && x.phase === 'check' && x.event === 'end' && (x as { stdout?: string }).stdout === 'dev \uFFFD\uFFFD gone\n'));
  });
});

// multipath -ll as a compromised or confused node could print it: device and map names that are shell code.
const MP_TEXT = `mpatha (3600a098038303053453f463045727a50) dm-3 NETAPP,LUN
size=1G features='0' hwhandler='0' wp=rw
\`-+- policy='service-time 0' prio=0 status=enabled
  |- 7:0:0:1 sdb 8:16 failed faulty running
  |- 7:0:0:2 sdc;touch\${IFS}${CANARY} 8:32 failed faulty running
  |- 7:0:0:3 $(touch\${IFS}${CANARY}) 8:48 failed faulty running
  |- 7:0:0:4 \`touch\${IFS}${CANARY}\` 8:64 failed faulty running
  \`- 7:0:0:5 ../sda 8:80 failed faulty running
$(touch\${IFS}${CANARY}) (3600a098038303053453f463045727a51) dm-4 NETAPP,LUN
size=1G features='0' hwhandler='0' wp=rw
\`-+- policy='service-time 0' prio=0 status=enabled
  \`- 8:0:0:1 sdh 8:112 failed faulty running
`;
const mpMap = (name: string, uuid: string, dm: string, devs: string[]) => ({
  name, uuid, sysfs: dm, queueing: 'off', features: '0', hwhandler: '0', write_prot: 'rw', vend: 'NETAPP', prod: 'LUN',
  path_groups: [{ selector: 'service-time 0', pri: 0, dm_st: 'enabled', group: 1, paths: devs.map((dev, i) => ({ dev, dev_t: `8:${16 * (i + 3)}`, dm_st: 'failed', dev_st: 'running', chk_st: 'faulty' })) }],
});
// multipathd's JSON can carry what text cannot: spaces and newlines in names; and template syntax, which stays data.
const MP_JSON = JSON.stringify({
  major_version: 0, minor_version: 1, maps: [
    mpMap('mpathg', '3600a098038303053453f463045727a60', 'dm-4', ['sdd', `sde;touch ${CANARY}`, '-o']),
    mpMap('map with spaces', '3600a098038303053453f463045727a61', 'dm-5', ['sdf']),
    mpMap(`evil\nmap;touch ${CANARY}`, '3600a098038303053453f463045727a62', 'dm-6', []),
    mpMap('{{ 7 * 7 }}', '3600a098038303053453f463045727a63', 'dm-7', []),
  ],
});
const MP_PLAIN = `mpathz (3600a098038303053453f463045727a70) dm-2 NETAPP,LUN
size=1G features='0' hwhandler='0' wp=rw
\`-+- policy='service-time 0' prio=0 status=enabled
  \`- 9:0:0:1 sdx 65:112 failed faulty running
`;

const MP_PLAYBOOK = `
- name: multipath residue, hostile names
  hosts: nodes
  tasks:
    - name: read the topology
      command: multipath -ll
      register: mp
      changed_when: false
    - name: parse it
      set_fact:
        topo: "{{ mp.stdout | multipath_topology }}"
    - name: skipped maps
      loop: "{{ topo.maps | rejectattr('valid') | list }}"
      debug: { msg: "skipped map {{ item.name | to_json }}: {{ item.reason }}" }
    - name: skipped paths
      loop: "{{ topo.maps | selectattr('valid') | map(attribute='paths') | flatten | rejectattr('valid') | list }}"
      debug: { msg: "skipped path {{ item.dev | to_json }}: {{ item.reason }}" }
    - name: remove failed paths
      loop: "{{ topo.maps | selectattr('valid') | map(attribute='paths') | flatten | selectattr('valid') | list }}"
      when: item.dev is device_name
      check: test -e /var/tmp/fs-dev/{{ item.dev }} || { echo gone; exit 1; }
      snapshot: cat /var/tmp/fs-dev/{{ item.dev }}
      apply: echo {{ item.dev }} >> /var/tmp/fs-deleted.log && rm -f /var/tmp/fs-dev/{{ item.dev }}
      verify: test ! -e /var/tmp/fs-dev/{{ item.dev }}
      rollback: echo {{ snapshot.stdout }} > /var/tmp/fs-dev/{{ item.dev }}
    - name: every parsed name, valid or not, reaches a command quoted
      loop: "{{ (topo.maps | map(attribute='name') | list) + (topo.maps | map(attribute='paths') | flatten | map(attribute='dev') | select | list) }}"
      shell: printf '%s\\0' {{ item }} >> /var/tmp/fs-seen.bin
`;

const RBD_SHOWMAPPED = JSON.stringify([
  { id: '0', pool: 'rbd', namespace: '', name: '-o force', snap: '-', device: '/dev/rbd0' },
  { id: '1', pool: `rbd;touch ${CANARY}`, namespace: '', name: 'img', snap: '-', device: '/dev/rbd1' },
  { id: '2', pool: 'kube', namespace: '', name: 'csi-vol-1', snap: '-', device: '/dev/rbd2' },
  { id: '3', pool: 'kube', namespace: '', name: 'vol2', snap: '-', device: `$(touch ${CANARY})` },
  { id: '4', pool: 'kube', namespace: '', name: '../../etc', snap: '-', device: '/dev/rbd4' },
]);
const RBD_STATUS = `Watchers:
\twatcher=$(touch\${IFS}${CANARY}):0/1 client.1 cookie=2
\twatcher=$(touch ${CANARY}):0/1 client.1 cookie=2
\twatcher=not-an-address client.2 cookie=3
\twatcher=10.0.0.9:0/77 client.4 cookie=5
`;
const FAKE_RBD = `#!/bin/sh
case "$1" in
  showmapped) cat /etc/fs-fake/showmapped.out ;;
  status) cat /etc/fs-fake/status.out ;;
  unmap) printf '%s\\n' "$*" >> /var/tmp/fs-rbd-unmapped.log; rm -f "/var/tmp/fs-rbd/\${2##*/}" ;;
  *) exit 2 ;;
esac
`;
const RBD_PLAYBOOK = `
- name: rbd stale mappings, hostile names
  hosts: nodes
  tasks:
    - name: read the mappings
      command: rbd showmapped --format json
      register: sm
      changed_when: false
    - name: parse them
      set_fact:
        mapped: "{{ sm.stdout | rbd_showmapped }}"
    - name: skipped mappings
      loop: "{{ mapped.mappings | rejectattr('valid') | list }}"
      debug: { msg: "skipped mapping {{ item.pool | to_json }}/{{ item.image | to_json }} {{ item.device | to_json }}: {{ item.reason }}" }
    - name: read the watchers
      command: rbd status kube/csi-vol-1
      register: st
      changed_when: false
    - name: skipped watchers
      loop: "{{ (st.stdout | rbd_status).watchers | rejectattr('valid') | list }}"
      debug: { msg: "skipped watcher {{ item.address | to_json }}: {{ item.reason }}" }
    - name: unmap stale mappings
      loop: "{{ mapped.mappings | selectattr('valid') | list }}"
      when: item.device is rbd_device and item.image is ceph_name and item.pool is ceph_name
      check: test -e /var/tmp/fs-rbd/{{ item.device | basename }} || { echo gone; exit 1; }
      snapshot: echo {{ item.pool }}/{{ item.image }}
      apply: rbd unmap {{ item.device }}
      verify: test ! -e /var/tmp/fs-rbd/{{ item.device | basename }}
      rollback: touch /var/tmp/fs-rbd/{{ item.device | basename }}
    - name: every parsed name, valid or not, reaches a command quoted
      loop: "{{ (mapped.mappings | map(attribute='image') | list) + (mapped.mappings | map(attribute='pool') | list) + (mapped.mappings | map(attribute='device') | list) }}"
      shell: printf '%s\\0' {{ item }} >> /var/tmp/fs-seen.bin
`;

describe('hostile remote output', () => {
  test('hostile multipath names: only valid paths of valid maps are acted on, the rest is reported as skipped, nothing reaches a shell', async () => {
    await put('node1', '/etc/fs-fake/multipath.out', MP_TEXT);
    await put('node2', '/etc/fs-fake/multipath.out', MP_JSON);
    await put('node3', '/etc/fs-fake/multipath.out', MP_PLAIN);
    for (const h of ALL) {
      await put(h, '/usr/local/sbin/multipath', '#!/bin/sh\ncat /etc/fs-fake/multipath.out\n', '755');
      await fleet.exec(fleet.node(h), 'mkdir -p /var/tmp/fs-dev && for d in sdb sdc sdd sde sdf sdh sdx; do echo "$d data" > /var/tmp/fs-dev/$d; done; echo keep > /var/tmp/sda');
    }
    try {
      const r = await cli.run(MP_PLAYBOOK);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      for (const h of ALL) assert.equal(await existsOn(fleet, h, CANARY), false, `${h}: ${CANARY} exists: hostile output reached a shell`);
      const deleted = async (h: string) => (await fleet.exec(fleet.node(h), 'cat /var/tmp/fs-deleted.log 2>/dev/null; true')).stdout.split('\n').filter(Boolean);
      assert.deepEqual(await deleted('node1'), ['sdb'], 'sdh belongs to a map with a hostile name: left alone');
      assert.deepEqual(await deleted('node2'), ['sdd'], 'sdf belongs to "map with spaces": left alone');
      assert.deepEqual(await deleted('node3'), ['sdx']);
      assert.equal((await fleet.exec(fleet.node('node1'), 'cat /var/tmp/sda')).stdout, 'keep\n', '../sda was never touched');

      const reasons = (h: string, t: string) => (task(r.report!, h, t).items ?? []).map((i) => i.reason);
      assert.deepEqual(reasons('node1', 'skipped maps'), [`skipped map "$(touch\${IFS}${CANARY})": map name "$(touch\${IFS}${CANARY})" is not a safe map name`]);
      assert.deepEqual(reasons('node1', 'skipped paths'), [
        `sdc;touch\${IFS}${CANARY}`, `$(touch\${IFS}${CANARY})`, `\`touch\${IFS}${CANARY}\``, '../sda',
      ].map((d) => `skipped path ${JSON.stringify(d)}: dev ${JSON.stringify(d)} is not a SCSI disk name (sd[a-z]{1,4})`));
      assert.deepEqual(reasons('node2', 'skipped maps').map((x) => x!.replace(/:.*/s, '')), ['skipped map "map with spaces"', `skipped map "evil\\nmap;touch ${CANARY}"`, 'skipped map "{{ 7 * 7 }}"']);
      assert.deepEqual(reasons('node2', 'skipped paths').map((x) => x!.replace(/:.*/s, '')), [`skipped path "sde;touch ${CANARY}"`, 'skipped path "-o"']);

      // the unguarded echo task got every name through byte for byte: quoting held
      const seen = async (h: string) => (await fleet.exec(fleet.node(h), 'cat /var/tmp/fs-seen.bin')).stdout.split('\0').slice(0, -1);
      assert.deepEqual(await seen('node1'), ['mpatha', `$(touch\${IFS}${CANARY})`, 'sdb', `sdc;touch\${IFS}${CANARY}`, `$(touch\${IFS}${CANARY})`, `\`touch\${IFS}${CANARY}\``, '../sda', 'sdh']);
      assert.deepEqual(await seen('node2'), ['mpathg', 'map with spaces', `evil\nmap;touch ${CANARY}`, '{{ 7 * 7 }}', 'sdd', `sde;touch ${CANARY}`, '-o', 'sdf']);
      assertConsistent(cli.records(r.report!.runId), { ended: true });
    } finally {
      for (const h of ALL) await fleet.exec(fleet.node(h), 'rm -f /usr/local/sbin/multipath');
    }
  });

  test('hostile rbd names (an image named "-o force", shell in a pool or device, a watcher address that is not one): skipped and reported; only the valid mapping is unmapped', async () => {
    for (const h of ALL) {
      await put(h, '/etc/fs-fake/showmapped.out', RBD_SHOWMAPPED);
      await put(h, '/etc/fs-fake/status.out', RBD_STATUS);
      await put(h, '/usr/local/bin/rbd', FAKE_RBD, '755');
      await fleet.exec(fleet.node(h), 'mkdir -p /var/tmp/fs-rbd && touch /var/tmp/fs-rbd/rbd0 /var/tmp/fs-rbd/rbd1 /var/tmp/fs-rbd/rbd2 /var/tmp/fs-rbd/rbd4');
    }
    try {
      const r = await cli.run(RBD_PLAYBOOK);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      for (const h of ALL) {
        assert.equal(await existsOn(fleet, h, CANARY), false, `${h}: ${CANARY} exists: hostile output reached a shell`);
        assert.equal((await fleet.exec(fleet.node(h), 'cat /var/tmp/fs-rbd-unmapped.log')).stdout, 'unmap /dev/rbd2\n');
        assert.equal((await fleet.exec(fleet.node(h), 'ls /var/tmp/fs-rbd')).stdout, 'rbd0\nrbd1\nrbd4\n');
        const skipped = (task(r.report!, h, 'skipped mappings').items ?? []).map((i) => i.reason!.replace(/:.*/s, ''));
        assert.deepEqual(skipped, [
          'skipped mapping "rbd"/"-o force" "/dev/rbd0"', `skipped mapping "rbd;touch ${CANARY}"/"img" "/dev/rbd1"`,
          `skipped mapping "kube"/"vol2" "$(touch ${CANARY})"`, 'skipped mapping "kube"/"../../etc" "/dev/rbd4"',
        ]);
        const watchers = (task(r.report!, h, 'skipped watchers').items ?? []).map((i) => i.reason!);
        assert.deepEqual(watchers, [
          `skipped watcher "$(touch\${IFS}${CANARY}):0/1": address "$(touch\${IFS}${CANARY}):0/1" is not an IP:PORT/NONCE address`,
          `skipped watcher null: unparsed watcher line "watcher=$(touch ${CANARY}):0/1 client.1 cookie=2"`,
          'skipped watcher "not-an-address": address "not-an-address" is not an IP:PORT/NONCE address',
        ]);
        const seen = (await fleet.exec(fleet.node(h), 'cat /var/tmp/fs-seen.bin')).stdout.split('\0').slice(0, -1);
        assert.deepEqual(seen, ['-o force', 'img', 'csi-vol-1', 'vol2', '../../etc', 'rbd', `rbd;touch ${CANARY}`, 'kube', 'kube', 'kube', '/dev/rbd0', '/dev/rbd1', '/dev/rbd2', `$(touch ${CANARY})`, '/dev/rbd4']);
      }
      assertConsistent(cli.records(r.report!.runId), { ended: true });
    } finally {
      for (const h of ALL) await fleet.exec(fleet.node(h), 'rm -f /usr/local/bin/rbd');
    }
  });
});
