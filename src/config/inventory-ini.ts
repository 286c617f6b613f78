// Ansible's INI inventory format: [group], [group:vars], [group:children], host lines with inline key=value vars.
import type { SourceLocation } from '../model/source.js';
import type { Diagnostic } from '../errors/diagnostic.js';
import { didYouMean } from '../errors/diagnostic.js';
import type { InventoryBuilder } from './inventory-builder.js';
import { parseHostKey } from './inventory-hostpattern.js';
import { pyLiteral, shlexSplit } from './inventory-ini-values.js';
import { checkVar } from './inventory-vars.js';
import { checkGroupName } from './inventory-names.js';

// Ansible's own patterns (plugins/inventory/ini.py): a section is [name] or [name:type], optionally followed by a # comment.
const SECTION = /^\[([^:\]\s]+)(?::(\w+))?\]\s*(?:#.*)?$/;
const GROUP_LINE = /^([^:\]\s]+)\s*(?:#.*)?$/;
const SECTION_TYPES = ['hosts', 'vars', 'children'] as const;
type State = (typeof SECTION_TYPES)[number] | 'skip';

/**
 * Reads one INI inventory into the builder. Like Ansible, lines before any section are hosts of 'ungrouped';
 * `#` and `;` start comment lines. Unlike Ansible, which stops at the first problem, every problem is reported.
 */
export function parseIni(file: string, text: string, b: InventoryBuilder, diags: Diagnostic[]): void {
  let group = 'ungrouped';
  let state: State = 'hosts';
  let sectionKeys = new Set<string>();
  const lines = text.split(/\r?\n/);
  for (let ln = 0; ln < lines.length; ln++) {
    const raw = lines[ln]!;
    const line = raw.trim();
    if (line === '' || line[0] === '#' || line[0] === ';') continue;
    const lead = raw.length - raw.trimStart().length;
    const at = (offset: number): SourceLocation => ({ file, line: ln + 1, col: lead + offset + 1 });
    const err = (code: string, offset: number, message: string, hint?: string): void => {
      diags.push({ severity: 'error', code, message, loc: at(offset), hint });
    };

    const m = SECTION.exec(line);
    if (m) {
      const name = m[1]!;
      const type = m[2] ?? 'hosts';
      sectionKeys = new Set();
      if (!(SECTION_TYPES as readonly string[]).includes(type)) {
        const guess = didYouMean(type, SECTION_TYPES);
        err('inventory.iniSyntax', name.length + 2, `section [${name}:${type}] has unknown type "${type}"; expected vars or children`, guess ? `did you mean "${guess}"?` : undefined);
        state = 'skip';
        continue;
      }
      checkGroupName(name, at(1), diags);
      group = name;
      state = type as State;
      if (state === 'vars') {
        b.group(name, at(0));
        b.requireGroup({ group: name, loc: at(1), kind: 'vars' });
      } else {
        b.group(name, at(0), true);
      }
      continue;
    }
    if (line.startsWith('[') && /\]$/.test(line.replace(/\s*[#;].*$/, ''))) {
      err('inventory.iniSyntax', 0, `invalid section header ${line}`, 'a section is [group], [group:vars] or [group:children], without spaces inside the brackets');
      state = 'skip';
      continue;
    }

    switch (state) {
      case 'skip':
        break;
      case 'hosts':
        hostLine(line, at, err, group, b, diags);
        break;
      case 'vars': {
        const eq = line.indexOf('=');
        if (eq < 0) {
          err('inventory.iniSyntax', 0, `expected key=value in [${group}:vars], got "${line}"`);
          break;
        }
        const key = line.slice(0, eq).trim();
        const text = line.slice(eq + 1).trim();
        const valueOffset = eq + 1 + (line.length - eq - 1 - line.slice(eq + 1).trimStart().length);
        const value = pyLiteral(text);
        if (typeof value === 'string' && /\s[#;]/.test(value)) {
          diags.push({
            severity: 'warning', code: 'inventory.iniComment', loc: at(valueOffset + value.search(/\s[#;]/) + 1),
            message: `the value of ${key} includes the comment: Ansible keeps "${value}" as the value`,
            hint: 'put comments on their own line in [group:vars] sections',
          });
        }
        if (sectionKeys.has(key)) {
          diags.push({ severity: 'warning', code: 'inventory.duplicateKey', loc: at(0), message: `${key} is set twice in [${group}:vars]; the last value wins` });
        }
        sectionKeys.add(key);
        checkVar(key, value, at(0), diags, at(valueOffset));
        b.setGroupVar(group, key, value, at(0));
        break;
      }
      case 'children': {
        const c = GROUP_LINE.exec(line);
        if (!c) {
          err('inventory.iniSyntax', 0, `expected a group name in [${group}:children], got "${line}"`, 'hosts go in [group] sections; [group:children] lists only group names');
          break;
        }
        const child = c[1]!;
        checkGroupName(child, at(0), diags);
        b.group(child, at(0));
        b.requireGroup({ group: child, loc: at(0), kind: 'child', parent: group });
        b.addChild(group, child, at(0));
        break;
      }
    }
  }
}

function hostLine(
  line: string,
  at: (offset: number) => SourceLocation,
  err: (code: string, offset: number, message: string, hint?: string) => void,
  group: string,
  b: InventoryBuilder,
  diags: Diagnostic[],
): void {
  const split = shlexSplit(line);
  if ('error' in split) {
    err('inventory.iniSyntax', split.at, `cannot split host line: ${split.error}`, 'quote values that contain spaces, e.g. key="a b"');
    return;
  }
  const [first, ...rest] = split.tokens;
  if (!first || b.isFull) return;
  const parsed = parseHostKey(first.text);
  if ('error' in parsed) {
    err(parsed.error.code, first.start + parsed.error.at, parsed.error.message, parsed.error.hint);
    return;
  }
  const vars: Array<{ key: string; value: unknown; loc: SourceLocation }> = [];
  const seen = new Set<string>();
  for (const [i, t] of rest.entries()) {
    const eq = t.text.indexOf('=');
    if (eq <= 0) {
      const spaced = eq === 0 || rest[i + 1]?.text.startsWith('=') === true;
      err('inventory.iniSyntax', t.start, `expected key=value host variable, got "${t.text}"`,
        spaced ? 'write key=value without spaces around "="' : 'quote values that contain spaces, e.g. key="a b"');
      return;
    }
    const key = t.text.slice(0, eq);
    const value = pyLiteral(t.text.slice(eq + 1));
    if (seen.has(key)) diags.push({ severity: 'warning', code: 'inventory.duplicateKey', loc: at(t.start), message: `${key} is set twice on this host line; the last value wins` });
    seen.add(key);
    checkVar(key, value, at(t.start), diags, at(t.start + eq + 1));
    vars.push({ key, value, loc: at(t.start) });
  }
  for (const h of parsed.hosts) {
    b.addHost(h, group, at(first.start));
    if (parsed.port !== undefined) b.setHostVar(h, 'ansible_port', parsed.port, at(first.start));
    for (const v of vars) b.setHostVar(h, v.key, v.value, v.loc);
  }
}
