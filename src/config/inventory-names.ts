// Group names: anything Ansible accepts, except characters that host patterns give a meaning to.
import type { SourceLocation } from '../model/source.js';
import type { Diagnostic } from '../errors/diagnostic.js';

/**
 * Ansible only warns about group names that are not identifiers (k8s-workers is common and works), so we accept
 * them. Names holding pattern syntax (, : ! & * ? [ ] ~ @ or spaces) could never be selected by a pattern.
 */
export function checkGroupName(name: string, loc: SourceLocation, diags: Diagnostic[]): boolean {
  const m = /[\s,:!&*?[\]~@=]/.exec(name);
  if (name === '' || m) {
    diags.push({
      severity: 'error', code: 'inventory.badGroupName', loc,
      message: name === '' ? 'empty group name' : `group name "${name}" contains "${m![0]}", which host patterns use as syntax`,
      hint: 'use letters, digits, "_" and "-"',
    });
    return false;
  }
  return true;
}
