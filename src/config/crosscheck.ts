// Checks a loaded playbook against the inventory and extra vars before any host is contacted: unknown groups, undefined variables.
import { dirname } from 'node:path';
import type { Playbook, Play, Task, Tmpl } from '../model/playbook.js';
import type { Inventory, Vars } from '../model/inventory.js';
import type { SourceLocation } from '../model/source.js';
import { didYouMean, type Diagnostic } from '../errors/diagnostic.js';
import { ConfigError } from '../errors/config-error.js';
import { referencedVariables } from '../template/symbols.js';
import { selectHosts } from './patterns.js';
import { valueLoc, hasTemplate } from './playbook-values.js';
import { sortDiagnostics } from './playbook.js';

/** Variables the runner provides on every host (plus `item`/the loop var inside loops). */
export const MAGIC_VARS: readonly string[] = [
  'inventory_hostname', 'inventory_hostname_short', 'hostvars', 'groups', 'group_names', 'play_hosts', 'ansible_play_hosts',
  'ansible_check_mode', 'item', 'ansible_loop', 'snapshot', 'check', 'fleetsweep_run_id', 'fleetsweep_check_mode', 'omit',
];

const LOOP_VARS = new Set(['item', 'ansible_loop']);

/**
 * Problems only visible with the inventory and extra vars in hand. Pure: contacts nothing.
 * - `config.unknownGroup`: a literal `hosts:` pattern names a group or host that is neither in the inventory
 *   nor created by an earlier play's group_by/add_host.
 * - `config.undefinedVar`: a template reads a variable defined nowhere (extra vars, inventory, play/task vars,
 *   an earlier register/set_fact/add_host, the task's loop var, magic vars) and does not guard it.
 *   `item` (or loop_control.loop_var) and `ansible_loop` count as defined only in tasks that loop.
 */
export function crossCheck(pb: Playbook, inv: Inventory, extraVars: Vars): Diagnostic[] {
  const diags: Diagnostic[] = [];
  // item/ansible_loop exist only inside a loop: checkTask adds them for tasks that loop
  const base = new Set<string>(MAGIC_VARS.filter((n) => !LOOP_VARS.has(n)));
  for (const k of Object.keys(extraVars)) base.add(k);
  for (const h of inv.hosts.values()) for (const k of Object.keys(h.vars)) base.add(k);
  for (const g of inv.groups.values()) for (const k of Object.keys(g.vars)) base.add(k);

  /** set by tasks so far, in playbook order: facts persist across plays, per host */
  const facts = new Set<string>();
  /** groups/hosts earlier plays create at run time: literal names and patterns for templated names */
  const runtime: { names: Set<string>; patterns: RegExp[] } = { names: new Set(), patterns: [] };

  for (const play of pb.plays) {
    checkHosts(pb.file, play, inv, runtime, diags);
    const playScope = new Set<string>([...base, ...facts, ...Object.keys(play.vars)]);
    checkTmpl(play.hosts, false, playScope, diags);
    checkValues(play.vars, play.loc, playScope, diags);
    if (play.concurrency) checkTmpl(play.concurrency.key, false, playScope, diags);
    for (const task of play.tasks) {
      checkTask(task, new Set([...playScope, ...facts]), diags);
      recordOutputs(task, facts, runtime);
    }
  }
  return sortDiagnostics(diags);
}

function checkHosts(pbFile: string, play: Play, inv: Inventory, runtime: { names: Set<string>; patterns: RegExp[] }, diags: Diagnostic[]): void {
  if (hasTemplate(play.hosts.text)) return; // evaluated when the play starts
  let unknown: string[];
  try {
    ({ unknown } = selectHosts(inv, play.hosts.text, { loc: play.hosts.loc, cwd: dirname(pbFile) }));
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    diags.push(...e.diagnostics); // a bad regex or unreadable @file in the pattern
    return;
  }
  const candidates = [...inv.groups.keys(), ...inv.hosts.keys(), ...runtime.names];
  for (const name of unknown) {
    if (runtime.names.has(name) || runtime.patterns.some((re) => re.test(name))) continue;
    const near = didYouMean(name, candidates);
    diags.push({
      severity: 'error',
      code: 'config.unknownGroup',
      message: `hosts names "${name}", which is neither a group nor a host in the inventory${near ? ` (did you mean "${near}"?)` : ''}`,
      loc: play.hosts.loc,
      hint: near ? `did you mean "${near}"?` : `groups are: ${[...inv.groups.keys()].join(', ') || '(none)'}`,
    });
  }
}

function checkTask(task: Task, outer: Set<string>, diags: Diagnostic[]): void {
  const beforeLoop = new Set([...outer, ...Object.keys(task.vars)]);
  // the loop list is evaluated before there is an item
  if (Array.isArray(task.loop)) checkValues(task.loop, task.loc, beforeLoop, diags);
  else if (task.loop) checkTmpl(task.loop, false, beforeLoop, diags);
  const scope = task.loop === undefined ? beforeLoop : new Set([...beforeLoop, task.loopVar, 'ansible_loop']);
  const expr = (t: Tmpl | undefined, s = scope): void => { if (t) checkTmpl(t, true, s, diags); };
  const tmpl = (t: Tmpl | undefined, s = scope): void => { if (t) checkTmpl(t, false, s, diags); };

  for (const w of task.when) expr(w);
  tmpl(task.loopLabel);
  checkValues(task.vars, task.loc, scope, diags);
  checkValues(task.environment, task.loc, scope, diags);
  const a = task.action;
  switch (a.kind) {
    case 'shell': tmpl(a.cmd); break;
    case 'argv': a.argv.forEach((t) => tmpl(t)); break;
    case 'contract': {
      const c = a.contract;
      for (const t of [c.check, c.snapshot, c.apply, c.verify, c.rollback]) tmpl(t);
      break;
    }
    case 'set_fact': checkValues(a.facts, task.loc, scope, diags); break;
    case 'group_by': tmpl(a.key); break;
    case 'add_host': tmpl(a.name); checkValues(a.vars, task.loc, scope, diags); break;
    case 'debug': tmpl(a.msg); break;
    case 'fail': tmpl(a.msg); break;
    case 'assert': a.that.forEach((t) => expr(t)); tmpl(a.msg); break;
  }
  // the task's own result is readable where Ansible evaluates after running it
  const after = task.register ? new Set([...scope, task.register]) : scope;
  expr(task.changedWhen, after);
  expr(task.failedWhen, after);
  expr(task.until, after);
}

/** What a task leaves behind for later tasks and plays. */
function recordOutputs(task: Task, facts: Set<string>, runtime: { names: Set<string>; patterns: RegExp[] }): void {
  if (task.register) facts.add(task.register);
  const a = task.action;
  if (a.kind === 'set_fact') for (const k of Object.keys(a.facts)) facts.add(k);
  if (a.kind === 'add_host') {
    for (const k of Object.keys(a.vars)) facts.add(k);
    for (const t of [a.name.text, ...a.groups]) addRuntimeName(t, runtime);
  }
  if (a.kind === 'group_by') addRuntimeName(a.key.text, runtime);
}

function addRuntimeName(text: string, runtime: { names: Set<string>; patterns: RegExp[] }): void {
  if (!hasTemplate(text)) { runtime.names.add(text); return; }
  // "stale_{{ x }}" may produce any name starting with "stale_"
  const parts = text.split(/\{\{.*?\}\}|\{%.*?%\}/s).map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  runtime.patterns.push(new RegExp(`^${parts.join('.*')}$`, 's'));
}

function checkTmpl(t: Tmpl, expression: boolean, scope: Set<string>, diags: Diagnostic[]): void {
  for (const ref of referencedVariables(t, { expression })) {
    if (ref.guarded || scope.has(ref.name)) continue;
    diags.push(undefinedVar(ref.name, t.loc, scope));
  }
}

/** Templated strings inside untyped values (vars, set_fact, literal loop lists, environment). */
function checkValues(value: unknown, fallback: SourceLocation, scope: Set<string>, diags: Diagnostic[], depth = 0): void {
  if (depth > 64 || value === null || typeof value !== 'object') return;
  const entries: Array<[string | number, unknown]> = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
  for (const [k, v] of entries) {
    const at = valueLoc(value, k) ?? fallback;
    if (typeof v === 'string') {
      if (hasTemplate(v)) checkTmpl({ text: v, loc: at }, false, scope, diags);
    } else checkValues(v, at, scope, diags, depth + 1);
  }
}

function undefinedVar(name: string, loc: SourceLocation, scope: Set<string>): Diagnostic {
  const near = didYouMean(name, scope);
  return {
    severity: 'error',
    code: 'config.undefinedVar',
    message: `"${name}" is not defined anywhere${near ? ` (did you mean "${near}"?)` : ''}`,
    loc,
    hint: near
      ? `did you mean "${near}"?`
      : 'define it in vars, the inventory, --extra-vars, an earlier register/set_fact, or guard it with `is defined` / `| default(...)`',
  };
}
