// Templates (syntax-checked as they are read) and untyped values (vars, set_fact, literal loops) that remember where they were written.
import { isMap, isScalar, isSeq, Scalar } from 'yaml';
import type { SourceLocation } from '../model/source.js';
import type { Tmpl } from '../model/playbook.js';
import type { Vars } from '../model/inventory.js';
import { checkSyntax } from '../template/index.js';
import { pairs, toJS } from './yaml-source.js';
import { type Ctx, err, warn, loc, deref, kindOf, badType, asMap, readString, checkVarName, isVarName, pairLoc } from './playbook-read.js';

// ---- templates ----

const TEMPLATE_MARK = /\{\{|\{%|\{#/;

export function hasTemplate(s: string): boolean {
  return TEMPLATE_MARK.test(s);
}

/**
 * How a template is read: `command` (shell text, values quoted for sh), `expression` (when/until/loop/
 * changed_when/failed_when/assert: a bare Jinja expression, or one `{{ }}`), `template` (plain text).
 */
export type TmplKind = 'template' | 'command' | 'expression';

/** A Tmpl at `node`'s position, syntax-checked now so every bad template in the file is reported at once. */
export function makeTmpl(ctx: Ctx, node: unknown, text: string, kind: TmplKind = 'template'): Tmpl {
  const t: Tmpl = { text, loc: loc(ctx, node) };
  if (kind === 'expression' || hasTemplate(text)) checkTemplate(ctx, t, kind);
  return t;
}

function checkTemplate(ctx: Ctx, t: Tmpl, kind: TmplKind): void {
  let e: { code: string; message: string } | undefined;
  try {
    e = checkSyntax(t, kind);
  } catch (thrown) {
    e = { code: 'template.syntax', message: (thrown as Error).message };
  }
  // Pinned at the template's start: offsets inside quoted or block YAML scalars do not map back to file columns reliably.
  if (e) err(ctx, e.code || 'template.syntax', `bad template: ${e.message.split('\n')[0]}`, t.loc);
}

export function readTmpl(ctx: Ctx, node: unknown, what: string, kind: TmplKind = 'template'): Tmpl | undefined {
  node = deref(ctx, node);
  const s = readString(ctx, node, what);
  return s === undefined ? undefined : makeTmpl(ctx, node, s, kind);
}

const WHOLE_MUSTACHE = /^\s*\{\{(.*)\}\}\s*$/s;
const ANY_MUSTACHE = /\{\{\s*(.*?)\s*\}\}/gs;

/**
 * A bare expression (Ansible conditionals). Booleans become `true`/`false`. A condition that is one
 * `{{ expr }}` is accepted with a warning, as Ansible does, and unwrapped. A condition mixing `{{ }}`
 * with other text is an error: it would render to a non-empty string, which is always true.
 */
export function readExpr(ctx: Ctx, node: unknown, what: string): Tmpl | undefined {
  node = deref(ctx, node);
  const k = kindOf(node);
  if (k === 'boolean') return { text: String((node as Scalar).value), loc: loc(ctx, node) };
  if (k === 'number') return { text: String((node as Scalar).value), loc: loc(ctx, node) };
  if (k !== 'string') return badType(ctx, node, what, 'an expression (a string) or true/false');
  let text = (node as Scalar).value as string;
  if (text.trim() === '') {
    err(ctx, 'config.badValue', `${what} is empty`, loc(ctx, node));
    return undefined;
  }
  if (hasTemplate(text)) {
    const bare = text.replace(ANY_MUSTACHE, '$1').trim();
    const m = WHOLE_MUSTACHE.exec(text);
    if (m && !m[1]!.includes('{{') && !m[1]!.includes('}}') && !/\{%|\{#/.test(text)) {
      warn(ctx, 'task.templatedCondition', `${what} should not include template delimiters {{ }}: it is already an expression`, loc(ctx, node),
        `write ${JSON.stringify(bare)}`);
      text = m[1]!.trim();
    } else {
      err(ctx, 'task.mixedCondition', `${what} mixes {{ }} with other text: it would render to a string, and any non-empty string is true`, loc(ctx, node),
        `write the expression without delimiters: ${JSON.stringify(bare)}`);
      return undefined;
    }
  }
  return makeTmpl(ctx, node, text, 'expression');
}

/** A condition list: a single expression/boolean or a list of them. */
export function readExprList(ctx: Ctx, node: unknown, what: string): Tmpl[] | undefined {
  node = deref(ctx, node);
  if (!isSeq(node)) {
    const one = readExpr(ctx, node, what);
    return one ? [one] : undefined;
  }
  const out: Tmpl[] = [];
  let ok = true;
  for (const item of node.items) {
    const t = readExpr(ctx, item, `each of ${what}`);
    if (t) out.push(t);
    else ok = false;
  }
  return ok ? out : undefined;
}

/** Several conditions as one expression that holds when all of them do (Ansible's list semantics). */
export function allOf(ts: Tmpl[]): Tmpl | undefined {
  if (ts.length <= 1) return ts[0];
  return { text: ts.map((t) => `(${t.text})`).join(' and '), loc: ts[0]!.loc };
}

// ---- untyped values (vars, set_fact, literal loops) ----

/** Locations of values inside plain JS containers built from YAML, so later checks can point at them. */
const VALUE_LOCS = new WeakMap<object, Map<string | number, SourceLocation>>();

export function rememberLoc(container: object, key: string | number, at: SourceLocation): void {
  let m = VALUE_LOCS.get(container);
  if (!m) VALUE_LOCS.set(container, (m = new Map()));
  m.set(key, at);
}

/** Where `container[key]` was written, when the container came from a loaded file. */
export function valueLoc(container: object, key: string | number): SourceLocation | undefined {
  return VALUE_LOCS.get(container)?.get(key);
}

/** PyYAML's (so Ansible's) YAML 1.1 booleans that YAML 1.2 reads as strings. */
const AMBIGUOUS_BOOL = /^(yes|Yes|YES|no|No|NO|on|On|ON|off|Off|OFF)$/;

/**
 * Converts a value node to plain JS, remembering where each nested value was written,
 * syntax-checking templated strings, and warning about YAML 1.1 booleans Ansible would read differently.
 */
export function readValue(ctx: Ctx, node: unknown): unknown {
  const js = toJS(ctx.ys, node, ctx.diags);
  annotate(ctx, deref(ctx, node), js, 0);
  return js;
}

function annotate(ctx: Ctx, node: unknown, js: unknown, depth: number): void {
  if (depth > 64) return;
  if (isScalar(node)) {
    if (typeof node.value === 'string') {
      if (node.type === Scalar.PLAIN && AMBIGUOUS_BOOL.test(node.value)) {
        warn(ctx, 'config.ambiguousBool', `unquoted ${node.value} is the string "${node.value}" here, but Ansible reads it as a boolean`, loc(ctx, node),
          `write ${/^(yes|on)$/i.test(node.value) ? 'true' : 'false'}, or quote it to keep the string`);
      }
      if (hasTemplate(node.value)) makeTmpl(ctx, node, node.value);
    }
    return;
  }
  if (js === null || typeof js !== 'object') return;
  const locs = new Map<string | number, SourceLocation>();
  VALUE_LOCS.set(js, locs);
  if (isSeq(node) && Array.isArray(js)) {
    node.items.forEach((item, i) => {
      const n = deref(ctx, item);
      locs.set(i, loc(ctx, n));
      annotate(ctx, n, js[i], depth + 1);
    });
  } else if (isMap(node)) {
    for (const { key, pair } of pairs(node)) {
      const n = deref(ctx, pair.value);
      locs.set(key, loc(ctx, n ?? pair.key));
      annotate(ctx, n, (js as Record<string, unknown>)[key], depth + 1);
    }
  }
}

/** A mapping of variables: names checked, values converted with their locations. */
export function readVars(ctx: Ctx, node: unknown, what: string): Vars | undefined {
  node = deref(ctx, node);
  if (kindOf(node) === 'null') return {};
  const map = asMap(ctx, node, what);
  if (!map) return undefined;
  const out: Vars = {};
  const locs = new Map<string | number, SourceLocation>();
  for (const { key, pair } of pairs(map)) {
    if (key === '<<') continue;
    if (!checkVarName(ctx, key, `variable name in ${what}`, pairLoc(ctx, pair))) continue;
    const v = deref(ctx, pair.value);
    out[key] = readValue(ctx, v);
    locs.set(key, loc(ctx, v ?? pair.key));
  }
  // merge keys (<<: *defaults) contribute values too
  const merged = toJS(ctx.ys, map, []) as Record<string, unknown> | undefined;
  if (merged && typeof merged === 'object') {
    for (const [k, v] of Object.entries(merged)) if (!(k in out) && isVarName(k)) out[k] = v;
  }
  VALUE_LOCS.set(out, locs);
  return out;
}
