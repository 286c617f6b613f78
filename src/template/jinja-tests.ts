// Jinja and Ansible tests (`x is defined`, `r is failed`, `s is match('^sd')`), shared by `is` and selectattr/select.
import { isMapping, pyCompare, pyEquals, pyIn, pyTruthy, renderError, str, typeName } from './values.js';
import { pyRegex } from './regex.js';
import { isSafeString } from './nunjucks.js';

export type TestFn = (value: unknown, args: unknown[], kw: Record<string, unknown>) => boolean;

/** A registered command result: `failed` wins when set, else a non-zero rc or a timeout means failure. */
function registered(v: unknown, test: string): Record<string, unknown> {
  if (!isMapping(v)) throw renderError(`the '${test}' test expects a registered result, got ${typeName(v)}`);
  return v;
}
function failed(v: unknown, test: string): boolean {
  const r = registered(v, test);
  if (typeof r.failed === 'boolean') return r.failed;
  return (typeof r.rc === 'number' && r.rc !== 0) || r.timedOut === true;
}

function regexTest(kind: 'match' | 'search' | 'fullmatch') {
  return (v: unknown, [pattern, ignorecase, multiline]: unknown[], kw: Record<string, unknown>): boolean => {
    if (v === undefined || v === null) return false;
    const anchor = kind === 'match' ? 'start' : kind === 'fullmatch' ? 'full' : undefined;
    const re = pyRegex(str(pattern), { ignorecase: kw.ignorecase ?? ignorecase, multiline: kw.multiline ?? multiline, anchor });
    return re.test(str(v));
  };
}

const cmp = (f: (c: number) => boolean): TestFn => (v, [other]) => f(pyCompare(v, other));

/** Loose version comparison (Ansible's `version` test): numeric dotted parts, then the rest as text. */
function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.\-+_]/);
  const pb = b.split(/[.\-+_]/);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? '0';
    const y = pb[i] ?? '0';
    const nx = /^\d+$/.test(x) ? Number(x) : NaN;
    const ny = /^\d+$/.test(y) ? Number(y) : NaN;
    const c = !Number.isNaN(nx) && !Number.isNaN(ny) ? nx - ny : x < y ? -1 : x > y ? 1 : 0;
    if (c !== 0) return c;
  }
  return 0;
}
const VERSION_OPS: Record<string, (c: number) => boolean> = {
  '<': (c) => c < 0, lt: (c) => c < 0, '<=': (c) => c <= 0, le: (c) => c <= 0,
  '>': (c) => c > 0, gt: (c) => c > 0, '>=': (c) => c >= 0, ge: (c) => c >= 0,
  '==': (c) => c === 0, '=': (c) => c === 0, eq: (c) => c === 0, '!=': (c) => c !== 0, '<>': (c) => c !== 0, ne: (c) => c !== 0,
};

export const TESTS: Record<string, TestFn> = {
  defined: (v) => v !== undefined,
  undefined: (v) => v === undefined,
  none: (v) => v === null,
  string: (v) => typeof v === 'string' || isSafeString(v),
  number: (v) => typeof v === 'number',
  integer: (v) => typeof v === 'number' && Number.isInteger(v),
  float: (v) => typeof v === 'number' && !Number.isInteger(v),
  boolean: (v) => typeof v === 'boolean',
  mapping: (v) => isMapping(v),
  sequence: (v) => Array.isArray(v) || typeof v === 'string',
  iterable: (v) => Array.isArray(v) || typeof v === 'string' || isMapping(v),
  callable: (v) => typeof v === 'function',
  true: (v) => v === true,
  false: (v) => v === false,
  truthy: (v) => pyTruthy(v),
  falsy: (v) => !pyTruthy(v),
  even: (v) => typeof v === 'number' && v % 2 === 0,
  odd: (v) => typeof v === 'number' && Math.abs(v % 2) === 1,
  divisibleby: (v, [n]) => typeof v === 'number' && typeof n === 'number' && n !== 0 && v % n === 0,
  lower: (v) => typeof v === 'string' && v === v.toLowerCase(),
  upper: (v) => typeof v === 'string' && v === v.toUpperCase(),
  match: regexTest('match'),
  search: regexTest('search'),
  regex: (v, args, kw) => regexTest(kw.match_type === 'match' ? 'match' : kw.match_type === 'fullmatch' ? 'fullmatch' : 'search')(v, args, kw),
  in: (v, [seq]) => pyIn(v, seq),
  contains: (v, [item]) => pyIn(item, v),
  equalto: (v, [o]) => pyEquals(v, o),
  eq: (v, [o]) => pyEquals(v, o),
  '==': (v, [o]) => pyEquals(v, o),
  sameas: (v, [o]) => v === o,
  ne: (v, [o]) => !pyEquals(v, o),
  '!=': (v, [o]) => !pyEquals(v, o),
  lt: cmp((c) => c < 0), '<': cmp((c) => c < 0),
  le: cmp((c) => c <= 0), '<=': cmp((c) => c <= 0),
  gt: cmp((c) => c > 0), '>': cmp((c) => c > 0),
  ge: cmp((c) => c >= 0), '>=': cmp((c) => c >= 0),
  subset: (v, [o]) => Array.isArray(v) && Array.isArray(o) && v.every((x) => o.some((y) => pyEquals(x, y))),
  superset: (v, [o]) => Array.isArray(v) && Array.isArray(o) && o.every((x) => v.some((y) => pyEquals(x, y))),
  version: (v, [other, op], kw) => {
    const o = str(kw.operator ?? op ?? 'eq');
    const f = VERSION_OPS[o];
    if (!f) throw renderError(`unknown version comparison operator ${JSON.stringify(o)}`);
    return f(compareVersions(str(v), str(other)));
  },
  failed: (v) => failed(v, 'failed'),
  failure: (v) => failed(v, 'failure'),
  succeeded: (v) => !failed(v, 'succeeded'),
  success: (v) => !failed(v, 'success'),
  successful: (v) => !failed(v, 'successful'),
  changed: (v) => registered(v, 'changed').changed === true,
  change: (v) => registered(v, 'change').changed === true,
  skipped: (v) => registered(v, 'skipped').skipped === true,
  skip: (v) => registered(v, 'skip').skipped === true,
};

/** Tests whose subject may be undefined without that being an error. */
export const UNDEFINED_SAFE_TESTS = new Set(['defined', 'undefined']);
