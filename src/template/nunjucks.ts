// The one import of nunjucks: typed handles on the parser, AST nodes, compiler and runtime we drive directly.
import nunjucks from 'nunjucks';

/**
 * A nunjucks AST node. Fields vary by `typename` (see nunjucks/src/nodes.js) and nunjucks ships no
 * types for them, so fields are `any` here; transform.ts switches on `typename` before touching one.
 */
export interface NjNode {
  readonly typename: string;
  readonly fields: string[];
  lineno: number;
  colno: number;
  [field: string]: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

interface Internals {
  parser: { parse(src: string, extensions: unknown[], opts: object): NjNode };
  nodes: Record<string, new (lineno: number, colno: number, ...fields: unknown[]) => NjNode> & { Node: new () => NjNode };
  compiler: { Compiler: new (name: string, throwOnUndefined: boolean) => { compile(node: NjNode): void; getCode(): string } };
  runtime: {
    SafeString: new (s: string) => { val: string; toString(): string };
    markSafe(s: string): unknown;
  };
  Environment: new (loaders: unknown[], opts: object) => NjEnvironment;
  Template: new (src: { type: 'code'; obj: unknown }, env: NjEnvironment, path: string) => { render(ctx: object): string };
}

export interface NjEnvironment {
  filters: Record<string, unknown>;
  tests: Record<string, unknown>;
  globals: Record<string, unknown>;
  opts: Record<string, unknown>;
}

const nj = nunjucks as unknown as Internals;

/** Ansible's Jinja settings: trim_blocks on, so `{% for %}` lines leave no blank lines in commands. */
const LEXER_OPTS = { trimBlocks: true, lstripBlocks: false };

export function parse(src: string): NjNode {
  return nj.parser.parse(src, [], LEXER_OPTS);
}

/**
 * Delimiters no playbook contains, for parsing a bare expression as one output: with `{{ }}`
 * an expression such as `x in {'a': {'b': 1}}` would end at its own `}}`.
 */
const EXPR_TAGS = { variableStart: '\uE100', variableEnd: '\uE101', blockStart: '\uE102', blockEnd: '\uE103', commentStart: '\uE104', commentEnd: '\uE105' };

export function parseExpression(expr: string): NjNode {
  if (/[\uE100-\uE105]/.test(expr)) throw new Error('unexpected character in expression');
  return nj.parser.parse(`${EXPR_TAGS.variableStart} ${expr} ${EXPR_TAGS.variableEnd}`, [], { ...LEXER_OPTS, tags: EXPR_TAGS });
}

export function isNode(value: unknown): value is NjNode {
  return value instanceof nj.nodes.Node;
}

export function mk(type: string, at: { lineno: number; colno: number }, ...fields: unknown[]): NjNode {
  const Ctor = nj.nodes[type];
  if (!Ctor) throw new Error(`nunjucks has no node type ${type}`);
  return new Ctor(at.lineno, at.colno, ...fields);
}

export type SafeString = InstanceType<Internals['runtime']['SafeString']>;

export function isSafeString(value: unknown): value is SafeString {
  return value instanceof nj.runtime.SafeString;
}

export function markSafe(s: string): SafeString {
  return nj.runtime.markSafe(s) as SafeString;
}

/**
 * An environment that can load nothing (no loaders: include/import/extends are rejected earlier),
 * sees no globals, and whose only filters are the helpers our compiled AST calls.
 * `dev: true` keeps the original error as `cause` instead of re-creating a bare Error.
 */
export function createEnvironment(helpers: Record<string, (...args: unknown[]) => unknown>): NjEnvironment {
  const env = new nj.Environment([], { autoescape: false, throwOnUndefined: false, dev: true, ...LEXER_OPTS });
  env.globals = Object.create(null) as Record<string, unknown>;
  env.tests = Object.create(null) as Record<string, unknown>;
  env.filters = Object.assign(Object.create(null) as Record<string, unknown>, helpers);
  return env;
}

export type RenderFn = (ctx: object) => string;

/** Compiles a transformed AST to a render function (what nunjucks does for precompiled templates). */
export function compileAst(root: NjNode, env: NjEnvironment, name: string): RenderFn {
  const c = new nj.compiler.Compiler(name, false);
  c.compile(root);
  // the code nunjucks generated from our AST; this is how nunjucks itself loads a compiled template
  const props = new Function(c.getCode())() as unknown;
  const tmpl = new nj.Template({ type: 'code', obj: props }, env, name);
  return (ctx) => tmpl.render(ctx);
}

/** nunjucks' own errors carry 1-based lineno/colno (when known) and the original error as `cause`. */
export function njErrorPosition(err: unknown): { line: number; col: number } | undefined {
  const e = err as { lineno?: unknown; colno?: unknown };
  return typeof e?.lineno === 'number' ? { line: e.lineno, col: typeof e.colno === 'number' ? e.colno : 1 } : undefined;
}
