// Parsers for flag values; a bad value is a usage error (exit 2) that names the flag.
import { UsageError } from '../errors/index.js';

export function positiveInt(flag: string) {
  return (v: string): number => {
    if (!/^\d+$/.test(v) || Number(v) < 1) throw new UsageError('usage.badValue', `${flag} takes a whole number ≥ 1, got "${v}"`);
    return Number(v);
  };
}

/** "30", "30s", "500ms", "5m", "1h" → milliseconds. */
export function durationMs(flag: string) {
  return (v: string): number => {
    const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(v.trim());
    if (!m) throw new UsageError('usage.badValue', `${flag} takes a duration like 30s, 500ms, 5m; got "${v}"`);
    const mult = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
    return Math.round(Number(m[1]) * mult);
  };
}

export function collect(v: string, prev: string[] = []): string[] {
  return [...prev, v];
}

/** --tags a,b --tags c → [a, b, c] */
export function collectCsv(v: string, prev: string[] = []): string[] {
  return [...prev, ...v.split(',').map((s) => s.trim()).filter(Boolean)];
}
