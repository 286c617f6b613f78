// Public surface of the template layer: rendering (engine.ts), quoting (quote.ts), unsafe marking (vars.ts).
export { renderCommand, renderArgv, renderString, evaluate, evaluateBool, checkSyntax, TemplateError, type TmplLike } from './engine.js';
export { shq, sh, raw, secret, Secret, isShellCommand, type ShellCommand } from './quote.js';
export { unsafe, withData, withConfig } from './vars.js';
export { FILTER_NAMES, TEST_NAMES, registerFilters } from './filters.js';
export type { TemplateErrorCode } from './template-error.js';
