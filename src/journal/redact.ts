// Keeps secrets and oversized output out of journal files; stable keys for loop items.
import { createHash } from 'node:crypto';
import type { CommandResult } from '../model/outcome.js';
import type { CommandText, JournaledOutput, RunMeta } from './types.js';

export const MASK = '******';

/** Replaces every occurrence of a known secret value with `******`. Longest first, so a secret containing another is masked whole. */
export class Redactor {
  private secrets: string[] = [];
  constructor(secrets: Iterable<string> = []) {
    this.add(secrets);
  }
  add(values: Iterable<string>): void {
    for (const v of values) if (typeof v === 'string' && v !== '' && v !== MASK && !this.secrets.includes(v)) this.secrets.push(v);
    this.secrets.sort((a, b) => b.length - a.length);
  }
  get active(): boolean {
    return this.secrets.length > 0;
  }
  redact = (text: string): string => {
    let out = text;
    for (const s of this.secrets) if (out.includes(s)) out = out.split(s).join(MASK);
    return out;
  };
}

/**
 * Record fields that are schema words or our own identifiers, never user text: left alone so a secret like
 * "apply" cannot break the journal. itemKey is redacted when computed (itemKey()), so it is not redacted twice.
 */
const KEEP = new Set(['type', 'phase', 'event', 'state', 'kind', 't', 'seq', 'v', 'outcome', 'itemKey', 'undoes']);

/** Redacts every string in a record (keys of user data included), leaving schema words and run identity alone. */
export function redactRecord<T extends Record<string, unknown>>(rec: T, redact: (s: string) => string): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(rec)) {
    if (KEEP.has(k)) out[k] = v;
    else if (k === 'meta') out[k] = redactMeta(v as RunMeta, redact);
    else out[k] = redactDeep(v, redact);
  }
  return out as T;
}

/** Run ids, kind and pid identify the run; only the free text in meta is redacted. */
function redactMeta(m: RunMeta, redact: (s: string) => string): RunMeta {
  return {
    ...m,
    playbook: { ...m.playbook, path: redact(m.playbook.path) },
    inventories: m.inventories.map(redact),
    argv: m.argv.map(redact),
    user: redact(m.user),
    ...(m.hosts ? { hosts: m.hosts.map(redact) } : {}),
  };
}

export function redactDeep(v: unknown, redact: (s: string) => string): unknown {
  if (typeof v === 'string') return redact(v);
  if (Array.isArray(v)) return v.map((x) => redactDeep(x, redact));
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[redact(k)] = redactDeep(x, redact);
    return out;
  }
  return v;
}

/** JSON with object keys sorted at every level, so equal items give equal text. */
export function stableJson(v: unknown): string {
  return JSON.stringify(sortKeys(v)) ?? 'null';
}

function sortKeys(v: unknown): unknown {
  if (typeof v === 'bigint') return v.toString();
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v !== null && typeof v === 'object' && !(v instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v as object).sort()) out[k] = sortKeys((v as Record<string, unknown>)[k]);
    return out;
  }
  return v;
}

const ITEM_KEY_MAX = 128;

/**
 * A stable string key of a loop item for matching steps across runs: its sorted-key JSON, or when longer
 * than 128 characters a 64-character prefix plus a sha256 of the whole. '' when there is no loop item.
 * Pass the writer's `redact` (JournalWriter.itemKey does) so a key never carries a secret and matches the journal.
 */
export function itemKey(item: unknown, redact: (s: string) => string = (s) => s): string {
  if (item === undefined) return '';
  // redact values before serializing: a secret with quotes or backslashes is escaped in JSON and would slip past
  const json = stableJson(redactDeep(item, redact));
  if (json.length <= ITEM_KEY_MAX) return json;
  return `${json.slice(0, 64)}…#${createHash('sha256').update(json).digest('hex').slice(0, 16)}`;
}

/** Default cap of each journaled stream, in characters. */
export const OUTPUT_CAP = 64 * 1024;
/** Snapshots feed rollback rendering, so they keep more. */
export const SNAPSHOT_CAP = 1024 * 1024;

/** Redact first, then cap: a cut can split the mask but never leave part of a secret. */
export function journaledOutput(r: CommandResult, redact: (s: string) => string, cap: number): JournaledOutput {
  const out = capText(redact(r.stdout), cap);
  const err = capText(redact(r.stderr), cap);
  return { rc: r.rc, timedOut: r.timedOut, durationMs: r.durationMs, stdout: out.text, stderr: err.text, truncated: r.truncated || out.cut || err.cut };
}

export function capText(s: string, cap: number): { text: string; cut: boolean } {
  return s.length <= cap ? { text: s, cut: false } : { text: s.slice(0, cap), cut: true };
}

/** The text safe to store for a command: the masked form whenever it differs from what runs. */
export function maskedText(c: CommandText): string {
  return typeof c === 'string' ? c : c.masked;
}
