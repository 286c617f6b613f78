// The bench "hosts": one OpenSSH server process per 127.0.x.y:22, each with its own host key and its own HOME, started and stopped by pid.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { CpuGroup, procTreeCpuMs, sleep } from './measure.js';
import { writeNodeHome } from './node-data.js';

export const SSHD = '/usr/sbin/sshd';
export const BENCH_USER = 'fsbench';

export interface BenchHost {
  /** 0-based */
  index: number;
  name: string;
  address: string;
  home: string;
}

/**
 * Host i listens on 127.0.(100 + i div 250).(1 + i mod 250): 127.0.100.1 ... 127.0.101.250 for 500 hosts, inside
 * 127.0.100.0/22 (test fleets use 127.0.1.x-127.0.9.x and 127.0.10.x and up for the Ceph guide, which stays below 100).
 */
export function hostAddress(i: number): string {
  return `127.0.${100 + Math.floor(i / 250)}.${1 + (i % 250)}`;
}

async function pool<T>(items: readonly T[], width: number, fn: (t: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const c = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    c.stderr.on('data', (b: Buffer) => (err += b.toString()));
    c.once('error', reject);
    c.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')}: exit ${code}: ${err}`))));
  });
}

/** The dedicated bench user: /bin/sh as login shell (dash sources no rc file for `sh -c`), no password (`*`), key login only. */
export function ensureBenchUser(base: string, log: (s: string) => void): { uid: number; gid: number } {
  const lookup = () => {
    try {
      const id = (flag: string) => Number(execFileSync('id', [flag, BENCH_USER], { encoding: 'utf8' }).trim());
      return { uid: id('-u'), gid: id('-g') };
    } catch {
      return undefined;
    }
  };
  let ids = lookup();
  if (!ids) {
    log(`creating system user ${BENCH_USER} (shell /bin/sh, home ${base}/home, key login only)`);
    execFileSync('useradd', ['--system', '--shell', '/bin/sh', '--home-dir', join(base, 'home'), '--no-create-home', BENCH_USER]);
    ids = lookup()!;
  }
  // a "!" (locked) password makes sshd without PAM refuse even key logins; "*" is "no password" but not locked
  execFileSync('usermod', ['-p', '*', BENCH_USER]);
  const home = join(base, 'home');
  mkdirSync(home, { recursive: true });
  writeFileSync(join(home, '.bashrc'), '');
  chownSync(home, ids.uid, ids.gid);
  return ids;
}

export interface FleetOptions {
  base: string;
  count: number;
  log: (s: string) => void;
  /** cgroup parent for the sshd group (all sshd processes and what they fork: sessions, shells, commands) */
  cgroupParent?: string;
}

export class BenchFleet {
  readonly hosts: BenchHost[] = [];
  readonly keyPath: string;
  readonly knownHostsPath: string;
  private readonly procs: ChildProcess[] = [];
  readonly group: CpuGroup | undefined;

  private constructor(readonly base: string, cgroupParent: string | undefined) {
    this.keyPath = join(base, 'client_ed25519');
    this.knownHostsPath = join(base, 'known_hosts');
    this.group = CpuGroup.create(cgroupParent, 'sshd');
  }

  static async start(o: FleetOptions): Promise<BenchFleet> {
    const f = new BenchFleet(o.base, o.cgroupParent);
    try {
      await f.setUp(o);
    } catch (e) {
      await f.stop();
      throw e;
    }
    return f;
  }

  private async setUp(o: FleetOptions): Promise<void> {
    const { base, count, log } = o;
    mkdirSync(base, { recursive: true });
    chmodSync(base, 0o755); // the bench user walks through it to its HOME
    const ids = ensureBenchUser(base, log);
    if (!existsSync('/run/sshd')) mkdirSync('/run/sshd', { recursive: true, mode: 0o755 }); // privilege separation dir
    if (!existsSync(this.keyPath)) await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'fsbench-client', '-f', this.keyPath]);
    writeFileSync(join(base, 'authorized_keys'), readFileSync(`${this.keyPath}.pub`));
    chmodSync(join(base, 'authorized_keys'), 0o644);

    for (let i = 0; i < count; i++) {
      this.hosts.push({ index: i, name: `h${i + 1}`, address: hostAddress(i), home: join(base, 'hosts', `h${i + 1}`) });
    }
    // host keys are kept between bench runs (generating 500 takes seconds); homes are written fresh
    const keyDir = join(base, 'hostkeys');
    mkdirSync(keyDir, { recursive: true });
    const t0 = performance.now();
    await pool(this.hosts, 8, async (h) => {
      const k = join(keyDir, h.name);
      if (!existsSync(`${k}.pub`)) await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', h.name, '-f', k]);
    });
    const kh: string[] = [];
    for (const h of this.hosts) {
      writeNodeHome(h.home, h.index);
      execFileSync('chown', ['-R', `${ids.uid}:${ids.gid}`, h.home]);
      const pub = readFileSync(join(keyDir, `${h.name}.pub`), 'utf8').trim().split(' ');
      kh.push(`${h.address} ${pub[0]} ${pub[1]}`);
      writeFileSync(join(keyDir, `${h.name}.sshd_config`), sshdConfig(h, join(keyDir, h.name), base));
    }
    writeFileSync(this.knownHostsPath, kh.join('\n') + '\n');
    log(`prepared ${count} host(s) (keys, homes, configs) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    const t1 = performance.now();
    await pool(this.hosts, 32, async (h) => {
      const cfg = join(keyDir, `${h.name}.sshd_config`);
      const argv = [...(this.group?.joinPrefix() ?? []), SSHD, '-D', '-f', cfg];
      const c = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
      this.procs.push(c);
      let err = '';
      c.stderr!.on('data', (b: Buffer) => (err += b.toString()));
      await waitListening(h.address, 22, c, () => err);
    });
    log(`started ${count} sshd process(es) on ${this.hosts[0]!.address}..${this.hosts[count - 1]!.address}:22 in ${((performance.now() - t1) / 1000).toFixed(1)} s`);
  }

  get pids(): number[] {
    return this.procs.map((p) => p.pid!).filter(Boolean);
  }

  /** sshd-side CPU so far, ms: the cgroup (exact, live sessions included) and the /proc children method (reaped only). */
  cpu(): { cgroupMs?: number; procMs: number } {
    const g = this.group?.cpu();
    return { ...(g ? { cgroupMs: g.userMs + g.sysMs } : {}), procMs: procTreeCpuMs(this.pids) };
  }

  /** Waits until every per-connection sshd has exited (so its CPU is counted), at most `ms`. */
  async settle(ms = 15_000): Promise<boolean> {
    if (!this.group) {
      await sleep(500);
      return true;
    }
    const end = Date.now() + ms;
    while (Date.now() < end) {
      if (this.group.pids().length <= this.procs.length) return true;
      await sleep(50);
    }
    return false;
  }

  /** Stops every sshd we started (by pid), then anything still running in the sshd group (their sessions). */
  async stop(): Promise<void> {
    this.stopSync();
    if (this.group) {
      await this.group.killAll(2000);
      this.group.remove();
    }
  }

  /** For exit handlers: signals only, no waiting. */
  stopSync(): void {
    for (const p of this.procs) {
      if (p.exitCode === null && p.signalCode === null && p.pid) try { process.kill(p.pid, 'SIGTERM'); } catch { /* gone */ }
    }
    for (const p of this.group?.pids() ?? []) try { process.kill(p, 'SIGTERM'); } catch { /* gone */ }
  }
}

function sshdConfig(h: BenchHost, hostKey: string, base: string): string {
  return [
    `ListenAddress ${h.address}`,
    'Port 22',
    `HostKey ${hostKey}`,
    'HostKeyAlgorithms ssh-ed25519',
    `AuthorizedKeysFile ${join(base, 'authorized_keys')}`,
    `AllowUsers ${BENCH_USER}`,
    'PidFile none',
    'UsePAM no',
    'StrictModes no',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'PermitRootLogin no',
    'UseDNS no',
    'LogLevel QUIET',
    'MaxStartups 1000',
    'MaxSessions 100',
    'X11Forwarding no',
    'PrintMotd no',
    // the per-host HOME: the node the scan reads (sshd still chdirs to the passwd home, which is shared); the host
    // lock of runs without --check goes there too, not to the machine's shared /run/lock (all hosts are one machine)
    `SetEnv HOME=${h.home} FLEETSWEEP_LOCK_DIR=${h.home}`,
  ].join('\n') + '\n';
}

async function waitListening(address: string, port: number, c: ChildProcess, err: () => string): Promise<void> {
  const end = Date.now() + 15_000;
  while (Date.now() < end) {
    if (c.exitCode !== null) throw new Error(`sshd on ${address} exited: ${err()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = createConnection({ host: address, port });
      s.once('connect', () => { s.destroy(); resolve(true); });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await sleep(20);
  }
  throw new Error(`sshd on ${address}:${port} not listening after 15 s: ${err()}`);
}
