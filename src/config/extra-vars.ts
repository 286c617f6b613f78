// -e/--extra-vars as Ansible reads them: key=value pairs (strings), @file.yml|.json, or inline YAML/JSON.
import { resolve } from 'node:path';
import { isMap } from 'yaml';
import type { Vars, VarOrigin } from '../model/inventory.js';
import type { SourceLocation } from '../model/source.js';
import type { Diagnostic } from '../errors/diagnostic.js';
import { ConfigError } from '../errors/config-error.js';
import { isMergeKey, keyLoc, loadYaml, locOf, pairs, toJS } from './yaml-source.js';
import { isNullNode } from './inventory-yaml.js';

export interface ExtraVars {
  vars: Vars;
  origins: Record<string, VarOrigin>;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Parses every -e argument in order; later arguments override earlier ones. Like Ansible, `key=value` values are
 * always strings (use JSON/YAML for numbers, booleans and lists), `@path` reads a YAML/JSON file relative to `cwd`,
 * an argument starting with `{` or `[` is inline YAML (JSON is YAML), and a bare path is refused.
 * Throws ConfigError with every problem; argument N is reported as `<extra-vars #N>:1:COL`.
 */
export function parseExtraVars(args: string[], cwd: string): ExtraVars {
  const diags: Diagnostic[] = [];
  const sources = new Map<string, string>();
  const vars: Vars = {};
  const origins: Record<string, VarOrigin> = {};
  const set = (key: string, value: unknown, loc: SourceLocation): void => {
    if (!IDENTIFIER.test(key)) {
      diags.push({ severity: 'error', code: 'extraVars.badName', loc, message: `"${key}" is not a valid variable name`, hint: 'letters, digits and _, not starting with a digit' });
      return;
    }
    vars[key] = value;
    origins[key] = { scope: 'extra', loc };
  };

  args.forEach((arg, i) => {
    const name = `<extra-vars #${i + 1}>`;
    if (arg.trim() === '') return;
    sources.set(name, arg);
    if (arg.startsWith('@')) {
      const file = resolve(cwd, arg.slice(1));
      fromYaml(file, undefined, `-e ${arg}`, diags, sources, set);
    } else if (arg[0] === '/' || arg[0] === '.') {
      diags.push({ severity: 'error', code: 'extraVars.missingAt', loc: { file: name, line: 1, col: 1 }, message: `"${arg}" looks like a file name`, hint: `prepend "@" to read variables from a file: -e @${arg}` });
    } else if (arg[0] === '{' || arg[0] === '[') {
      fromYaml(name, arg, `-e ${arg.length > 30 ? arg.slice(0, 27) + '...' : arg}`, diags, sources, set);
    } else {
      for (const kv of parseKeyValues(arg, name, diags)) set(kv.key, kv.value, kv.loc);
    }
  });
  if (diags.some((d) => d.severity === 'error')) throw new ConfigError(diags, sources);
  return { vars, origins };
}

function fromYaml(
  file: string,
  text: string | undefined,
  what: string,
  diags: Diagnostic[],
  sources: Map<string, string>,
  set: (key: string, value: unknown, loc: SourceLocation) => void,
): void {
  const ys = loadYaml(file, diags, text, { version: '1.1' });
  if (!ys) return;
  sources.set(file, ys.text);
  const root = ys.doc.contents;
  if (isNullNode(root) || !isMap(root)) {
    diags.push({ severity: 'error', code: 'extraVars.notMapping', loc: locOf(ys, root), message: `${what} must be a mapping of variable names to values` });
    return;
  }
  // toJS applies merge keys (<<: *defaults); each key keeps its own position when it has one
  const values = toJS(ys, root, diags) as Record<string, unknown> | undefined;
  if (!values) return;
  const locs = new Map(pairs(root).filter((p) => !isMergeKey(p.pair)).map((p) => [p.key, keyLoc(ys, p.pair)]));
  for (const [key, value] of Object.entries(values)) set(key, value, locs.get(key) ?? locOf(ys, root));
}

interface KeyValue { key: string; value: string; loc: SourceLocation }

/** Ansible's parse_kv over split_args: words split on whitespace outside quotes and {{ }}/{% %} blocks. */
function parseKeyValues(arg: string, file: string, diags: Diagnostic[]): KeyValue[] {
  const out: KeyValue[] = [];
  const words = splitArgs(arg);
  if ('error' in words) {
    diags.push({ severity: 'error', code: 'extraVars.syntax', loc: { file, line: 1, col: words.at + 1 }, message: words.error, hint: 'quote the whole -e argument for the shell, and balance quotes inside it' });
    return out;
  }
  for (const w of words.words) {
    let text = w.text;
    // a fully quoted word ("msg=hello world") is one key=value with the quotes around it
    if (isQuoted(text)) text = text.slice(1, -1);
    let eq = -1;
    for (let i = 1; i < text.length; i++) if (text[i] === '=' && text[i - 1] !== '\\') { eq = i; break; }
    const loc = { file, line: 1, col: w.start + 1 };
    if (eq < 0) {
      diags.push({ severity: 'error', code: 'extraVars.badPair', loc, message: `expected key=value, got "${w.text}"` });
      continue;
    }
    const key = text.slice(0, eq).trim();
    out.push({ key, value: unquote(decodeEscapes(text.slice(eq + 1).trim())), loc });
  }
  return out;
}

function splitArgs(s: string): { words: Array<{ text: string; start: number }> } | { error: string; at: number } {
  const words: Array<{ text: string; start: number }> = [];
  let i = 0;
  while (i < s.length) {
    while (i < s.length && /\s/.test(s[i]!)) i++;
    if (i >= s.length) break;
    const start = i;
    let quote: string | undefined;
    let quoteAt = 0;
    let depth = 0;
    while (i < s.length) {
      const c = s[i]!;
      if (quote) {
        if (c === '\\' && i + 1 < s.length) { i += 2; continue; }
        if (c === quote) quote = undefined;
        i++;
        continue;
      }
      if (depth === 0 && /\s/.test(c)) break;
      if (c === "'" || c === '"') { quote = c; quoteAt = i; i++; continue; }
      if (c === '{' && (s[i + 1] === '{' || s[i + 1] === '%' || s[i + 1] === '#')) { depth++; i += 2; continue; }
      if ((c === '}' || c === '%' || c === '#') && s[i + 1] === '}' && depth > 0) { depth--; i += 2; continue; }
      i++;
    }
    if (quote) return { error: `unbalanced ${quote === '"' ? 'double' : 'single'} quote`, at: quoteAt };
    words.push({ text: s.slice(start, i), start });
  }
  return { words };
}

function isQuoted(s: string): boolean {
  return s.length > 1 && (s[0] === '"' || s[0] === "'") && s[s.length - 1] === s[0] && s[s.length - 2] !== '\\';
}

function unquote(s: string): string {
  return isQuoted(s) ? s.slice(1, -1) : s;
}

/** Ansible's _decode_escapes: \n, \t, \xNN, \uNNNN, \UNNNNNNNN, octal, \\ and quotes. */
function decodeEscapes(s: string): string {
  const single: Record<string, string> = { '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };
  return s.replace(/\\(U[0-9a-fA-F]{8}|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|[0-7]{1,3}|[\\'"abfnrtv])/g, (_m, e: string) => {
    if (e.length === 1 && e in single) return single[e]!;
    if (/^[0-7]+$/.test(e)) return String.fromCodePoint(parseInt(e, 8));
    return String.fromCodePoint(parseInt(e.slice(1), 16));
  });
}
