// The runners compared by the bench (fleetsweep, the OpenSSH floors, ansible-playbook): their command lines, inputs, and output checks.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { BenchHost } from './fleet.js';
import { BENCH_USER } from './fleet.js';
import type { Measurement } from './measure.js';

/** One N: its hosts, the scan commands and what each host must print for each. */
export interface Cell {
  n: number;
  dir: string;
  hosts: BenchHost[];
  commands: string[];
  /** expected[host index][command index] */
  expected: string[][];
  keyPath: string;
  knownHostsPath: string;
  /** key exchange and cipher that fleetsweep negotiates; the floors and ansible are pinned to the same */
  kex: string;
  cipher: string;
}

export interface Check {
  ok: boolean;
  /** hosts whose K outputs all matched */
  hostsOk: number;
  problems: string[];
}

export interface Runner {
  id: string;
  forks: number;
  /** files it needs in the cell's dir; called once per run, before the clock starts */
  prepare(cell: Cell, run: number): void;
  argv(cell: Cell, run: number): string[];
  env?(cell: Cell, run: number): NodeJS.ProcessEnv;
  check(cell: Cell, run: number, m: Measurement): Check;
}

const REPO = resolve(import.meta.dirname, '..', '..');
export const CLI = join(REPO, 'dist', 'src', 'cli', 'main.js');
export const SCAN_PLAYBOOK = join(REPO, 'bench', 'scan.yml');

/** POSIX sh single quoting. */
export function shq(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Environment of every runner: no agent (keys come from files), no user ssh config, C locale. */
function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, LC_ALL: 'C.UTF-8', ...extra };
  delete env.SSH_AUTH_SOCK;
  return env;
}

function collect(cell: Cell, got: (h: BenchHost) => (string | undefined)[] | string): Check {
  const problems: string[] = [];
  let hostsOk = 0;
  for (const h of cell.hosts) {
    const out = got(h);
    if (typeof out === 'string') {
      if (problems.length < 5) problems.push(`${h.name}: ${out}`);
      continue;
    }
    const bad = cell.expected[h.index]!.findIndex((e, k) => out[k] !== e);
    if (bad === -1) hostsOk++;
    else if (problems.length < 5) problems.push(`${h.name}: output of "${cell.commands[bad]}" differs: ${JSON.stringify(out[bad]?.slice(0, 80))}`);
  }
  return { ok: hostsOk === cell.hosts.length, hostsOk, problems };
}

// ---- fleetsweep: the real CLI -------------------------------------------------------------------------------

/**
 * A variant of the scan playbook: `strategy: free` (no barrier between tasks), or the K commands batched into one
 * task by hand (what batching independent read-only steps in the runner would give; outputs split like floor1's).
 */
export type ScanVariant = 'linear' | 'free' | 'batched';

function variantPlaybook(cell: Cell, variant: ScanVariant): string {
  if (variant === 'linear') return SCAN_PLAYBOOK;
  const file = join(cell.dir, `scan-${variant}.yml`);
  const tasks = variant === 'free'
    ? cell.commands.map((c, k) => ({ name: `cmd ${k + 1}`, shell: c, changed_when: false }))
    : [{ name: 'scan (batched)', shell: batchedScript(cell.commands), changed_when: false }];
  writeFileSync(file, JSON.stringify([{ name: `post-outage scan (${variant})`, hosts: 'all', ...(variant === 'free' ? { strategy: 'free' } : {}), tasks }], null, 1) + '\n');
  return file;
}

/** The K commands as one script: each command's output, then RS + its exit code on a line of its own. */
function batchedScript(commands: readonly string[]): string {
  return commands.map((c) => `${c}; printf '\\036%s\\n' "$?"`).join('\n');
}

function splitBatched(all: string): string[] | string {
  const parts = all.split(/\x1e(\d+)\n/);
  const outs: string[] = [];
  for (let k = 0; k + 1 < parts.length; k += 2) {
    if (parts[k + 1] !== '0') return `command ${k / 2 + 1} exit ${parts[k + 1]}`;
    outs.push(parts[k]!);
  }
  return outs;
}

export function fleetsweep(forks: number, opts: { id?: string; check?: boolean; variant?: ScanVariant } = {}): Runner {
  const variant = opts.variant ?? 'linear';
  const id = opts.id ?? `fleetsweep f=${forks}${variant === 'linear' ? '' : ` (${variant})`}`;
  const check = opts.check ?? true;
  const report = (cell: Cell, run: number) => join(cell.dir, `fleetsweep-f${forks}-${check ? 'c' : 'n'}-${variant}-${run}.json`);
  let playbook = SCAN_PLAYBOOK;
  return {
    id,
    forks,
    prepare(cell, run) {
      writeFileSync(join(cell.dir, 'inventory-fs.ini'), fsInventory(cell));
      playbook = variantPlaybook(cell, variant);
      rmSync(report(cell, run), { force: true });
      // a fresh state dir per cell: the journal is written (run-start and run-end fsync'd) like in production
      mkdirSync(join(cell.dir, 'state'), { recursive: true, mode: 0o700 });
    },
    argv: (cell, run) => [
      process.execPath, CLI, 'run', playbook, '-i', join(cell.dir, 'inventory-fs.ini'), '-f', String(forks),
      ...(check ? ['--check'] : []), '--json', report(cell, run), '--state-dir', join(cell.dir, 'state'),
    ],
    env: () => cleanEnv({ FLEETSWEEP_STATE_DIR: undefined }),
    check(cell, run, m) {
      if (m.exitCode !== 0) return { ok: false, hostsOk: 0, problems: [`exit ${m.exitCode}: ${m.stderr.slice(-500)}`] };
      const r = JSON.parse(readFileSync(report(cell, run), 'utf8')) as { hosts: Record<string, { outcome: string; tasks: { stdout?: string; name: string }[] }> };
      return collect(cell, (h) => {
        const rh = r.hosts[h.name];
        if (!rh) return 'missing from the report';
        if (variant === 'batched') return splitBatched(rh.tasks[0]?.stdout ?? '');
        return rh.tasks.map((t) => t.stdout);
      });
    },
  };
}

function fsInventory(cell: Cell): string {
  return [
    ...cell.hosts.map((h) => `${h.name} ansible_host=${h.address}`),
    '',
    '[all:vars]',
    `ansible_user=${BENCH_USER}`,
    `ansible_ssh_private_key_file=${cell.keyPath}`,
    `fleetsweep_known_hosts=${cell.knownHostsPath}`,
    '',
  ].join('\n');
}

// ---- the floor: plain OpenSSH ---------------------------------------------------------------------------------

function sshOpts(cell: Cell, kex?: string): string {
  return [
    '-F /dev/null', `-i ${cell.keyPath}`, `-l ${BENCH_USER}`, '-o BatchMode=yes', '-o IdentitiesOnly=yes',
    `-o UserKnownHostsFile=${cell.knownHostsPath}`, '-o GlobalKnownHostsFile=/dev/null', '-o StrictHostKeyChecking=yes',
    '-o CheckHostIP=no', '-o HostKeyAlgorithms=ssh-ed25519', '-o LogLevel=ERROR',
    ...(kex === 'default' ? [] : [`-o KexAlgorithms=${kex ?? cell.kex}`, `-o Ciphers=${cell.cipher}`]),
  ].join(' ');
}

/** Reads `<out>/<host>.<k>` files and the `.rc` line the floor scripts write. */
function floorOutputs(cell: Cell, out: string, h: BenchHost): (string | undefined)[] | string {
  const rcFile = join(out, `${h.name}.rc`);
  if (!existsSync(rcFile)) return 'no result (the per-host script did not finish)';
  const rcs = readFileSync(rcFile, 'utf8').trim().split(' ');
  if (rcs.some((r) => r !== '0')) return `exit codes ${rcs.join(' ')}`;
  return cell.commands.map((_, k) => {
    try {
      return readFileSync(join(out, `${h.name}.${k + 1}`), 'utf8');
    } catch {
      return undefined;
    }
  });
}

/**
 * The physical floor with OpenSSH: per host one ControlMaster connection (`-M -f -N`, so it is up and
 * authenticated before the first command), the K commands as K exec requests over it (`ssh -S`), then `-O exit`;
 * F hosts at once with `xargs -P F`. Every process (masters included) runs in the measured cgroup.
 */
export function floorMaster(forks: number, kex?: string): Runner {
  const id = `openssh master+${'K'} execs f=${forks}${kex === 'default' ? ' (default kex)' : ''}`;
  const tag = `floor-master${kex === 'default' ? '-dk' : ''}`;
  return {
    id,
    forks,
    prepare(cell, run) {
      const out = join(cell.dir, `${tag}-${run}`);
      rmSync(out, { recursive: true, force: true });
      mkdirSync(out, { recursive: true });
      const o = sshOpts(cell, kex);
      const lines = [
        '#!/bin/sh',
        '# $1 = address, $2 = host name',
        `S=${out}/$2.sock; O=${out}/$2`,
        `ssh ${o} -M -S "$S" -o ControlPersist=yes -f -N "$1" || exit 0`,
        ...cell.commands.map((c, k) => `ssh ${o} -S "$S" "$1" ${shq(c)} > "$O.${k + 1}"; r${k + 1}=$?`),
        `ssh ${o} -S "$S" -O exit "$1" 2>/dev/null`,
        `echo ${cell.commands.map((_, k) => `$r${k + 1}`).join(' ')} > "$O.rc"`,
      ];
      writeFileSync(join(cell.dir, `${tag}.sh`), lines.join('\n') + '\n');
      writeFileSync(join(cell.dir, 'hosts.txt'), cell.hosts.map((h) => `${h.address} ${h.name}`).join('\n') + '\n');
    },
    argv: (cell) => ['/bin/sh', '-c', `xargs -P ${forks} -n 2 /bin/sh ${join(cell.dir, `${tag}.sh`)} < ${join(cell.dir, 'hosts.txt')}`],
    env: () => cleanEnv(),
    check: (cell, run) => collect(cell, (h) => floorOutputs(cell, join(cell.dir, `${tag}-${run}`), h)),
  };
}

/** The other floor: one ssh per host (one handshake, one exec) running the K commands as one script. */
export function floorOneExec(forks: number, kex?: string): Runner {
  const tag = `floor-1exec${kex === 'default' ? '-dk' : ''}`;
  return {
    id: `openssh 1 exec/host f=${forks}${kex === 'default' ? ' (default kex)' : ''}`,
    forks,
    prepare(cell, run) {
      const out = join(cell.dir, `${tag}-${run}`);
      rmSync(out, { recursive: true, force: true });
      mkdirSync(out, { recursive: true });
      // each command's output, then RS + its exit code on a line of its own
      const script = batchedScript(cell.commands);
      const lines = ['#!/bin/sh', `ssh ${sshOpts(cell, kex)} "$1" ${shq(script)} > ${out}/$2.all`, `echo $? > ${out}/$2.rc`];
      writeFileSync(join(cell.dir, `${tag}.sh`), lines.join('\n') + '\n');
      writeFileSync(join(cell.dir, 'hosts.txt'), cell.hosts.map((h) => `${h.address} ${h.name}`).join('\n') + '\n');
    },
    argv: (cell) => ['/bin/sh', '-c', `xargs -P ${forks} -n 2 /bin/sh ${join(cell.dir, `${tag}.sh`)} < ${join(cell.dir, 'hosts.txt')}`],
    env: () => cleanEnv(),
    check: (cell, run) => collect(cell, (h) => {
      const out = join(cell.dir, `${tag}-${run}`);
      if (!existsSync(join(out, `${h.name}.rc`))) return 'no result';
      return splitBatched(readFileSync(join(out, `${h.name}.all`), 'utf8'));
    }),
  };
}

// ---- ansible-playbook -----------------------------------------------------------------------------------------

export const ANSIBLE_PLAYBOOK = '/usr/bin/ansible-playbook';

/**
 * ansible-playbook with forks=F, pipelining, ControlPersist (a fresh ControlPath dir per run, so every run
 * starts cold like the others), gather_facts off, the same kex and cipher (and no -C: nobody else compresses). The oneline callback prints
 * `host | SUCCESS | rc=0 | (stdout) ...` per task and host, which is what the check reads.
 */
export function ansible(forks: number): Runner {
  const cp = (cell: Cell, run: number) => join(cell.dir, `ansible-cp-${run}`);
  return {
    id: `ansible-playbook f=${forks}`,
    forks,
    prepare(cell, run) {
      rmSync(cp(cell, run), { recursive: true, force: true });
      mkdirSync(cp(cell, run), { recursive: true });
      mkdirSync(join(cell.dir, 'ansible-tmp'), { recursive: true });
      mkdirSync(join(cell.dir, 'ansible-home'), { recursive: true });
      const play = [{
        name: 'post-outage scan', hosts: 'all', gather_facts: false,
        tasks: cell.commands.map((c) => ({ name: c, shell: c, changed_when: false })),
      }];
      writeFileSync(join(cell.dir, 'ansible-scan.yml'), JSON.stringify(play, null, 1) + '\n');
      writeFileSync(join(cell.dir, 'inventory-ansible.ini'), [
        ...cell.hosts.map((h) => `${h.name} ansible_host=${h.address}`),
        '', '[all:vars]', `ansible_user=${BENCH_USER}`, `ansible_ssh_private_key_file=${cell.keyPath}`,
        'ansible_python_interpreter=/usr/bin/python3', '',
      ].join('\n'));
    },
    argv: (cell) => [ANSIBLE_PLAYBOOK, '-i', join(cell.dir, 'inventory-ansible.ini'), '-f', String(forks), join(cell.dir, 'ansible-scan.yml')],
    env(cell, run) {
      return cleanEnv({
        ANSIBLE_STDOUT_CALLBACK: 'oneline',
        ANSIBLE_LOAD_CALLBACK_PLUGINS: '1',
        ANSIBLE_HOST_KEY_CHECKING: 'True',
        ANSIBLE_PIPELINING: 'True',
        ANSIBLE_GATHERING: 'explicit',
        ANSIBLE_RETRY_FILES_ENABLED: 'False',
        ANSIBLE_FORKS: String(forks),
        ANSIBLE_LOCAL_TEMP: join(cell.dir, 'ansible-tmp'),
        ANSIBLE_SSH_CONTROL_PATH_DIR: cp(cell, run),
        ANSIBLE_SSH_ARGS: `-o ControlMaster=auto -o ControlPersist=60s ${sshOpts(cell).replace(`-l ${BENCH_USER} `, '').replace(`-i ${cell.keyPath} `, '')}`,
        ANSIBLE_NOCOLOR: '1',
        ANSIBLE_DEPRECATION_WARNINGS: 'False',
        ANSIBLE_SYSTEM_WARNINGS: 'False',
        HOME: join(cell.dir, 'ansible-home'),
      });
    },
    check(cell, _run, m) {
      if (m.exitCode !== 0) return { ok: false, hostsOk: 0, problems: [`exit ${m.exitCode}: ${(m.stderr || m.stdout).slice(-500)}`] };
      // linear strategy: task k's results all come before task k+1's, so the k-th line of a host is command k
      const by = new Map<string, string[]>();
      for (const line of m.stdout.split('\n')) {
        const r = /^(\S+) \| (\w+) \| rc=(\d+) \| \(stdout\) ?(.*)$/.exec(line);
        if (!r) continue;
        const l = by.get(r[1]!) ?? [];
        // oneline escapes newlines as \n; registered output (like Ansible's) has lost its trailing newline
        l.push(r[3] === '0' ? r[4]!.replace(/\\n/g, '\n') : `rc=${r[3]}`);
        by.set(r[1]!, l);
      }
      return collect(cell, (h) => {
        const l = by.get(h.name);
        if (!l) return 'no result line';
        return l.map((s, k) => (s === cell.expected[h.index]![k]!.replace(/\n$/, '') ? cell.expected[h.index]![k] : s));
      });
    },
  };
}
