// Reads one play: host pattern, variables (vars and vars_files), batching and safety limits, and its tasks.
import { dirname, resolve, relative, isAbsolute } from 'node:path';
import { isMap, isScalar, isSeq, type Scalar } from 'yaml';
import type { Play, Strategy, Task, Tmpl } from '../model/playbook.js';
import type { Vars } from '../model/inventory.js';
import { didYouMean } from '../errors/diagnostic.js';
import { PLAY_KEYS, PLAY_UNSUPPORTED } from './playbook-keys.js';
import {
  type Ctx, err, warn, loc, deref, kindOf, badType, asMap, asSeq, readText, readBool, readInt, readNumber, readDuration,
  readStringList, readKeys, pairLoc, type KeyNotes,
} from './playbook-read.js';
import { readTmpl, makeTmpl, readVars, hasTemplate, rememberLoc, valueLoc } from './playbook-values.js';
import { readTask } from './playbook-task.js';
import { loadYaml } from './yaml-source.js';

const STRATEGIES: readonly Strategy[] = ['linear', 'free'];

export function readPlay(ctx: Ctx, node: unknown, index: number, sources: Map<string, string>): Play | undefined {
  node = deref(ctx, node);
  const map = asMap(ctx, node, `play ${index + 1}`, 'a play is a mapping with hosts: and tasks:');
  if (!map) return undefined;
  const notes: KeyNotes = { suggested: new Set(), unsupported: new Set() };
  const keys = readKeys(ctx, map, { what: 'play', known: PLAY_KEYS, unsupported: PLAY_UNSUPPORTED }, undefined, notes);
  const v = (k: string): unknown => deref(ctx, keys.get(k)?.value);
  const has = (k: string): boolean => keys.has(k);
  let ok = true;
  const need = <T>(x: T | undefined): T | undefined => { if (x === undefined) ok = false; return x; };

  let hosts: Tmpl | undefined;
  if (!has('hosts')) {
    if (!notes.suggested.has('hosts')) err(ctx, 'config.missingKey', 'play has no "hosts"', loc(ctx, map), 'add `hosts: <group or host pattern>` (all, a group, "web:&prod", or a "{{ }}" template)');
    ok = false;
  } else hosts = need(readHosts(ctx, v('hosts')));

  const name = has('name') ? need(readText(ctx, v('name'), 'play name')) : undefined;
  let vars = has('vars') ? need(readVars(ctx, v('vars'), 'play vars')) ?? {} : {};
  if (has('vars_files')) {
    const files = need(readVarsFiles(ctx, v('vars_files'), sources));
    // vars_files win over vars, as in Ansible's precedence
    if (files) vars = mergeVars(vars, files);
  }
  const become = has('become') ? need(readBool(ctx, v('become'), 'become')) ?? false : false;
  const becomeUser = has('become_user') ? need(readText(ctx, v('become_user'), 'become_user')) ?? 'root' : 'root';
  const serial = has('serial') ? need(readSerial(ctx, v('serial'))) ?? [] : [];
  const maxFailPercentage = has('max_fail_percentage') ? need(readNumber(ctx, v('max_fail_percentage'), 'max_fail_percentage', 0, 100)) : undefined;
  const strategy = has('strategy') ? need(readStrategy(ctx, v('strategy'))) ?? 'linear' : 'linear';
  const tags = has('tags') ? need(readStringList(ctx, v('tags'), 'tags')) ?? [] : [];
  if (has('gather_facts')) {
    const g = readBool(ctx, v('gather_facts'), 'gather_facts');
    if (g === undefined) ok = false;
    else if (g) warn(ctx, 'config.noFacts', 'fleetsweep gathers no facts: gather_facts: true does nothing', loc(ctx, v('gather_facts')),
      'register the output of a shell task instead, or write gather_facts: false');
  }
  const timeoutMs = has('timeout') ? need(readDuration(ctx, v('timeout'), 'timeout', true)) : undefined;
  const maxChanges = has('max_changes') ? need(readInt(ctx, v('max_changes'), 'max_changes', 0)) : undefined;
  const canary = has('canary') ? need(readInt(ctx, v('canary'), 'canary', 1)) : undefined;
  const concurrency = has('concurrency') ? need(readConcurrency(ctx, v('concurrency'))) : undefined;

  const tasks: Task[] = [];
  if (has('tasks')) {
    const tv = v('tasks');
    if (kindOf(tv) !== 'null') {
      const seq = asSeq(ctx, tv, 'tasks', 'tasks is a list: start each task with "- "');
      if (!seq) ok = false;
      else seq.items.forEach((item, i) => {
        const t = readTask(ctx, item, i);
        if (t) tasks.push(t);
        else ok = false;
      });
    }
  }
  if (ok && tasks.length === 0) warn(ctx, 'config.noTasks', 'play has no tasks', has('tasks') ? pairLoc(ctx, keys.get('tasks')!) : loc(ctx, map));

  if (!ok || !hosts) return undefined;
  const play: Play = {
    name: name ?? hosts.text,
    loc: loc(ctx, map),
    hosts,
    vars,
    become,
    becomeUser,
    serial,
    strategy,
    tags,
    tasks,
  };
  if (maxFailPercentage !== undefined) play.maxFailPercentage = maxFailPercentage;
  if (maxChanges !== undefined) play.maxChanges = maxChanges;
  if (canary !== undefined) play.canary = canary;
  if (concurrency) play.concurrency = concurrency;
  if (timeoutMs !== undefined) play.timeoutMs = timeoutMs;
  return play;
}

/** `hosts:` is a pattern string (possibly templated) or a list of patterns, joined with ":" as Ansible does. */
function readHosts(ctx: Ctx, node: unknown): Tmpl | undefined {
  if (isSeq(node)) {
    const parts = readStringList(ctx, node, 'hosts');
    if (!parts) return undefined;
    if (parts.length === 0) { err(ctx, 'config.badValue', 'hosts is an empty list', loc(ctx, node)); return undefined; }
    return makeTmpl(ctx, node, parts.join(':'));
  }
  const k = kindOf(node);
  if (k !== 'string' && k !== 'number') return badType(ctx, node, 'hosts', 'a host pattern (a string) or a list of patterns');
  const s = String((node as Scalar).value).trim();
  if (s === '') { err(ctx, 'config.badValue', 'hosts is empty', loc(ctx, node)); return undefined; }
  return makeTmpl(ctx, node, s);
}

const PERCENT = /^(\d+(?:\.\d+)?)\s*%$/;

/** `serial`: a batch size (int >= 1), a percentage ("25%"), or a list of them (the last repeats). */
function readSerial(ctx: Ctx, node: unknown): (number | string)[] | undefined {
  const items = isSeq(node) ? node.items.map((n) => deref(ctx, n)) : [node];
  if (isSeq(node) && items.length === 0) {
    err(ctx, 'config.badSerial', 'serial is an empty list', loc(ctx, node), 'write a batch size (5), a percentage ("25%"), or a list of them ([1, 5, "25%"])');
    return undefined;
  }
  const out: (number | string)[] = [];
  for (const n of items) {
    const raw = isScalar(n) ? n.value : undefined;
    let val: number | string | undefined;
    if (typeof raw === 'number' && Number.isInteger(raw) && raw >= 1) val = raw;
    else if (typeof raw === 'string' && /^\d+$/.test(raw.trim()) && Number(raw) >= 1) val = Number(raw);
    else if (typeof raw === 'string' && PERCENT.test(raw.trim())) {
      const pct = Number(PERCENT.exec(raw.trim())![1]);
      if (pct > 0 && pct <= 100) val = `${pct}%`;
    }
    if (val === undefined) {
      err(ctx, 'config.badSerial', `serial must be a batch size >= 1 or a percentage from 1% to 100%, got ${isScalar(n) ? JSON.stringify(raw) : kindOf(n) === 'mapping' ? 'a mapping' : 'a list'}`,
        loc(ctx, n), 'write a batch size (5), a percentage ("25%"), or a list of them ([1, 5, "25%"])');
      return undefined;
    }
    out.push(val);
  }
  return out;
}

function readStrategy(ctx: Ctx, node: unknown): Strategy | undefined {
  const s = readText(ctx, node, 'strategy');
  if (s === undefined) return undefined;
  if ((STRATEGIES as readonly string[]).includes(s)) return s as Strategy;
  const near = didYouMean(s, STRATEGIES);
  err(ctx, 'config.badValue', `strategy must be linear or free, got ${JSON.stringify(s)}${near ? ` (did you mean "${near}"?)` : ''}`, loc(ctx, node),
    near ? `did you mean "${near}"?` : 'linear runs each task on all hosts before the next; free lets each host run ahead');
  return undefined;
}

function readConcurrency(ctx: Ctx, node: unknown): { key: Tmpl; limit: number } | undefined {
  const map = asMap(ctx, node, 'concurrency', 'write concurrency: {key: "{{ storage_array }}", limit: 2}');
  if (!map) return undefined;
  const k = readKeys(ctx, map, { what: 'concurrency', known: ['key', 'limit'] });
  let ok = true;
  for (const req of ['key', 'limit']) {
    if (!k.has(req)) { err(ctx, 'config.missingKey', `concurrency needs "${req}"`, loc(ctx, map)); ok = false; }
  }
  const key = k.has('key') ? readTmpl(ctx, k.get('key')!.value, 'concurrency.key') : undefined;
  const limit = k.has('limit') ? readInt(ctx, k.get('limit')!.value, 'concurrency.limit', 1) : undefined;
  if (key && !hasTemplate(key.text)) {
    warn(ctx, 'config.constantKey', 'concurrency.key is not a template: every host shares one key, so at most `limit` hosts run at once', key.loc,
      'use a host variable, e.g. "{{ storage_array }}"');
  }
  return ok && key && limit !== undefined ? { key, limit } : undefined;
}

/** vars_files: YAML mappings next to the playbook, merged in order (later files win). */
function readVarsFiles(ctx: Ctx, node: unknown, sources: Map<string, string>): Vars | undefined {
  const list = kindOf(node) === 'string' ? [node] : isSeq(node) ? node.items.map((n) => deref(ctx, n)) : undefined;
  if (!list) return badType(ctx, node, 'vars_files', 'a list of file paths');
  let out: Vars = {};
  let ok = true;
  for (const n of list) {
    const rel = readText(ctx, n, 'each of vars_files');
    if (rel === undefined) { ok = false; continue; }
    if (hasTemplate(rel)) {
      err(ctx, 'config.unsupported', 'templated vars_files paths are not supported', loc(ctx, n), 'name the file; pass per-run values with --extra-vars');
      ok = false;
      continue;
    }
    const base = dirname(ctx.ys.file);
    const abs = isAbsolute(rel) ? rel : resolve(base, rel);
    const shownPath = isAbsolute(ctx.ys.file) ? abs : relative(process.cwd(), abs) || abs;
    const before = ctx.diags.length;
    const ys = loadYaml(shownPath, ctx.diags);
    if (!ys) {
      // an unreadable file is reported where the playbook names it
      const d = ctx.diags[before];
      if (d && d.code === 'config.unreadable') d.loc = loc(ctx, n);
      ok = false;
      continue;
    }
    sources.set(ys.file, ys.text);
    const sub: Ctx = { ys, diags: ctx.diags };
    const contents = ys.doc.contents;
    if (contents === null || (isScalar(contents) && contents.value === null)) continue;
    if (!isMap(contents)) { badType(sub, contents, `vars file ${shownPath}`, 'a mapping of variables'); ok = false; continue; }
    const vars = readVars(sub, contents, `vars file ${shownPath}`);
    if (!vars) { ok = false; continue; }
    out = mergeVars(out, vars);
  }
  return ok ? out : undefined;
}

/** Later wins, keeping the locations each value was written at. */
function mergeVars(a: Vars, b: Vars): Vars {
  const out: Vars = { ...a, ...b };
  for (const [src, keys] of [[a, Object.keys(a)], [b, Object.keys(b)]] as const) {
    for (const k of keys) {
      const l = valueLoc(src, k);
      if (l) rememberLoc(out, k, l);
    }
  }
  return out;
}
