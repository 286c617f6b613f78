// Jinja/Python value semantics on JS data: truthiness, equality, ordering, str(), and the size caps.
import { QuotedWord, Secret, shq, toJson } from './quote.js';
import { isSafeString } from './nunjucks.js';
import { TemplateError } from './template-error.js';

export const LIMITS = {
  /** rendered text of one template (and the running estimate while rendering) */
  output: 1 << 20,
  /** template source text */
  source: 256 << 10,
  /** loop iterations across one render, nested var templates included */
  iterations: 100_000,
  /** items one `range()` may produce */
  range: 100_000,
  /** any single string or list built by an operator or filter */
  value: 1 << 20,
} as const;

export type Mapping = Record<string, unknown>;

/** Plain data objects only: a Secret, SafeString, RegExp or class instance is not a dict. */
export function isMapping(v: unknown): v is Mapping {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

export function isString(v: unknown): v is string {
  return typeof v === 'string';
}

/** Python truthiness: empty list and empty dict are false, unlike JS. */
export function pyTruthy(v: unknown): boolean {
  if (Array.isArray(v)) return v.length > 0;
  if (isMapping(v)) return Object.keys(v).length > 0;
  if (v instanceof Secret) return v.reveal() !== '';
  if (isSafeString(v)) return v.val !== '';
  if (typeof v === 'number') return v !== 0 && !Number.isNaN(v);
  return Boolean(v);
}

/** Text of a value (secrets already revealed): lists and dicts as JSON, null as the empty string. */
export function str(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return '';
  if (isSafeString(v)) return v.val;
  if (v instanceof Secret) return v.reveal();
  if (v instanceof QuotedWord) return shq(v.value);
  if (typeof v === 'object') return toJson(v, true);
  return String(v);
}

export function typeName(v: unknown): string {
  if (v === null || v === undefined) return 'NoneType';
  if (typeof v === 'string' || isSafeString(v)) return 'str';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (Array.isArray(v)) return 'list';
  if (isMapping(v)) return 'dict';
  if (v instanceof Secret) return 'secret';
  if (typeof v === 'function') return 'function';
  return 'object';
}

/** Python `==`: deep for lists and dicts, no coercion between strings and numbers. */
export function pyEquals(a: unknown, b: unknown): boolean {
  if (isSafeString(a)) a = a.val;
  if (isSafeString(b)) b = b.val;
  if (a === b) return true;
  if (a === undefined || b === undefined) return false;
  if (typeof a === 'number' && typeof b === 'number') return a === b;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => pyEquals(x, b[i]));
  if (isMapping(a) && isMapping(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && pyEquals(a[k], b[k]));
  }
  return false;
}

/** Python ordering: numbers with numbers, strings with strings, lists element-wise; anything else is a type error. */
export function pyCompare(a: unknown, b: unknown): number {
  if (isSafeString(a)) a = a.val;
  if (isSafeString(b)) b = b.val;
  const na = typeof a === 'number' || typeof a === 'boolean';
  const nb = typeof b === 'number' || typeof b === 'boolean';
  if (na && nb) return Number(a) - Number(b);
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      const c = pyCompare(a[i], b[i]);
      if (c !== 0) return c;
    }
    return a.length - b.length;
  }
  throw renderError(`cannot compare ${typeName(a)} with ${typeName(b)}`);
}

/** Python `in`: substring, list membership (deep equality) or dict key. */
export function pyIn(needle: unknown, haystack: unknown): boolean {
  if (isSafeString(haystack)) haystack = haystack.val;
  if (typeof haystack === 'string') return haystack.includes(str(needle));
  if (Array.isArray(haystack)) return haystack.some((x) => pyEquals(x, needle));
  if (isMapping(haystack)) return typeof needle === 'string' && Object.hasOwn(haystack, needle);
  throw renderError(`argument of type '${typeName(haystack)}' is not iterable`);
}

export function checkSize<T>(v: T): T {
  const n = typeof v === 'string' ? v.length : Array.isArray(v) ? v.length : 0;
  if (n > LIMITS.value) throw tooLarge();
  return v;
}

export function tooLarge(): TemplateError {
  return new TemplateError('template.tooLarge', `a value grew past ${LIMITS.value} characters or items`);
}

/** Python's binary operators on numbers, plus the list/string forms of + and *. */
export function arith(op: string, a: unknown, b: unknown): unknown {
  if (isSafeString(a)) a = a.val;
  if (isSafeString(b)) b = b.val;
  if (op === '+') {
    if (typeof a === 'string' && typeof b === 'string') return checkSize(a + b);
    if (Array.isArray(a) && Array.isArray(b)) return checkSize([...a, ...b]);
  }
  if (op === '*') {
    const [s, n] = typeof b === 'number' ? [a, b] : [b, a];
    if ((typeof s === 'string' || Array.isArray(s)) && typeof n === 'number' && Number.isInteger(n)) {
      const count = Math.max(0, n);
      if (s.length * count > LIMITS.value) throw tooLarge();
      return typeof s === 'string' ? s.repeat(count) : Array.from({ length: count }, () => s).flat(1);
    }
  }
  if (op === '%' && typeof a === 'string') return pyFormat(a, Array.isArray(b) ? b : [b]);
  const x = toNumber(a, op);
  const y = toNumber(b, op);
  switch (op) {
    case '+': return x + y;
    case '-': return x - y;
    case '*': return x * y;
    case '**': return x ** y;
    case '/':
      if (y === 0) throw renderError('division by zero');
      return x / y;
    case '//':
      if (y === 0) throw renderError('division by zero');
      return Math.floor(x / y);
    case '%':
      if (y === 0) throw renderError('modulo by zero');
      return ((x % y) + y) % y;
    default:
      throw renderError(`unknown operator ${op}`);
  }
}

function toNumber(v: unknown, op: string): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  throw renderError(`unsupported operand type for ${op}: '${typeName(v)}'`);
}

/** Python %-formatting, the subset Ansible playbooks use: %s %d %i %f %x %o %r %%, with width/precision. */
export function pyFormat(fmt: string, args: unknown[]): string {
  let i = 0;
  const out = fmt.replace(/%([-+ 0#]*)(\d+)?(?:\.(\d+))?([sdifxXor%])/g, (_m, flags: string, width?: string, prec?: string, conv?: string) => {
    if (conv === '%') return '%';
    if (i >= args.length) throw renderError('not enough arguments for format string');
    const v = args[i++];
    let s: string;
    switch (conv) {
      case 'd': case 'i': s = String(Math.trunc(toNumber(v, '%d'))); break;
      case 'f': s = toNumber(v, '%f').toFixed(prec === undefined ? 6 : Number(prec)); break;
      case 'x': s = Math.trunc(toNumber(v, '%x')).toString(16); break;
      case 'X': s = Math.trunc(toNumber(v, '%X')).toString(16).toUpperCase(); break;
      case 'o': s = Math.trunc(toNumber(v, '%o')).toString(8); break;
      case 'r': s = JSON.stringify(v) ?? 'None'; break;
      default: s = str(v); if (prec !== undefined) s = s.slice(0, Number(prec));
    }
    const w = Number(width ?? 0);
    if (w > LIMITS.value) throw tooLarge();
    if (flags.includes('-')) return s.padEnd(w);
    return flags.includes('0') && conv !== 's' ? s.padStart(w, '0') : s.padStart(w);
  });
  return checkSize(out);
}

export function renderError(message: string): TemplateError {
  return new TemplateError('template.render', message);
}

/** Python-style index: negative counts from the end. */
export function pyIndex(length: number, key: unknown): number | undefined {
  if (typeof key !== 'number' || !Number.isInteger(key)) return undefined;
  const i = key < 0 ? length + key : key;
  return i >= 0 && i < length ? i : undefined;
}
