// Fact: what an fsck / e2fsck run found and did, from its output and its exit code.
//
// The exit code is a bit set (fsck(8), e2fsck(8)): 1 corrected, 2 corrected/reboot, 4 left
// uncorrected, 8 operational error, 16 usage, 32 cancelled, 128 shared-library error. `rcMeaning`
// names the most serious bit set. The text adds what the code cannot say: preen (-p/-a) may
// already have FIXED something before it refused with exit 4 (so `modified` is true), and
// "UNEXPECTED INCONSISTENCY; RUN fsck MANUALLY" is the refusal kubelet reports. Never throws.
import { splitLines } from './text.js';

export type FsckMeaning = 'clean' | 'corrected' | 'corrected-reboot' | 'uncorrected' | 'error' | 'usage' | 'cancelled' | 'library';

export interface FsckResult {
  rcMeaning: FsckMeaning;
  /** the filesystem was written: rc bit 1 or 2, "FILE SYSTEM WAS MODIFIED", a FIXED./CLEARED. line or a `? yes` answer */
  modified: boolean;
  unexpectedInconsistency: boolean;
  /** one line per problem reported, without the device prefix and the question/answer after it */
  problems: string[];
  /** every meaning whose bit is set, most serious first */
  rcBits: FsckMeaning[];
  /** the run ended with errors still on the filesystem */
  errorsRemain: boolean;
}

/** Most serious first: an unusable run outranks what it says about the filesystem. */
const BITS: ReadonlyArray<[number, FsckMeaning]> = [
  [128, 'library'], [16, 'usage'], [8, 'error'], [4, 'uncorrected'], [32, 'cancelled'], [2, 'corrected-reboot'], [1, 'corrected'],
];

/**
 * `rc` null (killed at a deadline, connection lost), negative, above 255, or with bit 64 (unused by
 * fsck; 126/127 are the shell's "cannot execute"/"not found") reads as 'error'.
 */
export function fsckMeaning(rc: number | null): { meaning: FsckMeaning; bits: FsckMeaning[] } {
  if (rc === null || !Number.isInteger(rc) || rc < 0 || rc > 255 || (rc & 64) !== 0) return { meaning: 'error', bits: ['error'] };
  const bits = BITS.filter(([b]) => (rc & b) !== 0).map(([, m]) => m);
  return { meaning: bits[0] ?? 'clean', bits };
}

const SKIP: readonly RegExp[] = [
  /^fsck from util-linux/,
  /^e2fsck \d/,
  /^Pass \d[A-Z]?: /,
  /^\[\/s?bin\/fsck\./, // fsck -V
  /FILE SYSTEM WAS MODIFIED/,
  /WARNING: Filesystem still has errors/,
  /UNEXPECTED INCONSISTENCY; RUN fsck MANUALLY/,
  /^\(i\.e\., without -a or -p options\)$/,
  /contains a file system with errors, check forced\.$/,
  /^\d+\/\d+ files \(.*\), \d+\/\d+ blocks$/,
  /^clean, \d+\/\d+ files, \d+\/\d+ blocks/,
  /^(FIXED|CLEARED|IGNORED|RELOCATED|SALVAGED)\.$/,
  /^Restarting e2fsck from the beginning/,
  /^Checking all file systems\.$/,
];
/** a question alone on its line, with or without the answer: `Fix? no`, `Connect to /lost+found? yes` */
const QUESTION_ONLY = /^[A-Z][^?.]{0,60}(<[yn]>)?\? ?(yes|no)?$/;
/** the question, answer or verdict e2fsck appends to a problem line */
const TRAILER = /\s+(?:[A-Z][^?.]{0,60}(?:<[yn]>)?\? ?(?:yes|no)?|FIXED\.|CLEARED\.|IGNORED\.|RELOCATED\.|SALVAGED\.)$/;

export function parseFsck(text: string, rc: number | null): FsckResult {
  const lines = splitLines(typeof text === 'string' ? text : '').map((l) => l.trim()).filter((l) => l !== '');
  const { meaning, bits } = fsckMeaning(rc);
  const all = lines.join('\n');
  const unexpectedInconsistency = /UNEXPECTED INCONSISTENCY; RUN fsck MANUALLY/.test(all);
  const modified = bits.includes('corrected') || bits.includes('corrected-reboot')
    || /FILE SYSTEM WAS MODIFIED/.test(all)
    || lines.some((l) => /(^|\s)(FIXED|CLEARED|RELOCATED|SALVAGED)\.$/.test(l) || /\? ?yes$/.test(l));

  // The device prefix ("/dev/rbd8: ", "simvol: ") as the summary or verdict lines show it.
  const prefixes = new Set<string>();
  for (const l of lines) {
    const m = /^(.+?): (?:\*{5}|\d+\/\d+ files|UNEXPECTED INCONSISTENCY|clean, )/.exec(l);
    if (m) prefixes.add(m[1]!);
  }
  const problems: string[] = [];
  for (let l of lines) {
    for (const p of prefixes) if (l.startsWith(`${p}: `)) l = l.slice(p.length + 2);
    if (SKIP.some((re) => re.test(l)) || QUESTION_ONLY.test(l)) continue;
    const stripped = l.replace(TRAILER, '').trim();
    if (stripped !== '') problems.push(stripped);
  }
  return {
    rcMeaning: meaning,
    modified,
    unexpectedInconsistency,
    problems,
    rcBits: bits,
    errorsRemain: bits.includes('uncorrected') || unexpectedInconsistency || /WARNING: Filesystem still has errors/.test(all),
  };
}
