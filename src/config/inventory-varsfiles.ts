// group_vars/ and host_vars/ next to an inventory (or a playbook), found and read the way Ansible's
// host_group_vars plugin does: NAME, NAME.yml, NAME.yaml, NAME.json, or a NAME/ directory of such files.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { Diagnostic } from '../errors/diagnostic.js';
import { didYouMean } from '../errors/diagnostic.js';
import type { InventoryBuilder } from './inventory-builder.js';
import { readVars, isNullNode } from './inventory-yaml.js';
import { keyLoc, loadYaml, locOf, pairs } from './yaml-source.js';
import { isMap } from 'yaml';

const VARS_EXTS = ['', '.yml', '.yaml', '.json'];

/**
 * Reads `dir/group_vars` and `dir/host_vars` into the builder. `dirIndex` orders directories (inventory source
 * order); `texts` collects file contents for rendering diagnostics.
 */
export function loadVarsDirs(
  dir: string,
  dirIndex: number,
  slot: 'inventory' | 'playbook',
  b: InventoryBuilder,
  diags: Diagnostic[],
  texts: Map<string, string>,
): void {
  for (const kind of ['group', 'host'] as const) {
    const base = join(dir, `${kind}_vars`);
    if (!isDir(base)) continue;
    // name -> files, in Ansible's lookup order: NAME (file or dir), NAME.yml, NAME.yaml, NAME.json
    const byName = new Map<string, Array<{ rank: number; files: string[]; entry: string; yamlish: boolean }>>();
    for (const entry of listDir(base)) {
      if (skipped(entry)) continue;
      const ext = extname(entry);
      const rank = VARS_EXTS.indexOf(ext);
      if (rank < 0) {
        // a NAME with a dot (host_vars/node1.example.com, as a file or a directory) is the no-extension case;
        // backups and notes (web.yml.bak, NOTES.md) are never looked up by Ansible
        const full = join(base, entry);
        if (isDir(full)) add(byName, entry, { rank: 0, files: dirFiles(full), entry, yamlish: true });
        else if (!/\.(bak|orig|md|txt|rst|swp|retry)$/.test(entry)) add(byName, entry, { rank: 0, files: [full], entry, yamlish: false });
        continue;
      }
      const name = rank === 0 ? entry : entry.slice(0, -ext.length);
      const full = join(base, entry);
      const d = isDir(full);
      add(byName, name, { rank, files: d ? (rank === 0 ? dirFiles(full) : []) : [full], entry, yamlish: d || rank > 0 });
    }
    for (const [name, list] of byName) {
      // Ansible looks files up by the names of hosts and groups, so files for other names are never read
      if (!(kind === 'group' ? b.hasGroup(name) : b.hasHost(name))) {
        const first = list.find((x) => x.yamlish);
        if (first) {
          const guess = didYouMean(name, kind === 'group' ? b.groupNames() : b.hostNames());
          diags.push({
            severity: 'warning', code: 'inventory.unusedVars', loc: { file: join(base, first.entry), line: 1, col: 1 },
            message: `${kind}_vars for "${name}", but the inventory has no ${kind} of that name; it is ignored`,
            hint: guess ? `did you mean "${guess}"?` : undefined,
          });
        }
        continue;
      }
      list.sort((a, b2) => a.rank - b2.rank);
      for (const file of list.flatMap((x) => x.files)) {
        const vars = readVarsFile(file, kind, diags, texts);
        if (vars) b.addFileVars({ kind, name, slot, dir: dirIndex, file, vars });
      }
    }
  }
}

function add<T>(m: Map<string, T[]>, name: string, item: T): void {
  const list = m.get(name) ?? [];
  list.push(item);
  m.set(name, list);
}

/** Files of a group_vars/NAME/ directory, recursively, sorted; subdirectories with an extension are skipped as Ansible does. */
function dirFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of listDir(dir)) {
    if (skipped(entry)) continue;
    const full = join(dir, entry);
    const ext = extname(entry);
    if (isDir(full)) { if (!ext) out.push(...dirFiles(full)); }
    else if (!ext || VARS_EXTS.includes(ext)) out.push(full);
  }
  return out;
}

function readVarsFile(file: string, kind: 'group' | 'host', diags: Diagnostic[], texts: Map<string, string>) {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    diags.push({ severity: 'error', code: 'config.unreadable', message: `cannot read file: ${(err as Error).message}`, loc: { file, line: 1, col: 1 } });
    return undefined;
  }
  texts.set(file, text);
  if (text.startsWith('$ANSIBLE_VAULT')) {
    diags.push({
      severity: 'warning', code: 'inventory.vaultUnsupported', loc: { file, line: 1, col: 1 },
      message: 'this file is Ansible Vault encrypted; fleetsweep cannot decrypt it and ignores its variables',
    });
    return undefined;
  }
  const local: Diagnostic[] = [];
  const ys = loadYaml(file, local, text, { version: '1.1' });
  diags.push(...local.filter((d) => !(d.code === 'yaml.tagResolveFailed' && /!(vault|unsafe)\b/.test(d.message))));
  if (!ys) return undefined;
  const root = ys.doc.contents;
  if (isNullNode(root)) return new Map();
  if (!isMap(root)) {
    diags.push({ severity: 'error', code: 'inventory.badType', loc: locOf(ys, root), message: `a ${kind}_vars file must be a mapping of variable names to values` });
    return undefined;
  }
  if (kind === 'group') {
    const prio = pairs(root).find((p) => p.key === 'ansible_group_priority');
    if (prio) {
      diags.push({
        severity: 'warning', code: 'inventory.groupPriorityIgnored', loc: keyLoc(ys, prio.pair),
        message: 'ansible_group_priority only takes effect in the inventory file itself; Ansible ignores it in group_vars',
      });
    }
  }
  return readVars(ys, root, diags);
}

function skipped(entry: string): boolean {
  return entry.startsWith('.') || entry.endsWith('~');
}

export function isDir(p: string): boolean {
  try { return statSync(p).isDirectory(); } catch { return false; }
}

function listDir(p: string): string[] {
  try { return readdirSync(p).sort(); } catch { return []; }
}
