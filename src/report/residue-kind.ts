// The residue kind of a contract task: task var, task tag, play var, play tag, else the playbook's name.
import { basename, extname } from 'node:path';
import type { Play, Playbook, Task } from '../model/playbook.js';

export const KIND_VAR = 'fleetsweep_kind';
export const KIND_TAG_PREFIX = 'kind:';

/**
 * `vars: { fleetsweep_kind: multipath-residue }` or `tags: [kind:multipath-residue]`, on the task or its play.
 * The nearest declaration wins (task before play), a var before a tag at the same level. The value is taken
 * literally (it names a metric label and a history key, so it must not depend on a host).
 */
export function residueKind(playbookFile: string, play: Play, task: Task): string {
  return fromVars(task.vars) ?? fromTags(task.tags) ?? fromVars(play.vars) ?? fromTags(play.tags) ?? defaultKind(playbookFile);
}

/** `play/task` index → kind, for the contract tasks of a playbook (only they can find residue). */
export function contractKinds(pb: Playbook): Map<string, string> {
  const out = new Map<string, string>();
  pb.plays.forEach((play, p) => play.tasks.forEach((task, t) => {
    if (task.action.kind === 'contract') out.set(taskKey(p, t), residueKind(pb.file, play, task));
  }));
  return out;
}

export function taskKey(play: number, task: number): string {
  return `${play}/${task}`;
}

export function defaultKind(playbookFile: string): string {
  return basename(playbookFile, extname(playbookFile)) || 'residue';
}

function fromVars(vars: Record<string, unknown>): string | undefined {
  const v = vars[KIND_VAR];
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
}

function fromTags(tags: string[]): string | undefined {
  const t = tags.find((x) => x.startsWith(KIND_TAG_PREFIX) && x.length > KIND_TAG_PREFIX.length);
  return t?.slice(KIND_TAG_PREFIX.length).trim() || undefined;
}
