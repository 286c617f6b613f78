// Flag values of `sweep` and `history`: --report FORMAT=FILE, --mode, --since; a bad value is a usage error (exit 2).
import { resolve } from 'node:path';
import { UsageError } from '../errors/index.js';
import { didYouMean } from '../errors/diagnostic.js';
import { SWEEP_MODES, type SweepMode } from '../model/sweep.js';
import type { WebhookWhen } from '../report/webhook.js';

export type ReportFormat = 'json' | 'junit' | 'prometheus' | 'html';

export interface ReportTarget {
  format: ReportFormat;
  /** absolute path, or '-' for stdout */
  file: string;
}

const FORMATS: Record<string, ReportFormat> = { json: 'json', junit: 'junit', xml: 'junit', prometheus: 'prometheus', prom: 'prometheus', html: 'html' };

/** `json=out/sweep.json`, `prom=/var/lib/node_exporter/textfile/fleetsweep.prom`, `html=-`. */
export function parseReportTarget(spec: string, cwd = process.cwd()): ReportTarget {
  const eq = spec.indexOf('=');
  const name = (eq < 0 ? spec : spec.slice(0, eq)).trim().toLowerCase();
  const file = eq < 0 ? '' : spec.slice(eq + 1).trim();
  const format = FORMATS[name];
  if (!format) {
    const hint = didYouMean(name, Object.keys(FORMATS));
    throw new UsageError('usage.badReport', `--report takes FORMAT=FILE with FORMAT one of json, junit, prometheus, html; got "${spec}"${hint ? ` (did you mean "${hint}"?)` : ''}`);
  }
  if (!file) throw new UsageError('usage.badReport', `--report ${name}= needs a file (or - for stdout), e.g. --report ${name}=sweep.${format === 'prometheus' ? 'prom' : format === 'junit' ? 'xml' : format}`);
  return { format, file: file === '-' ? '-' : resolve(cwd, file) };
}

export function collectReports(v: string, prev: ReportTarget[] = []): ReportTarget[] {
  const t = parseReportTarget(v);
  if (t.file === '-' && prev.some((p) => p.file === '-')) throw new UsageError('usage.badReport', 'only one --report can go to stdout (-)');
  return [...prev, t];
}

export function parseMode(v: string): SweepMode {
  if ((SWEEP_MODES as readonly string[]).includes(v)) return v as SweepMode;
  throw new UsageError('usage.badValue', `--mode takes report or fix, got "${v}"`);
}

export function parseWebhookWhen(v: string): WebhookWhen {
  if (v === 'findings' || v === 'new' || v === 'always') return v;
  throw new UsageError('usage.badValue', `--webhook-on takes findings, new or always, got "${v}"`);
}

export function parseWebhookUrl(v: string): string {
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw new UsageError('usage.badValue', `--webhook takes an http(s) URL, got "${v}"`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new UsageError('usage.badValue', `--webhook takes an http(s) URL, got "${v}"`);
  return u.toString();
}

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 } as const;

/** `7d`, `12h`, `30m`, `2w` before now, or an ISO date/time (`2026-11-01`, `2026-11-01T06:00Z`). */
export function parseSince(flag: string, now: () => Date = () => new Date()) {
  return (v: string): Date => {
    const m = /^(\d+)\s*(m|h|d|w)$/.exec(v.trim());
    if (m) return new Date(now().getTime() - Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS]);
    if (/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(v.trim())) {
      const t = Date.parse(v.trim().length === 10 ? `${v.trim()}T00:00:00Z` : v.trim());
      if (!Number.isNaN(t)) return new Date(t);
    }
    throw new UsageError('usage.badValue', `${flag} takes a duration back from now (7d, 12h, 30m, 2w) or an ISO date, got "${v}"`);
  };
}
