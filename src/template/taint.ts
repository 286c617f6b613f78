// Secrets through filters and operators: compute on the real value, and keep whatever comes out secret.
import { Secret } from './quote.js';
import { isMapping } from './values.js';

const MAX_DEPTH = 64;

export function hasSecret(v: unknown, depth = 0): boolean {
  if (v instanceof Secret) return true;
  if (depth > MAX_DEPTH) return false;
  if (Array.isArray(v)) return v.some((x) => hasSecret(x, depth + 1));
  if (isMapping(v)) return Object.values(v).some((x) => hasSecret(x, depth + 1));
  return false;
}

export function revealDeep(v: unknown, depth = 0): unknown {
  if (v instanceof Secret) return v.reveal();
  if (depth > MAX_DEPTH) return v;
  if (Array.isArray(v)) return v.map((x) => revealDeep(x, depth + 1));
  if (isMapping(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, revealDeep(x, depth + 1)]));
  return v;
}

/** Every string in the result becomes a Secret: a value derived from a secret is one. */
export function taint(v: unknown, depth = 0): unknown {
  if (typeof v === 'string') return new Secret(v);
  if (depth > MAX_DEPTH) return v;
  if (Array.isArray(v)) return v.map((x) => taint(x, depth + 1));
  if (isMapping(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, taint(x, depth + 1)]));
  return v;
}

/**
 * Runs `fn` on revealed arguments when any holds a secret, tainting the result; otherwise as is.
 * Booleans and numbers are not tainted (`pw | length` is not a secret worth masking).
 */
export function throughSecrets<R>(args: unknown[], fn: (args: unknown[]) => R): R | unknown {
  if (!args.some((a) => hasSecret(a))) return fn(args);
  return taint(fn(args.map((a) => revealDeep(a))));
}
