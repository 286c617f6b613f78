// Reads a run report (--json FILE) back into a RunResult, so a sweep can fold runs it started through `run`.
import type { CommandResult, HostSummary, ItemResult, Outcome, Phase, TaskResult } from '../model/outcome.js';
import { OUTCOMES } from '../model/outcome.js';
import type { SourceLocation } from '../model/source.js';
import type { RunResult } from '../runner/types.js';
import { REPORT_VERSION } from './json-report.js';

interface JCmd { rc: number | null; stdout: string; stderr: string; timedOut: boolean; truncated: boolean; durationMs: number }
interface JItem { item: unknown; outcome: Outcome; reason: string | null; phases: Partial<Record<Phase, JCmd>> }
interface JTask extends Partial<JCmd> {
  play: number; task: number; name: string; outcome: Outcome; reason: string | null; ignored: boolean;
  startedAt: string; durationMs: number; loc: string; items?: JItem[];
}
interface JHost { outcome: Outcome; reason: string | null; counts: Record<Outcome, number>; tasks: JTask[] }
interface JReport {
  version: number; runId: string; startedAt: string; endedAt: string; interrupted: boolean; aborted: string | null;
  hosts: Record<string, JHost>;
}

/** Throws an Error naming the problem when the text is not a run report this version understands. */
export function parseRunReport(text: string): RunResult {
  const j = JSON.parse(text) as JReport;
  if (typeof j !== 'object' || j === null || typeof j.runId !== 'string' || typeof j.hosts !== 'object') throw new Error('not a fleetsweep run report');
  if (Math.floor(j.version) > REPORT_VERSION) throw new Error(`run report version ${j.version} is newer than this fleetsweep understands (${REPORT_VERSION})`);
  const results: TaskResult[] = [];
  const hosts: HostSummary[] = [];
  for (const [host, h] of Object.entries(j.hosts)) {
    if (!OUTCOMES.includes(h.outcome)) throw new Error(`host ${host}: unknown outcome ${String(h.outcome)}`);
    hosts.push({ host, outcome: h.outcome, counts: h.counts, ...(h.reason !== null ? { reason: h.reason } : {}) });
    for (const t of h.tasks) {
      const r: TaskResult = {
        host, play: t.play, task: t.task, name: t.name, loc: parseLoc(t.loc), outcome: t.outcome, startedAt: t.startedAt, durationMs: t.durationMs,
        ...(t.reason !== null ? { reason: t.reason } : {}), ...(t.ignored ? { ignored: true } : {}),
      };
      if (t.rc !== undefined) r.result = cmd(t as JCmd);
      if (t.items) r.items = t.items.map(item);
      results.push(r);
    }
  }
  return {
    runId: j.runId, startedAt: j.startedAt, endedAt: j.endedAt, interrupted: j.interrupted,
    ...(j.aborted ? { aborted: j.aborted } : {}), results, hosts,
  };
}

function item(i: JItem): ItemResult {
  const phases: ItemResult['phases'] = {};
  for (const [p, c] of Object.entries(i.phases ?? {})) phases[p as Phase] = cmd(c);
  return { item: i.item, outcome: i.outcome, ...(i.reason !== null ? { reason: i.reason } : {}), phases };
}

function cmd(c: JCmd): CommandResult {
  return { rc: c.rc, stdout: c.stdout ?? '', stderr: c.stderr ?? '', durationMs: c.durationMs ?? 0, timedOut: Boolean(c.timedOut), truncated: Boolean(c.truncated) };
}

/** "file:line:col"; the file itself may hold colons. */
function parseLoc(s: string): SourceLocation {
  const m = /^(.*):(\d+):(\d+)$/.exec(s);
  return m ? { file: m[1]!, line: Number(m[2]), col: Number(m[3]) } : { file: s, line: 0, col: 0 };
}
