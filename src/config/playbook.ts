// Loads a playbook file into typed plays and tasks, or throws a ConfigError carrying every problem in it at once.
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { isScalar, isSeq, isMap } from 'yaml';
import type { Play, Playbook } from '../model/playbook.js';
import type { Diagnostic } from '../errors/diagnostic.js';
import { ConfigError } from '../errors/config-error.js';
import { loadYaml } from './yaml-source.js';
import { type Ctx, err, loc, badType } from './playbook-read.js';
import { readPlay } from './playbook-play.js';

export interface LoadedPlaybook {
  playbook: Playbook;
  /** warnings only (errors throw); render them with formatDiagnostic and `sources` */
  warnings: Diagnostic[];
  /** file -> text for every file read (the playbook and its vars_files) */
  sources: Map<string, string>;
}

/**
 * Reads, parses and validates a playbook. Pure: reads files, runs nothing, contacts nothing.
 * Throws ConfigError with all diagnostics (errors and warnings) when there is any error.
 */
export function loadPlaybook(file: string): LoadedPlaybook {
  const diags: Diagnostic[] = [];
  const sources = new Map<string, string>();
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    diags.push({ severity: 'error', code: 'config.unreadable', message: `cannot read playbook: ${(e as Error).message}`, loc: { file, line: 1, col: 1 } });
    throw new ConfigError(diags, sources);
  }
  const text = bytes.toString('utf8');
  sources.set(file, text);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const playbook = parsePlaybook(file, text, sha256, diags, sources);
  if (!playbook || diags.some((d) => d.severity === 'error')) throw new ConfigError(sortDiagnostics(diags), sources);
  return { playbook, warnings: sortDiagnostics(diags), sources };
}

/** Parses playbook text (for tests and stdin); diagnostics are pushed to `diags`. */
export function parsePlaybook(file: string, text: string, sha256: string, diags: Diagnostic[], sources: Map<string, string> = new Map()): Playbook | undefined {
  sources.set(file, text);
  const ys = loadYaml(file, diags, text);
  if (!ys) return undefined;
  const ctx: Ctx = { ys, diags };
  const root = ys.doc.contents;
  if (root === null || (isScalar(root) && (root.value === null || root.value === ''))) {
    err(ctx, 'config.empty', 'playbook is empty', loc(ctx, root), 'a playbook is a list of plays, each with hosts: and tasks:');
    return undefined;
  }
  if (!isSeq(root)) {
    badType(ctx, root, 'a playbook', 'a list of plays',
      isMap(root) ? 'start the play with "- " (a playbook is a list of plays, even when there is one)' : undefined);
    return undefined;
  }
  if (root.items.length === 0) {
    err(ctx, 'config.empty', 'playbook has no plays', loc(ctx, root));
    return undefined;
  }
  const plays: Play[] = [];
  root.items.forEach((item, i) => {
    const p = readPlay(ctx, item, i, sources);
    if (p) plays.push(p);
  });
  return { file, sha256, plays };
}

/** File order, then line and column: how a compiler lists problems. */
export function sortDiagnostics(diags: Diagnostic[]): Diagnostic[] {
  const files: string[] = [];
  for (const d of diags) if (!files.includes(d.loc.file)) files.push(d.loc.file);
  return [...diags].sort((a, b) => files.indexOf(a.loc.file) - files.indexOf(b.loc.file) || a.loc.line - b.loc.line || a.loc.col - b.loc.col);
}
