// Reads one task: its Ansible keywords (when, loop, register, retries, ...); the action itself is read by playbook-action.ts.
import { isSeq, type Scalar } from 'yaml';
import type { Task, TaskAction, Tmpl } from '../model/playbook.js';
import { TASK_KEYS, TASK_UNSUPPORTED, LOOP_CONTROL_KEYS, LOOP_CONTROL_UNSUPPORTED, RESERVED_VAR_NAMES, taskKeyUnsupported } from './playbook-keys.js';
import {
  type Ctx, err, warn, loc, deref, kindOf, badType, asMap, readText, readBool, readInt, readDuration,
  readStringList, readVarName, readKeys, pairLoc, type KeyNotes,
} from './playbook-read.js';
import { readTmpl, makeTmpl, readExpr, readExprList, allOf, readValue, readVars, hasTemplate, rememberLoc } from './playbook-values.js';
import { readAction, actionMisspelt } from './playbook-action.js';
import { pairs } from './yaml-source.js';

const DEFAULT_DELAY_MS = 5000;
/** Ansible's default number of retries when `until` is given without `retries`. */
const DEFAULT_UNTIL_RETRIES = 3;

export function readTask(ctx: Ctx, node: unknown, index: number): Task | undefined {
  node = deref(ctx, node);
  const map = asMap(ctx, node, `task ${index + 1}`, 'a task is a mapping like `- name: ...` followed by `shell: ...`');
  if (!map) return undefined;
  const notes: KeyNotes = { suggested: new Set(), unsupported: new Set() };
  const keys = readKeys(ctx, map, { what: 'task', known: TASK_KEYS, unsupported: TASK_UNSUPPORTED }, taskKeyUnsupported, notes);
  const v = (k: string): unknown => deref(ctx, keys.get(k)?.value);
  const has = (k: string): boolean => keys.has(k);
  let ok = true;
  const need = <T>(x: T | undefined): T | undefined => { if (x === undefined) ok = false; return x; };

  const action = readAction(ctx, map, keys, actionMisspelt(notes));
  if (!action) ok = false;

  const name = has('name') ? need(readText(ctx, v('name'), 'task name')) : undefined;

  const register = has('register') ? need(readVarName(ctx, v('register'), 'register')) : undefined;
  if (register !== undefined && RESERVED_VAR_NAMES.has(register)) {
    warn(ctx, 'config.reservedName', `register "${register}" shadows a variable fleetsweep sets`, loc(ctx, v('register')));
  }

  const when = has('when') ? need(readExprList(ctx, v('when'), 'when')) ?? [] : [];

  if (has('loop') && has('with_items')) {
    err(ctx, 'config.conflictingKeys', 'loop and with_items are the same thing: keep one', pairLoc(ctx, keys.get('with_items')!));
    ok = false;
  }
  const loopKey = has('loop') ? 'loop' : has('with_items') ? 'with_items' : undefined;
  const loop = loopKey ? need(readLoop(ctx, v(loopKey), loopKey)) : undefined;

  let loopVar = 'item';
  let loopLabel: Tmpl | undefined;
  if (has('loop_control')) {
    const lc = asMap(ctx, v('loop_control'), 'loop_control');
    if (!lc) ok = false;
    else {
      const lk = readKeys(ctx, lc, { what: 'loop_control', known: LOOP_CONTROL_KEYS, unsupported: LOOP_CONTROL_UNSUPPORTED });
      if (lk.has('loop_var')) loopVar = need(readVarName(ctx, deref(ctx, lk.get('loop_var')!.value), 'loop_var')) ?? 'item';
      if (lk.has('label')) loopLabel = need(readTmpl(ctx, lk.get('label')!.value, 'loop_control.label'));
    }
    if (!loopKey) warn(ctx, 'config.unusedKey', 'loop_control without loop has no effect', pairLoc(ctx, keys.get('loop_control')!));
  }

  const changedWhen = has('changed_when') ? allOf(need(readExprList(ctx, v('changed_when'), 'changed_when')) ?? []) : undefined;
  const failedWhen = has('failed_when') ? allOf(need(readExprList(ctx, v('failed_when'), 'failed_when')) ?? []) : undefined;
  const timeoutMs = has('timeout') ? need(readDuration(ctx, v('timeout'), 'timeout', true)) : undefined;
  const until = has('until') ? need(readExpr(ctx, v('until'), 'until')) : undefined;
  const retries = has('retries') ? need(readInt(ctx, v('retries'), 'retries', 0)) ?? 0 : until ? DEFAULT_UNTIL_RETRIES : 0;
  const delayMs = has('delay') ? need(readDuration(ctx, v('delay'), 'delay', false)) ?? DEFAULT_DELAY_MS : DEFAULT_DELAY_MS;
  const tags = has('tags') ? need(readStringList(ctx, v('tags'), 'tags')) ?? [] : [];
  const ignoreErrors = has('ignore_errors') ? need(readBool(ctx, v('ignore_errors'), 'ignore_errors')) ?? false : false;
  const become = has('become') ? need(readBool(ctx, v('become'), 'become')) : undefined;
  const becomeUser = has('become_user') ? need(readText(ctx, v('become_user'), 'become_user')) : undefined;
  const vars = has('vars') ? need(readVars(ctx, v('vars'), 'task vars')) ?? {} : {};
  const environment = has('environment') ? need(readEnvironment(ctx, v('environment'))) ?? {} : {};
  const noLog = has('no_log') ? need(readBool(ctx, v('no_log'), 'no_log')) ?? false : false;

  if (!ok || !action) return undefined;
  const task: Task = {
    name: name ?? defaultName(action),
    loc: loc(ctx, map),
    action,
    when,
    loopVar,
    retries,
    delayMs,
    tags,
    ignoreErrors,
    vars,
    environment,
    noLog,
  };
  if (register !== undefined) task.register = register;
  if (loop !== undefined) task.loop = loop;
  if (loopLabel) task.loopLabel = loopLabel;
  if (changedWhen) task.changedWhen = changedWhen;
  if (failedWhen) task.failedWhen = failedWhen;
  if (timeoutMs !== undefined) task.timeoutMs = timeoutMs;
  if (until) task.until = until;
  if (become !== undefined) task.become = become;
  if (becomeUser !== undefined) task.becomeUser = becomeUser;
  return task;
}

function defaultName(a: TaskAction): string {
  const short = (s: string): string => {
    const one = s.replace(/\s+/g, ' ').trim();
    return one.length > 60 ? one.slice(0, 57) + '...' : one;
  };
  switch (a.kind) {
    case 'shell': return short(a.cmd.text);
    case 'argv': return short(a.argv.map((t) => t.text).join(' '));
    case 'contract': return short(a.contract.apply.text);
    case 'set_fact': return `set_fact ${Object.keys(a.facts).join(', ')}`;
    case 'group_by': return `group_by ${a.key.text}`;
    case 'add_host': return `add_host ${a.name.text}`;
    case 'debug': return 'debug';
    case 'fail': return 'fail';
    case 'assert': return 'assert';
  }
}

/** `loop:` is a template that gives a list, or a literal list. */
function readLoop(ctx: Ctx, node: unknown, key: string): Tmpl | unknown[] | undefined {
  if (isSeq(node)) return readValue(ctx, node) as unknown[];
  if (kindOf(node) === 'string') {
    const s = (node as Scalar).value as string;
    if (!hasTemplate(s)) {
      return badType(ctx, node, key, 'a list or a "{{ }}" template that gives one', /^[A-Za-z_][\w.]*$/.test(s) ? `write "{{ ${s} }}"` : undefined);
    }
    return makeTmpl(ctx, node, s, 'expression');
  }
  return badType(ctx, node, key, 'a list or a "{{ }}" template that gives one');
}

function readEnvironment(ctx: Ctx, node: unknown): Record<string, string> | undefined {
  if (kindOf(node) === 'null') return {};
  const map = asMap(ctx, node, 'environment');
  if (!map) return undefined;
  const out: Record<string, string> = {};
  let ok = true;
  for (const { key, pair } of pairs(map)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) {
      err(ctx, 'config.badName', `environment variable name ${JSON.stringify(key)} is not valid`, pairLoc(ctx, pair), 'names contain only letters, digits and "_" and do not start with a digit');
      ok = false;
      continue;
    }
    const val = deref(ctx, pair.value);
    const s = readText(ctx, val, `environment.${key}`);
    if (s === undefined) { ok = false; continue; }
    if (hasTemplate(s)) makeTmpl(ctx, val, s);
    out[key] = s;
    rememberLoc(out, key, loc(ctx, val));
  }
  return ok ? out : undefined;
}
