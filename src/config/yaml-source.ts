// Loads YAML keeping a position on every node (yaml's LineCounter), so diagnostics point at file:line:col.
import { readFileSync } from 'node:fs';
import { parseDocument, LineCounter, isMap, isSeq, isScalar, isPair, type Document, type Node, type YAMLMap, type Pair, type ScalarTag, type Tags } from 'yaml';
import type { SourceLocation } from '../model/source.js';
import type { Diagnostic } from '../errors/diagnostic.js';

/** Upper bounds for hostile files (YAML bombs, huge inputs). */
export const YAML_LIMITS = { maxBytes: 16 * 1024 * 1024, maxAliasCount: 100, maxDepth: 64 } as const;

export interface YamlSource {
  file: string;
  text: string;
  doc: Document.Parsed;
  lines: LineCounter;
}

/** Options for loadYaml. */
export interface LoadYamlOptions {
  /**
   * YAML version of the core schema. Default '1.2'. Ansible reads everything with PyYAML, i.e. YAML 1.1
   * (`yes`/`no`/`on`/`off` are booleans, `010` is octal): inventories and vars files ask for '1.1' so their values
   * get the types Ansible gives them.
   */
  version?: '1.1' | '1.2';
}

/** Reads and parses a YAML file. Syntax errors are pushed to `diags`; returns undefined when unusable. */
export function loadYaml(file: string, diags: Diagnostic[], text?: string, opts: LoadYamlOptions = {}): YamlSource | undefined {
  let src: string;
  try {
    src = text ?? readFileSync(file, 'utf8');
  } catch (err) {
    diags.push({ severity: 'error', code: 'config.unreadable', message: `cannot read file: ${(err as Error).message}`, loc: { file, line: 1, col: 1 } });
    return undefined;
  }
  if (src.length > YAML_LIMITS.maxBytes) {
    diags.push({ severity: 'error', code: 'config.tooLarge', message: `file is larger than ${YAML_LIMITS.maxBytes} bytes`, loc: { file, line: 1, col: 1 } });
    return undefined;
  }
  const lines = new LineCounter();
  // uniqueKeys is checked below: yaml's own check compares every key with every earlier one, which takes
  // seconds on a 10,000-host inventory group
  const doc = parseDocument(src, {
    lineCounter: lines, prettyErrors: false, uniqueKeys: false, merge: true,
    ...(opts.version === '1.1' ? { version: '1.1' as const, customTags: pyyamlBools } : opts.version ? { version: opts.version } : {}),
  });
  const ys: YamlSource = { file, text: src, doc, lines };
  for (const e of doc.errors) {
    diags.push({ severity: 'error', code: `yaml.${camel(e.code)}`, message: firstLine(e.message), loc: at(ys, e.pos[0]) });
  }
  const dups: Node[] = [];
  duplicateKeys(doc.contents, 0, dups);
  for (const k of dups) diags.push({ severity: 'error', code: 'yaml.duplicateKey', message: 'Map keys must be unique', loc: locOf(ys, k) });
  for (const w of doc.warnings) {
    diags.push({ severity: 'warning', code: `yaml.${camel(w.code)}`, message: firstLine(w.message), loc: at(ys, w.pos[0]) });
  }
  if (doc.errors.length > 0 || dups.length > 0) return undefined;
  const deep = tooDeep(doc.contents, 0);
  if (deep) {
    diags.push({ severity: 'error', code: 'config.tooDeep', message: `nesting deeper than ${YAML_LIMITS.maxDepth} levels`, loc: locOf(ys, deep) });
    return undefined;
  }
  return ys;
}

/**
 * Converts a node to plain JS, refusing alias bombs (a billion-laughs file expands aliases exponentially).
 * Returns undefined and pushes a diagnostic when the limit is hit.
 */
export function toJS(ys: YamlSource, node: unknown, diags: Diagnostic[]): unknown {
  try {
    return (node as Node | null)?.toJS?.(ys.doc, { maxAliasCount: YAML_LIMITS.maxAliasCount }) ?? (isScalar(node) ? node.value : node ?? null);
  } catch (err) {
    diags.push({ severity: 'error', code: 'config.aliasBomb', message: `too many alias expansions (${(err as Error).message})`, loc: locOf(ys, node) });
    return undefined;
  }
}

/** Location of a node (its start), or of the file start. */
export function locOf(ys: YamlSource, node: unknown): SourceLocation {
  const range = (node as { range?: [number, number, number] } | null)?.range;
  return at(ys, range ? range[0] : 0);
}

/** Location of a key in a map (where users look for a misspelt key). */
export function keyLoc(ys: YamlSource, pair: Pair): SourceLocation {
  return locOf(ys, pair.key ?? pair.value);
}

export function at(ys: YamlSource, offset: number): SourceLocation {
  const p = ys.lines.linePos(offset);
  return { file: ys.file, line: p.line, col: p.col };
}

/** Whether a pair is a YAML merge key (`<<: *anchor`); with `merge` on, yaml gives its key a symbol value. */
export function isMergeKey(pair: Pair): boolean {
  return isScalar(pair.key) && (typeof pair.key.value === 'symbol' || (pair.key.value === '<<' && pair.key.type === 'PLAIN'));
}

/** The pairs of a YAML map with their key as a string. */
export function pairs(map: YAMLMap): Array<{ key: string; pair: Pair }> {
  const out: Array<{ key: string; pair: Pair }> = [];
  for (const item of map.items) {
    if (!isPair(item)) continue;
    const k = isScalar(item.key) ? String(item.key.value) : String(item.key);
    out.push({ key: k, pair: item });
  }
  return out;
}

/**
 * PyYAML's YAML 1.1 booleans: yes/no/on/off/true/false in three casings. The `yaml` package's 1.1 schema also
 * reads y/Y/n/N as booleans, which PyYAML (and so Ansible) keeps as strings.
 */
function pyyamlBools(tags: Tags): Tags {
  return tags.map((t): Tags[number] => {
    if (typeof t !== 'object' || t.tag !== 'tag:yaml.org,2002:bool' || !('test' in t) || !t.identify) return t;
    const s = t as ScalarTag;
    return { ...s, test: s.identify!(true) ? /^(?:[Yy]es|YES|[Tt]rue|TRUE|[Oo]n|ON)$/ : /^(?:[Nn]o|NO|[Ff]alse|FALSE|[Oo]ff|OFF)$/ };
  });
}

function tooDeep(node: unknown, depth: number): unknown {
  if (depth > YAML_LIMITS.maxDepth) return node;
  if (isMap(node)) {
    for (const it of node.items) { const d = tooDeep(it.value, depth + 1); if (d) return d; }
  } else if (isSeq(node)) {
    for (const it of node.items) { const d = tooDeep(it, depth + 1); if (d) return d; }
  }
  return undefined;
}

/**
 * Keys repeated within one mapping, in one pass per map (yaml's uniqueKeys semantics: equal scalar values;
 * `<<` merge keys may repeat). Stops descending past the depth limit, which loadYaml reports separately.
 */
function duplicateKeys(node: unknown, depth: number, out: Node[]): void {
  if (depth > YAML_LIMITS.maxDepth) return;
  if (isMap(node)) {
    const seen = new Set<string>();
    for (const it of node.items) {
      const k = it.key;
      if (isScalar(k) && typeof k.value !== 'symbol' && k.value !== '<<') {
        const id = `${typeof k.value}:${String(k.value)}`;
        if (seen.has(id)) out.push(k);
        else seen.add(id);
      }
      duplicateKeys(it.value, depth + 1, out);
    }
  } else if (isSeq(node)) {
    for (const it of node.items) duplicateKeys(it, depth + 1, out);
  }
}

function camel(code: string): string {
  return code.toLowerCase().replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

function firstLine(s: string): string {
  return s.split('\n')[0] ?? s;
}
