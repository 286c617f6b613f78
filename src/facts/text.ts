// Shared helpers for captured command output: line splitting and JSON found inside noisy text.

/**
 * Splits captured output into lines: CRLF/CR normalised, trailing whitespace dropped, and an
 * indentation shared by every non-empty line removed (outputs pasted from docs or mails are often
 * indented as a block). Control characters are left in place on purpose: removing them could turn
 * `sd\x01a` into a valid-looking `sda`; left in, the value fails validation.
 */
export function splitLines(text: string): string[] {
  const lines = String(text)
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((l) => l.replace(/\s+$/, ''));
  let common: string | null = null;
  for (const l of lines) {
    if (l === '') continue;
    const indent = /^[ \t]*/.exec(l)![0];
    if (common === null) common = indent;
    else {
      let i = 0;
      while (i < common.length && i < indent.length && common[i] === indent[i]) i++;
      common = common.slice(0, i);
    }
    if (common === '') break;
  }
  return common ? lines.map((l) => l.slice(common!.length)) : lines;
}

export type JsonRecord = Record<string, unknown>;

export function isRecord(v: unknown): v is JsonRecord {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A string field, or null when absent / not a string / empty after trimming when `trim` is set. */
export function str(v: unknown, trim = false): string | null {
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v !== 'string') return null;
  const s = trim ? v.trim() : v;
  return s === '' ? null : s;
}

export interface JsonExtract {
  /** the parsed value; undefined when none was found or it did not parse */
  value: unknown;
  /** why no value could be read, or null */
  error: string | null;
  /** non-empty lines before and after the JSON document (prompts, warnings on merged stderr) */
  outside: string[];
}

/**
 * Finds the first JSON document in `text` (an object or array starting a line) and parses it.
 * Integers that a JS number cannot hold exactly (64-bit watch cookies) are kept as decimal
 * strings. Never throws.
 */
export function extractJson(text: string): JsonExtract {
  const src = String(text).replace(/\r\n?/g, '\n');
  const start = findJsonStart(src);
  if (start < 0) {
    return { value: undefined, error: 'no JSON document found', outside: nonEmpty(src) };
  }
  const scanned = scanJson(src, start);
  const outside = [...nonEmpty(src.slice(0, start))];
  if (scanned === null) {
    return { value: undefined, error: 'unterminated JSON document', outside };
  }
  outside.push(...nonEmpty(src.slice(scanned.end)));
  try {
    return { value: JSON.parse(scanned.json), error: null, outside };
  } catch (e) {
    return { value: undefined, error: `invalid JSON: ${(e as Error).message}`, outside };
  }
}

function nonEmpty(s: string): string[] {
  return s.split('\n').map((l) => l.trim()).filter((l) => l !== '');
}

function findJsonStart(src: string): number {
  const re = /^[ \t]*([{[])/gm;
  const m = re.exec(src);
  return m ? m.index + m[0].length - 1 : -1;
}

/**
 * Scans one JSON value from `start` (a `{` or `[`) to its matching close, string-aware, and
 * rewrites unsafe integers as strings. Returns null when the brackets never balance.
 */
function scanJson(src: string, start: number): { json: string; end: number } | null {
  let depth = 0;
  const pieces: string[] = [];
  let copied = start;
  let i = start;
  const num = /-?\d+(\.\d+)?([eE][+-]?\d+)?/y;
  while (i < src.length) {
    const c = src.charCodeAt(i);
    if (c === 34 /* " */) {
      let j = i + 1;
      while (j < src.length && src.charCodeAt(j) !== 34) j += src.charCodeAt(j) === 92 /* backslash */ ? 2 : 1;
      if (j >= src.length) return null;
      i = j + 1;
      continue;
    }
    if (c === 45 /* - */ || (c >= 48 && c <= 57)) {
      num.lastIndex = i;
      const m = num.exec(src);
      if (m) {
        const tok = m[0];
        if (m[1] === undefined && m[2] === undefined && tok.length > 15 && !Number.isSafeInteger(Number(tok))) {
          pieces.push(src.slice(copied, i), `"${tok}"`);
          copied = i + tok.length;
        }
        i += tok.length;
        continue;
      }
    }
    if (c === 123 || c === 91) depth++;
    else if (c === 125 || c === 93) {
      depth--;
      if (depth === 0) {
        pieces.push(src.slice(copied, i + 1));
        return { json: pieces.join(''), end: i + 1 };
      }
    }
    i++;
  }
  return null;
}

/** A JSON integer (number or the decimal string extractJson kept) as a decimal string, else null. */
export function intString(v: unknown): string | null {
  if (typeof v === 'number' && Number.isSafeInteger(v)) return String(v);
  if (typeof v === 'string' && /^-?\d{1,25}$/.test(v)) return v;
  return null;
}
