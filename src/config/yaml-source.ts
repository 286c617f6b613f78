// Loads YAML keeping a position on every node (yaml's LineCounter), so diagnostics point at file:line:col.
import { readFileSync } from 'node:fs';
import { parseDocument, LineCounter, isMap, isSeq, isScalar, isPair, type Document, type Node, type YAMLMap, type Pair, type ScalarTag, type Tags } from 'yaml';
import type { SourceLocation } from '../model/source.js';
import type { Diagnostic } from '../errors/diagnostic.js';

/**
 * Upper bounds for hostile files (YAML bombs, huge inputs). `maxFlowBrackets`: unclosed `[`/`{` at once, checked by
 * a scan before parsing (see flowTooDeep); far above maxDepth so that brackets in ordinary text never trip it.
 */
export const YAML_LIMITS = { maxBytes: 16 * 1024 * 1024, maxAliasCount: 100, maxDepth: 64, maxFlowBrackets: 1000 } as const;

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
  const tooDeepAt = (offset: number): undefined => {
    diags.push({ severity: 'error', code: 'config.tooDeep', message: `nesting deeper than ${YAML_LIMITS.maxDepth} levels`, loc: positionIn(file, src, offset) });
    return undefined;
  };
  const deepAt = flowTooDeep(src, YAML_LIMITS.maxFlowBrackets) ?? blockTooDeep(src, YAML_LIMITS.maxFlowBrackets);
  if (deepAt !== undefined) return tooDeepAt(deepAt);
  const lines = new LineCounter();
  // uniqueKeys is checked below: yaml's own check compares every key with every earlier one, which takes
  // seconds on a 10,000-host inventory group
  let doc: Document.Parsed;
  try {
    doc = parseDocument(src, {
      lineCounter: lines, prettyErrors: false, uniqueKeys: false, merge: true,
      ...(opts.version === '1.1' ? { version: '1.1' as const, customTags: pyyamlBools } : opts.version ? { version: opts.version } : {}),
    });
  } catch (err) {
    // the parser recurses once per block level (`- - - - ...`, deep indentation): thousands of levels overflow the stack
    if (err instanceof RangeError) return tooDeepAt(0);
    throw err;
  }
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

/**
 * Offset of the first `[` or `{` that leaves more than `max` of them open, or undefined. Flow collections nest
 * without indentation, so a few MB of `[[[[...` cost the parser seconds and gigabytes (measured: 2 MB, 10.7 s,
 * 1.2 GB) before the depth check after parsing can say no. Quotes and block scalars are not understood: brackets
 * written as text count too, which can only matter for hundreds of unclosed ones; closers never go below zero.
 */
export function flowTooDeep(src: string, max: number): number | undefined {
  let depth = 0;
  for (let i = 0; i < src.length; i++) {
    const c = src.charCodeAt(i);
    if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return i;
    } else if ((c === 0x5d || c === 0x7d) && depth > 0) {
      depth--;
    }
  }
  return undefined;
}

/**
 * Offset of the first run of more than `max` compact block indicators (`- ` or `? `, spaces between them allowed):
 * `- - - - x` nests one level per dash on a single line, and a few MB of it cost the parser seconds and hundreds
 * of MB (measured: 2 MB, 18 s, 650 MB). Any other character ends a run. Deep nesting by indentation needs no scan:
 * its file grows with the square of the depth, and the parser's stack overflow is caught instead.
 */
export function blockTooDeep(src: string, max: number): number | undefined {
  let run = 0;
  for (let i = 0; i < src.length; i++) {
    const c = src.charCodeAt(i);
    if (c === 0x20 || c === 0x09) continue;
    const next = src.charCodeAt(i + 1);
    if ((c === 0x2d || c === 0x3f) && (next === 0x20 || next === 0x09 || next === 0x0a)) {
      if (++run > max) return i;
      i++;
    } else {
      run = 0;
    }
  }
  return undefined;
}

/** file:line:col of an offset, without a parsed document (1-based, columns in UTF-16 units as LineCounter). */
function positionIn(file: string, src: string, offset: number): SourceLocation {
  let line = 1;
  let start = 0;
  for (let i = src.indexOf('\n'); i !== -1 && i < offset; i = src.indexOf('\n', i + 1)) {
    line++;
    start = i + 1;
  }
  return { file, line, col: offset - start + 1 };
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
