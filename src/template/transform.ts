// Rewrites the nunjucks AST so every lookup, operator, filter, test and output goes through our helpers.
//
// Why rewrite instead of configuring nunjucks: its own lookups fall through to Object.prototype
// (`{{ constructor }}`), `==` is JS loose equality, `[]` is truthy, `+` concatenates lists as text,
// throwOnUndefined cannot name the variable, and its autoescape hook is global. Routing each node
// through a helper (as a Filter node, compiled to `env.getFilter(name).call(...)`) gives Jinja
// semantics and one place to enforce them, without patching nunjucks for every other template.
import { isNode, mk, type NjNode } from './nunjucks.js';
import { hasFilter, hasTest, unknownFilter, UNDEFINED_SAFE_FILTERS } from './filters.js';
import { UNDEFINED_SAFE_TESTS } from './jinja-tests.js';
import { TemplateError } from './template-error.js';

/** How `{{ }}` output is treated: quoted for sh, plain text, a var's value, or captured natively. */
export type OutputMode = 'cmd' | 'str' | 'val' | 'cap';

const ARITH: Record<string, string> = { Add: '+', Sub: '-', Mul: '*', Div: '/', FloorDiv: '//', Mod: '%', Pow: '**' };
const STATEMENTS = new Set(['Root', 'NodeList', 'Output', 'If', 'For', 'Set', 'Macro', 'Switch']);
const LITERALS: Record<string, unknown> = { True: true, False: false, None: null };

export function transform(root: NjNode, mode: OutputMode): NjNode {
  return new Rewriter(boundNames(root), mode).stmt(root);
}

/** Names the template itself binds (loop targets, set, macros and their args): looked up in frames first. */
function boundNames(root: NjNode): Set<string> {
  const names = new Set<string>();
  const add = (n: unknown): void => {
    if (isNode(n) && n.typename === 'Symbol') names.add(String(n.value));
    else if (isNode(n) && n.children) (n.children as unknown[]).forEach(add);
  };
  walk(root, (n) => {
    if (n.typename === 'For') { add(n.name); names.add('loop'); }
    if (n.typename === 'Set') (n.targets as unknown[]).forEach(add);
    if (n.typename === 'Macro') {
      add(n.name);
      for (const a of (n.args as NjNode).children as NjNode[]) {
        if (a.typename === 'KeywordArgs') (a.children as NjNode[]).forEach((p) => add(p.key));
        else add(a);
      }
    }
  });
  return names;
}

/** Child nodes, including a block `{% set %}`'s body, which nunjucks keeps outside the node's fields. */
function kids(n: NjNode): unknown[] {
  const out: unknown[] = n.children ? [...(n.children as unknown[])] : n.fields.map((f) => n[f]);
  if (n.typename === 'Set' && n.body) out.push(n.body);
  return out.flat();
}

function walk(n: NjNode, visit: (n: NjNode) => void): void {
  visit(n);
  for (const k of kids(n)) if (isNode(k)) walk(k, visit);
}

function fail(code: 'template.syntax' | 'template.filter', message: string, n: NjNode): never {
  const e = new TemplateError(code, message);
  e.pos = { line: n.lineno + 1, col: n.colno + 1 };
  throw e;
}

/** `ansible.builtin.to_json` and `to_json` are the same filter. */
function shortName(name: string): string {
  return name.replace(/^(ansible\.builtin|ansible\.netcommon|ansible\.utils|community\.general)\./, '');
}

/** Source-like text of an expression, for messages such as `{{ item.dev }} is null`. */
export function exprText(n: NjNode): string {
  switch (n.typename) {
    case 'Symbol': return String(n.value);
    case 'Literal': return JSON.stringify(n.value) ?? String(n.value);
    case 'LookupVal': {
      const v = n.val as NjNode;
      return v.typename === 'Literal' && typeof v.value === 'string' && /^\w+$/.test(v.value)
        ? `${exprText(n.target)}.${v.value}` : `${exprText(n.target)}[${exprText(v)}]`;
    }
    case 'FunCall': return `${exprText(n.name)}(...)`;
    case 'Filter': return `${exprText((n.args as NjNode).children[0])} | ${String((n.name as NjNode).value)}`;
    default: return '...';
  }
}

/** Largest literal text one pass over a body can emit, loops excluded (they count their own). */
function staticSize(n: unknown): number {
  if (!isNode(n)) return 0;
  switch (n.typename) {
    case 'TemplateData': return String(n.value ?? '').length;
    case 'For': case 'Macro': return 0;
    case 'If': return Math.max(staticSize(n.body), staticSize(n.else_));
    case 'Switch': return Math.max(staticSize(n.default), ...(n.cases as NjNode[]).map((c) => staticSize(c.body)));
    default:
      return kids(n).reduce<number>((s, k) => s + staticSize(k), 0);
  }
}

class Rewriter {
  constructor(private readonly bound: Set<string>, private readonly mode: OutputMode) {}

  private lit(at: NjNode, value: unknown): NjNode {
    return mk('Literal', at, value);
  }
  /** A call to one of our helpers, with the node's 0-based position as the trailing arguments. */
  private helper(name: string, at: NjNode, args: unknown[]): NjNode {
    const list = [...args.map((a) => (isNode(a) ? a : this.lit(at, a))), this.lit(at, at.lineno), this.lit(at, at.colno)];
    return mk('Filter', at, mk('Symbol', at, name), mk('NodeList', at, list));
  }
  private bool(n: NjNode): NjNode {
    return this.helper('__fs_bool', n, [this.expr(n)]);
  }

  stmt(n: NjNode): NjNode {
    if (!STATEMENTS.has(n.typename)) fail('template.syntax', `'${n.typename}' is not supported in fleetsweep templates`, n);
    switch (n.typename) {
      case 'Root': case 'NodeList':
        n.children = (n.children as NjNode[]).map((c) => this.stmt(c));
        return n;
      case 'Output':
        n.children = (n.children as NjNode[]).map((c) =>
          c.typename === 'TemplateData' ? c : this.helper('__fs_out', c, [this.expr(c), this.mode, exprText(c)]));
        return n;
      case 'If':
        n.cond = this.bool(n.cond);
        n.body = this.stmt(n.body);
        if (n.else_) n.else_ = this.stmt(n.else_);
        return n;
      case 'For':
        n.arr = this.helper('__fs_iter', n.arr, [this.expr(n.arr), n.name.typename === 'Array', staticSize(n.body)]);
        n.body = this.stmt(n.body);
        if (n.else_) n.else_ = this.stmt(n.else_);
        return n;
      case 'Set':
        if (n.value) n.value = this.expr(n.value);
        if (n.body) n.body.body = this.stmt(n.body.body);
        return n;
      case 'Macro':
        for (const a of (n.args as NjNode).children as NjNode[]) if (a.typename === 'KeywordArgs') this.pairs(a);
        n.body = this.stmt(n.body);
        return n;
      default: // Switch
        n.expr = this.expr(n.expr);
        for (const c of n.cases as NjNode[]) { c.cond = this.expr(c.cond); c.body = this.stmt(c.body); }
        if (n.default) n.default = this.stmt(n.default);
        return n;
    }
  }

  private pairs(n: NjNode): NjNode {
    for (const p of n.children as NjNode[]) p.value = this.expr(p.value);
    return n;
  }

  private args(list: NjNode[]): NjNode[] {
    return list.map((a) => (a.typename === 'KeywordArgs' ? this.pairs(a) : this.expr(a)));
  }

  expr(n: NjNode, soft = false): NjNode {
    switch (n.typename) {
      case 'Literal':
        return n;
      case 'Symbol': {
        const name = String(n.value);
        if (this.bound.has(name)) return this.helper('__fs_local', n, [n, name, soft]);
        if (Object.hasOwn(LITERALS, name)) return this.lit(n, LITERALS[name]);
        return this.helper('__fs_var', n, [name, soft]);
      }
      case 'LookupVal':
        return this.helper('__fs_attr', n, [this.expr(n.target, soft), this.expr(n.val), exprText(n), soft]);
      case 'Group':
        // `(a, b)` is a tuple in Jinja; nunjucks would compile it to JS's comma operator
        if (n.children.length === 1) return this.expr(n.children[0], soft);
        return mk('Array', n, (n.children as NjNode[]).map((c) => this.expr(c)));
      case 'Array':
        n.children = (n.children as NjNode[]).map((c) => this.expr(c));
        return n;
      case 'Dict':
        for (const p of n.children as NjNode[]) {
          if (p.key.typename !== 'Symbol' && !(p.key.typename === 'Literal' && typeof p.key.value === 'string')) {
            fail('template.syntax', 'dict keys must be strings', p.key);
          }
          p.value = this.expr(p.value);
        }
        return n;
      case 'FunCall':
        n.name = this.helper('__fs_callee', n, [this.expr(n.name), exprText(n.name)]);
        n.args.children = this.args(n.args.children);
        return n;
      case 'Filter':
        return this.filter(n);
      case 'Is':
        return this.test(n);
      case 'Compare': {
        const parts: unknown[] = [this.expr(n.expr)];
        for (const op of n.ops as NjNode[]) parts.push(String(op.type), this.expr(op.expr));
        return this.helper('__fs_cmp', n, [mk('Array', n, parts.map((p) => (isNode(p) ? p : this.lit(n, p))))]);
      }
      case 'In':
        return this.helper('__fs_in', n, [this.expr(n.left), this.expr(n.right)]);
      case 'Not':
        return mk('Not', n, this.bool(n.target));
      // Python's `and`/`or` return an operand; the helpers make JS's && and || agree while keeping short-circuit
      case 'And':
        return mk('And', n, this.helper('__fs_andl', n, [this.expr(n.left)]), this.expr(n.right));
      case 'Or':
        return mk('Or', n, this.helper('__fs_orl', n, [this.expr(n.left)]), this.expr(n.right));
      case 'Concat':
        return this.helper('__fs_cat', n, [this.expr(n.left), this.expr(n.right)]);
      case 'Neg': case 'Pos':
        return this.helper('__fs_op', n, [n.typename === 'Neg' ? '-' : '+', 0, this.expr(n.target)]);
      case 'InlineIf':
        n.cond = this.bool(n.cond);
        n.body = this.expr(n.body);
        if (n.else_) n.else_ = this.expr(n.else_);
        return n;
      case 'Capture':
        n.body = this.stmt(n.body);
        return n;
      default:
        if (ARITH[n.typename]) return this.helper('__fs_op', n, [ARITH[n.typename], this.expr(n.left), this.expr(n.right)]);
        return fail('template.syntax', `'${n.typename}' is not supported in fleetsweep templates`, n);
    }
  }

  private filter(n: NjNode): NjNode {
    const name = shortName(String(n.name.value));
    if (name.startsWith('__fs_') || !hasFilter(name)) throw positioned(unknownFilter(name, 'filter'), n.name);
    const [input, ...rest] = n.args.children as NjNode[];
    this.checkNamedArg(name, rest);
    const soft = UNDEFINED_SAFE_FILTERS.has(name);
    return this.helper('__fs_f', n, [name, mk('Array', n, [this.expr(input as NjNode, soft), ...this.args(rest)])]);
  }

  /** `map('upper')`, `select('match', ...)`, `selectattr('x', 'eq', ...)`: check literal names before running. */
  private checkNamedArg(filter: string, args: NjNode[]): void {
    const at = filter === 'selectattr' || filter === 'rejectattr' ? 1 : 0;
    const a = args[at];
    if (!a || a.typename !== 'Literal' || typeof a.value !== 'string') return;
    if (filter === 'map' && !hasFilter(a.value)) throw positioned(unknownFilter(a.value, 'filter'), a);
    if (['select', 'reject', 'selectattr', 'rejectattr'].includes(filter) && !hasTest(a.value)) {
      throw positioned(unknownFilter(a.value, 'test'), a);
    }
  }

  private test(n: NjNode): NjNode {
    const right = n.right as NjNode;
    let name: string;
    let args: NjNode[] = [];
    if (right.typename === 'Symbol') name = String(right.value);
    else if (right.typename === 'FunCall' && right.name.typename === 'Symbol') {
      name = String(right.name.value);
      args = right.args.children;
    } else if (right.typename === 'Literal' && (right.value === null || typeof right.value === 'boolean')) {
      name = right.value === null ? 'none' : String(right.value);
    } else return fail('template.syntax', 'expected a test name after `is`', right);
    name = shortName(name);
    if (!hasTest(name)) throw positioned(unknownFilter(name, 'test'), right);
    const subject = this.expr(n.left, UNDEFINED_SAFE_TESTS.has(name));
    return this.helper('__fs_t', n, [name, mk('Array', n, [subject, ...this.args(args)])]);
  }
}

function positioned(e: TemplateError, n: NjNode): TemplateError {
  e.pos = { line: n.lineno + 1, col: n.colno + 1 };
  return e;
}
