// A template that cannot be compiled or rendered: a config problem, reported at the template's file:line:col.
import { FleetError } from '../errors/fleet-error.js';
import { ExitCode } from '../errors/exit-codes.js';
import type { Diagnostic } from '../errors/diagnostic.js';
import type { SourceLocation } from '../model/source.js';

export type TemplateErrorCode =
  /** the text does not parse as a template or expression */
  | 'template.syntax'
  /** a variable or attribute has no value (or is null where a command needs a value) */
  | 'template.undefined'
  /** an unknown filter or test */
  | 'template.filter'
  /** output, loop or string growth passed a cap */
  | 'template.tooLarge'
  /** a variable's value refers back to itself */
  | 'template.recursiveVar'
  /** a NUL byte cannot be passed to a remote command */
  | 'template.nulByte'
  /** a value was interpolated where the shell could not keep it literal (comment, heredoc, ...) */
  | 'template.shellContext'
  /** member access that could reach JavaScript internals (constructor, __proto__, prototype) */
  | 'template.forbidden'
  /** any other failure while evaluating (type errors, bad regex, bad JSON, division by zero) */
  | 'template.render';

export class TemplateError extends FleetError {
  declare readonly code: TemplateErrorCode;
  /** best-effort position in the user's file: the template's own location shifted by the offset inside it */
  readonly loc: SourceLocation | undefined;
  readonly hint: string | undefined;
  /** 1-based position inside the template text, set by whoever knows it first (innermost wins) */
  pos: { line: number; col: number } | undefined;
  constructor(code: TemplateErrorCode, message: string, opts: { loc?: SourceLocation; hint?: string; cause?: unknown } = {}) {
    super(code, message, { exitCode: ExitCode.CONFIG, cause: opts.cause });
    this.loc = opts.loc;
    this.hint = opts.hint;
  }

  /** The same problem as a diagnostic, so config validation can list it with the others. */
  toDiagnostic(fallback: SourceLocation): Diagnostic {
    const d: Diagnostic = { severity: 'error', code: this.code, message: this.message, loc: this.loc ?? fallback };
    if (this.hint !== undefined) d.hint = this.hint;
    return d;
  }

  /** A copy pointing somewhere else (errors raised deep inside a render learn their file position late). */
  at(loc: SourceLocation | undefined, prefix = ''): TemplateError {
    const e = new TemplateError(this.code, prefix + this.message, { loc, hint: this.hint, cause: this.cause });
    return e;
  }
}

/**
 * Maps a (1-based) line/col inside the template text onto the file. Exact for single-line
 * templates; for later lines of a block scalar the column is relative to the block's indentation.
 */
export function locate(base: SourceLocation | undefined, line: number, col: number): SourceLocation | undefined {
  if (!base) return undefined;
  if (line <= 1) return { file: base.file, line: base.line, col: base.col + Math.max(0, col - 1) };
  return { file: base.file, line: base.line + line - 1, col: Math.max(1, col) };
}
