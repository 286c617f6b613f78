// Filters on strings and scalars: case, trimming, regex, paths, encodings, JSON and type conversions.
import { Buffer } from 'node:buffer';
import { toJson } from './quote.js';
import { pyFormat, pyTruthy, renderError, str, typeName, LIMITS, tooLarge, isMapping } from './values.js';
import { pyReplace, pySplit, pyStrip } from './attr.js';
import { regexEscape, regexFindall, regexReplace, regexSearch } from './regex.js';

export type Kw = Record<string, unknown>;
export type FilterFn = (value: unknown, args: unknown[], kw: Kw) => unknown;

/** Python-style parameter: by keyword, else by position, else the default. */
export function param(args: unknown[], kw: Kw, index: number, name: string, dflt?: unknown): unknown {
  if (Object.hasOwn(kw, name)) return kw[name];
  return index < args.length ? args[index] : dflt;
}

/** Python int(): numeric strings in a base, floats truncated, the default when it does not parse. */
function toInt(v: unknown, dflt: unknown, base: unknown): unknown {
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'number') return Number.isFinite(v) ? Math.trunc(v) : dflt;
  const s = str(v).trim().replace(/_/g, '');
  const b = typeof base === 'number' ? base : 10;
  const m = /^([-+]?)(0[xob])?([0-9a-z]+)$/i.exec(s);
  if (m && (b === 10 || b === 16 || b === 8 || b === 2 || b === 0)) {
    const prefix = (m[2] ?? '').toLowerCase();
    const radix = prefix === '0x' ? 16 : prefix === '0o' ? 8 : prefix === '0b' ? 2 : b === 0 ? 10 : b;
    if ((prefix === '' || b === 0 || radix === b) && [...(m[3] ?? '')].every((c) => !Number.isNaN(parseInt(c, radix)))) {
      return (m[1] === '-' ? -1 : 1) * parseInt(m[3] ?? '', radix);
    }
  }
  const f = toFloat(s, undefined);
  return typeof f === 'number' ? Math.trunc(f) : dflt;
}

function toFloat(v: unknown, dflt: unknown): unknown {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  const s = str(v).trim();
  return /^[-+]?(\d+\.?\d*([eE][-+]?\d+)?|\.\d+([eE][-+]?\d+)?|inf|infinity|nan)$/i.test(s) ? Number(s.replace(/^([-+]?)inf(inity)?$/i, '$1Infinity')) : dflt;
}

/** Ansible's bool filter: yes/on/1/true/y/t are true, anything else false. */
function toBool(v: unknown): boolean {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  if (v === null || v === undefined) return false;
  return ['yes', 'on', '1', 'true', 'y', 't'].includes(str(v).trim().toLowerCase());
}

/** Python os.path.basename / dirname: trailing slashes are not stripped first, unlike Node's path. */
function basename(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}
function dirname(p: string): string {
  const head = p.slice(0, p.lastIndexOf('/') + 1);
  return head && !/^\/+$/.test(head) ? head.replace(/\/+$/, '') : head;
}

function fromJson(s: string): unknown {
  try {
    // drop __proto__ keys: harmless to our own-key lookups, but not worth carrying around
    return JSON.parse(s, (k, v: unknown) => (k === '__proto__' ? undefined : v));
  } catch (e) {
    throw renderError(`from_json: ${(e as Error).message}`);
  }
}

function width(n: unknown): number {
  const w = typeof n === 'number' ? n : 0;
  if (w > LIMITS.value) throw tooLarge();
  return w;
}

export const TEXT_FILTERS: Record<string, FilterFn> = {
  lower: (v) => str(v).toLowerCase(),
  upper: (v) => str(v).toUpperCase(),
  capitalize: (v) => { const s = str(v); return s.charAt(0).toUpperCase() + s.slice(1).toLowerCase(); },
  title: (v) => str(v).toLowerCase().replace(/(^|[^A-Za-z0-9'])([a-z])/g, (_m, a: string, b: string) => a + b.toUpperCase()),
  trim: (v, a, kw) => pyStrip(str(v), param(a, kw, 0, 'chars'), true, true),
  replace: (v, a, kw) => {
    const count = param(a, kw, 2, 'count', -1);
    return pyReplace(str(v), str(param(a, kw, 0, 'old')), str(param(a, kw, 1, 'new')), typeof count === 'number' ? count : -1);
  },
  split: (v, a, kw) => pySplit(str(v), param(a, kw, 0, 'sep', null), param(a, kw, 1, 'maxsplit', -1)),
  splitlines: (v) => str(v).split(/\r\n|\r|\n/).filter((x, i, all) => i < all.length - 1 || x !== ''),
  regex_search: (v, a, kw) => regexSearch(str(v), str(a[0] ?? kw.regex), a.slice(1), kw),
  regex_findall: (v, a, kw) => regexFindall(str(v), str(param(a, kw, 0, 'regex')), { ignorecase: param(a, kw, 2, 'ignorecase'), multiline: param(a, kw, 1, 'multiline') }),
  regex_replace: (v, a, kw) =>
    regexReplace(str(v), str(param(a, kw, 0, 'regex', '')), str(param(a, kw, 1, 'replacement', '')), {
      ignorecase: param(a, kw, 2, 'ignorecase'),
      multiline: param(a, kw, 3, 'multiline'),
      count: param(a, kw, 4, 'count', 0),
    }),
  regex_escape: (v) => regexEscape(str(v)),
  basename: (v) => basename(str(v)),
  dirname: (v) => dirname(str(v)),
  path_join: (v) => {
    const parts = (Array.isArray(v) ? v : [v]).map(str);
    return parts.reduce((acc, p) => (p.startsWith('/') || acc === '' ? p : acc.endsWith('/') ? acc + p : `${acc}/${p}`), '');
  },
  b64encode: (v) => Buffer.from(str(v), 'utf8').toString('base64'),
  b64decode: (v) => Buffer.from(str(v), 'base64').toString('utf8'),
  to_json: (v, _a, kw) => toJson(v, true, typeof kw.indent === 'number' ? width(kw.indent) : undefined),
  to_nice_json: (v, _a, kw) => toJson(v, true, typeof kw.indent === 'number' ? width(kw.indent) : 4),
  // JSON is valid YAML; config/ is the only importer of the yaml package
  to_yaml: (v) => toJson(v, true),
  to_nice_yaml: (v, _a, kw) => toJson(v, true, typeof kw.indent === 'number' ? width(kw.indent) : 2),
  from_json: (v) => fromJson(str(v)),
  string: (v) => str(v),
  int: (v, a, kw) => toInt(v, param(a, kw, 0, 'default', 0), param(a, kw, 1, 'base', 10)),
  float: (v, a, kw) => toFloat(v, param(a, kw, 0, 'default', 0)),
  bool: (v) => toBool(v),
  format: (v, a) => pyFormat(str(v), a),
  type_debug: (v) => typeName(v),
  center: (v, a, kw) => {
    const s = str(v);
    const w = width(param(a, kw, 0, 'width', 80));
    const left = Math.max(0, Math.floor((w - s.length) / 2));
    return (' '.repeat(left) + s).padEnd(w);
  },
  indent: (v, a, kw) => {
    const pad = ' '.repeat(width(param(a, kw, 0, 'width', 4)));
    const first = pyTruthy(param(a, kw, 1, 'first', false));
    const blank = pyTruthy(param(a, kw, 2, 'blank', false));
    return str(v)
      .split('\n')
      .map((line, i) => ((i > 0 || first) && (blank || line !== '') ? pad + line : line))
      .join('\n');
  },
  wordcount: (v) => pySplit(str(v)).length,
  truncate: (v, a, kw) => {
    const s = str(v);
    const n = width(param(a, kw, 0, 'length', 255));
    const end = str(param(a, kw, 2, 'end', '...'));
    return s.length <= n ? s : s.slice(0, Math.max(0, n - end.length)) + end;
  },
  mandatory: (v, a, kw) => {
    if (v === undefined) throw renderError(str(param(a, kw, 0, 'msg', 'mandatory variable not defined')));
    return v;
  },
  ternary: (v, a, kw) => {
    const none = param(a, kw, 2, 'none_val', undefined);
    if (v === null && none !== undefined) return none;
    return pyTruthy(v) ? param(a, kw, 0, 'true_val') : param(a, kw, 1, 'false_val');
  },
  abs: (v) => Math.abs(Number(v)),
  round: (v, a, kw) => {
    const p = Number(param(a, kw, 0, 'precision', 0));
    const method = str(param(a, kw, 1, 'method', 'common'));
    const f = 10 ** p;
    const x = Number(v) * f;
    const r = method === 'ceil' ? Math.ceil(x) : method === 'floor' ? Math.floor(x) : Math.sign(x) * Math.round(Math.abs(x));
    return r / f;
  },
  human_readable: (v) => {
    let n = Number(v);
    const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB', 'EB'];
    let i = 0;
    while (Math.abs(n) >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    return `${n.toFixed(2)} ${units[i]}`;
  },
  keys: (v) => (isMapping(v) ? Object.keys(v) : []),
};
