// Actions that run in the controller, not on the host: set_fact, group_by, add_host, debug, fail, assert.
import type { Host, Vars } from '../model/inventory.js';
import type { TaskAction, Tmpl } from '../model/playbook.js';
import { evaluate, evaluateBool, renderString } from '../template/index.js';
import type { ItemCtx, ItemRun } from './task-exec.js';

type LocalAction = Extract<TaskAction, { kind: 'set_fact' | 'group_by' | 'add_host' | 'debug' | 'fail' | 'assert' }>;

const GROUP_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,127}$/;
const HOST_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,252}$/;

export function runLocalAction(ctx: ItemCtx, a: LocalAction): ItemRun {
  const inv = ctx.env.scope.inventory;
  const ok = (reason?: string, reg: Record<string, unknown> = {}): ItemRun => ({ outcome: 'ok', reason, phases: {}, reg: { changed: false, failed: false, ...reg } });
  const fail = (reason: string): ItemRun => ({ outcome: 'failed', reason, phases: {}, reg: { changed: false, failed: true, msg: reason } });
  switch (a.kind) {
    case 'set_fact': {
      const facts: Vars = {};
      for (const [k, v] of Object.entries(a.facts)) facts[k] = deepEval(v, ctx);
      Object.assign(ctx.state.facts, facts);
      return ok(undefined, { ansible_facts: facts });
    }
    case 'group_by': {
      const group = renderString(a.key, ctx.vars).trim();
      if (!GROUP_NAME.test(group)) return fail(`group_by: "${group}" is not a valid group name`);
      addToGroup(inv, ctx.state.host, group);
      return ok(`added to group ${group}`);
    }
    case 'add_host': {
      const name = renderString(a.name, ctx.vars).trim();
      if (!HOST_NAME.test(name)) return fail(`add_host: "${name}" is not a valid host name`);
      let host = inv.hosts.get(name);
      const vars: Vars = {};
      for (const [k, v] of Object.entries(a.vars)) vars[k] = deepEval(v, ctx);
      if (!host) {
        host = { name, vars: { ...(inv.groups.get('all')?.vars ?? {}), ...vars }, origins: {}, groups: ['all'] };
        inv.hosts.set(name, host);
      } else {
        Object.assign(host.vars, vars);
      }
      for (const g of a.groups) addToGroup(inv, host, g);
      return ok(`host ${name} in ${['all', ...a.groups].join(', ')}`);
    }
    case 'debug':
      return ok(renderString(a.msg, ctx.vars), { msg: renderString(a.msg, ctx.vars) });
    case 'fail':
      return fail(renderString(a.msg, ctx.vars));
    case 'assert': {
      const bad = a.that.find((t) => !evaluateBool(t, ctx.vars));
      if (bad) return fail(a.msg ? renderString(a.msg, ctx.vars) : `assertion failed: ${bad.text}`);
      return ok('all assertions passed');
    }
  }
}

function addToGroup(inv: ItemCtx['env']['scope']['inventory'], host: Host, group: string): void {
  let g = inv.groups.get(group);
  if (!g) {
    g = { name: group, hosts: [], children: [], vars: {} };
    inv.groups.set(group, g);
    inv.groups.get('all')?.children.push(group);
  }
  if (!g.hosts.includes(host.name)) g.hosts.push(host.name);
  if (!host.groups.includes(group)) host.groups.push(group);
}

/** Values of set_fact/add_host: template strings are evaluated to native values, recursively. */
function deepEval(v: unknown, ctx: ItemCtx): unknown {
  if (typeof v === 'string') return v.includes('{{') || v.includes('{%') ? evaluate({ text: v, loc: ctx.task.loc } as Tmpl, ctx.vars) : v;
  if (Array.isArray(v)) return v.map((x) => deepEval(x, ctx));
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, deepEval(x, ctx)]));
  return v;
}
