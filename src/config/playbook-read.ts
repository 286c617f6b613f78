// Typed readers over YAML nodes for the playbook loader: each pushes a located diagnostic and returns undefined on bad input.
// Templates and untyped values (vars) are read by playbook-values.ts.
import { isAlias, isMap, isScalar, isSeq, type Scalar, type Pair, type YAMLMap, type YAMLSeq } from 'yaml';
import type { SourceLocation } from '../model/source.js';
import { didYouMean, type Diagnostic } from '../errors/diagnostic.js';
import { keyLoc, locOf, pairs, type YamlSource } from './yaml-source.js';
import { parseDuration, DURATION_HINT } from './duration.js';

export interface Ctx {
  ys: YamlSource;
  diags: Diagnostic[];
}

export function err(ctx: Ctx, code: string, message: string, loc: SourceLocation, hint?: string): void {
  ctx.diags.push(hint === undefined ? { severity: 'error', code, message, loc } : { severity: 'error', code, message, loc, hint });
}

export function warn(ctx: Ctx, code: string, message: string, loc: SourceLocation, hint?: string): void {
  ctx.diags.push(hint === undefined ? { severity: 'warning', code, message, loc } : { severity: 'warning', code, message, loc, hint });
}

export function loc(ctx: Ctx, node: unknown): SourceLocation {
  return locOf(ctx.ys, node);
}

/** Follows an alias (`*anchor`) to the node it names. */
export function deref(ctx: Ctx, node: unknown): unknown {
  return isAlias(node) ? node.resolve(ctx.ys.doc) : node;
}

export type Kind = 'mapping' | 'list' | 'string' | 'number' | 'boolean' | 'null' | 'value';

export function kindOf(node: unknown): Kind {
  if (node === null || node === undefined) return 'null';
  if (isMap(node)) return 'mapping';
  if (isSeq(node)) return 'list';
  if (isScalar(node)) {
    const v = node.value;
    if (v === null) return 'null';
    if (typeof v === 'string') return 'string';
    if (typeof v === 'number' || typeof v === 'bigint') return 'number';
    if (typeof v === 'boolean') return 'boolean';
  }
  return 'value';
}

const ARTICLE: Record<Kind, string> = { mapping: 'a mapping', list: 'a list', string: 'a string', number: 'a number', boolean: 'a boolean', null: 'nothing (null)', value: 'a value' };

function shown(node: unknown): string {
  if (isScalar(node) && node.value !== null) {
    const s = JSON.stringify(node.value);
    return ` (${s.length > 40 ? s.slice(0, 37) + '...' : s})`;
  }
  return '';
}

/** Reports `what` as having the wrong type. `expected` reads like "an integer". */
export function badType(ctx: Ctx, node: unknown, what: string, expected: string, hint?: string): undefined {
  err(ctx, 'config.badType', `${what} must be ${expected}, got ${ARTICLE[kindOf(node)]}${shown(node)}`, loc(ctx, node), hint);
  return undefined;
}

export function asMap(ctx: Ctx, node: unknown, what: string, hint?: string): YAMLMap | undefined {
  node = deref(ctx, node);
  return isMap(node) ? node : badType(ctx, node, what, 'a mapping', hint);
}

export function asSeq(ctx: Ctx, node: unknown, what: string, hint?: string): YAMLSeq | undefined {
  node = deref(ctx, node);
  return isSeq(node) ? node : badType(ctx, node, what, 'a list', hint);
}

/** A scalar as text: strings as they are, numbers and booleans spelled out (names, tags, user names). */
export function readText(ctx: Ctx, node: unknown, what: string): string | undefined {
  node = deref(ctx, node);
  const k = kindOf(node);
  if (k === 'string' || k === 'number' || k === 'boolean') return String((node as Scalar).value);
  return badType(ctx, node, what, 'a string');
}

/** A string and only a string (commands, templates). */
export function readString(ctx: Ctx, node: unknown, what: string): string | undefined {
  node = deref(ctx, node);
  return kindOf(node) === 'string' ? ((node as Scalar).value as string) : badType(ctx, node, what, 'a string');
}

/** YAML 1.1 spellings Ansible users write for booleans (this loader reads YAML 1.2, where they are strings). */
const YES = new Set(['true', 'yes', 'on']);
const NO = new Set(['false', 'no', 'off']);

export function readBool(ctx: Ctx, node: unknown, what: string): boolean | undefined {
  node = deref(ctx, node);
  if (kindOf(node) === 'boolean') return (node as Scalar).value as boolean;
  if (kindOf(node) === 'string') {
    const s = ((node as Scalar).value as string).toLowerCase();
    if (YES.has(s)) return true;
    if (NO.has(s)) return false;
  }
  return badType(ctx, node, what, 'true or false');
}

export function readInt(ctx: Ctx, node: unknown, what: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  node = deref(ctx, node);
  const v = isScalar(node) ? node.value : undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) return badType(ctx, node, what, min === 0 ? 'a whole number' : `a whole number >= ${min}`);
  if (v < min || v > max) {
    err(ctx, 'config.badValue', `${what} must be between ${min} and ${max}, got ${v}`, loc(ctx, node));
    return undefined;
  }
  return v;
}

export function readNumber(ctx: Ctx, node: unknown, what: string, min: number, max: number): number | undefined {
  node = deref(ctx, node);
  const v = isScalar(node) ? node.value : undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) return badType(ctx, node, what, 'a number');
  if (v < min || v > max) {
    err(ctx, 'config.badValue', `${what} must be between ${min} and ${max}, got ${v}`, loc(ctx, node));
    return undefined;
  }
  return v;
}

/** Seconds (number) or "30s"-style string, in ms. `positive` refuses 0 (deadlines). */
export function readDuration(ctx: Ctx, node: unknown, what: string, positive: boolean): number | undefined {
  node = deref(ctx, node);
  const k = kindOf(node);
  if (k !== 'number' && k !== 'string') return badType(ctx, node, what, 'a duration', DURATION_HINT);
  const raw = (node as Scalar).value;
  const ms = parseDuration(raw);
  if (ms === undefined || (positive && ms === 0)) {
    err(ctx, 'config.badDuration', `${what} is not a valid ${positive ? 'positive ' : ''}duration: ${JSON.stringify(raw)}`, loc(ctx, node), DURATION_HINT);
    return undefined;
  }
  return ms;
}

/** A string or a list of scalars (tags, groups); a string may be comma-separated as in Ansible. */
export function readStringList(ctx: Ctx, node: unknown, what: string): string[] | undefined {
  node = deref(ctx, node);
  const k = kindOf(node);
  if (k === 'null') return [];
  if (k === 'string' || k === 'number') return String((node as Scalar).value).split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (!isSeq(node)) return badType(ctx, node, what, 'a string or a list of strings');
  const out: string[] = [];
  for (const item of node.items) {
    const s = readText(ctx, item, `each of ${what}`);
    if (s !== undefined) out.push(s);
  }
  return out;
}

// ---- names ----

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Words the template language reserves; a variable by that name could never be read. */
const RESERVED_WORDS = new Set(['and', 'or', 'not', 'in', 'is', 'if', 'else', 'elif', 'for', 'true', 'false', 'none', 'True', 'False', 'None', 'null', 'undefined']);

export function isVarName(s: string): boolean {
  return IDENT.test(s) && !RESERVED_WORDS.has(s);
}

/** A variable name (register, loop_var, vars keys, set_fact keys); `at` is where to point. */
export function checkVarName(ctx: Ctx, name: string, what: string, at: SourceLocation): boolean {
  if (isVarName(name)) return true;
  err(ctx, 'config.badName', `${what} ${JSON.stringify(name)} is not a valid variable name`, at,
    'names start with a letter or "_" and contain only letters, digits and "_" (and are not a keyword like "in" or "not")');
  return false;
}

export function readVarName(ctx: Ctx, node: unknown, what: string): string | undefined {
  const s = readText(ctx, node, what);
  if (s === undefined) return undefined;
  return checkVarName(ctx, s, what, loc(ctx, deref(ctx, node))) ? s : undefined;
}

// ---- keys ----

export interface KeyTable {
  /** what the map is, for messages: "play", "task", "loop_control" */
  what: string;
  known: readonly string[];
  /** keys Ansible has and fleetsweep refuses, with a hint each */
  unsupported?: Readonly<Record<string, string>>;
  /** extra did-you-mean candidates that are not valid here */
  alsoSuggest?: readonly string[];
}

/**
 * Checks a map's keys against a table and returns the known ones.
 * Unknown keys get `config.unknownKey` with a did-you-mean; Ansible keys fleetsweep refuses get `config.unsupported`.
 */
/** What readKeys reported, so callers can skip follow-on errors ("no action" after "unknown key aply"). */
export interface KeyNotes {
  /** did-you-mean suggestions that were made */
  suggested: Set<string>;
  /** keys reported as unsupported */
  unsupported: Set<string>;
}

export function readKeys(ctx: Ctx, map: YAMLMap, table: KeyTable, isUnsupported?: (key: string) => string | undefined, notes?: KeyNotes): Map<string, Pair> {
  const out = new Map<string, Pair>();
  for (const { key, pair } of pairs(map)) {
    const at = keyLoc(ctx.ys, pair);
    if (!isScalar(pair.key)) {
      err(ctx, 'config.badType', `${table.what} keys must be strings`, at);
      continue;
    }
    if (table.known.includes(key)) {
      out.set(key, pair);
      continue;
    }
    const hint = table.unsupported?.[key] ?? isUnsupported?.(key);
    if (hint !== undefined) {
      notes?.unsupported.add(key);
      err(ctx, 'config.unsupported', `${table.what} key "${key}" is not supported by fleetsweep`, at, hint);
      continue;
    }
    const near = didYouMean(key, [...table.known, ...(table.alsoSuggest ?? [])]);
    if (near) notes?.suggested.add(near);
    err(ctx, 'config.unknownKey', `unknown ${table.what} key "${key}"${near ? ` (did you mean "${near}"?)` : ''}`, at,
      near ? `did you mean "${near}"?` : `${table.what} keys are: ${table.known.join(', ')}`);
  }
  return out;
}

export function pairLoc(ctx: Ctx, pair: Pair): SourceLocation {
  return keyLoc(ctx.ys, pair);
}
