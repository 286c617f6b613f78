// Ansible's YAML inventory format (also .json), and the JSON that `ansible-inventory --list` prints.
import { isAlias, isMap, isScalar, isSeq, Scalar, type Node, type Pair, type YAMLMap } from 'yaml';
import type { SourceLocation } from '../model/source.js';
import type { Diagnostic } from '../errors/diagnostic.js';
import { didYouMean } from '../errors/diagnostic.js';
import type { InventoryBuilder } from './inventory-builder.js';
import { badHostName, parseHostKey } from './inventory-hostpattern.js';
import { checkGroupName } from './inventory-names.js';
import { checkVar, type VarMap } from './inventory-vars.js';
import { isMergeKey, keyLoc, locOf, pairs, toJS, type YamlSource } from './yaml-source.js';

const GROUP_KEYS = ['hosts', 'vars', 'children'] as const;

/** The node an alias (`*defaults`) points to, or the node itself. */
function deref(ys: YamlSource, node: unknown): unknown {
  return isAlias(node) ? node.resolve(ys.doc) : node;
}

export function isNullNode(node: unknown): boolean {
  return node === null || node === undefined || (isScalar(node) && node.value === null);
}

/** Reads a YAML inventory: top-level keys are groups (usually just `all`), each with hosts, vars and children. */
export function parseYamlInventory(ys: YamlSource, b: InventoryBuilder, diags: Diagnostic[]): void {
  const root = ys.doc.contents;
  if (isNullNode(root)) return;
  if (!isMap(root)) {
    diags.push({ severity: 'error', code: 'inventory.badType', loc: locOf(ys, root), message: 'a YAML inventory must be a mapping of group names (usually `all:`)' });
    return;
  }
  const top = pairs(root);
  const plugin = top.find((p) => p.key === 'plugin');
  if (plugin) {
    diags.push({
      severity: 'error', code: 'inventory.pluginUnsupported', loc: keyLoc(ys, plugin.pair),
      message: 'this is the configuration of an Ansible inventory plugin, not an inventory; fleetsweep reads static inventories',
      hint: 'export it once: ansible-inventory -i THIS_FILE --list > inventory.json, and pass inventory.json',
    });
    return;
  }
  if (isScriptFormat(root)) {
    parseScriptFormat(ys, root, b, diags);
    return;
  }
  for (const { key, pair } of top) parseGroup(ys, key, pair, undefined, b, diags);
}

function parseGroup(ys: YamlSource, name: string, pair: Pair, parent: string | undefined, b: InventoryBuilder, diags: Diagnostic[]): void {
  const loc = keyLoc(ys, pair);
  if (!checkGroupName(name, loc, diags)) return;
  b.group(name, loc, true);
  if (parent !== undefined) b.addChild(parent, name, loc);
  const node = deref(ys, pair.value);
  if (isNullNode(node)) return;
  if (!isMap(node)) {
    diags.push({
      severity: 'error', code: 'inventory.badType', loc: locOf(ys, node),
      message: `group "${name}" must be a mapping with hosts, vars and children (or empty), got ${kind(node)}`,
      hint: isScalar(node) || isSeq(node) ? `list its hosts under "hosts:", one "name:" per line` : undefined,
    });
    return;
  }
  for (const { key, pair: p } of pairs(node)) {
    const v = deref(ys, p.value);
    switch (key) {
      case 'hosts': {
        if (isNullNode(v)) break;
        if (isScalar(v)) { addHost(ys, String(v.value), p, v, undefined, name, b, diags); break; }
        if (!isMap(v)) { sectionTypeError(ys, name, key, v, diags); break; }
        for (const { key: h, pair: hp } of pairs(v)) addHost(ys, h, hp, hp.key, deref(ys, hp.value), name, b, diags);
        break;
      }
      case 'vars': {
        if (isNullNode(v)) break;
        if (!isMap(v)) { sectionTypeError(ys, name, key, v, diags); break; }
        for (const [k, e] of readVars(ys, v, diags)) b.setGroupVar(name, k, e.value, e.loc);
        break;
      }
      case 'children': {
        if (isNullNode(v)) break;
        if (isScalar(v)) {
          // Ansible accepts `children: name` as {name: null}
          const child = String(v.value);
          if (checkGroupName(child, locOf(ys, v), diags)) { b.group(child, locOf(ys, v), true); b.addChild(name, child, locOf(ys, v)); }
          break;
        }
        if (!isMap(v)) { sectionTypeError(ys, name, key, v, diags); break; }
        for (const { key: c, pair: cp } of pairs(v)) parseGroup(ys, c, cp, name, b, diags);
        break;
      }
      default: {
        const guess = didYouMean(key, GROUP_KEYS);
        diags.push({
          severity: 'error', code: 'inventory.unknownKey', loc: keyLoc(ys, p),
          message: `unknown key "${key}" in group "${name}"; a group has only hosts, vars and children`,
          hint: guess ? `did you mean "${guess}"?` : 'hosts go under `hosts:`, variables under `vars:`, subgroups under `children:`',
        });
      }
    }
  }
}

function addHost(ys: YamlSource, key: string, pair: Pair, keyNode: unknown, value: unknown, group: string, b: InventoryBuilder, diags: Diagnostic[]): void {
  if (b.isFull) return;
  const loc = locOf(ys, keyNode ?? pair.value);
  const parsed = parseHostKey(key);
  if ('error' in parsed) {
    const quoted = isScalar(keyNode) && (keyNode.type === Scalar.QUOTE_DOUBLE || keyNode.type === Scalar.QUOTE_SINGLE) ? 1 : 0;
    diags.push({ severity: 'error', code: parsed.error.code, message: parsed.error.message, hint: parsed.error.hint, loc: { ...loc, col: loc.col + quoted + parsed.error.at } });
    return;
  }
  let vars: VarMap = new Map();
  if (!isNullNode(value)) {
    if (!isMap(value)) {
      diags.push({ severity: 'error', code: 'inventory.badType', loc: locOf(ys, value), message: `host "${key}" must map to its variables (or nothing), got ${kind(value)}` });
      return;
    }
    vars = readVars(ys, value, diags);
  }
  for (const h of parsed.hosts) {
    b.addHost(h, group, loc);
    if (parsed.port !== undefined) b.setHostVar(h, 'ansible_port', parsed.port, loc);
    for (const [k, e] of vars) b.setHostVar(h, k, e.value, e.loc);
  }
}

/**
 * A vars mapping as VarEntry per key, checked. `!vault` values cannot be decrypted here: they are dropped with a
 * warning instead of passing ciphertext on as if it were the value.
 */
export function readVars(ys: YamlSource, map: YAMLMap, diags: Diagnostic[], depth = 0): VarMap {
  const out: VarMap = new Map();
  // YAML merge keys (`<<: *defaults`, `<<: [*a, *b]`): merged entries first, the map's own keys override them,
  // and of several merged maps the earlier wins
  for (const { pair } of pairs(map)) {
    if (!isMergeKey(pair) || depth > 8) continue;
    const v = deref(ys, pair.value);
    const sources = isSeq(v) ? v.items.map((x) => deref(ys, x)).reverse() : [v];
    for (const src of sources) {
      if (!isMap(src)) {
        diags.push({ severity: 'error', code: 'inventory.badType', loc: locOf(ys, pair.value), message: 'a merge key (<<) must refer to a mapping' });
        continue;
      }
      for (const [k, e] of readVars(ys, src, diags, depth + 1)) out.set(k, e);
    }
  }
  for (const { key, pair } of pairs(map)) {
    if (isMergeKey(pair)) continue;
    const kl = keyLoc(ys, pair);
    const node = pair.value;
    if (isScalar(node) && node.tag === '!vault') {
      diags.push({ severity: 'warning', code: 'inventory.vaultUnsupported', loc: kl, message: `${key} is Ansible Vault encrypted; fleetsweep cannot decrypt it and leaves it unset` });
      continue;
    }
    // scalars need no conversion context (and cannot be alias bombs): most inventory values are scalars
    const value = isScalar(node) ? node.value : toJS(ys, node, diags);
    checkVar(key, value, kl, diags, isNullNode(node) ? kl : locOf(ys, node));
    out.set(key, { value, loc: kl });
  }
  return out;
}

function sectionTypeError(ys: YamlSource, group: string, key: string, v: unknown, diags: Diagnostic[]): void {
  diags.push({
    severity: 'error', code: 'inventory.badType', loc: locOf(ys, v),
    message: `"${key}" of group "${group}" must be a mapping, got ${kind(v)}`,
    hint: isSeq(v) && key !== 'vars' ? `write each entry as a key: "${key}:" then "  name:" on its own line, not "- name"` : undefined,
  });
}

function kind(node: unknown): string {
  if (isSeq(node)) return 'a list';
  if (isMap(node)) return 'a mapping';
  if (isScalar(node)) return typeof node.value === 'string' ? `the string "${node.value}"` : `the ${typeof node.value} ${String(node.value)}`;
  return 'nothing';
}

// ---- `ansible-inventory --list` / inventory-script JSON --------------------------------------------------------

/** Script output has `_meta.hostvars` or lists of hosts/children; the YAML format never has lists there. */
function isScriptFormat(root: YAMLMap): boolean {
  for (const { key, pair } of pairs(root)) {
    if (key === '_meta') return true;
    if (isSeq(pair.value)) return true;
    if (isMap(pair.value)) {
      for (const { key: k, pair: p } of pairs(pair.value)) if ((k === 'hosts' || k === 'children') && isSeq(p.value)) return true;
    }
  }
  return false;
}

function parseScriptFormat(ys: YamlSource, root: YAMLMap, b: InventoryBuilder, diags: Diagnostic[]): void {
  let meta: Pair | undefined;
  for (const { key, pair } of pairs(root)) {
    if (key === '_meta') { meta = pair; continue; }
    const loc = keyLoc(ys, pair);
    if (!checkGroupName(key, loc, diags)) continue;
    b.group(key, loc, true);
    const v = pair.value;
    if (isNullNode(v)) continue;
    if (isSeq(v)) { scriptHosts(ys, v.items, key, b, diags); continue; }
    if (!isMap(v)) {
      diags.push({ severity: 'error', code: 'inventory.badType', loc: locOf(ys, v), message: `group "${key}" must be a mapping or a list of hosts, got ${kind(v)}` });
      continue;
    }
    for (const { key: k, pair: p } of pairs(v)) {
      const pv = p.value;
      if (isNullNode(pv)) continue;
      if (k === 'hosts' || k === 'children') {
        if (!isSeq(pv)) { diags.push({ severity: 'error', code: 'inventory.badType', loc: locOf(ys, pv), message: `"${k}" of group "${key}" must be a list, got ${kind(pv)}` }); continue; }
        if (k === 'hosts') scriptHosts(ys, pv.items, key, b, diags);
        else {
          for (const c of pv.items) {
            const cl = locOf(ys, c);
            const child = isScalar(c) ? String(c.value) : '';
            if (!checkGroupName(child, cl, diags)) continue;
            // the script plugin creates children it has not seen
            b.group(child, cl, true);
            b.addChild(key, child, cl);
          }
        }
      } else if (k === 'vars') {
        if (!isMap(pv)) { sectionTypeError(ys, key, k, pv, diags); continue; }
        for (const [name, e] of readVars(ys, pv, diags)) b.setGroupVar(key, name, e.value, e.loc);
      } else {
        const guess = didYouMean(k, GROUP_KEYS);
        diags.push({ severity: 'error', code: 'inventory.unknownKey', loc: keyLoc(ys, p), message: `unknown key "${k}" in group "${key}"`, hint: guess ? `did you mean "${guess}"?` : undefined });
      }
    }
  }
  if (!meta || isNullNode(meta.value)) return;
  const hostvars = isMap(meta.value) ? pairs(meta.value).find((p) => p.key === 'hostvars')?.pair.value : undefined;
  if (isNullNode(hostvars)) return;
  if (!isMap(hostvars)) {
    diags.push({ severity: 'error', code: 'inventory.badType', loc: locOf(ys, hostvars ?? meta.value), message: '_meta.hostvars must be a mapping of host names to variables' });
    return;
  }
  for (const { key: h, pair } of pairs(hostvars)) {
    // like Ansible's script plugin, hostvars only apply to hosts some group lists
    if (!b.hasHost(h) || isNullNode(pair.value)) continue;
    if (!isMap(pair.value)) {
      diags.push({ severity: 'error', code: 'inventory.badType', loc: locOf(ys, pair.value), message: `hostvars of "${h}" must be a mapping` });
      continue;
    }
    for (const [k, e] of readVars(ys, pair.value, diags)) b.setHostVar(h, k, e.value, e.loc);
  }
}

function scriptHosts(ys: YamlSource, items: unknown[], group: string, b: InventoryBuilder, diags: Diagnostic[]): void {
  for (const item of items) {
    const loc: SourceLocation = locOf(ys, item as Node);
    const name = isScalar(item) ? String(item.value) : '';
    const bad = badHostName(name);
    if (bad) { diags.push({ severity: 'error', code: 'inventory.badHostName', loc, message: `invalid host name "${name}": ${bad}` }); continue; }
    b.addHost(name, group, loc);
  }
}
