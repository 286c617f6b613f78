// One top-level render's state (vars, budgets, placeholders for interpolated values) and the helpers compiled templates call.
import { randomInt } from 'node:crypto';
import { QuotedWord, Secret, toJson } from './quote.js';
import { isSafeString } from './nunjucks.js';
import { arith, checkSize, isMapping, LIMITS, pyCompare, pyEquals, pyIn, pyTruthy, renderError, str, typeName } from './values.js';
import { lookup } from './attr.js';
import { applyFilter, applyTest, RawSecret, splitKeywords } from './filters.js';
import { hasSecret, revealDeep, throughSecrets } from './taint.js';
import { MISSING, VarScope, type RenderVar } from './vars.js';
import { TemplateError } from './template-error.js';
import type { OutputMode } from './transform.js';

/** One interpolated word (or several, for a list), quoted only once its shell context is known. */
export type Entry =
  | { kind: 'words'; list: boolean; parts: Array<{ s: string; secret: boolean }>; text: string; line: number; col: number }
  | { kind: 'raw-secret'; value: string; line: number; col: number };

export class Session {
  /** placeholders carry a per-render nonce, so no data can forge one */
  readonly nonce = String(randomInt(1e9, 1e10 - 1)) + String(randomInt(1e9, 1e10 - 1));
  readonly entries: Entry[] = [];
  readonly scope: VarScope;
  iterations = 0;
  output = 0;
  captured: unknown;

  constructor(vars: Record<string, unknown>, render: RenderVar) {
    this.scope = new VarScope(vars, render);
  }

  place(entry: Entry): string {
    // the placeholder is short but stands for the whole value: charge what it will expand to
    this.spend(entry.kind === 'raw-secret' ? entry.value.length : entry.parts.reduce((n, p) => n + p.s.length + 3, 0));
    this.entries.push(entry);
    return `\uE000${this.nonce}:${this.entries.length - 1}\uE001`;
  }
  markerPattern(): RegExp {
    return new RegExp(`\uE000${this.nonce}:(\\d+)\uE001`, 'g');
  }
  spend(chars: number): void {
    this.output += chars;
    if (this.output > LIMITS.output) throw new TemplateError('template.tooLarge', `rendered output would exceed ${LIMITS.output} characters`);
  }
}

let active: Session | undefined;

/** Runs `fn` with `session` visible to the helpers; renders are synchronous, so a save/restore suffices. */
export function within<T>(session: Session, fn: () => T): T {
  const saved = active;
  active = session;
  try {
    return fn();
  } finally {
    active = saved;
  }
}

function current(): Session {
  if (!active) throw new Error('template helper called outside a render');
  return active;
}

function undefinedError(what: string): TemplateError {
  return new TemplateError('template.undefined', `'${what}' is undefined`);
}

function variable(name: string, soft: boolean): unknown {
  let v: unknown;
  try {
    v = current().scope.get(name);
  } catch (e) {
    // `x is defined` where x's own template reads something undefined: x is not defined either
    if (soft && e instanceof TemplateError && e.code === 'template.undefined') return undefined;
    throw e;
  }
  if (v !== MISSING) return v;
  if (soft) return undefined;
  throw undefinedError(name);
}

/** Leaves (lists flattened) of an interpolated list, each one word. */
function words(v: unknown, text: string, out: Array<{ s: string; secret: boolean }> = []): Array<{ s: string; secret: boolean }> {
  for (const x of v as unknown[]) {
    if (Array.isArray(x)) words(x, text, out);
    else if (x === null || x === undefined) throw new TemplateError('template.undefined', `'${text}' holds a null item; a command cannot interpolate it`);
    else out.push(word(x));
  }
  return out;
}

function word(v: unknown): { s: string; secret: boolean } {
  if (v instanceof Secret) return { s: v.reveal(), secret: true };
  if (v instanceof QuotedWord) return word(v.value);
  if (typeof v === 'object' && v !== null && !isSafeString(v)) return { s: toJson(v, true), secret: hasSecret(v) };
  return { s: str(v), secret: false };
}

function output(value: unknown, mode: OutputMode, text: string, line: number, col: number): string {
  const s = current();
  if (mode === 'cap') {
    s.captured = value;
    return '';
  }
  if (value === undefined || (value === null && mode === 'cmd')) {
    const what = value === null ? 'null' : 'undefined';
    throw new TemplateError('template.undefined', `'${text}' is ${what}; a command cannot interpolate it (use | default(...))`);
  }
  if (typeof value === 'function') throw renderError(`'${text}' is a function, not a value`);
  let out: string;
  if (value instanceof RawSecret) out = s.place({ kind: 'raw-secret', value: value.secret.reveal(), line, col });
  else if (mode !== 'cmd') {
    if (value instanceof Secret || hasSecret(value)) out = s.place({ kind: 'raw-secret', value: str(revealDeep(value)), line, col });
    else out = str(value);
  } else if (isSafeString(value)) out = value.val;
  else if (typeof value === 'string' && value.includes(`\uE000${s.nonce}:`)) out = value; // a captured block: already placed
  else if (Array.isArray(value)) out = s.place({ kind: 'words', list: true, parts: words(value, text), text, line, col });
  else out = s.place({ kind: 'words', list: false, parts: [word(value)], text, line, col });
  s.spend(out.length);
  return out;
}

function iterate(v: unknown, pairs: boolean, bodySize: number): unknown {
  let list: unknown;
  if (Array.isArray(v)) list = v;
  else if (typeof v === 'string') list = Array.from(v);
  else if (isMapping(v)) list = pairs ? v : Object.keys(v);
  else throw renderError(`cannot loop over ${typeName(v)}`);
  const n = Array.isArray(list) ? list.length : Object.keys(list as object).length;
  const s = current();
  s.iterations += n;
  if (s.iterations > LIMITS.iterations) throw new TemplateError('template.tooLarge', `loops ran more than ${LIMITS.iterations} iterations`);
  s.spend(n * bodySize);
  return list;
}

function attribute(target: unknown, key: unknown, text: string, soft: boolean): unknown {
  if (target === undefined || target === null) {
    if (soft) return undefined;
    throw new TemplateError('template.undefined', `'${text}' is undefined (its parent is ${target === null ? 'null' : 'undefined'})`);
  }
  const v = lookup(target instanceof Secret ? undefined : target, key);
  if (v === undefined && !soft) throw undefinedError(text);
  return v;
}

const OPS: Record<string, (a: unknown, b: unknown) => boolean> = {
  '==': pyEquals, '===': pyEquals,
  '!=': (a, b) => !pyEquals(a, b), '!==': (a, b) => !pyEquals(a, b),
  '<': (a, b) => pyCompare(a, b) < 0, '<=': (a, b) => pyCompare(a, b) <= 0,
  '>': (a, b) => pyCompare(a, b) > 0, '>=': (a, b) => pyCompare(a, b) >= 0,
};

function compare(chain: unknown[]): boolean {
  const [first, ...rest] = revealDeep(chain) as unknown[];
  let left = first;
  for (let i = 0; i < rest.length; i += 2) {
    const right = rest[i + 1];
    if (!OPS[rest[i] as string]!(left, right)) return false;
    left = right;
  }
  return true;
}

type Helper = (...args: unknown[]) => unknown;

/**
 * Near the stack limit anything can be the thing that overflows (even compiling a regex reports
 * it as a SyntaxError), so recognise the message rather than the class, without a regex.
 */
export function isStackOverflow(err: unknown): boolean {
  return err instanceof Error && err.message.includes('Maximum call stack size exceeded');
}

/** Every helper gets its node's 0-based line/col last; errors learn the position of the innermost node. */
function positioned(fn: Helper): Helper {
  return (...args: unknown[]) => {
    try {
      return fn(...args);
    } catch (err) {
      let e = err;
      if (isStackOverflow(err)) {
        e = new TemplateError('template.tooLarge', 'template recursion is too deep', { cause: err });
      } else if (err instanceof Error && !(err instanceof TemplateError)) {
        e = new TemplateError('template.render', err.message, { cause: err });
      }
      if (e instanceof TemplateError) e.pos ??= { line: Number(args[args.length - 2]) + 1, col: Number(args[args.length - 1]) + 1 };
      throw e;
    }
  };
}

const HELPERS: Record<string, Helper> = {
  __fs_out: (v, mode, text, line, col) => output(v, mode as OutputMode, String(text), Number(line), Number(col)),
  __fs_var: (name, soft) => variable(String(name), soft === true),
  __fs_local: (value, name, soft) => {
    const n = String(name);
    // a name the template binds but not in this scope falls through nunjucks' context object to Object.prototype
    const leaked = n in Object.prototype && value === (Object.prototype as Record<string, unknown>)[n];
    return value !== undefined && !leaked ? value : variable(n, soft === true);
  },
  __fs_attr: (target, key, text, soft) => attribute(target, key, String(text), soft === true),
  __fs_callee: (fn, text) => {
    if (typeof fn !== 'function') throw renderError(`'${String(text)}' is not callable`);
    return fn;
  },
  __fs_f: (name, list) => {
    const [input, ...rest] = list as unknown[];
    const { args, kw } = splitKeywords(rest);
    return applyFilter(String(name), input, args, kw);
  },
  __fs_t: (name, list) => {
    const [input, ...rest] = list as unknown[];
    const { args, kw } = splitKeywords(rest);
    return applyTest(String(name), input, args, kw);
  },
  __fs_cmp: (chain) => compare(chain as unknown[]),
  __fs_in: (a, b) => pyIn(revealDeep(a), revealDeep(b)),
  __fs_op: (op, a, b) => throughSecrets([a, b], ([x, y]) => arith(String(op), x, y)),
  __fs_cat: (a, b) => throughSecrets([a, b], ([x, y]) => checkSize(str(x) + str(y))),
  __fs_bool: (v) => {
    if (v === undefined) throw new TemplateError('template.undefined', 'a condition has no value');
    return pyTruthy(v);
  },
  __fs_andl: (v) => (pyTruthy(v) ? true : !v ? v : false),
  __fs_orl: (v) => (pyTruthy(v) ? v : false),
  __fs_iter: (v, pairs, size) => iterate(v, pairs === true, Number(size)),
};

export const helpers: Record<string, Helper> = Object.fromEntries(Object.entries(HELPERS).map(([k, f]) => [k, positioned(f)]));

