// `x.y` and `x[k]` on plain data only: own keys, Python-style indexes and a few Python methods, never JS internals.
import { isMapping, pyIndex, renderError, str, checkSize, pyEquals, LIMITS, tooLarge } from './values.js';
import { isSafeString } from './nunjucks.js';
import { TemplateError } from './template-error.js';

/** Names that lead from data to Function and the prototype chain (the nunjucks CVE class). */
const FORBIDDEN = new Set(['constructor', '__proto__', 'prototype', '__defineGetter__', '__defineSetter__', '__lookupGetter__', '__lookupSetter__']);

type Method = (self: never, ...args: unknown[]) => unknown;

/** Python method names Ansible users call on strings, lists and dicts. */
const STRING_METHODS: Record<string, (self: string, ...a: unknown[]) => unknown> = {
  split: (s, sep, max) => pySplit(s, sep, max),
  splitlines: (s) => s.split(/\r\n|\r|\n/).filter((x, i, all) => i < all.length - 1 || x !== ''),
  strip: (s, chars) => pyStrip(s, chars, true, true),
  lstrip: (s, chars) => pyStrip(s, chars, true, false),
  rstrip: (s, chars) => pyStrip(s, chars, false, true),
  startswith: (s, p) => (Array.isArray(p) ? p.some((x) => s.startsWith(str(x))) : s.startsWith(str(p))),
  endswith: (s, p) => (Array.isArray(p) ? p.some((x) => s.endsWith(str(x))) : s.endsWith(str(p))),
  lower: (s) => s.toLowerCase(),
  upper: (s) => s.toUpperCase(),
  capitalize: (s) => s.charAt(0).toUpperCase() + s.slice(1).toLowerCase(),
  title: (s) => s.toLowerCase().replace(/(^|[^A-Za-z0-9])([a-z])/g, (_m, a: string, b: string) => a + b.toUpperCase()),
  replace: (s, a, b, n) => pyReplace(s, str(a), str(b), typeof n === 'number' ? n : -1),
  find: (s, sub) => s.indexOf(str(sub)),
  count: (s, sub) => (str(sub) === '' ? s.length + 1 : s.split(str(sub)).length - 1),
  isdigit: (s) => /^[0-9]+$/.test(s),
  join: (s, items) => checkSize((Array.isArray(items) ? items : []).map(str).join(s)),
};
const LIST_METHODS: Record<string, (self: unknown[], ...a: unknown[]) => unknown> = {
  index: (l, x) => {
    const i = l.findIndex((y) => pyEquals(x, y));
    if (i < 0) throw renderError(`${str(x)} is not in list`);
    return i;
  },
  count: (l, x) => l.filter((y) => pyEquals(x, y)).length,
};
const DICT_METHODS: Record<string, (self: Record<string, unknown>, ...a: unknown[]) => unknown> = {
  keys: (d) => Object.keys(d),
  values: (d) => Object.values(d),
  items: (d) => Object.entries(d),
  get: (d, k, dflt = null) => (typeof k === 'string' && Object.hasOwn(d, k) ? d[k] : dflt),
};

/**
 * Looks `key` up on `target`; `undefined` means "no such attribute" and the caller decides whether
 * that is an error. Only own data is visible: no inherited properties, no JS methods.
 */
export function lookup(target: unknown, key: unknown): unknown {
  if (typeof key === 'string' && FORBIDDEN.has(key)) {
    throw new TemplateError('template.forbidden', `access to '${key}' is not allowed in templates`);
  }
  if (isSafeString(target)) target = target.val;
  if (typeof target === 'string') {
    const i = pyIndex(target.length, key);
    if (i !== undefined) return target[i];
    return method(STRING_METHODS, target, key);
  }
  if (Array.isArray(target)) {
    const i = pyIndex(target.length, key);
    if (i !== undefined) return target[i];
    return method(LIST_METHODS, target, key);
  }
  if (isMapping(target)) {
    const k = typeof key === 'number' ? String(key) : key;
    if (typeof k === 'string' && Object.hasOwn(target, k)) return target[k];
    return method(DICT_METHODS, target, key);
  }
  return undefined;
}

function method<S>(table: Record<string, (self: S, ...a: unknown[]) => unknown>, self: S, key: unknown): unknown {
  if (typeof key !== 'string' || !Object.hasOwn(table, key)) return undefined;
  const fn = table[key] as Method;
  // nunjucks appends a keyword-args object to calls; Python methods here take none
  return (...args: unknown[]) => (fn as (s: S, ...a: unknown[]) => unknown)(self, ...args.filter((a) => !isKeywords(a)));
}

export function isKeywords(v: unknown): v is Record<string, unknown> {
  return isMapping(v) && (v as { __keywords?: unknown }).__keywords === true;
}

/** Python str.split: no separator means runs of whitespace, ignoring the ends. */
export function pySplit(s: string, sep?: unknown, max?: unknown): string[] {
  const limit = typeof max === 'number' && max >= 0 ? max : Infinity;
  if (sep === undefined || sep === null) {
    const out: string[] = [];
    let rest = s.replace(/^\s+/, '');
    while (rest !== '') {
      if (out.length >= limit) { out.push(rest); break; }
      const m = /\s+/.exec(rest);
      if (!m) { out.push(rest); break; }
      out.push(rest.slice(0, m.index));
      rest = rest.slice(m.index + m[0].length);
    }
    return out;
  }
  const d = str(sep);
  if (d === '') throw renderError('empty separator');
  const parts = s.split(d);
  return limit === Infinity || parts.length <= limit + 1 ? parts : [...parts.slice(0, limit), parts.slice(limit).join(d)];
}

export function pyStrip(s: string, chars: unknown, left: boolean, right: boolean): string {
  const set = chars === undefined || chars === null ? null : new Set(str(chars));
  const strip = (c: string | undefined): boolean => c !== undefined && (set ? set.has(c) : /\s/.test(c));
  let a = 0;
  let b = s.length;
  if (left) while (a < b && strip(s[a])) a++;
  if (right) while (b > a && strip(s[b - 1])) b--;
  return s.slice(a, b);
}

/** Python str.replace(old, new, count); checks the size before building the result. */
export function pyReplace(s: string, a: string, b: string, count = -1): string {
  const parts = a === '' ? ['', ...Array.from(s), ''] : s.split(a);
  const n = parts.length - 1;
  const k = count < 0 ? n : Math.min(n, count);
  if (s.length + k * (b.length - a.length) > LIMITS.value) throw tooLarge();
  if (a === '') {
    const chars = parts.slice(1, -1);
    let out = '';
    for (let i = 0; i < chars.length; i++) out += (i < k ? b : '') + chars[i];
    return out + (k > chars.length ? b : '');
  }
  return parts.slice(0, k + 1).join(b) + (k < n ? a + parts.slice(k + 1).join(a) : '');
}
