// POSIX sh quoting private to transport (the template layer has its own `shq`; to be deduplicated).

/** Quotes `s` as one word for any POSIX sh (dash, busybox, bash): single quotes, `'` as `'\''`. */
export function shq(s: string): string {
  if (s.includes('\0')) throw new TypeError('a NUL byte cannot be passed to sh');
  if (/^[A-Za-z0-9_@%+:,./-]+$/.test(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function isEnvName(name: string): boolean {
  return ENV_NAME.test(name);
}

/** `export A='x' B='y'; ` or '' when there is nothing to export. Names must be valid (checked by the caller). */
export function exportsFor(env: Record<string, string> | undefined): string {
  const entries = Object.entries(env ?? {});
  if (entries.length === 0) return '';
  return `export ${entries.map(([k, v]) => `${k}=${shq(v)}`).join(' ')}; `;
}
