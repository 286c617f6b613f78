// `npm run bench`: fleetsweep vs the OpenSSH floor vs ansible-playbook on N local sshd hosts, plus micro measurements; prints a table, writes JSON.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, release } from 'node:os';
import { join } from 'node:path';
import { loadPlaybook } from '../src/config/playbook.js';
import { connect, type SshConnection } from '../src/transport/index.js';
import { BenchFleet, SSHD } from './fleet.js';
import { CpuGroup, GNU_TIME, measure, type Measurement } from './measure.js';
import { runMicro, type MicroResult } from './micro.js';
import { expectedOutputs } from './node-data.js';
import { ANSIBLE_PLAYBOOK, ansible, fleetsweep, floorMaster, floorOneExec, SCAN_PLAYBOOK, type Cell, type Check, type Runner } from './runners.js';
import { printTable, summarize, type RunRecord } from './table.js';

interface Args {
  n: number[];
  forks: number;
  /** extra forks for fleetsweep; 0 = all the cell's hosts at once */
  fsForks: number[];
  runs: number;
  ansibleRuns: number;
  only: Set<string>;
  base: string;
  out: string;
  install: boolean;
  /** start the hosts, print how to reach them, and wait for Ctrl-C (for profiling by hand) */
  serve: number;
  /** N values at which the floors also run with OpenSSH's default key exchange */
  defaultKexN: number[];
}

const ALL = ['fleetsweep', 'floor', 'floor1', 'ansible', 'micro', 'fleetsweep-batched', 'fleetsweep-free', 'fleetsweep-nocheck', 'floor-dk', 'floor1-dk'];

function parseArgs(argv: string[]): Args {
  const a: Args = { n: [50, 200, 500], forks: 50, fsForks: [25, 100], runs: 3, ansibleRuns: -1, only: new Set(ALL), base: '/tmp/fsbench', out: '', install: true, serve: 0, defaultKexN: [200] };
  const list = (v: string) => v.split(',').map((s) => s.trim()).filter(Boolean);
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i]!;
    const v = () => {
      const x = argv[++i];
      if (x === undefined) throw new Error(`${k} needs a value`);
      return x;
    };
    switch (k) {
      case '--n': a.n = list(v()).map(Number); break;
      case '--forks': a.forks = Number(v()); break;
      case '--fs-forks': a.fsForks = list(v()).map((s) => (s === 'all' ? 0 : Number(s))).filter((x) => !Number.isNaN(x)); break;
      case '--runs': a.runs = Number(v()); break;
      case '--default-kex-n': a.defaultKexN = list(v()).map(Number); break;
      case '--ansible-runs': a.ansibleRuns = Number(v()); break;
      case '--only': a.only = new Set(list(v())); break;
      case '--base': a.base = v(); break;
      case '--out': a.out = v(); break;
      case '--no-install': a.install = false; break;
      case '--serve': a.serve = Number(v()); a.n = [a.serve]; break;
      case '--quick': a.n = [20]; a.runs = 1; a.defaultKexN = [20]; break;
      case '-h': case '--help':
        process.stdout.write([
          'usage: npm run bench -- [--n 50,200,500] [--forks 50] [--fs-forks 25,100] [--runs 3] [--ansible-runs R] [--default-kex-n 200]',
          `                        [--only ${ALL.join(',')}] [--quick] [--base /tmp/fsbench] [--out FILE] [--no-install]`,
          '  --quick      smoke run: N=20, 1 run',
          '  --fs-forks   extra fleetsweep forks to try besides --forks ("all" = every host at once); "" for none',
          '  --default-kex-n  the N values at which floor-dk/floor1-dk (OpenSSH default kex) run; "" for none',
          '  floor  = OpenSSH ControlMaster + K exec requests per host;  floor1 = one ssh (one exec) per host running all K',
          '  also selectable: floor-dk, floor1-dk (OpenSSH default kex), fleetsweep-free, fleetsweep-batched (the K commands',
          '  as one task), fleetsweep-nocheck (without --check: takes and releases the host lock)',
          '  --serve N    only start N hosts, write cell-N/inventory-fs.ini, and wait for Ctrl-C (profiling by hand)',
          '',
        ].join('\n'));
        process.exit(0);
      default: throw new Error(`unknown option ${k}`);
    }
  }
  if (a.ansibleRuns < 0) a.ansibleRuns = a.runs;
  if (a.n.some((n) => !(n > 0 && n <= 1000))) throw new Error('--n values must be 1..1000');
  return a;
}

const log = (s: string) => process.stderr.write(`bench: ${s}\n`);
let stopping = false;

function aptInstall(pkg: string): boolean {
  log(`${pkg} is missing: apt-get install -y ${pkg}`);
  const r = spawnSync('apt-get', ['install', '-y', '-q', pkg], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (r.status === 0) return true;
  spawnSync('apt-get', ['update', '-q'], { stdio: ['ignore', 'ignore', 'inherit'] });
  return spawnSync('apt-get', ['install', '-y', '-q', pkg], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }).status === 0;
}

/** Raises the open-file limit by running ourselves again under `ulimit -n` (node cannot setrlimit). */
function ensureNoFile(need: number): void {
  const soft = Number(execFileSync('/bin/sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim());
  if (!(soft < need) || process.env.FSBENCH_ULIMIT) return;
  log(`raising ulimit -n from ${soft} to ${need}`);
  const r = spawnSync('/bin/sh', ['-c', `ulimit -n ${need} && exec "$@"`, 'sh', process.execPath, ...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit', env: { ...process.env, FSBENCH_ULIMIT: '1' } });
  process.exit(r.status ?? 1);
}

function machine(): Record<string, string> {
  const sh = (c: string) => { try { return execFileSync('/bin/sh', ['-c', c], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim(); } catch { return '?'; } };
  return {
    cpus: `${cpus().length} (nproc ${sh('nproc')}) ${cpus()[0]?.model ?? ''}`.trim(),
    memory: `${(totalmem() / 2 ** 30).toFixed(1)} GiB; free -h: ${sh("free -h | awk '/Mem:/ {print $2\" total, \"$7\" available\"}'")}`,
    kernel: release(),
    os: sh('. /etc/os-release && echo "$PRETTY_NAME"'),
    node: process.version,
    openssh: sh('ssh -V 2>&1'),
    ansible: existsSync(ANSIBLE_PLAYBOOK) ? sh(`${ANSIBLE_PLAYBOOK} --version | head -1`) : 'not installed',
    loadavg: sh('cat /proc/loadavg'),
  };
}

/** What fleetsweep's transport negotiates with these hosts: the floors and ansible are pinned to the same. */
async function negotiated(fleet: BenchFleet): Promise<{ kex: string; cipher: string }> {
  const h = fleet.hosts[0]!;
  const c = (await connect({
    name: h.name, kind: 'ssh', address: h.address, port: 22, user: 'fsbench', privateKeyPath: fleet.keyPath,
    knownHostsPaths: [fleet.knownHostsPath], acceptNewHostKeys: false, connectTimeoutMs: 10_000,
  })) as SshConnection;
  await c.close();
  if (!c.negotiated) throw new Error('the transport did not report the negotiated algorithms');
  return { kex: c.negotiated.kex, cipher: c.negotiated.cipher };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (process.getuid?.() !== 0) throw new Error('the bench needs root (it creates the fsbench user, binds 127.0.x.y:22 and uses cgroups)');
  const maxN = Math.max(...args.n);
  ensureNoFile(Math.max(4096, maxN * 8 + 1024));
  if (!existsSync(SSHD) && !(args.install && aptInstall('openssh-server'))) throw new Error(`${SSHD} is missing (apt-get install openssh-server)`);
  if (!existsSync(GNU_TIME) && !(args.install && aptInstall('time'))) throw new Error(`${GNU_TIME} is missing (apt-get install time)`);
  const notes: string[] = [];
  if (args.only.has('ansible') && !existsSync(ANSIBLE_PLAYBOOK)) {
    if (!(args.install && aptInstall('ansible-core'))) {
      args.only.delete('ansible');
      notes.push('ansible-playbook unavailable (apt-get install ansible-core failed): skipped');
      log(notes[notes.length - 1]!);
    }
  }
  const started = new Date();
  const out = args.out || join(import.meta.dirname, '..', '..', 'bench', 'results', `bench-${started.toISOString().replace(/[:.]/g, '-').slice(0, 19)}.json`);
  const info = machine();
  log(`machine: ${Object.entries(info).map(([k, v]) => `${k}=${v}`).join('; ')}`);

  const records: RunRecord[] = [];
  let micro: MicroResult | undefined;
  const wantsFleet = ['fleetsweep', 'floor', 'floor1', 'ansible'].some((r) => args.only.has(r));

  const cgRoot = CpuGroup.root();
  const top = CpuGroup.create(cgRoot, `fsbench-${process.pid}`);
  if (!top) notes.push('no cpuacct cgroup: CPU is GNU time user+sys (misses daemonized processes) and sshd CPU the /proc children method');
  let fleet: BenchFleet | undefined;
  let runGroup: CpuGroup | undefined;
  const cleanup = () => {
    fleet?.stopSync();
    for (const p of runGroup?.pids() ?? []) try { process.kill(p, 'SIGTERM'); } catch { /* gone */ }
  };
  const removeGroups = () => {
    for (const g of [runGroup, fleet?.group, top]) g?.remove();
  };
  const onSignal = (sig: NodeJS.Signals) => {
    stopping = true;
    log(`${sig}: stopping the sshd processes and the running runner`);
    cleanup();
    setTimeout(() => {
      cleanup(); // sessions that outlived their sshd
      setTimeout(() => {
        removeGroups();
        process.exit(130);
      }, 500);
    }, 500);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('exit', cleanup);

  try {
    if (wantsFleet) {
      fleet = await BenchFleet.start({ base: args.base, count: maxN, log, cgroupParent: top?.dir });
      runGroup = CpuGroup.create(top?.dir, 'runner');
      const { kex, cipher } = await negotiated(fleet);
      if (args.serve) {
        const cell = join(args.base, `cell-${args.serve}`);
        mkdirSync(cell, { recursive: true });
        const f = fleetsweep(args.forks);
        f.prepare({ n: args.serve, dir: cell, hosts: fleet.hosts, commands: [], expected: [], keyPath: fleet.keyPath, knownHostsPath: fleet.knownHostsPath, kex, cipher }, 0);
        log(`serving ${args.serve} hosts; try: ${f.argv({ n: args.serve, dir: cell, hosts: fleet.hosts, commands: [], expected: [], keyPath: fleet.keyPath, knownHostsPath: fleet.knownHostsPath, kex, cipher }, 0).join(' ')}`);
        log('Ctrl-C stops them');
        await new Promise(() => {});
      }
      log(`fleetsweep negotiates kex ${kex}, cipher ${cipher}: the floors and ansible use the same`);
      const commands = loadPlaybook(SCAN_PLAYBOOK).playbook.plays.flatMap((p) => p.tasks.map((t) => {
        if (t.action.kind !== 'shell') throw new Error(`${SCAN_PLAYBOOK}: every task must be a shell command`);
        return t.action.cmd.text;
      }));

      for (const n of args.n) {
        const cell: Cell = {
          n, dir: join(args.base, `cell-${n}`), hosts: fleet.hosts.slice(0, n), commands,
          expected: fleet.hosts.slice(0, n).map((h) => expectedOutputs(h.index, commands)),
          keyPath: fleet.keyPath, knownHostsPath: fleet.knownHostsPath, kex, cipher,
        };
        mkdirSync(cell.dir, { recursive: true });
        const runners: Runner[] = [];
        if (args.only.has('fleetsweep')) {
          for (const f of [args.forks, ...args.fsForks.map((f) => (f === 0 ? n : f))]) {
            if (!runners.some((r) => r.id === `fleetsweep f=${f}`) && f <= Math.max(n, args.forks)) runners.push(fleetsweep(f));
          }
        }
        if (args.only.has('floor')) runners.push(floorMaster(args.forks));
        if (args.only.has('floor1')) runners.push(floorOneExec(args.forks));
        if (args.only.has('floor-dk') && args.defaultKexN.includes(n)) runners.push(floorMaster(args.forks, 'default'));
        if (args.only.has('floor1-dk') && args.defaultKexN.includes(n)) runners.push(floorOneExec(args.forks, 'default'));
        if (args.only.has('fleetsweep-free')) runners.push(fleetsweep(args.forks, { variant: 'free' }));
        if (args.only.has('fleetsweep-batched')) runners.push(fleetsweep(args.forks, { variant: 'batched' }));
        if (args.only.has('fleetsweep-nocheck')) runners.push(fleetsweep(args.forks, { id: `fleetsweep f=${args.forks} (no --check: host lock)`, check: false }));
        if (args.only.has('ansible')) runners.push(ansible(args.forks));

        for (let run = 1; run <= args.runs; run++) {
          // interleaved, and rotated so that no runner always goes first (machine noise hits all alike)
          const order = runners.map((_, i) => runners[(i + run - 1) % runners.length]!);
          for (const r of order) {
            if (stopping) throw new Error('interrupted');
            if (r.id.startsWith('ansible') && run > args.ansibleRuns) continue;
            records.push(await runOnce(fleet, runGroup, cell, r, run, args.runs));
          }
        }
        // keep the JSON current after every cell: a long bench interrupted late keeps what it measured
        save(out, started, info, args, notes, records, micro);
      }
    }
    if (args.only.has('micro')) micro = await runMicro(join(args.base, 'micro'), log);
  } finally {
    await fleet?.stop();
    runGroup?.remove();
    top?.remove();
  }
  save(out, started, info, args, notes, records, micro);
  printTable(process.stdout, summarize(records), micro, { forks: args.forks });
  for (const n of notes) process.stdout.write(`note: ${n}\n`);
  process.stdout.write(`\nJSON: ${out}\n`);
  if (records.some((r) => !r.check.ok)) {
    process.stdout.write('SOME RUNS FAILED THEIR OUTPUT CHECK (see above)\n');
    process.exitCode = 1;
  }
}

async function runOnce(fleet: BenchFleet, group: CpuGroup | undefined, cell: Cell, r: Runner, run: number, runs: number): Promise<RunRecord> {
  r.prepare(cell, run);
  await fleet.settle();
  const sshdBefore = fleet.cpu();
  const m: Measurement = await measure(r.argv(cell, run), join(cell.dir, 'time.txt'), { env: r.env?.(cell, run), cwd: cell.dir, ...(group ? { group } : {}) });
  const settled = await fleet.settle();
  const sshdAfter = fleet.cpu();
  let check: Check;
  try {
    check = r.check(cell, run, m);
  } catch (e) {
    check = { ok: false, hostsOk: 0, problems: [(e as Error).message] };
  }
  const sshdMs = sshdAfter.cgroupMs !== undefined && sshdBefore.cgroupMs !== undefined ? sshdAfter.cgroupMs - sshdBefore.cgroupMs : sshdAfter.procMs - sshdBefore.procMs;
  const rec: RunRecord = {
    n: cell.n, runner: r.id, forks: r.forks, run, wallMs: m.wallMs, cpuMs: m.cpuUserMs + m.cpuSysMs, cpuUserMs: m.cpuUserMs, cpuSysMs: m.cpuSysMs,
    cpuSource: m.cpuSource, sshdMs, sshdProcMs: sshdAfter.procMs - sshdBefore.procMs, sshdSettled: settled,
    maxRssMb: m.maxRssMb, peakPssMb: m.peakPssMb, exitCode: m.exitCode, leftovers: m.leftovers, check,
    loadavg: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '),
  };
  log(`N=${cell.n} run ${run}/${runs} ${r.id.padEnd(34)} wall ${(m.wallMs / 1000).toFixed(2).padStart(7)} s  cpu ${(rec.cpuMs / 1000).toFixed(2).padStart(6)} s  sshd ${(sshdMs / 1000).toFixed(2).padStart(6)} s  maxrss ${m.maxRssMb.toFixed(0).padStart(4)} MB  pss ${m.peakPssMb.toFixed(0).padStart(5)} MB  ${check.ok ? 'outputs ok' : `CHECK FAILED ${check.hostsOk}/${cell.n}: ${check.problems.join('; ')}`}`);
  return rec;
}

function save(out: string, started: Date, info: Record<string, string>, args: Args, notes: string[], records: RunRecord[], micro: MicroResult | undefined): void {
  mkdirSync(join(out, '..'), { recursive: true });
  writeFileSync(out, JSON.stringify({
    date: started.toISOString(), machine: info, args: { ...args, only: [...args.only] }, notes,
    method: {
      wall: 'spawn to exit of the runner process (fleetsweep CLI, xargs, ansible-playbook)',
      cpu: 'cpuacct cgroup of the runner: every process it started, daemonized ssh masters included (fallback: GNU time user+sys)',
      sshd: 'cpuacct cgroup holding the N sshd listeners and everything they fork (per-connection sshd, sessions, shells, the commands), read after all connections closed; sshdProcMs is the /proc cutime+cstime cross-check',
      maxRss: 'GNU time %M: the largest single process (the fleetsweep controller is one process)',
      peakPss: 'sum of Pss over the runner\'s processes, sampled every 500 ms',
    },
    summary: summarize(records), records, micro,
  }, null, 1) + '\n');
}

// run only as the entry point (the unit tests may import helpers)
if (process.argv[1] && import.meta.filename === realpathSync(process.argv[1])) {
  main().catch((e: unknown) => {
    process.stderr.write(`bench: ${(e as Error).stack ?? e}\n`);
    process.exitCode = 1;
  });
}
