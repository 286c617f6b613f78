// Smoke test of the fleet harness: real sshd nodes reached with the system OpenSSH client,
// trusting only the fleet's own key and known_hosts.
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { fleetUnavailableReason, startFleet } from './harness.js';
import type { Fleet, FleetNode } from './harness.js';

let fleet: Fleet | undefined;

before(async () => {
  const reason = await fleetUnavailableReason();
  assert.equal(reason, undefined, `fleet tests need docker and the node image: ${reason}`);
  fleet = await startFleet({ count: 2, firstAddress: '127.0.1.1', namePrefix: 'smoke' });
});

after(async () => {
  await fleet?.close();
});

function started(): Fleet {
  assert.ok(fleet, 'the fleet did not start (see before())');
  return fleet;
}

function ssh(node: FleetNode, user: string, cmd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('ssh', [...started().sshArgs(node, user), cmd], { timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

test('every node answers root over ssh with strict host key checking on its own address', async () => {
  const f = started();
  assert.deepEqual(f.nodes.map((n) => n.address), ['127.0.1.1', '127.0.1.2']);
  for (const node of f.nodes) {
    const r = await ssh(node, 'root', 'id -un; hostname');
    assert.equal(r.code, 0, `${node.name}: ${r.stderr}`);
    assert.equal(r.stdout, `root\n${node.name}\n`);
  }
});

test('known_hosts holds exactly one ed25519 line per node, matching the key each node serves', async () => {
  const f = started();
  const lines = (await readFile(f.knownHostsPath, 'utf8')).trim().split('\n');
  assert.deepEqual(lines, f.nodes.map((n) => n.hostKeyLine));
  for (const node of f.nodes) {
    assert.match(node.hostKeyLine, new RegExp(`^${node.address.replaceAll('.', '\\.')} ssh-ed25519 AAAA\\S+$`));
    const pub = await f.exec(node, 'cut -d" " -f1,2 /etc/ssh/ssh_host_ed25519_key.pub');
    assert.equal(`${node.address} ${pub.stdout.trim()}`, node.hostKeyLine);
  }
  assert.notEqual(f.nodes[0]?.hostKeyLine.split(' ')[2], f.nodes[1]?.hostKeyLine.split(' ')[2], 'each node has its own host key');
});

test('when known_hosts holds another key for the address then ssh refuses to connect', async () => {
  const f = started();
  const [n1, n2] = f.nodes as [FleetNode, FleetNode];
  const saved = await readFile(f.knownHostsPath, 'utf8');
  try {
    const n1Key = n1.hostKeyLine.split(' ').slice(1).join(' ');
    await writeFile(f.knownHostsPath, `${n2.address} ${n1Key}\n`);
    const r = await ssh(n2, 'root', 'true');
    assert.equal(r.code, 255);
    assert.match(r.stderr, /HOST IDENTIFICATION HAS CHANGED/);
  } finally {
    await writeFile(f.knownHostsPath, saved);
  }
});

test('fleet has passwordless sudo and pwuser needs a password', async () => {
  const node = started().nodes[0] as FleetNode;
  const fleetUser = await ssh(node, 'fleet', 'sudo -n true');
  assert.equal(fleetUser.code, 0, fleetUser.stderr);
  const pw = await ssh(node, 'pwuser', 'sudo -n true');
  assert.equal(pw.code, 1);
  assert.match(pw.stderr, /a password is required/);
  const withPw = await ssh(node, 'pwuser', "echo 's3cret-pw' | sudo -S -p '' id -u");
  assert.equal(withPw.code, 0, withPw.stderr);
  assert.equal(withPw.stdout, '0\n');
});

test('the inventory names every node with its address, user, key and the known_hosts var', async () => {
  const f = started();
  const inv = await readFile(f.inventoryPath, 'utf8');
  for (const node of f.nodes) {
    assert.match(inv, new RegExp(`\\n {8}${node.name}:\\n {10}ansible_host: "${node.address}"\\n`));
  }
  assert.match(inv, /ansible_user: "root"/);
  assert.ok(inv.includes(`ansible_ssh_private_key_file: ${JSON.stringify(f.keyPath)}`));
  assert.ok(inv.includes(`fleetsweep_known_hosts: ${JSON.stringify(f.knownHostsPath)}`));
});

test('when a node is stopped it refuses connections, and after start it serves the same key', async () => {
  const f = started();
  const node = f.nodes[1] as FleetNode;
  await f.stop(node);
  const down = await ssh(node, 'root', 'true');
  assert.equal(down.code, 255);
  assert.match(down.stderr, /Connection refused/);
  await f.start(node);
  const up = await ssh(node, 'root', 'true');
  assert.equal(up.code, 0, up.stderr);
});

test('when the host key is rotated then strict checking fails until known_hosts is rewritten', async () => {
  const f = started();
  const node = f.nodes[0] as FleetNode;
  const before = node.hostKeyLine;
  const after = await f.rotateHostKey(node);
  assert.notEqual(after, before);
  const stale = await ssh(node, 'root', 'true');
  assert.equal(stale.code, 255);
  assert.match(stale.stderr, /HOST IDENTIFICATION HAS CHANGED/);
  await f.writeKnownHosts();
  const fresh = await ssh(node, 'root', 'true');
  assert.equal(fresh.code, 0, fresh.stderr);
});

test('when a node is paused then connects hang without a banner, and after unpause it answers', async () => {
  const f = started();
  const node = f.nodes[1] as FleetNode;
  await f.pause(node);
  try {
    const hung = await new Promise<{ code: number; stderr: string }>((resolve) => {
      execFile('ssh', ['-o', 'ConnectTimeout=1', ...f.sshArgs(node, 'root'), 'true'], { timeout: 30_000 }, (err, _o, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stderr }));
    });
    assert.equal(hung.code, 255);
    assert.match(hung.stderr, /timed out/);
  } finally {
    await f.unpause(node);
  }
  const up = await ssh(node, 'root', 'true');
  assert.equal(up.code, 0, up.stderr);
});
