// Quotes each interpolated value for the sh context it landed in: bare word, inside '...', inside "...", $(...), `...`.
//
// Why not shq everything: authors write `echo "{{ x }}"` and `grep '{{ x }}'` out of habit. A
// single-quoted value inside their double quotes is not quoted at all (`"'$(id)'"` runs id), and
// inside their single quotes it closes them. So rendering leaves a placeholder per value; this
// scanner walks the finished text like sh's tokenizer and quotes each one for its context.
import { dqEscape, MASK, shq, sqEscape } from './quote.js';
import { TemplateError } from './template-error.js';
import type { Entry, Session } from './session.js';

/** `ansi` is bash's $'...' (RHEL's /bin/sh is bash): backslash escapes there could unbalance our quoting. */
type Ctx = 'code' | 'sq' | 'dq' | 'bq' | 'sub' | 'arith' | 'param' | 'comment' | 'ansi';
interface Frame { ctx: Ctx; depth: number }

/** Characters after which a word starts (so `#` opens a comment and a list may stand alone). */
const WORD_BREAK = /[\s;&|()<>]/;

export function finalizeCommand(out: string, session: Session): { text: string; masked: string } {
  const prefix = `\uE000${session.nonce}:`;
  const stack: Frame[] = [{ ctx: 'code', depth: 0 }];
  const heredocs: Array<{ delim: string; tabs: boolean }> = [];
  let text = '';
  let masked = '';
  const emit = (t: string, m: string = t): void => { text += t; masked += m; };
  const top = (): Frame => stack[stack.length - 1] as Frame;
  let prev = '';

  for (let i = 0; i < out.length; ) {
    if (out.startsWith(prefix, i)) {
      const end = out.indexOf('\uE001', i);
      const entry = session.entries[Number(out.slice(i + prefix.length, end))] as Entry;
      const next = out[end + 1] ?? '';
      const [t, m] = place(entry, top().ctx, prev, out.startsWith(prefix, end + 1) ? 'x' : next);
      emit(t, m);
      i = end + 1;
      prev = 'x';
      continue;
    }
    const c = out[i] as string;
    const f = top();
    const code = f.ctx === 'code' || f.ctx === 'sub' || f.ctx === 'bq';
    if (f.ctx === 'sq') {
      if (c === "'") stack.pop();
    } else if (f.ctx === 'ansi') {
      if (c === '\\') { emit(c + (out[i + 1] ?? '')); i += 2; prev = 'x'; continue; }
      if (c === "'") stack.pop();
    } else if (f.ctx === 'comment') {
      if (c === '\n') { stack.pop(); continue; }
    } else if (c === '\\' && (code || f.ctx === 'dq')) {
      const n = out[i + 1] ?? '';
      if (out.startsWith(prefix, i + 1)) throw contextError(session, out, i + 1, 'right after a backslash');
      emit(c + n);
      prev = n;
      i += 2;
      continue;
    } else if (f.ctx === 'dq' && c === '"') stack.pop();
    else if (code && c === '$' && out[i + 1] === "'") {
      stack.push({ ctx: 'ansi', depth: 0 });
      emit("$'");
      i += 2;
      prev = "'";
      continue;
    } else if (code && c === "'") stack.push({ ctx: 'sq', depth: 0 });
    else if (code && c === '"') stack.push({ ctx: 'dq', depth: 0 });
    else if ((code || f.ctx === 'dq') && c === '`') {
      if (f.ctx === 'bq') stack.pop();
      else stack.push({ ctx: 'bq', depth: 0 });
    } else if ((code || f.ctx === 'dq' || f.ctx === 'arith') && c === '$' && out[i + 1] === '(') {
      const arith = out[i + 2] === '(';
      stack.push({ ctx: arith ? 'arith' : 'sub', depth: 0 });
      emit(arith ? '$((' : '$(');
      i += arith ? 3 : 2;
      prev = '(';
      continue;
    } else if ((code || f.ctx === 'dq') && c === '$' && out[i + 1] === '{') {
      stack.push({ ctx: 'param', depth: 0 });
    } else if (f.ctx === 'param' && c === '}') stack.pop();
    else if ((f.ctx === 'sub' || f.ctx === 'arith') && c === '(') f.depth++;
    else if (f.ctx === 'sub' && c === ')') {
      if (f.depth-- === 0) stack.pop();
    } else if (f.ctx === 'arith' && c === ')') {
      if (f.depth-- === 0 && out[i + 1] === ')') { stack.pop(); emit('))'); i += 2; prev = ')'; continue; }
    } else if (code && c === '#' && (prev === '' || WORD_BREAK.test(prev))) {
      stack.push({ ctx: 'comment', depth: 0 });
    } else if (code && c === '<' && prev !== '<' && out[i + 1] === '<' && out[i + 2] !== '<') {
      const m = /^<<(-?)[ \t]*(?:'([^']*)'|"([^"]*)"|\\?([^\s;&|()<>'"]+))/.exec(out.slice(i));
      if (m) {
        const delim = m[2] ?? m[3] ?? m[4] ?? '';
        if (delim.includes(prefix)) throw contextError(session, out, i + out.slice(i).indexOf(prefix), 'in a heredoc delimiter');
        heredocs.push({ delim, tabs: m[1] === '-' });
        emit(m[0]);
        i += m[0].length;
        prev = 'x';
        continue;
      }
    } else if (c === '\n' && heredocs.length > 0 && code) {
      emit(c);
      i = skipHeredocs(out, i + 1, heredocs.splice(0), prefix, session, emit);
      prev = '\n';
      continue;
    }
    emit(c);
    prev = c;
    i++;
  }
  return { text, masked };
}

/** Copies heredoc bodies through; a value inside one is an error (its delimiter or `$(` could end or escape it). */
function skipHeredocs(out: string, i: number, docs: Array<{ delim: string; tabs: boolean }>, prefix: string, session: Session, emit: (t: string) => void): number {
  for (const doc of docs) {
    for (;;) {
      const nl = out.indexOf('\n', i);
      const line = out.slice(i, nl < 0 ? out.length : nl);
      const at = line.indexOf(prefix);
      if (at >= 0) throw contextError(session, out, i + at, 'inside a heredoc (pass data with printf instead)');
      emit(line + (nl < 0 ? '' : '\n'));
      i = nl < 0 ? out.length : nl + 1;
      if ((doc.tabs ? line.replace(/^\t+/, '') : line) === doc.delim || nl < 0) break;
    }
  }
  return i;
}

function place(e: Entry, ctx: Ctx, before: string, after: string): [string, string] {
  if (e.kind === 'raw-secret') {
    if (ctx === 'comment' || ctx === 'param' || ctx === 'ansi') throw placeError(e, ctx);
    return [e.value, MASK];
  }
  switch (ctx) {
    case 'code': case 'sub': case 'bq': {
      if (e.list && (!(before === '' || WORD_BREAK.test(before)) || !(after === '' || WORD_BREAK.test(after)))) {
        throw at(e, new TemplateError('template.shellContext', `'${e.text}' is a list: it must stand alone as words, not be glued to other text`));
      }
      const t = e.parts.map((p) => shq(p.s));
      return [t.join(' '), e.parts.map((p, k) => (p.secret ? `'${MASK}'` : t[k])).join(' ')];
    }
    case 'sq': return [e.parts.map((p) => sqEscape(p.s)).join(' '), e.parts.map((p) => (p.secret ? MASK : sqEscape(p.s))).join(' ')];
    case 'dq': return [e.parts.map((p) => dqEscape(p.s)).join(' '), e.parts.map((p) => (p.secret ? MASK : dqEscape(p.s))).join(' ')];
    case 'arith': {
      const p = e.parts[0];
      if (e.list || !p || !/^-?\d+$/.test(p.s)) throw at(e, new TemplateError('template.shellContext', `'${e.text}' is inside $(( )) and must be an integer`));
      return [p.s, p.secret ? MASK : p.s];
    }
    default: throw placeError(e, ctx);
  }
}

function placeError(e: Entry, ctx: Ctx): TemplateError {
  const where = ctx === 'comment' ? 'inside a shell comment' : ctx === 'ansi' ? "inside $'...'" : 'inside ${...}';
  return at(e, new TemplateError('template.shellContext', `a value cannot be interpolated ${where}`));
}

function at(e: Entry, err: TemplateError): TemplateError {
  err.pos = { line: e.line + 1, col: e.col + 1 };
  return err;
}

function contextError(session: Session, out: string, i: number, where: string): TemplateError {
  const end = out.indexOf('\uE001', i);
  const e = session.entries[Number(out.slice(i + session.nonce.length + 2, end))];
  const err = new TemplateError('template.shellContext', `a value cannot be interpolated ${where}`);
  return e ? at(e, err) : err;
}
