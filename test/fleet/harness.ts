// Test fleet: sshd nodes in host-network containers of fleetsweep-node:test, each bound to its own
// 127.x address, plus the client key, known_hosts and Ansible inventory that point at them.
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import { GenericContainer, getContainerRuntimeClient, Wait } from 'testcontainers';
import type { StartedTestContainer } from 'testcontainers';
import { hostKeyLine, inventoryYaml, nthAddress, opensshArgs } from './fleet-files.js';
import { sshBanner, waitForBanner } from './ssh-probe.js';

// Ryuk's image cannot be pulled here (no registry); the harness removes its containers itself.
process.env['TESTCONTAINERS_RYUK_DISABLED'] ??= 'true';
// This machine has a /.dockerenv, so testcontainers would look for the docker0 gateway (there is
// no bridge: dockerd runs with --bridge=none) or pull alpine to find one. Nodes are host-network
// and reached on 127.x anyway.
process.env['TESTCONTAINERS_HOST_OVERRIDE'] ??= 'localhost';

export const NODE_IMAGE = 'fleetsweep-node:test';
const SSH_PORT = 22;
const READY_LINE = /Server listening on \S+ port \d+/;
const READY_TIMEOUT_MS = 60_000;

export interface FleetNode {
  /** inventory name and container hostname: node1..nodeN */
  name: string;
  address: string;
  port: number;
  container: StartedTestContainer;
  /** the node's current host key as a known_hosts line: "127.0.1.3 ssh-ed25519 AAAA..." */
  hostKeyLine: string;
}

export interface ExecResult {
  exitCode: number;
  /** stdout and stderr interleaved */
  output: string;
  stdout: string;
  stderr: string;
}

export interface Fleet {
  nodes: FleetNode[];
  /** private tmp dir holding id_ed25519, id_ed25519.pub, known_hosts, inventory.yml, resolv.conf */
  dir: string;
  keyPath: string;
  knownHostsPath: string;
  inventoryPath: string;
  node(name: string): FleetNode;
  /** `sh -c cmd` in the node via docker exec (not ssh): for arranging and asserting node state. */
  exec(node: FleetNode, cmd: string, opts?: { user?: string }): Promise<ExecResult>;
  /** Arguments for the system `ssh` client (without "ssh") that trust exactly this fleet. */
  sshArgs(node: FleetNode, user?: string): string[];
  /** docker stop: the address refuses connections (unreachable node). Host keys are kept. */
  stop(node: FleetNode): Promise<void>;
  /** docker start after stop(); resolves once sshd answers with its banner again. */
  start(node: FleetNode): Promise<void>;
  /** Freezes the node: TCP connects still succeed (the kernel owns the socket) but sshd never
   *  answers, which is what a hung host looks like. */
  pause(node: FleetNode): Promise<void>;
  unpause(node: FleetNode): Promise<void>;
  /** New host keys + sshd re-exec (SIGHUP; open sessions survive). Resolves once sshd serves the
   *  new key. Updates node.hostKeyLine but NOT known_hosts, so clients now see a changed key;
   *  call writeKnownHosts() to trust the new key. Returns the new line. */
  rotateHostKey(node: FleetNode): Promise<string>;
  /** Rewrites known_hosts from the nodes' current host keys. */
  writeKnownHosts(): Promise<void>;
  /** Removes every container of the fleet and its tmp dir. Idempotent. */
  close(): Promise<void>;
}

export interface FleetOptions {
  count: number;
  /** address of node1; node N gets the (N-1)th next address. Default 127.0.1.1 */
  firstAddress?: string;
  /** containers are named fs-<prefix>-<pid>-<n>. Default "fleet" */
  namePrefix?: string;
  /** ansible_user in the inventory. Default root */
  inventoryUser?: string;
  /** image to run (default fleetsweep-node:test); simulators use images derived from it */
  image?: string;
  /** last word on each node's container before it starts: binds, devices, caps, env of a simulator */
  customize?: (c: GenericContainer, node: { name: string; address: string; index: number }) => GenericContainer;
}

const execFileP = promisify(execFile);
const claimedAddresses = new Set<string>();
const liveFleets = new Map<string, { ids: string[]; dir: string }>();
const usedPrefixes = new Map<string, number>();

/** Why fleet tests cannot run here, or undefined when they can. */
export async function fleetUnavailableReason(): Promise<string | undefined> {
  try {
    const client = await getContainerRuntimeClient();
    await client.container.dockerode.getImage(NODE_IMAGE).inspect();
    return undefined;
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    return /no such image|404/i.test(msg)
      ? `image ${NODE_IMAGE} is missing: run test/fleet/images/build.sh`
      : `docker is not usable (${msg}): start dockerd, see test/README.md`;
  }
}

export async function fleetAvailable(): Promise<boolean> {
  return (await fleetUnavailableReason()) === undefined;
}

export async function startFleet(opts: FleetOptions): Promise<Fleet> {
  const reason = await fleetUnavailableReason();
  if (reason) throw new Error(`fleet: cannot start: ${reason}`);
  if (!Number.isInteger(opts.count) || opts.count < 1) throw new Error(`fleet: count must be >= 1`);

  const first = opts.firstAddress ?? '127.0.1.1';
  const wanted = Array.from({ length: opts.count }, (_, i) => nthAddress(first, i));
  const basePrefix = opts.namePrefix ?? 'fleet';
  const seq = (usedPrefixes.get(basePrefix) ?? 0) + 1;
  usedPrefixes.set(basePrefix, seq);
  const prefix = seq === 1 ? basePrefix : `${basePrefix}_${seq}`;
  const fleetId = `${prefix}-${process.pid}`;

  for (const a of wanted) {
    if (claimedAddresses.has(a)) throw new Error(`fleet: ${a} is already used by another fleet in this process`);
  }
  // A leftover node from a crashed run would keep the port, and the new sshd would die on bind.
  const busy = (await Promise.all(wanted.map(async (a) => ((await sshBanner(a, SSH_PORT, 1000)) !== 'refused' ? a : undefined))))
    .filter((a) => a !== undefined);
  if (busy.length > 0) {
    throw new Error(`fleet: ${busy.join(', ')} port ${SSH_PORT} already taken (leftover node? docker ps -a --filter name=fs-)`);
  }
  wanted.forEach((a) => claimedAddresses.add(a));

  const dir = mkdtempSync(path.join(os.tmpdir(), 'fleetsweep-fleet-'));
  const keyPath = path.join(dir, 'id_ed25519');
  const knownHostsPath = path.join(dir, 'known_hosts');
  const inventoryPath = path.join(dir, 'inventory.yml');
  const resolvPath = path.join(dir, 'resolv.conf');
  const entry = { ids: [] as string[], dir };
  liveFleets.set(fleetId, entry);
  installExitCleanup();

  const release = async (): Promise<void> => {
    liveFleets.delete(fleetId);
    wanted.forEach((a) => claimedAddresses.delete(a));
    await rm(dir, { recursive: true, force: true });
  };

  let nodes: FleetNode[];
  try {
    await execFileP('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `fleetsweep-test-${fleetId}`, '-f', keyPath]);
    // DNS guard: nothing in a node may ask the host's resolver.
    await writeFile(resolvPath, 'nameserver 127.0.0.1\n');
    const started = await Promise.allSettled(
      wanted.map((address, i) => startNode(`node${i + 1}`, address, `fs-${prefix}-${process.pid}-${i + 1}`, fleetId, keyPath, resolvPath, entry.ids, opts, i)),
    );
    const failed = started.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed.length > 0) {
      throw new AggregateError(failed.map((f) => f.reason), `fleet: ${failed.length} of ${opts.count} nodes did not start: ${errorText(failed[0]?.reason)}`);
    }
    nodes = started.map((r) => (r as PromiseFulfilledResult<FleetNode>).value);
    await writeFile(knownHostsPath, knownHostsText(nodes));
    await writeFile(inventoryPath, inventoryYaml(nodes, { user: opts.inventoryUser ?? 'root', keyPath, knownHostsPath }));
  } catch (err) {
    await removeContainers(entry.ids).catch(() => undefined);
    await release();
    throw err;
  }

  const writeKnownHosts = async (): Promise<void> => {
    await writeFile(knownHostsPath, knownHostsText(nodes));
  };

  const exec = async (node: FleetNode, cmd: string, o: { user?: string } = {}): Promise<ExecResult> => {
    const r = await node.container.exec(['sh', '-c', cmd], o.user ? { user: o.user } : {});
    return { exitCode: r.exitCode, output: r.output, stdout: r.stdout, stderr: r.stderr };
  };
  const docker = async (node: FleetNode) => (await getContainerRuntimeClient()).container.getById(node.container.getId());
  let closed = false;

  return {
    nodes,
    dir,
    keyPath,
    knownHostsPath,
    inventoryPath,
    node(name) {
      const n = nodes.find((x) => x.name === name);
      if (!n) throw new Error(`fleet: no node ${name}`);
      return n;
    },
    exec,
    sshArgs: (node, user = 'root') => opensshArgs(node, user, { keyPath, knownHostsPath }),
    async stop(node) {
      await (await docker(node)).stop({ t: 5 });
    },
    async start(node) {
      await (await docker(node)).start();
      await waitForBanner(node.address, node.port, READY_TIMEOUT_MS);
    },
    async pause(node) {
      await (await docker(node)).pause();
    },
    async unpause(node) {
      await (await docker(node)).unpause();
    },
    async rotateHostKey(node) {
      const gen = await exec(node, 'rm -f /etc/ssh/ssh_host_*_key /etc/ssh/ssh_host_*_key.pub && ssh-keygen -A >/dev/null && cat /etc/ssh/ssh_host_ed25519_key.pub');
      if (gen.exitCode !== 0) throw new Error(`fleet: ${node.name}: host key generation failed: ${gen.output}`);
      const line = hostKeyLine(node.address, node.port, gen.stdout);
      const newKey = line.split(' ').slice(1).join(' ');
      const hup = await exec(node, 'kill -HUP "$(cat /run/sshd.pid)"');
      if (hup.exitCode !== 0) throw new Error(`fleet: ${node.name}: cannot signal sshd: ${hup.output}`);
      // sshd re-execs on SIGHUP: poll until the listener serves the new key, not just any key.
      const deadline = Date.now() + READY_TIMEOUT_MS;
      for (;;) {
        const scan = await exec(node, `ssh-keyscan -T 2 -t ed25519 -p ${node.port} ${node.address} 2>/dev/null`);
        if (scan.stdout.includes(newKey)) break;
        if (Date.now() > deadline) throw new Error(`fleet: ${node.name}: sshd did not serve the new host key within ${READY_TIMEOUT_MS} ms`);
        await delay(50);
      }
      node.hostKeyLine = line;
      return line;
    },
    writeKnownHosts,
    async close() {
      if (closed) return;
      closed = true;
      const result = await removeContainers(entry.ids);
      await release();
      if (result.length > 0) throw new AggregateError(result, `fleet: could not remove ${result.length} containers`);
    },
  };
}

async function startNode(
  name: string, address: string, containerName: string, fleetId: string,
  keyPath: string, resolvPath: string, ids: string[], opts: FleetOptions, index: number,
): Promise<FleetNode> {
  const logTail: string[] = [];
  const base = new GenericContainer(opts.image ?? NODE_IMAGE)
    .withName(containerName)
    .withHostname(name)
    .withNetworkMode('host')
    .withEnvironment({ NODE_ADDR: address, NODE_PORT: String(SSH_PORT) })
    .withBindMounts([
      { source: `${keyPath}.pub`, target: '/etc/fleetsweep/authorized_keys', mode: 'ro' },
      { source: resolvPath, target: '/etc/resolv.conf', mode: 'ro' },
    ])
    .withLabels({ 'fleetsweep.fleet': fleetId, 'fleetsweep.node': name, 'fleetsweep.address': address })
    .withLogConsumer((stream) => stream.on('data', (b: Buffer) => {
      logTail.push(...String(b).split('\n').filter(Boolean));
      logTail.splice(0, logTail.length - 20);
    }))
    .withWaitStrategy(Wait.forLogMessage(READY_LINE))
    .withStartupTimeout(READY_TIMEOUT_MS);
  const container = await (opts.customize ? opts.customize(base, { name, address, index }) : base)
    .start()
    .catch((err: unknown) => {
      throw new Error(`${name} (${address}): ${errorText(err)}${logTail.length ? `; container log: ${logTail.slice(-5).join(' | ')}` : ''}`, { cause: err });
    });
  ids.push(container.getId());
  const pub = await container.exec(['cat', '/etc/ssh/ssh_host_ed25519_key.pub']);
  if (pub.exitCode !== 0) throw new Error(`${name}: cannot read its host key: ${pub.output}`);
  return { name, address, port: SSH_PORT, container, hostKeyLine: hostKeyLine(address, SSH_PORT, pub.stdout) };
}

/** Force-removes containers by id (works on running, stopped and paused ones). */
async function removeContainers(ids: string[]): Promise<unknown[]> {
  const client = await getContainerRuntimeClient();
  const results = await Promise.allSettled(ids.map((id) => client.container.getById(id).remove({ force: true, v: true })));
  ids.length = 0;
  return results
    .filter((r): r is PromiseRejectedResult => r.status === 'rejected')
    .map((r) => r.reason)
    .filter((e) => !/no such container/i.test(errorText(e)));
}

/** Safety net for a test process that dies without close(): remove its containers on the way out. */
let exitCleanupInstalled = false;
function installExitCleanup(): void {
  if (exitCleanupInstalled) return;
  exitCleanupInstalled = true;
  const cleanup = (): void => {
    for (const { ids, dir } of liveFleets.values()) {
      if (ids.length > 0) spawnSync('docker', ['rm', '-f', '-v', ...ids], { stdio: 'ignore', timeout: 30_000 });
      rmSync(dir, { recursive: true, force: true });
    }
    liveFleets.clear();
  };
  process.once('exit', cleanup);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      cleanup();
      process.kill(process.pid, sig);
    });
  }
}

function knownHostsText(nodes: FleetNode[]): string {
  return nodes.map((n) => n.hostKeyLine).join('\n') + '\n';
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
