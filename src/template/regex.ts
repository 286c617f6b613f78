// Python `re` patterns (as Ansible users write them) on JS RegExp: search, match, findall, replace.
import { renderError, str, LIMITS, tooLarge } from './values.js';

const cache = new Map<string, RegExp>();

/**
 * Translates the Python-only syntax playbooks use: (?P<n>...), (?P=n), \A, \Z and leading inline
 * flags like (?i). Everything else in Python's syntax means the same to JS.
 */
export function pyRegex(
  pattern: string,
  opts: { ignorecase?: unknown; multiline?: unknown; global?: boolean; anchor?: 'start' | 'full' } = {},
): RegExp {
  // re.match / re.fullmatch anchor at position 0 even under MULTILINE: a sticky regex does exactly that
  let flags = (opts.global ? 'g' : '') + (opts.anchor ? 'y' : '') + (opts.ignorecase === true ? 'i' : '') + (opts.multiline === true ? 'm' : '');
  const key = `${flags}${opts.anchor ?? ''}/${pattern}`;
  const hit = cache.get(key);
  if (hit) {
    hit.lastIndex = 0;
    return hit;
  }
  let src = pattern;
  const inline = /^\(\?([aiLmsux]+)\)/.exec(src);
  if (inline) {
    src = src.slice(inline[0].length);
    for (const f of inline[1] ?? '') if ('ims'.includes(f) && !flags.includes(f)) flags += f;
  }
  let out = '';
  let inClass = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i] as string;
    if (c === '\\') {
      const n = src[i + 1] ?? '';
      i++;
      if (!inClass && n === 'A') out += '(?<![\\s\\S])';
      else if (!inClass && n === 'Z') out += '(?![\\s\\S])';
      else out += c + n;
    } else if (inClass) {
      if (c === ']') inClass = false;
      out += c;
    } else if (c === '[') {
      inClass = true;
      out += c;
      if (src[i + 1] === ']' || (src[i + 1] === '^' && src[i + 2] === ']')) {
        // Python allows ']' first in a class; JS needs it escaped
        if (src[i + 1] === '^') { out += '^'; i++; }
        out += '\\]';
        i++;
      }
    } else if (src.startsWith('(?P<', i)) {
      out += '(?<';
      i += 3;
    } else if (src.startsWith('(?P=', i)) {
      const end = src.indexOf(')', i);
      out += `\\k<${src.slice(i + 4, end)}>`;
      i = end;
    } else out += c;
  }
  if (opts.anchor === 'full') out = `(?:${out})(?![\\s\\S])`;
  let re: RegExp;
  try {
    re = new RegExp(out, flags);
  } catch (e) {
    throw renderError(`invalid regular expression ${JSON.stringify(pattern)}: ${(e as Error).message}`);
  }
  if (cache.size > 500) cache.clear();
  cache.set(key, re);
  return re;
}

/** Ansible regex_search: the match, or the requested groups ('\\1', '\\g<name>') as a list; null when none. */
export function regexSearch(value: string, pattern: string, groups: unknown[], kw: { ignorecase?: unknown; multiline?: unknown }): unknown {
  const m = pyRegex(pattern, kw).exec(value);
  if (!m) return null;
  if (groups.length === 0) return m[0];
  return groups.map((g) => {
    const spec = str(g);
    const num = /^\\(\d+)$/.exec(spec) ?? /^\\g<(\d+)>$/.exec(spec);
    if (num) return m[Number(num[1])] ?? null;
    const named = /^\\g<(\w+)>$/.exec(spec);
    if (named) return m.groups?.[named[1] as string] ?? null;
    throw renderError(`unknown group ${spec} for regex_search`);
  });
}

/** Python re.findall: whole matches, the one group, or a list per match when there are several groups. */
export function regexFindall(value: string, pattern: string, kw: { ignorecase?: unknown; multiline?: unknown }): unknown[] {
  const re = pyRegex(pattern, { ...kw, global: true });
  const out: unknown[] = [];
  for (const m of value.matchAll(re)) {
    out.push(m.length === 1 ? m[0] : m.length === 2 ? (m[1] ?? '') : m.slice(1).map((g) => g ?? ''));
    if (out.length > LIMITS.value) throw tooLarge();
  }
  return out;
}

/** Python re.sub with a Python replacement template (\1, \g<1>, \g<name>, \n, \\). */
export function regexReplace(value: string, pattern: string, replacement: string, kw: { ignorecase?: unknown; multiline?: unknown; count?: unknown }): string {
  const pieces = parseReplacement(replacement);
  const limit = typeof kw.count === 'number' && kw.count > 0 ? kw.count : Infinity;
  const re = pyRegex(pattern, { ...kw, global: true });
  let done = 0;
  let size = value.length;
  return value.replace(re, (...args: unknown[]) => {
    const match = args[0] as string;
    if (done >= limit) return match;
    done++;
    const last = args[args.length - 1];
    const named = typeof last === 'object' && last !== null ? (last as Record<string, string | undefined>) : undefined;
    const groupCount = args.length - (named ? 3 : 2);
    const out = pieces
      .map((p) => {
        if (typeof p === 'string') return p;
        if (typeof p.group === 'number') {
          if (p.group >= groupCount) throw renderError(`invalid group reference ${p.group}`);
          return (args[p.group] as string | undefined) ?? '';
        }
        return named?.[p.group] ?? '';
      })
      .join('');
    size += out.length - match.length;
    if (size > LIMITS.value) throw tooLarge();
    return out;
  });
}

function parseReplacement(t: string): Array<string | { group: number | string }> {
  const out: Array<string | { group: number | string }> = [];
  let lit = '';
  const ESC: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', a: '\x07', f: '\f', v: '\v' };
  for (let i = 0; i < t.length; i++) {
    const c = t[i] as string;
    if (c !== '\\' || i + 1 >= t.length) { lit += c; continue; }
    const rest = t.slice(i + 1);
    const num = /^\d{1,2}/.exec(rest);
    const g = /^g<(\w+)>/.exec(rest);
    if (num) {
      out.push(lit, { group: Number(num[0]) });
      lit = '';
      i += num[0].length;
    } else if (g) {
      const name = g[1] as string;
      out.push(lit, { group: /^\d+$/.test(name) ? Number(name) : name });
      lit = '';
      i += g[0].length;
    } else {
      const n = t[i + 1] as string;
      lit += ESC[n] ?? '\\' + n;
      i++;
    }
  }
  out.push(lit);
  return out;
}

/** Python 3.7+ re.escape: only the characters special to regular expressions. */
export function regexEscape(value: string): string {
  return value.replace(/[()[\]{}?*+\-|^$\\.&~# \t\n\r\v\f]/g, (c) => (c === '\n' ? '\\n' : '\\' + c));
}
