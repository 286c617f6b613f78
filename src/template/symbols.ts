// Which variables a template reads, found with nunjucks' own parser, so undefined names are caught before any host is contacted.
import { parse } from './nunjucks.js';
import type { Tmpl } from '../model/playbook.js';

export interface VarRef {
  /** root name: `result` for `result.stdout_lines[0]` */
  name: string;
  /** some use is under `is defined` / `is undefined` / `| default(...)` / `| d(...)`, so it may be absent */
  guarded: boolean;
}

/** Minimal view of nunjucks' untyped AST nodes. */
interface AstNode {
  typename: string;
  value?: unknown;
  children?: AstNode[];
  fields?: string[];
  [field: string]: unknown;
}

const GUARD_TESTS = new Set(['defined', 'undefined']);
const GUARD_FILTERS = new Set(['default', 'd']);

/**
 * Root variable names `tmpl` reads, in order of first use, one entry each.
 * Names the template binds itself (`{% for x in %}`, `{% set %}`, macro arguments, `loop`) are left out;
 * filter, test and function names are not variables. A name counts as guarded when any of its uses is
 * guarded (`x is defined and x > 1` reads x safely). `expression: true` parses a bare expression
 * (when/until/changed_when/failed_when/assert) as `{{ (expr) }}`. A template that does not parse
 * reads nothing here; the loader reports its syntax error.
 */
export function referencedVariables(tmpl: Tmpl, opts: { expression?: boolean } = {}): VarRef[] {
  const src = opts.expression ? `{{ (${tmpl.text}\n) }}` : tmpl.text;
  if (!opts.expression && !/\{\{|\{%/.test(src)) return [];
  let root: AstNode;
  try {
    root = parse(src) as unknown as AstNode;
  } catch {
    return [];
  }
  const uses = new Map<string, boolean>();
  const bound = new Set<string>(['loop', 'caller', 'super']);
  walk(root, false, uses, bound);
  const out: VarRef[] = [];
  for (const [name, guarded] of uses) if (!bound.has(name)) out.push({ name, guarded });
  return out;
}

function isNode(x: unknown): x is AstNode {
  return typeof x === 'object' && x !== null && typeof (x as AstNode).typename === 'string';
}

function bindNames(target: unknown, bound: Set<string>): void {
  if (!isNode(target)) return;
  if (target.typename === 'Symbol') bound.add(String(target.value));
  for (const c of target.children ?? []) bindNames(c, bound);
}

function use(uses: Map<string, boolean>, name: string, guarded: boolean): void {
  uses.set(name, (uses.get(name) ?? false) || guarded);
}

function walk(node: unknown, guarded: boolean, uses: Map<string, boolean>, bound: Set<string>): void {
  if (!isNode(node)) return;
  switch (node.typename) {
    case 'Symbol':
      use(uses, String(node.value), guarded);
      return;
    case 'LookupVal':
      // x.y reads x; x[k] reads x and k
      walk(node['target'], guarded, uses, bound);
      walk(node['val'], false, uses, bound);
      return;
    case 'Is': {
      // the right side is a test name (defined, match('x'), ...), not a variable
      const right = node['right'];
      const test = isNode(right) ? (right.typename === 'Symbol' ? right.value : isNode(right['name']) ? (right['name'] as AstNode).value : undefined) : undefined;
      walk(node['left'], guarded || (typeof test === 'string' && GUARD_TESTS.has(test)), uses, bound);
      if (isNode(right) && right.typename === 'FunCall') walkChildren(right['args'], false, uses, bound);
      return;
    }
    case 'Filter':
    case 'FilterAsync': {
      // args[0] is the filtered value; the filter's name is not a variable
      const name = isNode(node['name']) ? String((node['name'] as AstNode).value) : '';
      const args = isNode(node['args']) ? ((node['args'] as AstNode).children ?? []) : [];
      args.forEach((a, i) => walk(a, i === 0 ? guarded || GUARD_FILTERS.has(name) : false, uses, bound));
      return;
    }
    case 'FunCall': {
      // a bare function name (range, lookup, ...) is a global, not a variable; a method call x.f() reads x
      const name = node['name'];
      if (isNode(name) && name.typename !== 'Symbol') walk(name, guarded, uses, bound);
      walkChildren(node['args'], false, uses, bound);
      return;
    }
    case 'KeywordArgs':
    case 'Dict':
      // keys are names (nunjucks reads a bare dict key as a string), values are expressions
      for (const pair of node.children ?? []) {
        if (isNode(pair['key']) && (pair['key'] as AstNode).typename !== 'Symbol') walk(pair['key'], false, uses, bound);
        walk(pair['value'], false, uses, bound);
      }
      return;
    case 'For':
    case 'AsyncEach':
    case 'AsyncAll':
      bindNames(node['name'], bound);
      walk(node['arr'], guarded, uses, bound);
      walk(node['body'], false, uses, bound);
      walk(node['else_'], false, uses, bound);
      return;
    case 'Set':
      for (const t of (node['targets'] as unknown[] | null) ?? []) bindNames(t, bound);
      walk(node['value'], false, uses, bound);
      walk(node['body'], false, uses, bound);
      return;
    case 'Macro':
    case 'Caller':
      bindNames(node['name'], bound);
      bindMacroArgs(node['args'], bound, uses);
      walk(node['body'], false, uses, bound);
      return;
    case 'Import':
      bindNames(node['target'], bound);
      return;
    case 'FromImport':
      for (const n of (node['names'] as AstNode | null)?.children ?? []) bindNames(n.typename === 'Pair' ? n['value'] : n, bound);
      return;
    default:
      walkChildren(node, guarded, uses, bound);
  }
}

function bindMacroArgs(args: unknown, bound: Set<string>, uses: Map<string, boolean>): void {
  if (!isNode(args)) return;
  for (const a of args.children ?? []) {
    if (a.typename === 'Symbol') bound.add(String(a.value));
    else if (a.typename === 'KeywordArgs') {
      for (const p of a.children ?? []) {
        bindNames(p['key'], bound);
        walk(p['value'], false, uses, bound);
      }
    }
  }
}

function walkChildren(node: unknown, guarded: boolean, uses: Map<string, boolean>, bound: Set<string>): void {
  if (!isNode(node)) return;
  if (Array.isArray(node.children)) {
    for (const c of node.children) walk(c, guarded, uses, bound);
    return;
  }
  for (const f of node.fields ?? []) {
    const v = node[f];
    if (Array.isArray(v)) for (const c of v) walk(c, guarded, uses, bound);
    else walk(v, guarded, uses, bound);
  }
}
