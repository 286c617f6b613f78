// Runs one command and accounts for it: wall time, CPU of its whole process tree (cgroup), largest RSS (GNU time), sampled total PSS.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const CPUACCT = '/sys/fs/cgroup/cpuacct';
export const GNU_TIME = '/usr/bin/time';

/**
 * A cgroup-v1 cpuacct group (or a v2 group with the cpu controller). Every process forked inside stays inside,
 * daemonized ones included (ssh ControlMaster -f, ansible's ControlPersist masters), so its counters are the
 * exact CPU of a whole process tree, which getrusage cannot give (it only sees waited-for children).
 */
export class CpuGroup {
  private constructor(readonly dir: string, private readonly v2: boolean) {}

  static root(): string | undefined {
    if (existsSync(join(CPUACCT, 'cpuacct.usage'))) return CPUACCT;
    if (existsSync('/sys/fs/cgroup/cgroup.controllers')) return '/sys/fs/cgroup';
    return undefined;
  }

  /** Creates `<root>/<name>`, or returns undefined when cgroups are unavailable (not root, no cpuacct). */
  static create(parent: string | undefined, name: string): CpuGroup | undefined {
    if (!parent) return undefined;
    const dir = join(parent, name);
    try {
      if (!existsSync(dir)) mkdirSync(dir);
      return new CpuGroup(dir, !existsSync(join(dir, 'cpuacct.usage')));
    } catch {
      return undefined;
    }
  }

  /** user and system CPU in ms, all processes that ever ran in the group (live ones included). */
  cpu(): { userMs: number; sysMs: number } {
    if (this.v2) {
      const s = Object.fromEntries(readFileSync(join(this.dir, 'cpu.stat'), 'utf8').trim().split('\n').map((l) => l.split(' ') as [string, string]));
      return { userMs: Number(s.user_usec) / 1000, sysMs: Number(s.system_usec) / 1000 };
    }
    const rd = (f: string) => Number(readFileSync(join(this.dir, f), 'utf8').trim()) / 1e6;
    return { userMs: rd('cpuacct.usage_user'), sysMs: rd('cpuacct.usage_sys') };
  }

  pids(): number[] {
    try {
      return readFileSync(join(this.dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
    } catch {
      return [];
    }
  }

  /** The sh line that moves itself into the group before exec'ing the rest of its arguments. */
  joinPrefix(): string[] {
    return ['/bin/sh', '-c', 'echo $$ > "$0/cgroup.procs" && exec "$@"', this.dir];
  }

  /** Stops what the measured command left running (only processes in this group: all started by us). */
  async killAll(graceMs = 3000): Promise<number> {
    let left = this.pids();
    const n = left.length;
    for (const p of left) try { process.kill(p, 'SIGTERM'); } catch { /* gone */ }
    const end = Date.now() + graceMs;
    while ((left = this.pids()).length && Date.now() < end) await sleep(50);
    for (const p of left) try { process.kill(p, 'SIGKILL'); } catch { /* gone */ }
    return n;
  }

  remove(): void {
    try { rmdirSync(this.dir); } catch { /* still busy or already gone */ }
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Measurement {
  wallMs: number;
  /** CPU of the runner's whole process tree (cgroup), or GNU time's user+sys (waited children only) without cgroups */
  cpuUserMs: number;
  cpuSysMs: number;
  cpuSource: 'cgroup' | 'gnu-time';
  /** largest resident set of one process of the tree (GNU time %M, i.e. getrusage ru_maxrss of the waited children) */
  maxRssMb: number;
  /** peak of the summed proportional set size of all the tree's processes, sampled every `sampleMs` */
  peakPssMb: number;
  exitCode: number | null;
  stdout: string;
  stderr: string;
  /** processes still running in the group after the command exited, stopped by us (e.g. ControlPersist masters) */
  leftovers: number;
}

export interface MeasureOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  group?: CpuGroup;
  sampleMs?: number;
  /** keep at most this much stdout/stderr in memory */
  captureBytes?: number;
}

/** Runs `argv` to completion under /usr/bin/time, inside `group` when there is one. */
export async function measure(argv: string[], timeFile: string, o: MeasureOptions = {}): Promise<Measurement> {
  const cap = o.captureBytes ?? 32 << 20;
  writeFileSync(timeFile, '');
  const timed = [GNU_TIME, '-f', '%e %U %S %M', '-o', timeFile, ...argv];
  const full = o.group ? [...o.group.joinPrefix(), ...timed] : timed;
  const before = o.group?.cpu();
  const started = performance.now();
  const child = spawn(full[0]!, full.slice(1), { env: o.env ?? process.env, cwd: o.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => { if (stdout.length < cap) stdout += b.toString('utf8'); });
  child.stderr.on('data', (b: Buffer) => { if (stderr.length < cap) stderr += b.toString('utf8'); });
  let peakPss = 0;
  const sample = () => {
    const pids = o.group ? o.group.pids() : child.pid ? [child.pid] : [];
    let sum = 0;
    for (const p of pids) sum += pssKb(p);
    peakPss = Math.max(peakPss, sum);
  };
  const timer = setInterval(sample, o.sampleMs ?? 500);
  const exitCode = await new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  const wallMs = performance.now() - started;
  clearInterval(timer);
  const leftovers = o.group ? await o.group.killAll() : 0;
  const [, u, s, m] = readFileSync(timeFile, 'utf8').trim().split('\n').pop()!.split(' ').map(Number) as [number, number, number, number];
  let cpuUserMs = u * 1000;
  let cpuSysMs = s * 1000;
  if (o.group && before) {
    const after = o.group.cpu();
    cpuUserMs = after.userMs - before.userMs;
    cpuSysMs = after.sysMs - before.sysMs;
  }
  return {
    wallMs, cpuUserMs, cpuSysMs, cpuSource: o.group ? 'cgroup' : 'gnu-time', maxRssMb: m / 1024, peakPssMb: peakPss / 1024,
    exitCode, stdout, stderr, leftovers,
  };
}

function pssKb(pid: number): number {
  try {
    const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** utime+stime of `pids` and of their reaped children (cutime+cstime), in ms: the /proc method, without cgroups. */
export function procTreeCpuMs(pids: readonly number[]): number {
  let ticks = 0;
  for (const p of pids) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // fields 14-17 of stat(5), counted from 3 after the comm: utime stime cutime cstime
      ticks += Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
    } catch { /* exited */ }
  }
  return (ticks * 1000) / CLK_TCK;
}

const CLK_TCK = 100;
