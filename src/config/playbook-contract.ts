// Reads the idempotency contract (check -> snapshot -> apply -> verify, rollback) and enforces its safety rules.
import type { Pair, Scalar } from 'yaml';
import type { Contract, TaskAction, Tmpl } from '../model/playbook.js';
import { referencedVariables } from '../template/symbols.js';
import { type Ctx, err, warn, loc, deref, kindOf, badType, readString, readBool, pairLoc } from './playbook-read.js';
import { makeTmpl } from './playbook-values.js';

/**
 * Rules: apply needs verify (opt out: `verify: false`); a destructive apply (the default) needs snapshot
 * (opt out: `destructive: false`); no check is a warning (apply would run every time); a rollback that reads
 * `snapshot` needs a snapshot command.
 */
export function readContract(ctx: Ctx, keys: Map<string, Pair>, applyPair: Pair): TaskAction | undefined {
  const at = pairLoc(ctx, applyPair);
  let ok = true;
  const cmd = (k: 'check' | 'snapshot' | 'apply' | 'rollback'): Tmpl | undefined => {
    const p = keys.get(k);
    if (!p) return undefined;
    const n = deref(ctx, p.value);
    const s = readString(ctx, n, k);
    if (s === undefined) { ok = false; return undefined; }
    if (s.trim() === '') { err(ctx, 'config.badValue', `${k} is an empty command`, loc(ctx, n)); ok = false; return undefined; }
    return makeTmpl(ctx, n, s, 'command');
  };
  const check = cmd('check');
  const snapshot = cmd('snapshot');
  const apply = cmd('apply');
  const rollback = cmd('rollback');

  let verify: Tmpl | undefined;
  let verifyOptOut = false;
  const vp = keys.get('verify');
  if (vp) {
    const n = deref(ctx, vp.value);
    if (kindOf(n) === 'boolean' && (n as Scalar).value === false) verifyOptOut = true;
    else if (kindOf(n) === 'string' && ((n as Scalar).value as string).trim() !== '') verify = makeTmpl(ctx, n, (n as Scalar).value as string, 'command');
    else { badType(ctx, n, 'verify', 'a command, or false to opt out'); ok = false; }
  }
  let destructive = true;
  const dp = keys.get('destructive');
  if (dp) {
    const d = readBool(ctx, deref(ctx, dp.value), 'destructive');
    if (d === undefined) ok = false;
    else destructive = d;
  }

  if (!vp) {
    err(ctx, 'contract.noVerify', 'apply has no verify: nothing would prove the change worked', at,
      'add `verify: <command that exits 0 when the change is in place>`, or `verify: false` to opt out');
    ok = false;
  }
  if (!keys.has('snapshot') && destructive) {
    err(ctx, 'contract.noSnapshot', 'destructive apply has no snapshot: it could not be rolled back', at,
      'add `snapshot: <read-only command that captures the state apply changes>`, or `destructive: false` if apply loses nothing');
    ok = false;
  }
  if (!keys.has('check')) {
    warn(ctx, 'contract.noCheck', 'apply has no check: it runs every time, and --check cannot tell whether anything would change', at,
      'add `check: <read-only command>` that exits 0 when a change is needed and 1 when there is nothing to do');
  }
  if (rollback && !keys.has('snapshot') && referencedVariables(rollback).some((r) => r.name === 'snapshot')) {
    err(ctx, 'contract.noSnapshot', 'rollback reads "snapshot" but the task takes none', rollback.loc, 'add a `snapshot:` command');
    ok = false;
  }
  if (!ok || !apply) return undefined;
  const contract: Contract = { apply, destructive };
  if (check) contract.check = check;
  if (snapshot) contract.snapshot = snapshot;
  if (verify) contract.verify = verify;
  else if (verifyOptOut) contract.verifyOptOut = true;
  if (rollback) contract.rollback = rollback;
  return { kind: 'contract', contract };
}
