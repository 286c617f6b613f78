// Benchmark of `fleetsweep history` at a year of hourly sweeps over 2,000 hosts: store size and query times.
// npm run bench:history   (env: BENCH_HOSTS, BENCH_DAYS, BENCH_REPEAT; prints a table and one JSON line)
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, statSync, readdirSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dayFile, encodeHistory, historyDir, queryHistory, type HistoryQuery, type HistoryRow, type HistorySweep } from '../src/journal/history.js';
import { aggregateHistory } from '../src/report/history-view.js';

const HOSTS = Number(process.env.BENCH_HOSTS ?? 2000);
const DAYS = Number(process.env.BENCH_DAYS ?? 365);
const REPEAT = Number(process.env.BENCH_REPEAT ?? 5);
const SWEEPS = DAYS * 24;
const T0 = Date.parse('2025-01-01T00:00:00Z');
const name = (i: number) => `k8s-node-${String(i).padStart(4, '0')}.prod.example.net`;

/** Deterministic pseudo-random numbers (mulberry32), so every run measures the same data. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A fleet that is mostly clean: 3% of hosts carry a stale RBD mapping for weeks (1-2 images each), 20 random
 * hosts per sweep have residual multipath maps that come and go, 1% of hosts are unreachable in any sweep,
 * and once a month an outage leaves residue on 300 hosts for a day.
 */
function generate(stateDir: string): { sweeps: number; rows: number; bytes: number; files: number } {
  const dir = historyDir(stateDir);
  mkdirSync(dir, { recursive: true });
  const rand = rng(42);
  let rows = 0;
  const sticky = new Map<number, number>(); // host -> sweeps left with a stale mapping
  for (let d = 0; d < DAYS; d++) {
    const parts: string[] = [];
    for (let h = 0; h < 24; h++) {
      const s = d * 24 + h;
      const at = new Date(T0 + s * 3_600_000).toISOString();
      const id = `${at.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${(s % 0xffffff).toString(16).padStart(6, '0')}`;
      while (sticky.size < HOSTS * 0.03) sticky.set(Math.floor(rand() * HOSTS), 24 * (7 + Math.floor(rand() * 21)));
      const un = new Set<number>();
      while (un.size < HOSTS * 0.01) un.add(Math.floor(rand() * HOSTS));
      const r: HistoryRow[] = [];
      for (const [host, left] of sticky) {
        if (!un.has(host)) {
          r.push({ id, h: name(host), k: 'rbd-stale-watcher', i: `kube/csi-vol-${host.toString(16)}-a`, st: 'found' });
          if (host % 2) r.push({ id, h: name(host), k: 'rbd-stale-watcher', i: `kube/csi-vol-${host.toString(16)}-b`, st: 'found' });
        }
        if (left <= 1) sticky.delete(host); else sticky.set(host, left - 1);
      }
      for (let k = 0; k < 20; k++) {
        const host = Math.floor(rand() * HOSTS);
        if (!un.has(host)) r.push({ id, h: name(host), k: 'multipath-residue', i: `mpath${String.fromCharCode(97 + (k % 26))}`, st: 'found' });
      }
      if (d % 30 === 15 && h < 24) for (let k = 0; k < 300; k++) r.push({ id, h: name((k * 7) % HOSTS), k: 'multipath-residue', i: 'mpath-outage', st: 'found' });
      const sweep: HistorySweep = {
        t: 's', v: 1, id, at, end: new Date(Date.parse(at) + 95_000).toISOString(), inv: 'prod-3f9a1c0d2e', shard: null, mode: 'report',
        status: r.length ? 'residue-found' : 'partial-coverage', exit: r.length ? 10 : 13, targeted: HOSTS, scanned: HOSTS - un.size,
        un: [...un].map((i) => [name(i), 'unreachable']), kinds: ['multipath-residue', 'rbd-stale-watcher'], found: r.length, fixed: 0, unfixed: 0,
      };
      rows += r.length;
      parts.push(encodeHistory(sweep, r));
    }
    appendFileSync(dayFile(dir, new Date(T0 + d * 86_400_000).toISOString()), parts.join(''));
  }
  const files = readdirSync(dir);
  const bytes = files.reduce((n, f) => n + statSync(join(dir, f)).size, 0);
  return { sweeps: SWEEPS, rows, bytes, files: files.length };
}

/** Median wall time and median CPU time (user + system) of REPEAT runs: CPU time stays honest on a busy machine. */
function time(fn: () => unknown): { ms: number; cpuMs: number; out: unknown } {
  const walls: number[] = [];
  const cpus: number[] = [];
  let out: unknown;
  for (let i = 0; i < REPEAT; i++) {
    const t = process.hrtime.bigint();
    const c = process.cpuUsage();
    out = fn();
    const dc = process.cpuUsage(c);
    walls.push(Number(process.hrtime.bigint() - t) / 1e6);
    cpus.push((dc.user + dc.system) / 1e3);
  }
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return { ms: med(walls), cpuMs: med(cpus), out };
}

function main(): void {
  const state = mkdtempSync(join(tmpdir(), 'fs-bench-history-'));
  try {
    const g0 = Date.now();
    const gen = generate(state);
    const genMs = Date.now() - g0;
    const end = T0 + SWEEPS * 3_600_000;
    const ago = (days: number) => new Date(end - days * 86_400_000);
    const probe = name(1234 % HOSTS);
    const queries: [string, HistoryQuery, string | undefined][] = [
      ['--last 7', { last: 7 }, undefined],
      ['--last 7 --kind rbd-stale-watcher', { last: 7, kind: 'rbd-stale-watcher' }, undefined],
      ['--since 7d', { since: ago(7) }, undefined],
      ['--since 30d', { since: ago(30) }, undefined],
      [`--host ${probe} --since 365d`, { since: ago(DAYS), host: probe }, probe],
      ['--kind rbd-stale-watcher --since 365d', { since: ago(DAYS), kind: 'rbd-stale-watcher' }, undefined],
      ['--since 365d (everything)', { since: ago(DAYS) }, undefined],
    ];
    const results = queries.map(([label, q, host]) => {
      const { ms, cpuMs, out } = time(() => aggregateHistory(queryHistory(state, q), host));
      const a = out as ReturnType<typeof aggregateHistory>;
      return { query: label, ms: Math.round(ms * 10) / 10, cpuMs: Math.round(cpuMs * 10) / 10, sweeps: a.window.sweeps, files: a.window.filesRead, hostKinds: a.hosts.length };
    });
    // the same question through the real CLI, process start included
    const cli = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
    const c0 = process.hrtime.bigint();
    const run = spawnSync(process.execPath, [cli, 'history', '--state-dir', state, '--last', '7', '--kind', 'rbd-stale-watcher', '--json'], { encoding: 'utf8' });
    const cliMs = Number(process.hrtime.bigint() - c0) / 1e6;
    if (run.status !== 0) throw new Error(`fleetsweep history failed: ${run.stderr}`);

    console.log(`history store: ${gen.sweeps} sweeps over ${HOSTS} hosts, ${gen.rows.toLocaleString('en-US')} residue rows, ${gen.files} day files, ${(gen.bytes / 1e6).toFixed(1)} MB (generated in ${genMs} ms)`);
    console.log(`median of ${REPEAT} runs, in process (load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores):`);
    console.log(`  ${'query'.padEnd(50)} ${'wall ms'.padStart(9)} ${'cpu ms'.padStart(9)}  sweeps files host/kind`);
    for (const r of results) console.log(`  ${r.query.padEnd(50)} ${String(r.ms).padStart(9)} ${String(r.cpuMs).padStart(9)}  ${String(r.sweeps).padStart(6)} ${String(r.files).padStart(5)} ${String(r.hostKinds).padStart(9)}`);
    console.log(`  ${'CLI: history --last 7 --kind ... --json'.padEnd(50)} ${cliMs.toFixed(1).padStart(9)}  (wall, node start included)`);
    console.log(JSON.stringify({ bench: 'history', hosts: HOSTS, sweeps: gen.sweeps, rows: gen.rows, bytes: gen.bytes, results, cliMs: Math.round(cliMs) }));
  } finally {
    rmSync(state, { recursive: true, force: true });
  }
}

main();
