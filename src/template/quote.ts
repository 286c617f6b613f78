// Quoting for POSIX sh (dash, busybox: no bash $'...') and commands built as values with secrets masked.
import { inspect } from 'node:util';
import { TemplateError } from './template-error.js';

/** Words that mean the same quoted or not. `-` is allowed: a leading dash is a data matter (use `--`), not quoting. */
const BARE = /^[A-Za-z0-9_@%+=:,./-]+$/;
/** `A=b` as a command's first word is an assignment, not a word: never leave that shape bare. */
const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;

export const MASK = '******';

/**
 * Quotes one string so POSIX sh reads it back as exactly one literal word.
 * Single quotes keep everything literal except `'` itself, written as `'\''`. Any string round-trips
 * (newlines, non-ASCII, `$(...)`, backticks) except NUL, which no argv can carry. A value starting
 * with `-` stays a word that a program may still read as an option: that is the caller's data to check.
 */
export function shq(value: string): string {
  if (value.includes('\0')) throw nulError();
  if (value === '') return "''";
  if (BARE.test(value) && !ASSIGNMENT.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Escapes a value for use inside a double-quoted sh string the template author opened. */
export function dqEscape(value: string): string {
  if (value.includes('\0')) throw nulError();
  return value.replace(/[\\$`"]/g, '\\$&');
}

/** Escapes a value for use inside a single-quoted sh string the template author opened. */
export function sqEscape(value: string): string {
  if (value.includes('\0')) throw nulError();
  return value.replace(/'/g, `'\\''`);
}

function nulError(): TemplateError {
  return new TemplateError('template.nulByte', 'a NUL byte cannot be passed to a shell command');
}

/** A value that must never be printed: commands carry it in `text` and show `'******'` in `masked`. */
export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  /** The real value; only the command text handed to a transport should ever contain it. */
  reveal(): string {
    return this.#value;
  }
  toString(): string {
    return MASK;
  }
  toJSON(): string {
    return MASK;
  }
  [inspect.custom](): string {
    return `Secret(${MASK})`;
  }
}

export function secret(value: string | number): Secret {
  return new Secret(String(value));
}

/**
 * What the `quote` filter returns: in a command it is quoted for wherever it lands (like any value,
 * so `"{{ x | quote }}"` cannot turn into an expansion inside the author's double quotes); as text it is `shq(value)`.
 */
export class QuotedWord {
  constructor(readonly value: string) {}
  toString(): string {
    return shq(this.value);
  }
}

/** A command ready to run: `text` goes to the transport, `masked` to logs, events and journals. */
export interface ShellCommand {
  readonly text: string;
  readonly masked: string;
  /** the masked form, so an accidental `${cmd}` in a log line cannot leak a secret */
  toString(): string;
}

class Command implements ShellCommand {
  constructor(readonly text: string, readonly masked: string) {}
  toString(): string {
    return this.masked;
  }
}

/** Only commands built here are trusted as already quoted; a look-alike object from data is not. */
export function isShellCommand(value: unknown): value is ShellCommand {
  return value instanceof Command;
}

export function shellCommand(text: string, masked: string = text): ShellCommand {
  return new Command(text, masked);
}

/** Inserts `text` unquoted: the explicit opt-out, for operators or flags the author wrote. */
export function raw(text: string): ShellCommand {
  if (text.includes('\0')) throw nulError();
  return new Command(text, text);
}

/**
 * Tagged template for commands: ``sh`rbd unmap ${dev}` ``. Every value is quoted with `shq`;
 * arrays become several words; `Secret`s are masked in `masked`; a nested ShellCommand (or `raw`)
 * is inserted as is; objects are quoted as JSON; null and undefined are errors, not empty words.
 */
export function sh(strings: TemplateStringsArray, ...values: unknown[]): ShellCommand {
  let text = strings[0] ?? '';
  let masked = text;
  values.forEach((value, i) => {
    const [t, m] = quoteValue(value, i);
    text += t + (strings[i + 1] ?? '');
    masked += m + (strings[i + 1] ?? '');
  });
  return new Command(text, masked);
}

function quoteValue(value: unknown, index: number): [string, string] {
  if (value instanceof Command) return [value.text, value.masked];
  if (value instanceof Secret) return [shq(value.reveal()), `'${MASK}'`];
  if (Array.isArray(value)) {
    const parts = value.map((v) => quoteValue(v, index));
    return [parts.map((p) => p[0]).join(' '), parts.map((p) => p[1]).join(' ')];
  }
  if (value === null || value === undefined) {
    throw new TemplateError('template.undefined', `sh: interpolated value #${index + 1} is ${String(value)}`);
  }
  if (typeof value === 'object') return [shq(toJson(value, true)), shq(toJson(value, false))];
  const q = shq(String(value));
  return [q, q];
}

/** JSON text of data that may hold secrets: revealed for a command's text, masked for everything else. */
export function toJson(value: unknown, reveal: boolean, indent?: number): string {
  const out = JSON.stringify(
    value,
    function (this: Record<string, unknown>, key: string, v: unknown) {
      // toJSON has already masked a Secret by the time the replacer sees it; the holder still has it
      const original = this[key];
      return reveal && original instanceof Secret ? original.reveal() : v;
    },
    indent,
  );
  return out ?? 'null';
}
