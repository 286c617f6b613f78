// Micro measurements at fleet scale without a fleet: 10k-host inventory + --limit, recap and JSON report for 10k hosts, journal fsync per destructive step.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pc from 'picocolors';
import { loadInventory } from '../src/config/inventory.js';
import { selectHosts } from '../src/config/patterns.js';
import { renderRecap } from '../src/report/recap.js';
import { writeJsonReport } from '../src/report/json-report.js';
import { JournalWriter } from '../src/journal/index.js';
import type { HostSummary, Outcome, TaskResult } from '../src/model/outcome.js';
import type { RunResult } from '../src/runner/types.js';
import { checkHostKey, hostFieldMatches, knownKeyTypes, parseKnownHosts } from '../src/transport/knownhosts.js';
import { createHmac, generateKeyPairSync, randomBytes } from 'node:crypto';
import { CLI } from './runners.js';

export interface MicroResult {
  inventory: { hosts: number; format: string; pattern: string; selected: number; coldMs: number; warmMs: number[]; cliMs: number; iniColdMs: number; iniWarmMs: number[] };
  recap: { hosts: number; tasks: number; coldMs: number; warmMs: number[]; bytes: number };
  jsonReport: { hosts: number; tasks: number; coldMs: number; warmMs: number[]; bytes: number };
  /** host key lookups of one run (key types + key check per host) against a known_hosts file listing the fleet */
  knownHosts: { hosts: number; plainIndexedMs: number; plainScanMs: number; hashedHosts: number; hashedIndexedMs: number };
  journal: {
    dir: string;
    steps: number;
    /** per destructive step: 7 buffered records + beforeApply (write + fsync) */
    perStepDurableMs: { median: number; p95: number; max: number };
    /** the same records, all buffered (no fsync): the cost of the durability itself is the difference */
    perStepBufferedMs: { median: number; p95: number; max: number };
    /** 50 hosts applying at once, 4 steps each: concurrent beforeApply calls share fsyncs (group commit) */
    concurrent: { hosts: number; steps: number; wallMs: number; perStepMs: number };
  };
}

const time = async (fn: () => unknown): Promise<number> => {
  const t = performance.now();
  await fn();
  return performance.now() - t;
};

function stats(xs: number[]): { median: number; p95: number; max: number } {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  return { median: at(0.5), p95: at(0.95), max: s[s.length - 1]! };
}

/** The same fleet as an INI inventory. */
function writeIniInventory(file: string, hosts: number): void {
  const racks = 50;
  const rack = (r: number) => `rack${String(r).padStart(2, '0')}`;
  const lines = ['[all:vars]', 'ansible_user=fleet', 'fleetsweep_known_hosts=./known_hosts', '[workers:vars]', 'role=worker', '[workers:children]'];
  for (let r = 0; r < racks; r++) lines.push(rack(r));
  for (let r = 0; r < racks; r++) {
    lines.push(`[${rack(r)}:vars]`, `storage_array=array-${r % 7}`, `[${rack(r)}]`);
    for (let i = r * (hosts / racks); i < (r + 1) * (hosts / racks); i++) lines.push(`node${String(i).padStart(5, '0')}.dc1.example ansible_host=10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
  }
  writeFileSync(file, lines.join('\n') + '\n');
}

/** 10,000 hosts in 50 racks of 200, with group vars and one host var each (a YAML inventory like a real fleet's). */
function writeInventory(file: string, hosts: number): void {
  const lines = ['all:', '  vars:', '    ansible_user: fleet', '    fleetsweep_known_hosts: ./known_hosts', '  children:', '    workers:', '      vars:', '        role: worker', '      children:'];
  const racks = 50;
  for (let r = 0; r < racks; r++) lines.push(`        rack${String(r).padStart(2, '0')}:`);
  for (let r = 0; r < racks; r++) {
    lines.push(`    rack${String(r).padStart(2, '0')}:`, '      vars:', `        storage_array: array-${r % 7}`, '      hosts:');
    for (let i = r * (hosts / racks); i < (r + 1) * (hosts / racks); i++) lines.push(`        node${String(i).padStart(5, '0')}.dc1.example: { ansible_host: 10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255} }`);
  }
  writeFileSync(file, lines.join('\n') + '\n');
}

function syntheticRun(hosts: number, tasks: number): RunResult {
  const results: TaskResult[] = [];
  const summaries: HostSummary[] = [];
  const t0 = Date.parse('2026-11-23T12:00:00Z');
  for (let h = 0; h < hosts; h++) {
    const host = `node${String(h).padStart(5, '0')}.dc1.example`;
    const counts: Record<Outcome, number> = { ok: 0, changed: 0, 'would-change': 0, skipped: 0, failed: 0, hung: 0, unreachable: 0 };
    let outcome: Outcome = 'ok';
    let reason: string | undefined;
    if (h % 200 === 7) {
      outcome = 'unreachable';
      reason = `timeout: no ssh handshake with fleet@10.0.${h >> 8}.${h & 255}:22 within 10000 ms`;
      counts.unreachable = 1;
      results.push({ host, play: 0, task: 0, name: 'multipath -ll', loc: { file: 'scan.yml', line: 6, col: 7 }, outcome, reason, startedAt: new Date(t0).toISOString(), durationMs: 10_000 });
    } else {
      for (let t = 0; t < tasks; t++) {
        let o: Outcome = t === tasks - 1 && h % 10 === 3 ? 'changed' : 'ok';
        let why: string | undefined;
        if (t === 2 && h % 100 === 5) { o = 'failed'; why = `rc=1: map mpath${'abc'[h % 3]} in use`; }
        counts[o]++;
        if (o === 'failed') { outcome = 'failed'; reason = `task "t${t}": ${why}`; }
        else if (o === 'changed' && outcome === 'ok') outcome = 'changed';
        const stdout = `mpatha (3600a098038314${h.toString(16).padStart(6, '0')}) dm-0 NETAPP,LUN C-Mode\nsize=10G features='3 queue_if_no_path' wp=rw\n`.repeat(2);
        results.push({
          host, play: 0, task: t, name: `task ${t}`, loc: { file: 'scan.yml', line: 6 + 3 * t, col: 7 }, outcome: o, ...(why ? { reason: why } : {}),
          result: { rc: o === 'failed' ? 1 : 0, stdout, stderr: '', durationMs: 12, timedOut: false, truncated: false },
          startedAt: new Date(t0 + t * 1000).toISOString(), durationMs: 12,
        });
        if (o === 'failed') break;
      }
    }
    summaries.push({ host, outcome, counts, ...(reason ? { reason } : {}) });
  }
  return { runId: '20261123T120000Z-bench1', startedAt: new Date(t0).toISOString(), endedAt: new Date(t0 + 42_000).toISOString(), interrupted: false, results, hosts: summaries };
}

export async function runMicro(dir: string, log: (s: string) => void, repeats = 5): Promise<MicroResult> {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const N = 10_000;

  // inventory + --limit
  const invFile = join(dir, 'inventory-10k.yml');
  writeInventory(invFile, N);
  const pattern = 'rack0*:&workers:!node00017.dc1.example';
  let selected = 0;
  const once = () => {
    const inv = loadInventory([invFile]);
    selected = selectHosts(inv, 'all', { limit: pattern }).hosts.length;
  };
  const invCold = await time(once);
  const invWarm: number[] = [];
  for (let i = 0; i < repeats; i++) invWarm.push(await time(once));
  const iniFile = join(dir, 'inventory-10k.ini');
  writeIniInventory(iniFile, N);
  const onceIni = () => {
    const inv = loadInventory([iniFile]);
    if (selectHosts(inv, 'all', { limit: pattern }).hosts.length !== selected) throw new Error('INI and YAML inventories differ');
  };
  const iniCold = await time(onceIni);
  const iniWarm: number[] = [];
  for (let i = 0; i < repeats; i++) iniWarm.push(await time(onceIni));
  // the whole CLI path once: node start-up, module loading, load, --limit, printing 199 hosts
  const t = performance.now();
  const cli = spawnSync(process.execPath, [CLI, 'inventory', 'list', '-i', invFile, '--limit', pattern], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const cliMs = performance.now() - t;
  if (cli.status !== 0) throw new Error(`inventory list failed: ${cli.stderr}`);
  log(`micro: 10k-host inventory load + --limit: YAML cold ${invCold.toFixed(0)} ms, warm median ${stats(invWarm).median.toFixed(0)} ms; INI cold ${iniCold.toFixed(0)} ms, warm ${stats(iniWarm).median.toFixed(0)} ms; CLI "inventory list --limit" ${cliMs.toFixed(0)} ms (${selected} hosts)`);

  // recap + JSON report
  const tasks = 6;
  const run = syntheticRun(N, tasks);
  const colors = pc.createColors(false);
  let recapText = '';
  const recap = () => { recapText = renderRecap(run, colors, { playbook: 'scan.yml', check: false }); };
  const recapCold = await time(recap);
  const recapWarm: number[] = [];
  for (let i = 0; i < repeats; i++) recapWarm.push(await time(recap));
  const reportFile = join(dir, 'report-10k.json');
  const report = () => writeJsonReport(reportFile, run, { playbook: 'scan.yml', inventory: [invFile], check: false, argv: [] });
  const reportCold = await time(report);
  const reportWarm: number[] = [];
  for (let i = 0; i < repeats; i++) reportWarm.push(await time(report));
  log(`micro: recap for 10k hosts: cold ${recapCold.toFixed(0)} ms, warm ${stats(recapWarm).median.toFixed(0)} ms; JSON report: cold ${reportCold.toFixed(0)} ms, warm ${stats(reportWarm).median.toFixed(0)} ms (${(statSync(reportFile).size / 1e6).toFixed(1)} MB)`);

  const knownHosts = knownHostsBench();
  log(`micro: host key lookups for ${knownHosts.hosts} hosts (plain known_hosts): ${knownHosts.plainIndexedMs.toFixed(0)} ms indexed, ${knownHosts.plainScanMs.toFixed(0)} ms with a scan per lookup; hashed file of ${knownHosts.hashedHosts}: ${knownHosts.hashedIndexedMs.toFixed(0)} ms`);

  // journal: per destructive step, buffered records + the write-ahead fsync
  const journal = await journalBench(join(dir, 'state'), 200);
  log(`micro: journal per destructive step: ${journal.perStepDurableMs.median.toFixed(2)} ms with fsync (p95 ${journal.perStepDurableMs.p95.toFixed(2)}), ${journal.perStepBufferedMs.median.toFixed(3)} ms buffered only; 50 hosts at once: ${journal.concurrent.perStepMs.toFixed(2)} ms per step`);

  return {
    inventory: { hosts: N, format: 'yaml (50 rack groups, group and host vars)', pattern, selected, coldMs: invCold, warmMs: invWarm, cliMs, iniColdMs: iniCold, iniWarmMs: iniWarm },
    recap: { hosts: N, tasks, coldMs: recapCold, warmMs: recapWarm, bytes: recapText.length },
    jsonReport: { hosts: N, tasks, coldMs: reportCold, warmMs: reportWarm, bytes: statSync(reportFile).size },
    knownHosts,
    journal,
  };
}

/** Every host of a fleet looked up the way a connect does (knownKeyTypes, then checkHostKey). */
function knownHostsBench(): MicroResult['knownHosts'] {
  const keys = Array.from({ length: 64 }, () => generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' }).subarray(12));
  const blob = (i: number) => {
    const t = Buffer.from('ssh-ed25519');
    const len = (n: number) => { const b = Buffer.alloc(4); b.writeUInt32BE(n); return b; };
    const k = keys[i % keys.length]!;
    return Buffer.concat([len(t.length), t, len(k.length), k]);
  };
  const addr = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
  const file = (n: number, hashed: boolean) => Array.from({ length: n }, (_, i) => {
    const salt = randomBytes(20);
    const host = hashed ? `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(addr(i)).digest('base64')}` : addr(i);
    return `${host} ssh-ed25519 ${blob(i).toString('base64')}`;
  }).join('\n');
  const lookups = (entries: ReturnType<typeof parseKnownHosts>['entries'], n: number) => {
    for (let i = 0; i < n; i++) {
      knownKeyTypes(entries, addr(i), 22);
      if (checkHostKey(entries, addr(i), 22, blob(i)).status !== 'match') throw new Error(`known_hosts bench: ${addr(i)} not matched`);
    }
  };
  // the previous lookup: every entry tested against the name, twice per connect
  const scan = (entries: ReturnType<typeof parseKnownHosts>['entries'], n: number) => {
    for (let i = 0; i < n; i++) for (let twice = 0; twice < 2; twice++) entries.filter((e) => e.marker !== 'cert-authority' && hostFieldMatches(e.hosts, addr(i)));
  };
  const hosts = 2000;
  const plain = parseKnownHosts(file(hosts, false), 'kh').entries;
  let t = performance.now();
  lookups(plain, hosts);
  const plainIndexedMs = performance.now() - t;
  const plain2 = parseKnownHosts(file(hosts, false), 'kh').entries;
  t = performance.now();
  scan(plain2, hosts);
  const plainScanMs = performance.now() - t;
  const hashedHosts = 1000;
  const hashed = parseKnownHosts(file(hashedHosts, true), 'kh').entries;
  t = performance.now();
  lookups(hashed, hashedHosts);
  return { hosts, plainIndexedMs, plainScanMs, hashedHosts, hashedIndexedMs: performance.now() - t };
}

async function journalBench(stateDir: string, steps: number): Promise<MicroResult['journal']> {
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  let n = 0;
  const open = () => JournalWriter.open(stateDir, {
    runId: `bench-${process.pid}-${++n}`, kind: 'run', playbook: { path: 'cleanup.yml', sha256: '0'.repeat(64) }, inventories: [], argv: [],
    user: 'bench', hostname: 'bench', pid: process.pid, check: false,
  });
  const res = { rc: 0, stdout: 'mpatha 3600a0980383146000001 dm-0\n', stderr: '', durationMs: 5, timedOut: false, truncated: false };
  const step = async (w: JournalWriter, host: string, i: number, durable: boolean) => {
    const ref = { host, play: 0, task: 1, taskName: 'flush residual map', item: `mpath${i}` };
    w.begin(ref, 'check', 'multipath -ll mpath' + i);
    w.end(ref, 'check', res);
    w.begin(ref, 'snapshot', 'multipath -ll -v3 mpath' + i);
    w.end(ref, 'snapshot', res);
    if (durable) await w.beforeApply({ ...ref, command: `multipath -f mpath${i}`, rollback: `multipath -a ${i}`, check: `multipath -ll mpath${i}`, verify: true, snapshot: res });
    else w.end(ref, 'apply', res);
    w.end(ref, 'apply', res);
    w.begin(ref, 'verify', `! multipath -ll mpath${i}`);
    w.end(ref, 'verify', res);
  };
  const measureSteps = async (durable: boolean) => {
    const w = await open();
    const xs: number[] = [];
    for (let i = 0; i < steps; i++) xs.push(await time(() => step(w, 'node1', i, durable)));
    await w.close('finished');
    return stats(xs);
  };
  const perStepBufferedMs = await measureSteps(false);
  const perStepDurableMs = await measureSteps(true);
  const w = await open();
  const hosts = 50;
  const per = 4;
  const wall = await time(() => Promise.all(Array.from({ length: hosts }, async (_, h) => {
    for (let i = 0; i < per; i++) await step(w, `node${h}`, i, true);
  })));
  await w.close('finished');
  return { dir: stateDir, steps, perStepDurableMs, perStepBufferedMs, concurrent: { hosts, steps: hosts * per, wallMs: wall, perStepMs: wall / (hosts * per) } };
}
