// Shared set-up for runner unit tests: a playbook from YAML text, an inventory of N hosts, a scripted fleet.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPlaybook } from '../../../src/config/playbook.js';
import { loadInventory } from '../../../src/config/inventory.js';
import { runPlaybook } from '../../../src/runner/run.js';
import type { RunOptions, RunResult } from '../../../src/runner/types.js';
import type { RunEvent } from '../../../src/model/events.js';
import { scriptedFleet, type Rule } from '../../helpers/scripted.js';
import type { UnreachableReason } from '../../../src/model/outcome.js';

export function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'fs-unit-'));
}

export function inventory(n: number, extra = ''): string {
  const dir = tmp();
  const hosts = Array.from({ length: n }, (_, i) => `        h${i + 1}: { ansible_host: 127.0.9.${i + 1} }`).join('\n');
  const file = join(dir, 'inv.yml');
  writeFileSync(file, `all:\n  children:\n    web:\n      hosts:\n${hosts}\n${extra}`);
  return file;
}

export interface Ran {
  result: RunResult;
  events: RunEvent[];
  fleet: ReturnType<typeof scriptedFleet>;
}

export async function run(yaml: string, opts: { hosts?: number; rules?: Record<string, Rule[]>; unreachable?: Record<string, UnreachableReason>; over?: Partial<RunOptions>; inv?: string } = {}): Promise<Ran> {
  const dir = tmp();
  const pb = join(dir, 'pb.yml');
  writeFileSync(pb, yaml);
  const { playbook } = loadPlaybook(pb);
  const inv = loadInventory([opts.inv ?? inventory(opts.hosts ?? 3)]);
  const fleet = scriptedFleet({ '*': [], ...(opts.rules ?? {}) }, opts.unreachable ?? {});
  const events: RunEvent[] = [];
  const result = await runPlaybook({
    runId: 'test-run', playbook, inventory: inv, forks: 10, check: false, extraVars: {}, tags: [], skipTags: [],
    acceptNewHostKeys: false, timeoutMs: 1000, connectTimeoutMs: 1000, cwd: dir,
    sink: { emit: (e) => events.push(e) }, interrupt: new AbortController().signal, hardStop: new AbortController().signal,
    connect: fleet.connect, ...opts.over,
  });
  return { result, events, fleet };
}

export const outcomeOf = (r: RunResult) => Object.fromEntries(r.hosts.map((h) => [h.host, h.outcome]));
export const all = (rules: Rule[]) => ({ '*': rules });
