// Public surface of the facts layer: parsers of real command output, validators, and the registry
// behind `fleetsweep parse KIND [FILE]`.
import { parseMultipath } from './multipath.js';
import { parseMultipathdJson } from './multipathd-json.js';
import { parseRbdShowmapped, parseRbdStatus } from './rbd.js';
import { parseKubectlDescribeEvents, parseKubectlEvents } from './kubectl.js';
import { parsePods, parsePvs, parseVolumeAttachments } from './kubectl-objects.js';

export * from './validate.js';
export * from './multipath.js';
export * from './rbd.js';
export * from './kubectl.js';
export * from './fsck.js';
export { extractJson, splitLines, type JsonExtract } from './text.js';

/**
 * Parsers by kind, each a pure `(text) => JSON-serialisable value` that never throws. The first
 * five are the documented CLI kinds; their output starts with exactly these keys (extra keys follow):
 *   multipath, multipathd-json  {"maps":[{"name","wwid","dm","vendor","product","size","features","hwhandler",
 *                                "paths":[{"hctl","dev","majmin","dmState","checkerState","devState",...}],...}],"warnings"}
 *   rbd-status                  {"watchers":[{"address","client","cookie",...}],...}   (plain or JSON input)
 *   rbd-showmapped              {"mappings":[{"id","pool","namespace","image","snap","device",...}],...}   (plain or JSON)
 *   kubectl-events              {"events":[{"namespace","pod","reason","type","message","volume",...}],...}
 *                               (`kubectl get events -o json`, or a `kubectl describe` output with an Events: table)
 * Missing values are null.
 */
export const FACT_PARSERS: Record<string, (text: string) => unknown> = {
  'multipath': parseMultipath,
  'multipathd-json': parseMultipathdJson,
  'rbd-status': parseRbdStatus,
  'rbd-showmapped': parseRbdShowmapped,
  'kubectl-events': (text: string) => (looksLikeJson(text) ? parseKubectlEvents(text) : parseKubectlDescribeEvents(text)),
  'kubectl-describe-events': parseKubectlDescribeEvents,
  'kubectl-pv': (text: string) => ({ pvs: parsePvs(text) }),
  'kubectl-pods': (text: string) => ({ pods: parsePods(text) }),
  'kubectl-volumeattachments': (text: string) => ({ volumeAttachments: parseVolumeAttachments(text) }),
};

/** The kinds `fleetsweep parse` documents, in help order. */
export const FACT_KINDS: readonly string[] = Object.keys(FACT_PARSERS);

function looksLikeJson(text: string): boolean {
  return typeof text === 'string' && !/^\s*Events:/m.test(text) && /^\s*[{[]/m.test(text);
}
