// How Ansible's INI plugin reads values: POSIX shlex splitting of host lines and Python's ast.literal_eval.
//
// Ansible (plugins/inventory/ini.py) splits a host line with shlex (posix, comments=True) and passes every
// value, on host lines and in [group:vars] alike, through ast.literal_eval; when that fails the text is kept
// as a string. So `port=22` is the int 22, `become=True` the bool true, `x=yes` the string "yes" and
// `x="'22'"` the string "22" (shlex removes the outer quotes, literal_eval the inner ones).

export interface Token {
  text: string;
  /** 0-based offset of the token's first character in the line */
  start: number;
}

export type ShlexResult = { tokens: Token[] } | { error: string; at: number };

/**
 * Python's shlex.split(line, comments=True) in posix mode: whitespace separates words, '…' and "…" quote,
 * backslash escapes outside quotes (and `\"`, `\\` inside double quotes), and `#` outside quotes starts a
 * comment even in the middle of a word (`pw=ab#c` gives `pw=ab`), as shlex does.
 */
export function shlexSplit(line: string): ShlexResult {
  const tokens: Token[] = [];
  let i = 0;
  const n = line.length;
  while (i < n) {
    while (i < n && isSpace(line[i]!)) i++;
    if (i >= n || line[i] === '#') break;
    const start = i;
    let text = '';
    let comment = false;
    while (i < n && !isSpace(line[i]!)) {
      const c = line[i]!;
      if (c === '#') { comment = true; break; }
      if (c === '\\') {
        if (i + 1 >= n) return { error: 'no escaped character after "\\"', at: i };
        text += line[i + 1];
        i += 2;
      } else if (c === "'" || c === '"') {
        const open = i;
        i++;
        for (;;) {
          if (i >= n) return { error: 'no closing quotation', at: open };
          const d = line[i]!;
          if (d === c) { i++; break; }
          if (c === '"' && d === '\\' && i + 1 < n && (line[i + 1] === '"' || line[i + 1] === '\\')) {
            text += line[i + 1];
            i += 2;
          } else {
            text += d;
            i++;
          }
        }
      } else {
        text += c;
        i++;
      }
    }
    tokens.push({ text, start });
    if (comment) break;
  }
  return { tokens };
}

function isSpace(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\r' || c === '\n' || c === '\f' || c === '\v';
}

/** Sentinel for "literal_eval would fail": the caller keeps the text. */
const FAIL: unique symbol = Symbol('literal-eval-failed');
/** Thrown (not an Error: no stack trace to capture) when the text is not a literal; most INI values are not. */
const NOT_A_LITERAL = { notALiteral: true } as const;
/** What a Python literal can start with; anything else (paths, host names, words) is text without parsing. */
const MAY_BE_LITERAL = /^\s*(?:[-+0-9.'"[({#]|True|False|None|set\s*\(|[rRuUbB]{1,2}['"])/;

/**
 * Python's ast.literal_eval as Ansible applies it, returning `text` itself when it is not a literal.
 *
 * Supported: ints (decimal, 0x/0o/0b, `_` separators; a leading zero like `010` is a syntax error in Python 3,
 * so it stays a string), floats, one unary sign, strings ('…', "…", triple-quoted, r/u/b prefixes, adjacent
 * literals concatenated), True/False/None, lists, tuples (also bare `1, 2`), dicts and sets (sets and tuples
 * become arrays, as Ansible coerces them to lists) and `#` comments.
 * Deviations, all kept as the original text: complex numbers (Ansible turns them back into str too, with
 * Python's formatting), `...`, and ints outside JavaScript's safe range, whose digits would otherwise be lost.
 */
export function pyLiteral(text: string): unknown {
  if (!MAY_BE_LITERAL.test(text)) return text;
  try {
    const p = new PyParser(text);
    const v = p.parseTop();
    return v === FAIL ? text : v;
  } catch {
    return text;
  }
}

class PyParser {
  private i = 0;
  constructor(private readonly s: string) {}

  parseTop(): unknown {
    this.ws();
    if (this.i >= this.s.length) return FAIL;
    const first = this.expr();
    this.ws();
    if (this.peek() === ',') {
      // a bare tuple: `1, 2`
      const items = [first];
      while (this.eat(',')) {
        this.ws();
        if (this.i >= this.s.length) break;
        items.push(this.expr());
        this.ws();
      }
      this.end();
      return items;
    }
    this.end();
    return first;
  }

  private end(): void {
    this.ws();
    if (this.i < this.s.length) throw NOT_A_LITERAL;
  }

  private expr(): unknown {
    this.ws();
    const c = this.peek();
    if (c === '+' || c === '-') {
      this.i++;
      this.ws();
      const v = this.atom();
      if (typeof v !== 'number') throw NOT_A_LITERAL;
      return c === '-' ? -v : v;
    }
    return this.atom();
  }

  private atom(): unknown {
    this.ws();
    const c = this.peek();
    if (c === undefined) throw NOT_A_LITERAL;
    if (c === '[') return this.seq('[', ']');
    if (c === '(') {
      const save = this.i;
      this.i++;
      this.ws();
      if (this.eat(')')) return [];
      const first = this.expr();
      this.ws();
      if (this.eat(')')) return first;
      this.i = save;
      return this.seq('(', ')');
    }
    if (c === '{') return this.dictOrSet();
    if (/[0-9.]/.test(c) && !this.s.startsWith('...', this.i)) return this.number();
    if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.s.slice(this.i))![0];
      const next = this.s[this.i + m.length];
      if ((next === "'" || next === '"') && /^(?:[rRuUbB]|[bB][rR]|[rR][bB])$/.test(m)) return this.strings();
      this.i += m.length;
      if (m === 'True') return true;
      if (m === 'False') return false;
      if (m === 'None') return null;
      if (m === 'set') {
        this.ws();
        if (this.eat('(')) { this.ws(); if (this.eat(')')) return []; }
      }
      throw NOT_A_LITERAL;
    }
    if (c === "'" || c === '"') return this.strings();
    throw NOT_A_LITERAL;
  }

  private seq(open: string, close: string): unknown[] {
    this.expect(open);
    const out: unknown[] = [];
    for (;;) {
      this.ws();
      if (this.eat(close)) return out;
      out.push(this.expr());
      this.ws();
      if (this.eat(close)) return out;
      this.expect(',');
    }
  }

  private dictOrSet(): unknown {
    this.expect('{');
    this.ws();
    if (this.eat('}')) return {};
    const firstKey = this.expr();
    this.ws();
    if (this.eat(':')) {
      const out: Record<string, unknown> = {};
      out[pyKey(firstKey)] = this.expr();
      for (;;) {
        this.ws();
        if (this.eat('}')) return out;
        this.expect(',');
        this.ws();
        if (this.eat('}')) return out;
        const k = this.expr();
        this.ws();
        this.expect(':');
        out[pyKey(k)] = this.expr();
      }
    }
    const items = [firstKey];
    for (;;) {
      this.ws();
      if (this.eat('}')) return items;
      this.expect(',');
      this.ws();
      if (this.eat('}')) return items;
      items.push(this.expr());
    }
  }

  private number(): number {
    const rest = this.s.slice(this.i);
    const m =
      /^0[xX](?:_?[0-9a-fA-F])+/.exec(rest) ?? /^0[oO](?:_?[0-7])+/.exec(rest) ?? /^0[bB](?:_?[01])+/.exec(rest) ??
      /^(?:(?:[0-9](?:_?[0-9])*)?\.[0-9](?:_?[0-9])*|[0-9](?:_?[0-9])*\.?)(?:[eE][+-]?[0-9](?:_?[0-9])*)?/.exec(rest);
    if (!m) throw NOT_A_LITERAL;
    const lit = m[0];
    this.i += lit.length;
    if (/^[jJ]/.test(this.s.slice(this.i))) throw NOT_A_LITERAL;
    if (/^[A-Za-z0-9_]/.test(this.s.slice(this.i))) throw NOT_A_LITERAL;
    const clean = lit.replace(/_/g, '');
    if (/^0[xXoObB]/.test(clean)) return safeInt(BigInt(clean));
    if (/[.eE]/.test(clean)) return Number(clean);
    // Python 3 rejects leading zeros in decimal ints, except for zero itself
    if (/^0[0-9]/.test(clean) && !/^0+$/.test(clean)) throw NOT_A_LITERAL;
    return safeInt(BigInt(clean));
  }

  private strings(): string {
    let out = '';
    let any = false;
    for (;;) {
      this.ws();
      const m = /^([rRuUbB]|[bB][rR]|[rR][bB])?('''|"""|'|")/.exec(this.s.slice(this.i));
      if (!m) break;
      any = true;
      const raw = /[rR]/.test(m[1] ?? '');
      const q = m[2]!;
      this.i += m[0].length;
      for (;;) {
        if (this.i >= this.s.length) throw NOT_A_LITERAL;
        if (this.s.startsWith(q, this.i)) { this.i += q.length; break; }
        const c = this.s[this.i]!;
        if (q.length === 1 && c === '\n') throw NOT_A_LITERAL;
        if (c === '\\' && this.i + 1 < this.s.length) {
          if (raw) { out += c + this.s[this.i + 1]; this.i += 2; continue; }
          out += this.escape();
          continue;
        }
        out += c;
        this.i++;
      }
    }
    if (!any) throw NOT_A_LITERAL;
    return out;
  }

  private escape(): string {
    const e = this.s[this.i + 1]!;
    this.i += 2;
    const simple: Record<string, string> = { '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\n': '' };
    if (e in simple) return simple[e]!;
    const hex = (len: number): string => {
      const h = this.s.slice(this.i, this.i + len);
      if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(h)) throw NOT_A_LITERAL;
      this.i += len;
      return String.fromCodePoint(parseInt(h, 16));
    };
    if (e === 'x') return hex(2);
    if (e === 'u') return hex(4);
    if (e === 'U') return hex(8);
    if (/[0-7]/.test(e)) {
      let oct = e;
      while (oct.length < 3 && /[0-7]/.test(this.s[this.i] ?? '')) oct += this.s[this.i++];
      return String.fromCodePoint(parseInt(oct, 8));
    }
    return '\\' + e;
  }

  /** whitespace and `#` comments, as the Python tokenizer skips them */
  private ws(): void {
    for (;;) {
      const c = this.s[this.i];
      if (c === ' ' || c === '\t' || c === '\f' || c === '\r' || c === '\n') { this.i++; continue; }
      if (c === '#') { while (this.i < this.s.length && this.s[this.i] !== '\n') this.i++; continue; }
      return;
    }
  }

  private peek(): string | undefined { return this.s[this.i]; }
  private eat(c: string): boolean {
    if (this.s[this.i] === c) { this.i++; return true; }
    return false;
  }
  private expect(c: string): void {
    if (!this.eat(c)) throw NOT_A_LITERAL;
  }
}

function safeInt(b: bigint): number {
  if (b > BigInt(Number.MAX_SAFE_INTEGER) || b < -BigInt(Number.MAX_SAFE_INTEGER)) throw NOT_A_LITERAL;
  return Number(b);
}

/** Python's str() of a dict key literal, so `{1: 'a'}` keys read as Ansible would print them. */
function pyKey(k: unknown): string {
  if (k === true) return 'True';
  if (k === false) return 'False';
  if (k === null) return 'None';
  if (typeof k === 'string' || typeof k === 'number') return String(k);
  throw NOT_A_LITERAL;
}
