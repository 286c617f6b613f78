// Renders templates: commands quoted for sh by default, plain text, native values, conditions, syntax checks.
import type { Tmpl } from '../model/playbook.js';
import type { SourceLocation } from '../model/source.js';
import { compileAst, createEnvironment, njErrorPosition, parse, parseExpression, type NjNode, type RenderFn } from './nunjucks.js';
import { transform, type OutputMode } from './transform.js';
import { helpers, isStackOverflow, Session, within } from './session.js';
import { finalizeCommand } from './shell-context.js';
import { isTemplateText } from './vars.js';
import { MASK, Secret, shellCommand, shq, type ShellCommand } from './quote.js';
import { LIMITS, pyTruthy, str } from './values.js';
import { hasSecret, revealDeep } from './taint.js';
import { locate, TemplateError } from './template-error.js';

export { TemplateError } from './template-error.js';

/** A template with its file position, or bare text (positions are then unknown). */
export type TmplLike = Tmpl | string;

const env = createEnvironment(helpers);

interface Compiled {
  render: RenderFn;
  mode: OutputMode;
}

const CACHE_MAX = 4000;
const cache = new Map<string, Compiled>();

function textOf(t: TmplLike): string {
  return typeof t === 'string' ? t : t.text;
}
function locOf(t: TmplLike): SourceLocation | undefined {
  return typeof t === 'string' ? undefined : t.loc;
}

/** Compiled templates are cached by text: the same command renders for thousands of hosts and items. */
function cached(key: string, build: () => Compiled): Compiled {
  const hit = cache.get(key);
  if (hit) {
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  const c = build();
  if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value as string);
  cache.set(key, c);
  return c;
}

function build(root: NjNode, mode: OutputMode): Compiled {
  return { render: compileAst(transform(root, mode), env, 'template'), mode };
}

/** A bare expression is parsed wrapped in a delimiter and a space: positions on its first line are 2 columns off. */
function shiftOf(text: string, kind: 'template' | 'expression'): number {
  return kind === 'expression' && !isTemplateText(text) ? 2 : 0;
}

function parseChecked(src: string, asExpression = false): NjNode {
  if (src.length > LIMITS.source) throw new TemplateError('template.tooLarge', `template is longer than ${LIMITS.source} characters`);
  try {
    return asExpression ? parseExpression(src) : parse(src);
  } catch (err) {
    throw syntaxError(err, src, asExpression);
  }
}

function syntaxError(err: unknown, src: string, asExpression: boolean): TemplateError {
  if (err instanceof TemplateError) return err;
  const e = new TemplateError('template.syntax', cleanMessage(err), { cause: err });
  // nunjucks gives no position for "unexpected end of file": point just past the text
  const lines = src.split('\n');
  const end = { line: lines.length, col: (lines.at(-1)?.length ?? 0) + 1 + (asExpression && lines.length === 1 ? 2 : 0) };
  e.pos = njErrorPosition(err) ?? end;
  return e;
}

function compileTemplate(text: string, mode: 'cmd' | 'str'): Compiled {
  return cached(`${mode}\0${text}`, () => build(parseChecked(text), mode));
}

/** The single `{{ expr }}` of a template (whitespace around allowed), if that is all it is. */
function soleExpression(root: NjNode): boolean {
  if (!root.children.every((c: NjNode) => c.typename === 'Output')) return false;
  const kids: NjNode[] = root.children.flatMap((c: NjNode) => c.children as NjNode[]);
  const exprs = kids.filter((k) => k.typename !== 'TemplateData');
  return exprs.length === 1 && kids.every((k) => k.typename !== 'TemplateData' || String(k.value).trim() === '');
}

/**
 * How `evaluate` reads text: exactly one `{{ expr }}` is evaluated natively; other text with
 * template syntax renders to a string; anything else is a bare Jinja expression (`when:` style).
 */
function compileValue(text: string): Compiled {
  return cached(`val\0${text}`, () => {
    if (isTemplateText(text)) {
      const root = parseChecked(text);
      return soleExpression(root) ? build(root, 'cap') : build(root, 'val');
    }
    const root = parseChecked(text, true);
    const only = root.children.length === 1 && root.children[0].children.length === 1;
    if (!only || !soleExpression(root)) throw new TemplateError('template.syntax', 'expected a single expression');
    return build(root, 'cap');
  });
}

/** The error and what it wraps: nunjucks keeps the original error as `cause`. */
function causes(err: unknown): unknown[] {
  const out: unknown[] = [];
  for (let e = err; e && out.length < 8; e = (e as { cause?: unknown }).cause) out.push(e);
  return out;
}

function cleanMessage(err: unknown): string {
  const m = err instanceof Error ? err.message : String(err);
  return m
    .replace(/^\(.*?\)(?: \[Line \d+(?:, Column \d+)?\])?\s*/s, '')
    .replace(/^Template render error:\s*/, '')
    .replace(/unexpected token: \uE101/, 'unexpected end of expression')
    .replace(/expected variable end/, "expected '}}' (the end of the expression)")
    .replace(/[\uE100-\uE105]/g, '')
    .trim();
}

function runtimeError(err: unknown): TemplateError {
  const chain = causes(err);
  const mine = chain.find((e) => e instanceof TemplateError);
  if (mine) return mine as TemplateError;
  const overflow = chain.find(isStackOverflow);
  if (overflow) return new TemplateError('template.tooLarge', 'template recursion is too deep', { cause: overflow });
  const e = new TemplateError('template.render', cleanMessage(err), { cause: err });
  const p = njErrorPosition(err);
  if (p) e.pos = p;
  return e;
}

/** Gives an error its place in the user's file: the template's location plus the offset inside it. */
function located(err: unknown, t: TmplLike, shift: number): TemplateError {
  const e = runtimeError(err);
  const loc = e.pos ? locate(locOf(t), e.pos.line, e.pos.line === 1 ? Math.max(1, e.pos.col - shift) : e.pos.col) : locOf(t);
  return e.at(loc);
}

function run(c: Compiled, session: Session): string {
  const out = within(session, () => c.render({}));
  if (out.length > LIMITS.output) throw new TemplateError('template.tooLarge', `rendered output is longer than ${LIMITS.output} characters`);
  return out;
}

/** Replaces secret placeholders: with `******` for text meant to be shown, or the real value for data. */
function unplace(out: string, session: Session, reveal: boolean): string {
  const result = out.replace(session.markerPattern(), (_m, i: string) => {
    const e = session.entries[Number(i)];
    if (!e) return '';
    if (e.kind === 'raw-secret') return reveal ? e.value : MASK;
    return e.parts.map((p) => (p.secret && !reveal ? MASK : p.s)).join(' ');
  });
  if (result.includes(session.nonce)) throw new TemplateError('template.render', 'a filter cut through an interpolated value');
  return result;
}

/** Renders one var's template inside the current render (lazy vars), native when it is one expression. */
function renderVarIn(session: () => Session): (text: string, name: string) => unknown {
  return (text, name) => {
    const s = session();
    const saved = s.captured;
    try {
      return valueIn(compileValue(text), s);
    } catch (err) {
      const e = runtimeError(err);
      if (e.code === 'template.recursiveVar' || e.message.startsWith('in var ')) throw e;
      // the position inside the var's own text means nothing in the caller's file: drop it
      throw new TemplateError(e.code, `in var '${name}': ${e.message}`, { hint: e.hint, cause: e });
    } finally {
      s.captured = saved;
    }
  };
}

function session(vars: Record<string, unknown>): Session {
  let s: Session | undefined = undefined;
  s = new Session(vars, renderVarIn(() => s as Session));
  return s;
}

/**
 * Renders a command. Every `{{ }}` value is quoted for the sh context it lands in (a bare word gets
 * shq; inside the author's "..." or '...' it is escaped for those quotes); lists become several
 * words; `| raw` (or `| safe`) inserts text verbatim; secrets show as '******' in `masked`.
 */
export function renderCommand(tmpl: TmplLike, vars: Record<string, unknown>): ShellCommand {
  const text = textOf(tmpl);
  try {
    const c = compileTemplate(text, 'cmd');
    const s = session(vars);
    const out = run(c, s);
    const cmd = finalizeCommand(out, s);
    if (cmd.text.includes('\0')) throw new TemplateError('template.nulByte', 'a NUL byte cannot be passed to a shell command');
    if (cmd.text.length > LIMITS.output) throw new TemplateError('template.tooLarge', `rendered command is longer than ${LIMITS.output} characters`);
    if (cmd.text.includes(s.nonce)) throw new TemplateError('template.render', 'a filter cut through an interpolated value');
    return shellCommand(cmd.text, cmd.masked);
  } catch (err) {
    throw located(err, tmpl, 0);
  }
}

/** `command: [argv...]`: each element is text (templated if it holds `{{ }}`) and becomes exactly one quoted word. */
export function renderArgv(argv: readonly TmplLike[], vars: Record<string, unknown>): ShellCommand {
  const s = session(vars);
  const words = argv.map((t) => {
    try {
      const text = textOf(t);
      const v = isTemplateText(text) ? valueIn(compileValue(text), s) : text;
      if (v === undefined || v === null) throw new TemplateError('template.undefined', 'an argv element has no value');
      return hasSecret(v) ? { s: str(revealDeep(v)), secret: true } : { s: str(v), secret: false };
    } catch (err) {
      throw located(err, t, 0);
    }
  });
  return shellCommand(words.map((w) => shq(w.s)).join(' '), words.map((w) => (w.secret ? `'${MASK}'` : shq(w.s))).join(' '));
}

/** Plain text (names, messages, host patterns): no quoting; secrets appear as `******`. */
export function renderString(tmpl: TmplLike, vars: Record<string, unknown>): string {
  const text = textOf(tmpl);
  if (!isTemplateText(text)) return text;
  try {
    const s = session(vars);
    return unplace(run(compileTemplate(text, 'str'), s), s, false);
  } catch (err) {
    throw located(err, tmpl, 0);
  }
}

function valueIn(c: Compiled, s: Session): unknown {
  const out = run(c, s);
  if (c.mode === 'cap') return s.captured;
  const plain = unplace(out, s, true);
  return out === plain ? out : new Secret(plain);
}

/**
 * Evaluates an expression to a native value: `"{{ devs }}"` is the list, `"x.rc == 0"` a boolean.
 * Text mixing literal parts with `{{ }}` renders to a string (a Secret if a secret went into it).
 */
export function evaluate(expr: TmplLike, vars: Record<string, unknown>): unknown {
  try {
    return valueIn(compileValue(textOf(expr)), session(vars));
  } catch (err) {
    throw located(err, expr, shiftOf(textOf(expr), 'expression'));
  }
}

/** Jinja truthiness of `evaluate`: empty lists, dicts and strings, 0, null and undefined are false. */
export function evaluateBool(expr: TmplLike, vars: Record<string, unknown>): boolean {
  return pyTruthy(evaluate(expr, vars));
}

/**
 * Compiles without rendering, so config validation can report every bad template before any host
 * is contacted. `expression` is for when:/until:/loop: text.
 */
export function checkSyntax(tmpl: TmplLike, kind: 'template' | 'command' | 'expression' = 'template'): TemplateError | undefined {
  const text = textOf(tmpl);
  try {
    if (kind === 'expression') compileValue(text);
    else compileTemplate(text, kind === 'command' ? 'cmd' : 'str');
    return undefined;
  } catch (err) {
    return located(err, tmpl, shiftOf(text, kind === 'expression' ? 'expression' : 'template'));
  }
}
