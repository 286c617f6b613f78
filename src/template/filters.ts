// The filter and test tables and how one is applied: keyword args, secrets, raw/safe strings, size caps.
import { QuotedWord, Secret } from './quote.js';
import { isSafeString, markSafe } from './nunjucks.js';
import { checkSize, pyTruthy, str } from './values.js';
import { isKeywords } from './attr.js';
import { throughSecrets } from './taint.js';
import { TEXT_FILTERS, type FilterFn, type Kw } from './filters-text.js';
import { DATA_FILTERS, setDispatch } from './filters-data.js';
import { TESTS, UNDEFINED_SAFE_TESTS } from './jinja-tests.js';
import { TemplateError } from './template-error.js';
import { didYouMean } from '../errors/diagnostic.js';

/** Marks a value inserted verbatim into a command; a secret stays masked in logs even then. */
export class RawSecret {
  constructor(readonly secret: Secret) {}
}

/** Filters that see secrets and safe strings as they are, instead of revealed/unwrapped. */
const OPAQUE: Record<string, FilterFn> = {
  default: (v, a, kw) => defaulted(v, a, kw),
  d: (v, a, kw) => defaulted(v, a, kw),
  // the explicit opt-out of quoting in commands; a no-op in plain text
  raw: (v) => (v instanceof Secret ? new RawSecret(v) : isSafeString(v) ? v : markSafe(str(v))),
  safe: (v) => (v instanceof Secret ? new RawSecret(v) : isSafeString(v) ? v : markSafe(str(v))),
  quote: (v) => (v instanceof Secret ? v : v instanceof QuotedWord ? v : new QuotedWord(str(v))),
};

/** Jinja's default: replaces only undefined, unless the second argument asks to replace any falsy value too. */
function defaulted(v: unknown, args: unknown[], kw: Kw): unknown {
  const dflt = Object.hasOwn(kw, 'default_value') ? kw.default_value : args.length > 0 ? args[0] : '';
  const boolean = pyTruthy(Object.hasOwn(kw, 'boolean') ? kw.boolean : args[1]);
  return v === undefined || (boolean && !pyTruthy(v)) ? dflt : v;
}

const FILTERS: Record<string, FilterFn> = Object.assign(Object.create(null) as Record<string, FilterFn>, TEXT_FILTERS, DATA_FILTERS, OPAQUE);

/** Filters whose input may be undefined (`x | default(1)` with x missing). */
export const UNDEFINED_SAFE_FILTERS = new Set(['default', 'd', 'mandatory']);

export let FILTER_NAMES: readonly string[] = Object.keys(FILTERS).sort();
export let TEST_NAMES: readonly string[] = Object.keys(TESTS).sort();

/**
 * Adds filters and tests from a layer above (the CLI registers the fact parsers: `{{ out.stdout | multipath_topology }}`).
 * Call before any playbook is loaded, so syntax checks know the names. Existing names are never replaced.
 */
export function registerFilters(filters: Record<string, (value: unknown, ...args: unknown[]) => unknown>, tests: Record<string, (value: unknown, ...args: unknown[]) => boolean> = {}): void {
  for (const [name, fn] of Object.entries(filters)) if (!Object.hasOwn(FILTERS, name)) FILTERS[name] = (v, args) => fn(v, ...args);
  for (const [name, fn] of Object.entries(tests)) if (!Object.hasOwn(TESTS, name)) (TESTS as Record<string, (v: unknown, a: unknown[], k: Kw) => boolean>)[name] = (v, args) => fn(v, ...args);
  FILTER_NAMES = Object.keys(FILTERS).sort();
  TEST_NAMES = Object.keys(TESTS).sort();
}

export function hasFilter(name: string): boolean {
  return Object.hasOwn(FILTERS, name);
}
export function hasTest(name: string): boolean {
  return Object.hasOwn(TESTS, name);
}

export function unknownFilter(name: string, kind: 'filter' | 'test'): TemplateError {
  const guess = didYouMean(name, kind === 'filter' ? FILTER_NAMES : TEST_NAMES);
  return new TemplateError('template.filter', `no ${kind} named '${name}'${guess ? ` (did you mean '${guess}'?)` : ''}`, {
    hint: guess ? `did you mean '${guess}'?` : undefined,
  });
}

/** nunjucks passes keyword arguments as a trailing object flagged `__keywords`. */
export function splitKeywords(raw: unknown[]): { args: unknown[]; kw: Kw } {
  const last = raw[raw.length - 1];
  if (!isKeywords(last)) return { args: raw, kw: {} };
  const kw: Kw = {};
  for (const [k, v] of Object.entries(last)) if (k !== '__keywords') kw[k] = v;
  return { args: raw.slice(0, -1), kw };
}

const plain = (v: unknown): unknown => (isSafeString(v) ? v.val : v);

export function applyFilter(name: string, value: unknown, args: unknown[], kw: Kw): unknown {
  if (!hasFilter(name)) throw unknownFilter(name, 'filter');
  const f = FILTERS[name] as FilterFn;
  if (Object.hasOwn(OPAQUE, name)) return f(value, args, kw);
  if (value === undefined && !UNDEFINED_SAFE_FILTERS.has(name)) {
    throw new TemplateError('template.undefined', `the '${name}' filter was given an undefined value`);
  }
  const safeIn = isSafeString(value);
  const out = throughSecrets([plain(value), args.map(plain), kw], ([v, a, k]) => f(v, a as unknown[], k as Kw));
  checkSize(out);
  // like Jinja's Markup: a filter over a raw string stays raw
  return safeIn && typeof out === 'string' ? markSafe(out) : out;
}

export function applyTest(name: string, value: unknown, args: unknown[], kw: Kw): boolean {
  if (!hasTest(name)) throw unknownFilter(name, 'test');
  if (value === undefined && !UNDEFINED_SAFE_TESTS.has(name)) {
    throw new TemplateError('template.undefined', `the '${name}' test was given an undefined value`);
  }
  const t = TESTS[name]!;
  return throughSecrets([plain(value), args.map(plain), kw], ([v, a, k]) => t(v, a as unknown[], k as Kw)) === true;
}

setDispatch({ filter: applyFilter, test: applyTest });
