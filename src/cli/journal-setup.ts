// Opens the run journal for a command: state dir, run metadata, secrets to mask.
import { hostname, userInfo } from 'node:os';
import type { Playbook } from '../model/playbook.js';
import { JournalWriter, resolveStateDir, type RunKind } from '../journal/index.js';

export interface JournalSetup {
  stateDir?: string;
  runId: string;
  kind: RunKind;
  parentRunId?: string;
  playbook: Pick<Playbook, 'file' | 'sha256'>;
  inventories: string[];
  check: boolean;
  cwd: string;
  options: Record<string, unknown>;
  secrets: string[];
}

export async function openJournal(s: JournalSetup): Promise<JournalWriter> {
  const dir = resolveStateDir(s.stateDir);
  return JournalWriter.open(dir, {
    runId: s.runId, kind: s.kind, ...(s.parentRunId ? { parentRunId: s.parentRunId } : {}),
    playbook: { path: s.playbook.file, sha256: s.playbook.sha256 }, inventories: s.inventories,
    argv: maskArgv(process.argv.slice(2)), user: userInfo().username, hostname: hostname(), pid: process.pid,
    check: s.check, cwd: s.cwd, options: s.options,
  }, { secrets: s.secrets });
}

import { SECRET_NAME } from './load.js';

/** `-e db_password=x` → `-e db_password=******`: values of secret-looking extra vars never reach the journal. */
export function maskExtraVars(args: string[]): string[] {
  return args.map((a) => a.replace(/([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|'[^']*'|\S+)/g, (m, k: string) => (SECRET_NAME.test(k) ? `${k}=******` : m)));
}

function maskArgv(argv: string[]): string[] {
  return argv.map((a, i) => (argv[i - 1] === '-e' || argv[i - 1] === '--extra-vars' ? maskExtraVars([a])[0]! : a));
}
