// A problem found in a user's file, reported like a compiler error: file:line:col code message.
import type { SourceLocation } from '../model/source.js';

export type Severity = 'error' | 'warning';

export interface Diagnostic {
  severity: Severity;
  /** stable dotted code, e.g. config.unknownKey */
  code: string;
  message: string;
  loc: SourceLocation;
  /** e.g. 'did you mean "apply"?' */
  hint?: string;
}

/**
 * Renders one diagnostic with the offending line and a caret under the column.
 * `source` is the whole file text (or undefined when unavailable).
 */
export function formatDiagnostic(d: Diagnostic, source?: string): string {
  const head = `${d.loc.file}:${d.loc.line}:${d.loc.col} ${d.severity === 'warning' ? 'warning ' : ''}${d.code} ${d.message}`;
  const out = [head];
  const line = source?.split('\n')[d.loc.line - 1];
  if (line !== undefined) {
    const gutter = String(d.loc.line).padStart(5) + ' | ';
    out.push(gutter + line.replace(/\t/g, ' '));
    out.push(' '.repeat(gutter.length + Math.max(0, d.loc.col - 1)) + '^');
  }
  if (d.hint) out.push(`      hint: ${d.hint}`);
  return out.join('\n');
}

/** Closest candidate by edit distance, for "did you mean" hints; undefined when nothing is close. */
export function didYouMean(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestD) { bestD = d; best = c; }
  }
  return best !== undefined && bestD <= Math.max(1, Math.floor(word.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length]!;
}
