// Loads inventory, extra-vars and playbook for a command, collecting every problem before any host is contacted.
import { dirname, resolve } from 'node:path';
import { readFileSync } from 'node:fs';
import type { Inventory, Vars } from '../model/inventory.js';
import type { Playbook } from '../model/playbook.js';
import { ConfigError, type Diagnostic } from '../errors/index.js';
import { loadInventoryReport, implicitLocalhost } from '../config/inventory.js';
import { parseExtraVars } from '../config/extra-vars.js';
import { loadPlaybook } from '../config/playbook.js';
import { crossCheck } from '../config/crosscheck.js';
import { secret, Secret } from '../template/index.js';

/** `-i` values: paths made absolute (the journal records them for rollback/resume); `h1,h2,` host lists kept. */
export function inventoryArgs(paths: string[] | undefined): string[] {
  return (paths ?? []).map((p) => (p.includes(',') ? p : resolve(p)));
}

export function loadInventoryArg(paths: string[] | undefined, warnings: Diagnostic[] = [], playbookDir?: string): Inventory {
  if (!paths || paths.length === 0) return implicitLocalhost();
  const r = loadInventoryReport(inventoryArgs(paths), { playbookDir });
  const errors = r.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length || !r.inventory) throw new ConfigError(errors, r.sources);
  warnings.push(...r.diagnostics.filter((d) => d.severity === 'warning'));
  return r.inventory;
}

/** Extra vars whose names look secret (password, token, key...) render masked in logs, reports and the journal. */
export const SECRET_NAME = /pass|secret|token|key|cred/i;

function markSecrets(vars: Vars): Vars {
  const out: Vars = {};
  for (const [k, v] of Object.entries(vars)) out[k] = SECRET_NAME.test(k) && (typeof v === 'string' || typeof v === 'number') ? secret(v) : v;
  return out;
}

/** The values of secret extra vars, so the journal can mask them wherever they turn up. */
export function secretValues(vars: Vars): string[] {
  return Object.values(vars).filter((v): v is Secret => v instanceof Secret).map((v) => v.reveal());
}

export interface Loaded {
  inventory: Inventory;
  playbook: Playbook;
  extraVars: Vars;
  warnings: Diagnostic[];
}

/** Everything a run needs; throws one ConfigError with all problems of all files. */
export function loadAll(playbookPath: string, inventoryPaths: string[] | undefined, extra: string[], cwd: string): Loaded {
  const problems: Diagnostic[] = [];
  const sources = new Map<string, string>();
  const attempt = <T>(fn: () => T): T | undefined => {
    try {
      return fn();
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      problems.push(...err.diagnostics);
      for (const [k, v] of err.sources) sources.set(k, v);
      return undefined;
    }
  };
  const invWarnings: Diagnostic[] = [];
  const inventory = attempt(() => loadInventoryArg(inventoryPaths, invWarnings, dirname(resolve(playbookPath))));
  const extraVars = attempt(() => markSecrets(parseExtraVars(extra, cwd).vars));
  const loaded = attempt(() => loadPlaybook(resolve(playbookPath)));
  if (inventory && extraVars && loaded) problems.push(...crossCheck(loaded.playbook, inventory, extraVars));
  const warnings = [...invWarnings, ...(loaded?.warnings ?? []), ...problems.filter((d) => d.severity === 'warning')];
  const errors = problems.filter((d) => d.severity === 'error');
  if (errors.length || !inventory || !extraVars || !loaded) {
    for (const d of errors) if (!sources.has(d.loc.file)) { try { sources.set(d.loc.file, readFileSync(d.loc.file, 'utf8')); } catch { /* not a file */ } }
    throw new ConfigError(errors, sources);
  }
  return { inventory, playbook: loaded.playbook, extraVars, warnings };
}
