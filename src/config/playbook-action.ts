// Reads a task's single action: shell/command, a module (set_fact, group_by, add_host, debug, fail, assert) or the contract.
import { isMap, isSeq, type Pair, type Scalar, type YAMLMap } from 'yaml';
import type { TaskAction, Tmpl } from '../model/playbook.js';
import type { Vars } from '../model/inventory.js';
import { CONTRACT_KEYS, ADD_HOST_NAME_KEYS, ADD_HOST_GROUP_KEYS, RESERVED_VAR_NAMES, moduleOf, taskKeyUnsupported, type ModuleName } from './playbook-keys.js';
import { type Ctx, err, warn, loc, deref, kindOf, badType, asMap, asSeq, readText, readString, readStringList, checkVarName, readKeys, pairLoc, type KeyNotes } from './playbook-read.js';
import { readTmpl, makeTmpl, readExprList, readValue, readVars, hasTemplate, rememberLoc } from './playbook-values.js';
import { readContract } from './playbook-contract.js';
import { pairs } from './yaml-source.js';

/** Unsupported keys that stand where an action would (so "no action" would only repeat the problem). */
const ACTION_LIKE = new Set(['block', 'include_tasks', 'import_tasks', 'include_role', 'import_role', 'include', 'import_playbook', 'local_action', 'action', 'raw', 'script']);

/** An action key was misspelt or is an unsupported module: the key's own diagnostic says it all. */
export function actionMisspelt(notes: KeyNotes): boolean {
  for (const s of notes.suggested) if (moduleOf(s) || (CONTRACT_KEYS as readonly string[]).includes(s)) return true;
  for (const u of notes.unsupported) if (ACTION_LIKE.has(u) || taskKeyUnsupported(u)?.startsWith('module')) return true;
  return false;
}

type ActionKey = { key: string; pair: Pair; module: ModuleName };

export function readAction(ctx: Ctx, map: YAMLMap, keys: Map<string, Pair>, alreadyReported: boolean): TaskAction | undefined {
  const modules: ActionKey[] = [];
  const contractKeys: Array<{ key: string; pair: Pair }> = [];
  for (const [key, pair] of keys) {
    const m = moduleOf(key);
    if (m) modules.push({ key, pair, module: m });
    else if ((CONTRACT_KEYS as readonly string[]).includes(key)) contractKeys.push({ key, pair });
  }
  const actions: Array<{ key: string; pair: Pair }> = [...modules];
  const apply = keys.get('apply');
  if (apply) actions.push({ key: 'apply', pair: apply });
  actions.sort((a, b) => (a.pair.key as Scalar).range![0] - (b.pair.key as Scalar).range![0]);

  if (actions.length > 1) {
    const [first, second] = actions as [{ key: string; pair: Pair }, { key: string; pair: Pair }];
    const what = (k: string): string => (k === 'apply' ? 'a contract (apply)' : `"${k}"`);
    err(ctx, 'task.conflictingActions', `task has more than one action: ${what(first.key)} and ${what(second.key)}`, pairLoc(ctx, second.pair),
      'a task does exactly one thing: split it into two tasks');
  }
  if (contractKeys.length > 0 && !apply) {
    if (alreadyReported) return undefined;
    const first = contractKeys[0]!;
    err(ctx, 'contract.noApply', `"${first.key}" belongs to a contract, but the task has no "apply"`, pairLoc(ctx, first.pair),
      'a contract is check (optional), snapshot, apply, verify and rollback (optional); a read-only command is `shell:`');
    return undefined;
  }
  if (actions.length === 0) {
    if (alreadyReported) return undefined;
    err(ctx, 'task.noAction', 'task has no action', loc(ctx, map),
      'give one of shell:, command:, set_fact:, group_by:, add_host:, debug:, fail:, assert:, or a contract (check/snapshot/apply/verify)');
    return undefined;
  }
  // parse every action so all their problems are reported, keep the first
  let result: TaskAction | undefined;
  for (const a of actions) {
    const parsed = a.key === 'apply' ? readContract(ctx, keys, apply!) : readModule(ctx, a as ActionKey);
    if (a === actions[0]) result = parsed;
  }
  return actions.length > 1 ? undefined : result;
}

function readModule(ctx: Ctx, a: ActionKey): TaskAction | undefined {
  const node = deref(ctx, a.pair.value);
  const what = a.key;
  switch (a.module) {
    case 'shell':
    case 'command':
      return readCommand(ctx, node, what, a.module === 'command');
    case 'set_fact': {
      const map = asMap(ctx, node, what, 'write set_fact: {name: value}');
      if (!map) return undefined;
      if (map.items.length === 0) {
        err(ctx, 'config.badValue', `${what} sets nothing`, loc(ctx, map));
        return undefined;
      }
      for (const { key, pair } of pairs(map)) {
        if (key === 'cacheable') err(ctx, 'config.unsupported', 'set_fact "cacheable" is not supported: facts live for the run', pairLoc(ctx, pair));
        else if (RESERVED_VAR_NAMES.has(key)) warn(ctx, 'config.reservedName', `set_fact "${key}" shadows a variable fleetsweep sets`, pairLoc(ctx, pair));
      }
      const facts = readVars(ctx, map, what);
      return facts && !('cacheable' in facts) ? { kind: 'set_fact', facts } : undefined;
    }
    case 'group_by': {
      if (kindOf(node) === 'string') return { kind: 'group_by', key: makeTmpl(ctx, node, (node as Scalar).value as string) };
      const map = asMap(ctx, node, what, 'write group_by: {key: "..."}');
      if (!map) return undefined;
      const k = readKeys(ctx, map, { what: 'group_by', known: ['key'], unsupported: { parents: 'group parents are not supported' } });
      if (!k.has('key')) return missing(ctx, map, 'group_by', 'key');
      const key = readTmpl(ctx, k.get('key')!.value, 'group_by.key');
      return key ? { kind: 'group_by', key } : undefined;
    }
    case 'add_host':
      return readAddHost(ctx, node, what);
    case 'debug': {
      if (kindOf(node) === 'null') return { kind: 'debug', msg: { text: 'Hello world!', loc: loc(ctx, a.pair.key) } };
      const map = asMap(ctx, node, what, 'write debug: {msg: "..."}');
      if (!map) return undefined;
      const k = readKeys(ctx, map, { what: 'debug', known: ['msg', 'var'] });
      if (k.has('msg') && k.has('var')) {
        err(ctx, 'config.conflictingKeys', 'debug takes msg or var, not both', pairLoc(ctx, k.get('var')!));
        return undefined;
      }
      if (k.has('var')) {
        const n = deref(ctx, k.get('var')!.value);
        const s = readString(ctx, n, 'debug.var');
        return s === undefined ? undefined : { kind: 'debug', msg: makeTmpl(ctx, n, `{{ ${s} }}`) };
      }
      const msg = k.has('msg') ? readTmpl(ctx, k.get('msg')!.value, 'debug.msg') : { text: 'Hello world!', loc: loc(ctx, map) };
      return msg ? { kind: 'debug', msg } : undefined;
    }
    case 'fail': {
      if (kindOf(node) === 'null') return { kind: 'fail', msg: { text: 'Failed as requested from task', loc: loc(ctx, a.pair.key) } };
      const map = asMap(ctx, node, what, 'write fail: {msg: "..."}');
      if (!map) return undefined;
      const k = readKeys(ctx, map, { what: 'fail', known: ['msg'] });
      const msg = k.has('msg') ? readTmpl(ctx, k.get('msg')!.value, 'fail.msg') : { text: 'Failed as requested from task', loc: loc(ctx, map) };
      return msg ? { kind: 'fail', msg } : undefined;
    }
    case 'assert': {
      const map = asMap(ctx, node, what, 'write assert: {that: [...], fail_msg: "..."}');
      if (!map) return undefined;
      const k = readKeys(ctx, map, { what: 'assert', known: ['that', 'fail_msg', 'msg'] });
      if (!k.has('that')) return missing(ctx, map, 'assert', 'that');
      if (k.has('fail_msg') && k.has('msg')) {
        err(ctx, 'config.conflictingKeys', 'assert takes fail_msg or msg (the same thing), not both', pairLoc(ctx, k.get('msg')!));
        return undefined;
      }
      const that = readExprList(ctx, k.get('that')!.value, 'assert.that');
      const msgPair = k.get('fail_msg') ?? k.get('msg');
      const msg = msgPair ? readTmpl(ctx, msgPair.value, 'assert.fail_msg') : undefined;
      if (!that || (msgPair && !msg)) return undefined;
      return msg ? { kind: 'assert', that, msg } : { kind: 'assert', that };
    }
  }
}

function missing(ctx: Ctx, map: YAMLMap, what: string, key: string): undefined {
  err(ctx, 'config.missingKey', `${what} needs "${key}"`, loc(ctx, map));
  return undefined;
}

const COMMAND_UNSUPPORTED: Record<string, string> = {
  chdir: 'write `cd /abs/path && ...` in the command (or better, use absolute paths)',
  creates: 'use a contract: check decides whether anything needs doing',
  removes: 'use a contract: check decides whether anything needs doing',
  executable: 'commands run with /bin/sh',
  stdin: 'stdin is not supported',
  stdin_add_newline: 'stdin is not supported',
  strip_empty_ends: 'output is trimmed',
  free_form: 'write the command as the value: shell: "..."',
};

/** `shell: "..."`, `command: "..."` (same thing), `command: [argv...]`, or the `{cmd: ...}` / `{argv: [...]}` forms. */
function readCommand(ctx: Ctx, node: unknown, what: string, allowArgv: boolean): TaskAction | undefined {
  if (kindOf(node) === 'string') return shellOf(ctx, node, what);
  if (allowArgv && isSeq(node)) return argvOf(ctx, node, what);
  if (isMap(node)) {
    const k = readKeys(ctx, node, { what, known: allowArgv ? ['cmd', 'argv'] : ['cmd'], unsupported: COMMAND_UNSUPPORTED });
    if (k.has('cmd') && k.has('argv')) {
      err(ctx, 'config.conflictingKeys', `${what} takes cmd or argv, not both`, pairLoc(ctx, k.get('argv')!));
      return undefined;
    }
    if (k.has('cmd')) return shellOf(ctx, deref(ctx, k.get('cmd')!.value), `${what}.cmd`);
    if (k.has('argv')) {
      const seq = asSeq(ctx, k.get('argv')!.value, `${what}.argv`);
      return seq ? argvOf(ctx, seq, `${what}.argv`) : undefined;
    }
    return missing(ctx, node, what, 'cmd');
  }
  return badType(ctx, node, what, allowArgv ? 'a command string or a list of words' : 'a command string');
}

function shellOf(ctx: Ctx, node: unknown, what: string): TaskAction | undefined {
  const s = readString(ctx, node, what);
  if (s === undefined) return undefined;
  if (s.trim() === '') {
    err(ctx, 'config.badValue', `${what} is an empty command`, loc(ctx, node));
    return undefined;
  }
  return { kind: 'shell', cmd: makeTmpl(ctx, node, s, 'command') };
}

function argvOf(ctx: Ctx, seq: unknown, what: string): TaskAction | undefined {
  const items = isSeq(seq) ? seq.items : [];
  if (items.length === 0) {
    err(ctx, 'config.badValue', `${what} is an empty list of words`, loc(ctx, seq));
    return undefined;
  }
  const argv: Tmpl[] = [];
  let ok = true;
  for (const item of items) {
    const n = deref(ctx, item);
    const s = readText(ctx, n, `each word of ${what}`);
    if (s === undefined) ok = false;
    else argv.push(makeTmpl(ctx, n, s));
  }
  return ok ? { kind: 'argv', argv } : undefined;
}

function readAddHost(ctx: Ctx, node: unknown, what: string): TaskAction | undefined {
  const map = asMap(ctx, node, what, 'write add_host: {name: "...", groups: [...]}');
  if (!map) return undefined;
  let name: Tmpl | undefined;
  let groups: string[] = [];
  const vars: Vars = {};
  let ok = true;
  for (const { key, pair } of pairs(map)) {
    const val = deref(ctx, pair.value);
    if ((ADD_HOST_NAME_KEYS as readonly string[]).includes(key)) {
      if (name) { err(ctx, 'config.conflictingKeys', 'add_host takes one of name, hostname, host', pairLoc(ctx, pair)); ok = false; continue; }
      name = readTmpl(ctx, val, `add_host.${key}`);
      if (!name) ok = false;
    } else if ((ADD_HOST_GROUP_KEYS as readonly string[]).includes(key)) {
      const g = readStringList(ctx, val, `add_host.${key}`);
      if (!g) ok = false;
      else {
        groups = [...groups, ...g];
        for (const one of g) if (hasTemplate(one)) makeTmpl(ctx, val, one);
      }
    } else if (checkVarName(ctx, key, 'add_host variable', pairLoc(ctx, pair))) {
      vars[key] = readValue(ctx, val);
      rememberLoc(vars, key, loc(ctx, val));
    } else ok = false;
  }
  if (!name) {
    if (ok) err(ctx, 'config.missingKey', 'add_host needs "name"', loc(ctx, map));
    return undefined;
  }
  return ok ? { kind: 'add_host', name, groups, vars } : undefined;
}
