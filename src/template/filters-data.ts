// Filters on lists and dicts: map/select/selectattr, sort, set operations, combine, dict2items and friends.
import { arith, isMapping, pyCompare, pyEquals, pyTruthy, renderError, str, typeName, type Mapping } from './values.js';
import { lookup } from './attr.js';
import { param, type FilterFn, type Kw } from './filters-text.js';
import { TemplateError } from './template-error.js';

/** Filled in by filters.ts and jinja-tests.ts, so map('upper') and select('match', ...) reach the whole table. */
export interface Dispatch {
  filter(name: string, value: unknown, args: unknown[], kw: Kw): unknown;
  test(name: string, value: unknown, args: unknown[], kw: Kw): boolean;
}
let dispatch: Dispatch | undefined;
export function setDispatch(d: Dispatch): void {
  dispatch = d;
}
function d(): Dispatch {
  if (!dispatch) throw new Error('template filters used before setup');
  return dispatch;
}

/** What iterating means in Jinja: list items, string characters, dict keys. */
export function items(v: unknown, what: string): unknown[] {
  if (Array.isArray(v)) return v;
  if (typeof v === 'string') return Array.from(v);
  if (isMapping(v)) return Object.keys(v);
  throw renderError(`${what}: '${typeName(v)}' is not iterable`);
}

/** `attribute='a.b.0'`: a dotted path through dicts and lists; undefined when any step is missing. */
function attrPath(item: unknown, path: unknown): unknown {
  let cur = item;
  for (const part of str(path).split('.')) {
    if (cur === undefined || cur === null) return undefined;
    const v = lookup(cur, /^-?\d+$/.test(part) && Array.isArray(cur) ? Number(part) : part);
    cur = typeof v === 'function' ? undefined : v;
  }
  return cur;
}

/** Sets a key without ever invoking the __proto__ setter. */
function put(o: Mapping, k: string, v: unknown): void {
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
}

function uniq(list: unknown[], key: (x: unknown) => unknown = (x) => x): unknown[] {
  const out: unknown[] = [];
  const seen: unknown[] = [];
  const prim = new Set<unknown>();
  for (const x of list) {
    const k = key(x);
    if (k === null || typeof k !== 'object') {
      if (prim.has(k)) continue;
      prim.add(k);
    } else if (seen.some((s) => pyEquals(s, k))) continue;
    else seen.push(k);
    out.push(x);
  }
  return out;
}

function sortKey(attribute: unknown, caseSensitive: unknown): (x: unknown) => unknown {
  const attrs = attribute === undefined || attribute === null ? [] : str(attribute).split(',');
  const fold = (v: unknown): unknown => (typeof v === 'string' && !pyTruthy(caseSensitive) ? v.toLowerCase() : v);
  if (attrs.length === 0) return fold;
  return (x) => (attrs.length === 1 ? fold(attrPath(x, attrs[0])) : attrs.map((a) => fold(attrPath(x, a))));
}

function selectBy(attr: boolean, keep: boolean): FilterFn {
  return (v, a) => {
    const list = items(v, attr ? 'selectattr' : 'select');
    const [first, testName, ...rest] = attr ? a : [undefined, ...a];
    const get = (x: unknown): unknown => (attr ? attrPath(x, first) : x);
    const test = testName === undefined ? undefined : str(testName);
    const passes = (x: unknown): boolean => {
      const v = get(x);
      if (test === undefined) return pyTruthy(v);
      // a missing attribute fails every test but `undefined` (Jinja's lenient selectattr), instead of aborting
      if (v === undefined && test !== 'defined' && test !== 'undefined') return false;
      return d().test(test, v, rest, {});
    };
    return list.filter((x) => passes(x) === keep);
  };
}

function flatten(list: unknown[], levels: number, skipNulls: boolean): unknown[] {
  const out: unknown[] = [];
  for (const x of list) {
    if (Array.isArray(x) && levels !== 0) out.push(...flatten(x, levels - 1, skipNulls));
    else if (!(skipNulls && (x === null || x === undefined))) out.push(x);
  }
  return out;
}

function merge(a: Mapping, b: Mapping, recursive: boolean, listMerge: string): Mapping {
  const out: Mapping = {};
  for (const [k, v] of Object.entries(a)) put(out, k, v);
  for (const [k, v] of Object.entries(b)) {
    const old = out[k];
    if (recursive && isMapping(old) && isMapping(v)) put(out, k, merge(old, v, recursive, listMerge));
    else if (Array.isArray(old) && Array.isArray(v) && listMerge !== 'replace') {
      const merged = listMerge === 'keep' ? old : listMerge === 'append' ? [...old, ...v] : listMerge === 'prepend' ? [...v, ...old]
        : listMerge === 'append_rp' ? [...old.filter((x) => !v.some((y) => pyEquals(x, y))), ...v]
        : [...v, ...old.filter((x) => !v.some((y) => pyEquals(x, y)))];
      put(out, k, merged);
    } else put(out, k, v);
  }
  return out;
}

function extreme(sign: 1 | -1): FilterFn {
  return (v, a, kw) => {
    const key = sortKey(param(a, kw, 0, 'attribute'), false);
    const list = items(v, sign > 0 ? 'max' : 'min');
    if (list.length === 0) return undefined;
    return list.reduce((best, x) => (sign * pyCompare(key(x), key(best)) > 0 ? x : best));
  };
}

const inList = (list: unknown[], x: unknown): boolean => list.some((y) => pyEquals(x, y));

export const DATA_FILTERS: Record<string, FilterFn> = {
  length: (v) => (isMapping(v) ? Object.keys(v).length : items(v, 'length').length),
  count: (v) => (isMapping(v) ? Object.keys(v).length : items(v, 'count').length),
  first: (v) => items(v, 'first')[0],
  last: (v) => items(v, 'last').at(-1),
  list: (v) => [...items(v, 'list')],
  reverse: (v) => (typeof v === 'string' ? Array.from(v).reverse().join('') : [...items(v, 'reverse')].reverse()),
  join: (v, a, kw) => {
    const attr = param(a, kw, 1, 'attribute');
    const list = items(v, 'join').map((x) => (attr === undefined ? x : attrPath(x, attr)));
    return list.map(str).join(str(param(a, kw, 0, 'd', '')));
  },
  unique: (v, a, kw) => uniq(items(v, 'unique'), sortKey(param(a, kw, 1, 'attribute'), param(a, kw, 0, 'case_sensitive', false))),
  sort: (v, a, kw) => {
    const key = sortKey(param(a, kw, 2, 'attribute'), param(a, kw, 1, 'case_sensitive', false));
    const rev = pyTruthy(param(a, kw, 0, 'reverse', false)) ? -1 : 1;
    return [...items(v, 'sort')].sort((x, y) => rev * pyCompare(key(x), key(y)));
  },
  flatten: (v, a, kw) => {
    const levels = param(a, kw, 0, 'levels', null);
    return flatten(items(v, 'flatten'), typeof levels === 'number' ? levels : -1, pyTruthy(param(a, kw, 1, 'skip_nulls', true)));
  },
  min: extreme(-1),
  max: extreme(1),
  sum: (v, a, kw) => {
    const attr = param(a, kw, 0, 'attribute');
    return items(v, 'sum').reduce((acc, x) => arith('+', acc, attr === undefined ? x : attrPath(x, attr)), param(a, kw, 1, 'start', 0));
  },
  map: (v, a, kw) => {
    const list = items(v, 'map');
    if (Object.hasOwn(kw, 'attribute')) {
      return list.map((x) => {
        const got = attrPath(x, kw.attribute);
        if (got !== undefined) return got;
        if (Object.hasOwn(kw, 'default')) return kw.default;
        throw new TemplateError('template.undefined', `map: an item has no attribute '${str(kw.attribute)}'`);
      });
    }
    if (a.length === 0) return [...list];
    const [name, ...rest] = a;
    return list.map((x) => d().filter(str(name), x, rest, {}));
  },
  select: selectBy(false, true),
  reject: selectBy(false, false),
  selectattr: selectBy(true, true),
  rejectattr: selectBy(true, false),
  dict2items: (v, a, kw) => {
    if (!isMapping(v)) throw renderError(`dict2items expects a dict, got ${typeName(v)}`);
    const kn = str(param(a, kw, 0, 'key_name', 'key'));
    const vn = str(param(a, kw, 1, 'value_name', 'value'));
    return Object.entries(v).map(([k, x]) => { const o: Mapping = {}; put(o, kn, k); put(o, vn, x); return o; });
  },
  items2dict: (v, a, kw) => {
    const kn = str(param(a, kw, 0, 'key_name', 'key'));
    const vn = str(param(a, kw, 1, 'value_name', 'value'));
    const out: Mapping = {};
    for (const x of items(v, 'items2dict')) put(out, str(attrPath(x, kn)), attrPath(x, vn));
    return out;
  },
  items: (v) => {
    if (!isMapping(v)) throw renderError(`items expects a dict, got ${typeName(v)}`);
    return Object.entries(v);
  },
  dictsort: (v, a, kw) => {
    if (!isMapping(v)) throw renderError(`dictsort expects a dict, got ${typeName(v)}`);
    const byValue = str(param(a, kw, 1, 'by', 'key')) === 'value';
    const fold = (x: unknown): unknown => (typeof x === 'string' && !pyTruthy(param(a, kw, 0, 'case_sensitive', false)) ? x.toLowerCase() : x);
    const rev = pyTruthy(param(a, kw, 2, 'reverse', false)) ? -1 : 1;
    return Object.entries(v).sort((x, y) => rev * pyCompare(fold(x[byValue ? 1 : 0]), fold(y[byValue ? 1 : 0])));
  },
  combine: (v, a, kw) => {
    const dicts = [...(Array.isArray(v) ? v : [v]), ...a.flatMap((x) => (Array.isArray(x) ? x : [x]))];
    const recursive = pyTruthy(kw.recursive ?? false);
    const listMerge = str(kw.list_merge ?? 'replace');
    return dicts.reduce<Mapping>((acc, x) => {
      if (!isMapping(x)) throw renderError(`combine expects dicts, got ${typeName(x)}`);
      return merge(acc, x, recursive, listMerge);
    }, {});
  },
  difference: (v, [o]) => uniq(items(v, 'difference').filter((x) => !inList(items(o, 'difference'), x))),
  intersect: (v, [o]) => uniq(items(v, 'intersect').filter((x) => inList(items(o, 'intersect'), x))),
  union: (v, [o]) => uniq([...items(v, 'union'), ...items(o, 'union')]),
  symmetric_difference: (v, [o]) => {
    const x = items(v, 'symmetric_difference');
    const y = items(o, 'symmetric_difference');
    return uniq([...x.filter((e) => !inList(y, e)), ...y.filter((e) => !inList(x, e))]);
  },
  zip: (v, a) => {
    const lists = [items(v, 'zip'), ...a.map((x) => items(x, 'zip'))];
    const n = Math.min(...lists.map((l) => l.length));
    return Array.from({ length: n }, (_, i) => lists.map((l) => l[i]));
  },
  batch: (v, a, kw) => {
    const size = Number(param(a, kw, 0, 'linecount', 1));
    if (!(size >= 1)) throw renderError('batch size must be at least 1');
    const list = items(v, 'batch');
    const out: unknown[][] = [];
    for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
    return out;
  },
};
