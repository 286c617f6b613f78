// Fact parsers and strict validators as template filters and tests, so playbooks parse node output the same
// way `fleetsweep parse` does: `{{ mp.stdout | multipath_topology }}`, `when: item.dev is device_name`.
import { registerFilters } from '../template/index.js';
import {
  parseMultipath, parseMultipathdJson, parseRbdStatus, parseRbdShowmapped, parseKubectlEvents, parseKubectlDescribeEvents,
  parsePvs, parsePods, parseVolumeAttachments, parseFsck, parseWatcherAddress, isCandidate, hasHealthyPath,
  isDeviceName, isDmName, isMapName, isWwid, isHctl, isRbdDevice, isCephName, isIpAddress, isCephAddress, isK8sName,
} from '../facts/index.js';
import type { MultipathMap } from '../facts/multipath-model.js';

const text = (v: unknown): string => (typeof v === 'string' ? v : v === null || v === undefined ? '' : String(v));
const looksJson = (s: string) => /^\s*[[{]/.test(s);

let done = false;

/** Idempotent; the CLI calls it before loading any playbook. */
export function registerFactFilters(): void {
  if (done) return;
  done = true;
  registerFilters(
    {
      multipath_topology: (v) => (looksJson(text(v)) ? parseMultipathdJson(text(v)) : parseMultipath(text(v))),
      rbd_status: (v) => parseRbdStatus(text(v)),
      rbd_showmapped: (v) => parseRbdShowmapped(text(v)),
      kubectl_events: (v) => (looksJson(text(v)) ? parseKubectlEvents(text(v)) : parseKubectlDescribeEvents(text(v))),
      kubectl_pvs: (v) => parsePvs(text(v)),
      kubectl_pods: (v) => parsePods(text(v)),
      kubectl_volumeattachments: (v) => parseVolumeAttachments(text(v)),
      fsck_result: (v, rc) => parseFsck(text(v), Number(rc)),
      watcher_address: (v) => parseWatcherAddress(text(v)),
    },
    {
      device_name: (v) => isDeviceName(text(v)),
      dm_name: (v) => isDmName(text(v)),
      map_name: (v) => isMapName(text(v)),
      wwid: (v) => isWwid(text(v)),
      hctl: (v) => isHctl(text(v)),
      rbd_device: (v) => isRbdDevice(text(v)),
      ceph_name: (v) => isCephName(text(v)),
      ip_address: (v) => isIpAddress(text(v)),
      ceph_address: (v) => isCephAddress(text(v)),
      k8s_name: (v) => isK8sName(text(v)),
      multipath_candidate: (v) => typeof v === 'object' && v !== null && isCandidate(v as MultipathMap),
      multipath_healthy: (v) => typeof v === 'object' && v !== null && hasHealthyPath(v as MultipathMap),
    },
  );
}
