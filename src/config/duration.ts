// Durations as users write them in playbooks: seconds as a number (Ansible's way) or "500ms", "30s", "5m", "1h", "1m30s".

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;

/** Accepted spellings, for hints and the schema. */
export const DURATION_PATTERN = '^(\\d+(\\.\\d+)?(ms|s|m|h))+$|^\\d+(\\.\\d+)?$';
export const DURATION_HINT = 'write seconds as a number (30) or a duration string like "500ms", "30s", "5m", "1h", "1m30s"';

/**
 * Milliseconds for a duration value, or undefined when it is not one.
 * Numbers (and numeric strings) are seconds. Negative, NaN and infinite values are refused;
 * zero is returned as 0 and callers that need a positive deadline check for it.
 */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? Math.round(value * 1000) : undefined;
  if (typeof value !== 'string') return undefined;
  const s = value.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Math.round(Number(s) * 1000);
  if (s === '') return undefined;
  PART.lastIndex = 0;
  let ms = 0;
  let end = 0;
  for (let m = PART.exec(s); m; m = PART.exec(s)) {
    ms += Number(m[1]) * UNIT_MS[m[2]!]!;
    end = PART.lastIndex;
  }
  return end === s.length ? Math.round(ms) : undefined;
}

/** "1500" -> "1.5s", for messages. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  if (ms < 60_000) return `${+(ms / 1000).toFixed(3)}s`;
  if (ms < 3_600_000) return `${+(ms / 60_000).toFixed(2)}m`;
  return `${+(ms / 3_600_000).toFixed(2)}h`;
}
