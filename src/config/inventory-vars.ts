// Checks on inventory variables: names must be identifiers, connection variables must have usable values.
import type { SourceLocation } from '../model/source.js';
import type { Diagnostic } from '../errors/diagnostic.js';
import { didYouMean } from '../errors/diagnostic.js';

/** A variable as set in one place, with where its key was written. */
export interface VarEntry {
  value: unknown;
  loc: SourceLocation;
}
export type VarMap = Map<string, VarEntry>;

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Variables fleetsweep reads itself; a near miss of one of these gets a "did you mean". */
export const CONNECTION_VARS = [
  'ansible_host', 'ansible_ssh_host', 'ansible_port', 'ansible_ssh_port', 'ansible_user', 'ansible_ssh_user',
  'ansible_ssh_private_key_file', 'ansible_private_key_file', 'ansible_become', 'ansible_become_user',
  'ansible_connection', 'ansible_group_priority', 'ansible_python_interpreter',
  'fleetsweep_connection', 'fleetsweep_known_hosts', 'fleetsweep_addresses',
] as const;

/** ansible_connection values fleetsweep can serve; everything else (winrm, docker, network_cli) cannot. */
export const SSH_CONNECTIONS = new Set(['ssh', 'smart', 'paramiko', 'paramiko_ssh', 'ansible.builtin.ssh', 'ansible.builtin.paramiko_ssh']);
export const LOCAL_CONNECTIONS = new Set(['local', 'ansible.builtin.local']);

const TRUE_WORDS = new Set(['y', 'yes', 'on', '1', 'true', 't']);
const FALSE_WORDS = new Set(['n', 'no', 'off', '0', 'false', 'f']);

/** Ansible's boolean(): bools, 0/1 and the words yes/no, on/off, true/false, y/n, t/f in any case. */
export function ansibleBoolean(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (v === 1 || v === 0) return v === 1;
  if (typeof v === 'string') {
    const w = v.trim().toLowerCase();
    if (TRUE_WORDS.has(w)) return true;
    if (FALSE_WORDS.has(w)) return false;
  }
  return undefined;
}

/** A value still to be rendered by the template engine: checked when it is used, not here. */
export function isTemplated(v: unknown): boolean {
  return typeof v === 'string' && (v.includes('{{') || v.includes('{%'));
}

/** Port number from an int or a digit string; undefined when not a valid port. */
export function asPort(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*[0-9]+\s*$/.test(v) ? Number(v) : NaN;
  return Number.isInteger(n) && n >= 1 && n <= 65535 ? n : undefined;
}

/** fleetsweep_addresses as a list: a YAML list, a Python list literal from INI, or "a,b c" text. */
export function asAddressList(v: unknown): string[] | undefined {
  if (typeof v === 'string') return v.split(/[\s,]+/).filter((s) => s !== '');
  if (Array.isArray(v) && v.every((x) => typeof x === 'string' && x !== '' && !/\s/.test(x))) return v as string[];
  return undefined;
}

/**
 * Checks one variable as it is set: the name (an identifier, so templates can reach it) and, for the variables
 * fleetsweep interprets, the value. `valueLoc` points at the value when it has its own position.
 */
export function checkVar(key: string, value: unknown, keyLoc: SourceLocation, diags: Diagnostic[], valueLoc: SourceLocation = keyLoc): void {
  if (!IDENTIFIER.test(key)) {
    const guess = didYouMean(key.replace(/-/g, '_'), CONNECTION_VARS) ?? (IDENTIFIER.test(key.replace(/[-.]/g, '_')) ? key.replace(/[-.]/g, '_') : undefined);
    diags.push({
      severity: 'error', code: 'inventory.badVarName', loc: keyLoc,
      message: `variable name "${key}" is not an identifier (letters, digits and _, not starting with a digit)`,
      hint: guess ? `did you mean "${guess}"?` : undefined,
    });
    return;
  }
  if (isTemplated(value)) return;
  const err = (code: string, message: string, hint?: string): void => {
    diags.push({ severity: 'error', code, message, loc: valueLoc, hint });
  };
  switch (key) {
    case 'ansible_port':
    case 'ansible_ssh_port':
      if (asPort(value) === undefined) err('inventory.badPort', `${key} must be a port number 1..65535, got ${show(value)}`);
      break;
    case 'ansible_host':
    case 'ansible_ssh_host':
    case 'ansible_user':
    case 'ansible_ssh_user':
    case 'ansible_become_user':
    case 'ansible_ssh_private_key_file':
    case 'ansible_private_key_file':
    case 'fleetsweep_known_hosts':
      if (!((typeof value === 'string' && value.trim() !== '') || (typeof value === 'number' && Number.isFinite(value)))) {
        err('inventory.badType', `${key} must be a non-empty string, got ${show(value)}`);
      }
      break;
    case 'ansible_become':
      if (ansibleBoolean(value) === undefined) err('inventory.badType', `${key} must be a boolean (true/false, yes/no), got ${show(value)}`);
      break;
    case 'ansible_group_priority':
      if (!(Number.isInteger(value) || (typeof value === 'string' && /^\s*-?[0-9]+\s*$/.test(value)))) {
        err('inventory.badType', `${key} must be an integer, got ${show(value)}`);
      }
      break;
    case 'fleetsweep_connection':
      if (value !== 'ssh' && value !== 'local') err('inventory.badValue', `${key} must be "ssh" or "local", got ${show(value)}`);
      break;
    case 'ansible_connection':
      if (typeof value !== 'string') err('inventory.badType', `${key} must be a string, got ${show(value)}`);
      else if (!SSH_CONNECTIONS.has(value) && !LOCAL_CONNECTIONS.has(value)) {
        // Other plugins (winrm, docker, network_cli) are fine in a shared inventory as long as those hosts are not targeted.
        diags.push({
          severity: 'warning', code: 'inventory.unsupportedConnection', loc: valueLoc,
          message: `ansible_connection "${value}" is not supported by fleetsweep (ssh and local are); these hosts cannot be targeted`,
        });
      }
      break;
    case 'fleetsweep_addresses':
      if (asAddressList(value) === undefined) err('inventory.badType', `${key} must be a list of addresses, got ${show(value)}`);
      break;
    default:
      break;
  }
}

function show(v: unknown): string {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 40 ? s.slice(0, 37) + '...' : s;
}
