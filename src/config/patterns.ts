// Ansible host patterns (`hosts:` of a play, --limit): names, groups, globs, ~regex, subscripts, ! & and @file.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Inventory } from '../model/inventory.js';
import type { SourceLocation } from '../model/source.js';
import { ConfigError } from '../errors/config-error.js';

export interface SelectOptions {
  /** directory `@file` patterns are relative to */
  cwd?: string;
  /** where the pattern was written (a play's hosts:), for errors; default `<pattern>` */
  loc?: SourceLocation;
  /** a --limit pattern, applied as an intersection */
  limit?: string | string[];
}

export interface Selection {
  /** matching host names, in inventory order */
  hosts: string[];
  /** plain names (not globs or regexes) that matched no host or group, for "did you mean" warnings */
  unknown: string[];
}

// Ansible's PATTERN_WITH_SUBSCRIPT: a pattern ending in [n], [-n], [x:y], [x:] or the old [x-y].
const SUBSCRIPT = /^(.+)\[(?:(-?[0-9]+)|([0-9]+)([:-])([0-9]*))\]$/;

/**
 * Hosts matching an Ansible pattern. Parts are separated by `,` (or by `:` when there is no `,` and the whole
 * pattern is not one address, so IPv6 addresses and host ranges survive). Unions apply first, then `&`
 * intersections, then `!` exclusions, whatever the written order; a pattern of only `!`/`&` parts starts from all.
 */
export function selectHosts(inv: Inventory, pattern: string | string[], opts: SelectOptions = {}): Selection {
  const unknown: string[] = [];
  let chosen = evaluate(inv, pattern, opts, unknown);
  if (opts.limit !== undefined) {
    const lim = evaluate(inv, opts.limit, opts, unknown);
    chosen = new Set([...chosen].filter((h) => lim.has(h)));
  }
  const hosts: string[] = [];
  for (const name of inv.hosts.keys()) if (chosen.has(name)) hosts.push(name);
  return { hosts, unknown: [...new Set(unknown)] };
}

function evaluate(inv: Inventory, pattern: string | string[], opts: SelectOptions, unknown: string[]): Set<string> {
  const parts = expandFiles(splitPattern(pattern), opts);
  const regular = parts.filter((p) => p[0] !== '!' && p[0] !== '&');
  const inter = parts.filter((p) => p[0] === '&');
  const excl = parts.filter((p) => p[0] === '!');
  let hosts = new Set<string>();
  for (const p of regular.length ? regular : ['all']) for (const h of matchOne(inv, p, opts, unknown)) hosts.add(h);
  for (const p of inter) {
    const that = new Set(matchOne(inv, p.slice(1), opts, unknown));
    hosts = new Set([...hosts].filter((h) => that.has(h)));
  }
  for (const p of excl) {
    for (const h of matchOne(inv, p.slice(1), opts, unknown)) hosts.delete(h);
  }
  return hosts;
}

/** Ansible's split_host_pattern. */
export function splitPattern(pattern: string | string[]): string[] {
  if (Array.isArray(pattern)) return pattern.flatMap(splitPattern);
  let parts: string[];
  if (pattern.includes(',')) parts = pattern.split(',');
  else if (isAddressLike(pattern.trim())) parts = [pattern];
  else parts = pattern.match(/(?:[^\s:[\]]|\[[^\]]*\])+/g) ?? [];
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

/** One address or host name (ranges allowed), optionally with a port: such a pattern is not split on ':'. */
function isAddressLike(p: string): boolean {
  const range = String.raw`\[(?:[a-z]:[a-z]|[0-9]+:[0-9]+)(?::[0-9]+)?\]`;
  const label = String.raw`(?:[\p{L}\p{N}_]|${range})(?:[\p{L}\p{N}_-]|${range})*`;
  const hostname = new RegExp(String.raw`^${label}(?:\.${label})*(?::[0-9]+)?$`, 'iu');
  const ipv6 = /^[0-9a-f]*:[0-9a-f:.]*$/i; // a loose check is enough: only whether to split on ':'
  const bracketed = /^\[[0-9a-f:.]+\]:[0-9]+$/i;
  return hostname.test(p) || (ipv6.test(p) && (p.match(/:/g) ?? []).length >= 2) || bracketed.test(p);
}

/** `@file` parts become the file's lines, one pattern each (Ansible's --limit @retry_file). */
function expandFiles(parts: string[], opts: SelectOptions): string[] {
  const out: string[] = [];
  for (const p of parts) {
    if (p[0] !== '@') { out.push(p); continue; }
    const file = resolve(opts.cwd ?? process.cwd(), p.slice(1));
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw patternError('pattern.fileNotFound', `cannot read pattern file ${file}: ${(err as Error).message}`, opts);
    }
    for (const line of text.split(/\r?\n/)) {
      const l = line.trim();
      if (l !== '' && !l.startsWith('#')) out.push(l);
    }
  }
  return out;
}

/** Hosts for one pattern part without its & or ! prefix, in Ansible's order (before the final inventory sort). */
function matchOne(inv: Inventory, part: string, opts: SelectOptions, unknown: string[]): string[] {
  if (part === '') return [];
  if (part === 'all' || part === '*') return [...inv.hosts.keys()];
  let expr = part;
  let sub: [number, number | undefined] | undefined;
  if (part[0] !== '~') {
    const m = SUBSCRIPT.exec(part);
    if (m) {
      expr = m[1]!;
      sub = m[2] !== undefined ? [Number(m[2]), undefined] : [Number(m[3]), m[5] ? Number(m[5]) : -1];
    }
  }
  const hosts = enumerate(inv, expr, opts);
  const plain = !/[*?[]/.test(expr) && expr[0] !== '~';
  if (plain && !inv.groups.has(expr) && !inv.hosts.has(expr)) unknown.push(expr);
  if (!sub || hosts.length === 0) return hosts;
  const [start, end] = sub;
  if (end === undefined) {
    const h = hosts[start < 0 ? hosts.length + start : start];
    if (h === undefined) throw patternError('pattern.badSubscript', `no host at index ${start} of "${expr}" (${hosts.length} hosts)`, opts);
    return [h];
  }
  const last = end === -1 ? hosts.length - 1 : end;
  if (start >= hosts.length) throw patternError('pattern.badSubscript', `no hosts at [${start}:${end === -1 ? '' : end}] of "${expr}" (${hosts.length} hosts)`, opts);
  return hosts.slice(start, last + 1);
}

/**
 * Ansible's _enumerate_matches: groups whose name matches contribute all their hosts; host names are tried when
 * no group matched or the pattern is a glob, regex or contains '.'.
 */
function enumerate(inv: Inventory, expr: string, opts: SelectOptions): string[] {
  const isRegex = expr[0] === '~';
  const isGlob = !isRegex && /[*?[]/.test(expr);
  let test: (s: string) => boolean;
  if (isRegex) {
    let re: RegExp;
    try {
      re = new RegExp(expr.slice(1), 'y'); // Python's re.match: anchored at the start only
    } catch (err) {
      throw patternError('pattern.badRegex', `invalid regular expression in "${expr}": ${(err as Error).message}`, opts);
    }
    test = (s) => { re.lastIndex = 0; return re.test(s); };
  } else if (isGlob) {
    const re = globToRegExp(expr);
    test = (s) => re.test(s);
  } else {
    test = (s) => s === expr;
  }

  const out: string[] = [];
  const seen = new Set<string>();
  const push = (h: string): void => { if (!seen.has(h)) { seen.add(h); out.push(h); } };
  let groupMatched = false;
  if (!isRegex && !isGlob) {
    if (inv.groups.has(expr)) { groupMatched = true; for (const h of groupHosts(inv, expr)) push(h); }
  } else {
    // Ansible's docs say globs and regexes never match the built-in groups (its code lets `a*` match 'all':
    // a destructive run on every host from a typo is the worse surprise)
    for (const g of inv.groups.keys()) {
      if (g !== 'all' && g !== 'ungrouped' && test(g)) { groupMatched = true; for (const h of groupHosts(inv, g)) push(h); }
    }
  }
  if (!groupMatched || isRegex || isGlob || expr.includes('.')) {
    if (!isRegex && !isGlob) { if (inv.hosts.has(expr)) push(expr); }
    else for (const h of inv.hosts.keys()) if (test(h)) push(h);
  }
  return out;
}

/** Ansible's Group.get_hosts order: the group's own hosts, then its descendants' (breadth first). */
function groupHosts(inv: Inventory, name: string): string[] {
  if (name === 'all') return [...inv.hosts.keys()];
  const out: string[] = [];
  const seenHosts = new Set<string>();
  const seenGroups = new Set<string>([name]);
  const queue = [name];
  while (queue.length) {
    const g = inv.groups.get(queue.shift()!);
    if (!g) continue;
    for (const h of g.hosts) if (!seenHosts.has(h)) { seenHosts.add(h); out.push(h); }
    for (const c of g.children) if (!seenGroups.has(c)) { seenGroups.add(c); queue.push(c); }
  }
  return out;
}

/** fnmatch.translate: * ? [seq] [!seq], anchored, case-sensitive. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const close = glob.indexOf(']', i + 2);
      if (close < 0) { re += '\\['; continue; }
      let body = glob.slice(i + 1, close);
      if (body[0] === '!') body = '^' + body.slice(1);
      else if (body[0] === '^') body = '\\' + body;
      re += '[' + body.replace(/\\/g, '\\\\') + ']';
      i = close;
    } else re += c.replace(/[.+^${}()|\\/]/g, '\\$&');
  }
  return new RegExp(`^(?:${re})$`, 's');
}

function patternError(code: string, message: string, opts: SelectOptions): ConfigError {
  return new ConfigError([{ severity: 'error', code, message, loc: opts.loc ?? { file: '<pattern>', line: 1, col: 1 } }]);
}

/**
 * Hosts of shard k of n (1-based): a host's shard depends only on its name (FNV-1a), so it stays in the same
 * shard whatever else is in the list, and the n shards partition any list.
 */
export function shardHosts(hosts: string[], k: number, n: number): string[] {
  if (!Number.isInteger(n) || n < 1 || !Number.isInteger(k) || k < 1 || k > n) {
    throw new RangeError(`shard ${k}/${n}: need integers with 1 <= k <= n`);
  }
  return hosts.filter((h) => fnv1a(h) % n === k - 1);
}

/** 32-bit FNV-1a over the UTF-8 bytes. */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(s, 'utf8')) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}
