// Loads Ansible inventories (INI, YAML/JSON, directories of them, "host1,host2," lists) into the Inventory model.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import type { Inventory } from '../model/inventory.js';
import type { Diagnostic } from '../errors/diagnostic.js';
import { didYouMean } from '../errors/diagnostic.js';
import { ConfigError } from '../errors/config-error.js';
import { InventoryBuilder } from './inventory-builder.js';
import { parseIni } from './inventory-ini.js';
import { parseYamlInventory, isNullNode } from './inventory-yaml.js';
import { isDir, loadVarsDirs } from './inventory-varsfiles.js';
import { parseHostKey } from './inventory-hostpattern.js';
import { loadYaml, YAML_LIMITS } from './yaml-source.js';
import { isMap } from 'yaml';

export interface LoadInventoryOptions {
  /** group_vars/ and host_vars/ next to the playbook, which Ansible ranks above the inventory's own */
  playbookDir?: string;
}

export interface InventoryReport {
  /** undefined when there were errors */
  inventory?: Inventory;
  /** errors and warnings, in file order */
  diagnostics: Diagnostic[];
  /** file path -> text, for rendering diagnostics */
  sources: Map<string, string>;
}

/** Extensions Ansible skips in an inventory directory (INVENTORY_IGNORE_EXTS of ansible-core 2.19). */
const IGNORED_EXTS = ['.orig', '.cfg', '.retry', '.pyc', '.pyo', '.swp', '.bak', '.rpm', '.md', '.txt', '.rst'];
const IGNORED_NAMES = new Set(['group_vars', 'host_vars', 'vars_plugins']);

/**
 * Loads and merges inventory sources in order: hosts and groups are unions, and a variable set again by a later
 * source overrides the earlier value at the same level. Throws ConfigError carrying every problem of every file;
 * warnings are available through loadInventoryReport.
 *
 * A host's variables are resolved with Ansible's precedence, lowest first:
 *   1. `all` vars written in inventory files
 *   2. other groups' vars written in inventory files, by depth below all, then ansible_group_priority, then name
 *   3. group_vars/all next to the inventory (then next to the playbook)
 *   4. group_vars/<group> next to the inventory (then next to the playbook), groups ordered as in 2
 *   5. host vars written in inventory files (including a `host:port` suffix as ansible_port)
 *   6. host_vars/<host> next to the inventory (then next to the playbook)
 * Extra vars (-e) rank above all of these; the runner applies them.
 */
export function loadInventory(paths: string[], opts: LoadInventoryOptions = {}): Inventory {
  const r = loadInventoryReport(paths, opts);
  if (!r.inventory) throw new ConfigError(r.diagnostics, r.sources);
  return r.inventory;
}

/** Like loadInventory, but returns the diagnostics (warnings too) instead of throwing. */
export function loadInventoryReport(paths: string[], opts: LoadInventoryOptions = {}): InventoryReport {
  const diags: Diagnostic[] = [];
  const sources = new Map<string, string>();
  const b = new InventoryBuilder(diags);
  const varsDirs: string[] = [];
  for (const p of paths) {
    if (isDir(p)) {
      parseDirectory(p, b, diags, sources);
      varsDirs.push(p);
    } else if (exists(p)) {
      parseFile(p, b, diags, sources);
      varsDirs.push(dirname(p));
    } else if (p.includes(',')) {
      // host names hold no '/': a list that went through path.resolve() is the part after the last one
      const slash = p.lastIndexOf('/');
      parseHostList(slash >= 0 && isDir(p.slice(0, slash) || '/') ? p.slice(slash + 1) : p, b, diags);
    } else {
      diags.push({
        severity: 'error', code: 'inventory.notFound', loc: { file: p, line: 1, col: 1 },
        message: 'inventory source does not exist',
        hint: existingNear(p),
      });
    }
  }
  const seenDirs = new Set<string>();
  let dirIndex = 0;
  for (const d of varsDirs) {
    const key = resolve(d);
    if (seenDirs.has(key)) continue;
    seenDirs.add(key);
    loadVarsDirs(d, dirIndex++, 'inventory', b, diags, sources);
  }
  if (opts.playbookDir !== undefined && !seenDirs.has(resolve(opts.playbookDir))) {
    loadVarsDirs(opts.playbookDir, dirIndex++, 'playbook', b, diags, sources);
  }
  b.checkPending();
  const inventory = b.build(paths);
  for (const name of diags.some((d) => d.severity === 'error') ? [] : inventory.groups.keys()) {
    const h = inventory.hosts.get(name);
    if (h) diags.push({ severity: 'warning', code: 'inventory.hostGroupClash', loc: h.loc ?? { file: paths[0] ?? '<inventory>', line: 1, col: 1 }, message: `"${name}" is both a host and a group; patterns select the group` });
  }
  if (inventory.hosts.size === 0 && paths.length > 0 && !diags.some((d) => d.severity === 'error')) {
    diags.push({ severity: 'warning', code: 'inventory.noHosts', loc: { file: paths[0]!, line: 1, col: 1 }, message: 'the inventory has no hosts' });
  }
  const failed = diags.some((d) => d.severity === 'error');
  return failed ? { diagnostics: diags, sources } : { inventory, diagnostics: diags, sources };
}

/**
 * The inventory used when no -i is given: `localhost` with a local connection, so a first run needs no set-up
 * (Ansible's implicit localhost).
 */
export function implicitLocalhost(): Inventory {
  const b = new InventoryBuilder([]);
  const loc = { file: '<implicit>', line: 1, col: 1 };
  b.addHost('localhost', undefined, loc);
  b.setHostVar('localhost', 'ansible_connection', 'local', loc);
  const inv = b.build([]);
  const h = inv.hosts.get('localhost')!;
  h.origins['ansible_connection'] = { scope: 'default', loc };
  return inv;
}

function parseDirectory(dir: string, b: InventoryBuilder, diags: Diagnostic[], sources: Map<string, string>): void {
  let entries: string[];
  try {
    entries = readdirSync(dir).sort();
  } catch (err) {
    diags.push({ severity: 'error', code: 'config.unreadable', loc: { file: dir, line: 1, col: 1 }, message: `cannot list directory: ${(err as Error).message}` });
    return;
  }
  for (const e of entries) {
    if (e.startsWith('.') || IGNORED_NAMES.has(e) || e.endsWith('~') || IGNORED_EXTS.includes(extname(e))) continue;
    const full = join(dir, e);
    // subdirectories are inventory sources too; their group_vars/ are not read (Ansible reads only the top one's)
    if (isDir(full)) parseDirectory(full, b, diags, sources);
    else parseFile(full, b, diags, sources);
  }
}

type Format = 'yaml' | 'ini' | 'script' | 'vault';

function parseFile(file: string, b: InventoryBuilder, diags: Diagnostic[], sources: Map<string, string>): void {
  let text: string;
  try {
    if (statSync(file).size > YAML_LIMITS.maxBytes) {
      diags.push({ severity: 'error', code: 'config.tooLarge', message: `file is larger than ${YAML_LIMITS.maxBytes} bytes`, loc: { file, line: 1, col: 1 } });
      return;
    }
    text = readFileSync(file, 'utf8');
  } catch (err) {
    diags.push({ severity: 'error', code: 'config.unreadable', message: `cannot read file: ${(err as Error).message}`, loc: { file, line: 1, col: 1 } });
    return;
  }
  sources.set(file, text);
  const format = detectFormat(file, text);
  switch (format) {
    case 'script':
      diags.push({
        severity: 'error', code: 'inventory.scriptUnsupported', loc: { file, line: 1, col: 1 },
        message: 'this is an executable inventory script; fleetsweep does not run inventory scripts',
        hint: `save its output once and pass that: ansible-inventory -i ${basename(file)} --list > inventory.json`,
      });
      return;
    case 'vault':
      diags.push({ severity: 'error', code: 'inventory.vaultUnsupported', loc: { file, line: 1, col: 1 }, message: 'this inventory is Ansible Vault encrypted; fleetsweep cannot decrypt it' });
      return;
    case 'ini':
      parseIni(file, text, b, diags);
      return;
    case 'yaml': {
      const local: Diagnostic[] = [];
      const ys = loadYaml(file, local, text, { version: '1.1' });
      // !vault and !unsafe are Ansible's own tags; readVars deals with them
      diags.push(...local.filter((d) => !(d.code === 'yaml.tagResolveFailed' && /!(vault|unsafe)\b/.test(d.message))));
      if (ys) parseYamlInventory(ys, b, diags);
      return;
    }
  }
}

/**
 * By extension first (.yml/.yaml/.json, .ini); otherwise by content, as Ansible tries its yaml plugin before
 * the ini one: a file whose first line is a [section] is INI, one that parses as a YAML mapping is YAML.
 */
export function detectFormat(file: string, text: string): Format {
  if (text.startsWith('#!')) return 'script';
  if (text.startsWith('$ANSIBLE_VAULT')) return 'vault';
  const ext = extname(file).toLowerCase();
  if (ext === '.yml' || ext === '.yaml' || ext === '.json') return 'yaml';
  if (ext === '.ini') return 'ini';
  const first = text.split(/\r?\n/).map((l) => l.trim()).find((l) => l !== '' && !l.startsWith('#') && !l.startsWith(';'));
  if (first === undefined || first.startsWith('[')) return 'ini';
  if (first === '---' || first.startsWith('{')) return 'yaml';
  const probe: Diagnostic[] = [];
  const ys = loadYaml(file, probe, text, { version: '1.1' });
  return ys && probe.every((d) => d.severity !== 'error') && isMap(ys.doc.contents) && !isNullNode(ys.doc.contents) ? 'yaml' : 'ini';
}

/** `-i 'host1,host2:2222,'`: Ansible's host_list source, for quick runs without an inventory file. */
function parseHostList(list: string, b: InventoryBuilder, diags: Diagnostic[]): void {
  let offset = 0;
  for (const part of list.split(',')) {
    const name = part.trim();
    const loc = { file: '<host list>', line: 1, col: offset + part.indexOf(name) + 1 };
    offset += part.length + 1;
    if (name === '' || b.isFull) continue;
    const parsed = parseHostKey(name);
    if ('error' in parsed) {
      diags.push({ severity: 'error', code: parsed.error.code, message: parsed.error.message, loc: { ...loc, col: loc.col + parsed.error.at } });
      continue;
    }
    for (const h of parsed.hosts) {
      b.addHost(h, undefined, loc);
      if (parsed.port !== undefined) b.setHostVar(h, 'ansible_port', parsed.port, loc);
    }
  }
}

function exists(p: string): boolean {
  try { statSync(p); return true; } catch { return false; }
}

function existingNear(p: string): string | undefined {
  try {
    const dir = dirname(p);
    const guess = didYouMean(basename(p), readdirSync(dir));
    return guess ? `did you mean "${join(dir, guess)}"?` : undefined;
  } catch {
    return undefined;
  }
}
