// Medians and ranges per (N, runner), ratios to the OpenSSH floors, and the printed table.
import type { Check } from './runners.js';
import type { MicroResult } from './micro.js';

export interface RunRecord {
  n: number;
  runner: string;
  forks: number;
  run: number;
  wallMs: number;
  cpuMs: number;
  cpuUserMs: number;
  cpuSysMs: number;
  cpuSource: string;
  sshdMs: number;
  sshdProcMs: number;
  sshdSettled: boolean;
  maxRssMb: number;
  peakPssMb: number;
  exitCode: number | null;
  leftovers: number;
  check: Check;
  /** 1, 5 and 15 minute load averages right after the run (other work on the machine shows here) */
  loadavg: string;
}

export interface Stat {
  median: number;
  min: number;
  max: number;
}

export interface Summary {
  n: number;
  runner: string;
  forks: number;
  runs: number;
  allOk: boolean;
  wallMs: Stat;
  cpuMs: Stat;
  sshdMs: Stat;
  maxRssMb: Stat;
  peakPssMb: Stat;
  /** median wall / median wall of the master+execs floor at the same N */
  vsFloor?: number;
  /** median wall / median wall of the one-exec-per-host floor */
  vsFloor1?: number;
}

export function stat(xs: number[]): Stat {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { median, min: s[0]!, max: s[s.length - 1]! };
}

export function summarize(records: RunRecord[]): Summary[] {
  const groups = new Map<string, RunRecord[]>();
  for (const r of records) {
    const k = `${r.n}\0${r.runner}`;
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  const out: Summary[] = [...groups.values()].map((rs) => ({
    n: rs[0]!.n, runner: rs[0]!.runner, forks: rs[0]!.forks, runs: rs.length, allOk: rs.every((r) => r.check.ok),
    wallMs: stat(rs.map((r) => r.wallMs)), cpuMs: stat(rs.map((r) => r.cpuMs)), sshdMs: stat(rs.map((r) => r.sshdMs)),
    maxRssMb: stat(rs.map((r) => r.maxRssMb)), peakPssMb: stat(rs.map((r) => r.peakPssMb)),
  }));
  for (const s of out) {
    const floor = out.find((o) => o.n === s.n && o.runner.startsWith('openssh master') && !o.runner.includes('default kex'));
    const floor1 = out.find((o) => o.n === s.n && o.runner.startsWith('openssh 1 exec') && !o.runner.includes('default kex'));
    if (floor) s.vsFloor = s.wallMs.median / floor.wallMs.median;
    if (floor1) s.vsFloor1 = s.wallMs.median / floor1.wallMs.median;
  }
  return out;
}

const sec = (ms: number) => (ms / 1000).toFixed(2);
const range = (s: Stat, f: (x: number) => string) => `${f(s.median)} (${f(s.min)}–${f(s.max)})`;

export function printTable(w: NodeJS.WritableStream, rows: Summary[], micro: MicroResult | undefined, o: { forks: number }): void {
  if (rows.length) {
    const head = ['N', 'runner', 'runs', 'wall s: median (min–max)', '×master floor', '×1-exec floor', 'client CPU s', 'sshd CPU s', 'CPU ms/host (client+sshd)', 'max RSS MB', 'Σ PSS MB', 'outputs'];
    const body = rows.map((s) => [
      String(s.n), s.runner, String(s.runs), range(s.wallMs, sec), s.vsFloor?.toFixed(2) ?? '', s.vsFloor1?.toFixed(2) ?? '',
      range(s.cpuMs, sec), range(s.sshdMs, sec), `${(s.cpuMs.median / s.n).toFixed(1)}+${(s.sshdMs.median / s.n).toFixed(1)}`,
      s.maxRssMb.median.toFixed(0), s.peakPssMb.median.toFixed(0), s.allOk ? 'ok' : 'FAILED',
    ]);
    const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
    const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
    w.write(`\nScan of K=6 commands per host, forks ${o.forks} unless named; medians, (min–max) over the runs\n`);
    w.write(line(head) + '\n');
    w.write(`|${widths.map((x) => '-'.repeat(x + 2)).join('|')}|\n`);
    for (const r of body) w.write(line(r) + '\n');
    const best = new Map<number, Summary>();
    for (const s of rows) if (s.runner.startsWith('fleetsweep') && s.allOk && (!best.has(s.n) || s.wallMs.median < best.get(s.n)!.wallMs.median)) best.set(s.n, s);
    for (const [n, s] of best) {
      const ans = rows.find((r) => r.n === n && r.runner.startsWith('ansible'));
      const f50 = rows.find((r) => r.n === n && r.runner === `fleetsweep f=${o.forks}`);
      w.write(`N=${n}: best fleetsweep ${s.runner} ${sec(s.wallMs.median)} s` +
        `${s.vsFloor ? `, ${s.vsFloor.toFixed(2)}x master floor` : ''}${s.vsFloor1 ? `, ${s.vsFloor1.toFixed(2)}x 1-exec floor` : ''}` +
        `${ans && f50 ? `; ansible-playbook / fleetsweep at f=${o.forks}: ${(ans.wallMs.median / f50.wallMs.median).toFixed(1)}x` : ''}\n`);
    }
  }
  if (micro) {
    const med = (xs: number[]) => stat(xs).median.toFixed(0);
    w.write('\nMicro measurements (in-process; cold = first call in the process, warm = median of 5)\n');
    w.write(`  ${micro.inventory.hosts}-host inventory load + --limit "${micro.inventory.pattern}" (${micro.inventory.selected} hosts): YAML cold ${micro.inventory.coldMs.toFixed(0)} ms, warm ${med(micro.inventory.warmMs)} ms; INI cold ${micro.inventory.iniColdMs.toFixed(0)} ms, warm ${med(micro.inventory.iniWarmMs)} ms; whole CLI (YAML, inventory list --limit) ${micro.inventory.cliMs.toFixed(0)} ms\n`);
    w.write(`  recap for ${micro.recap.hosts} hosts x ${micro.recap.tasks} tasks: cold ${micro.recap.coldMs.toFixed(0)} ms, warm ${med(micro.recap.warmMs)} ms\n`);
    w.write(`  JSON report for ${micro.jsonReport.hosts} hosts (${(micro.jsonReport.bytes / 1e6).toFixed(1)} MB): cold ${micro.jsonReport.coldMs.toFixed(0)} ms, warm ${med(micro.jsonReport.warmMs)} ms\n`);
    const k = micro.knownHosts;
    w.write(`  host key lookups of a ${k.hosts}-host run in a ${k.hosts}-line known_hosts: ${k.plainIndexedMs.toFixed(0)} ms (indexed; a scan per lookup, as before: ${k.plainScanMs.toFixed(0)} ms); hashed ${k.hashedHosts}-line file: ${k.hashedIndexedMs.toFixed(0)} ms\n`);
    const j = micro.journal;
    w.write(`  journal, one destructive step (7 buffered records + beforeApply fsync): median ${j.perStepDurableMs.median.toFixed(2)} ms, p95 ${j.perStepDurableMs.p95.toFixed(2)} ms; without fsync ${j.perStepBufferedMs.median.toFixed(3)} ms; ${j.concurrent.hosts} hosts at once (group commit): ${j.concurrent.perStepMs.toFixed(2)} ms per step\n`);
  }
}
