// The simulated node each bench host serves: a small tree under the host's HOME that the scan commands read, different per host.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Files and directories of one node, relative to its HOME (`node/...`). Directories map to their entry names. */
export interface NodeTree {
  files: Record<string, string>;
  dirs: Record<string, string[]>;
}

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');

/** Deterministic content for host number `i` (0-based); map and device counts vary so outputs differ by size too. */
export function nodeTree(i: number): NodeTree {
  const maps = 1 + (i % 3);
  const rbds = i % 4;
  const disks = ['sda'];
  const mapLines: string[] = [];
  const mapper = ['control'];
  for (let m = 0; m < maps; m++) {
    const name = `mpath${String.fromCharCode(97 + m)}`;
    const wwid = `3600a098038314${hex(i, 6)}${hex(m, 4)}`;
    const paths = [1, 2, 3, 4].map((p) => `sd${String.fromCharCode(97 + 1 + m * 4 + p - 1)}`);
    disks.push(...paths);
    mapper.push(name);
    mapLines.push(
      `${name} (${wwid}) dm-${m} NETAPP,LUN C-Mode`,
      `size=${10 * (m + 1)}G features='3 queue_if_no_path pg_init_retries 50' hwhandler='1 alua' wp=rw`,
      `|-+- policy='service-time 0' prio=50 status=active`,
      `| |- ${3 + m}:0:0:${i % 256} ${paths[0]} 8:${16 * (1 + m * 4)} active ready running`,
      `| \`- ${4 + m}:0:0:${i % 256} ${paths[1]} 8:${16 * (2 + m * 4)} active ready running`,
      `\`-+- policy='service-time 0' prio=10 status=enabled`,
      `  |- ${5 + m}:0:0:${i % 256} ${paths[2]} 8:${16 * (3 + m * 4)} active ready running`,
      `  \`- ${6 + m}:0:0:${i % 256} ${paths[3]} 8:${16 * (4 + m * 4)} active ready running`,
    );
  }
  const block = [...disks, ...Array.from({ length: maps }, (_, m) => `dm-${m}`), ...Array.from({ length: rbds }, (_, r) => `rbd${r}`)];
  const rbdLines = ['id  pool  namespace  image                                                          snap  device'];
  const mounts = [
    '/dev/sda1 / ext4 rw,relatime 0 0',
    'proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0',
    'tmpfs /run tmpfs rw,nosuid,nodev,size=1620708k,mode=755 0 0',
  ];
  for (let r = 0; r < rbds; r++) {
    const pvc = `kubernetes-dynamic-pvc-${hex(i, 8)}-${hex(r, 4)}-11ee-8c99-0242ac120002`;
    rbdLines.push(`${r}   kube             ${pvc}  -     /dev/rbd${r}`);
    mounts.push(`/dev/rbd${r} /var/lib/kubelet/plugins/kubernetes.io/rbd/mounts/kube-image-${pvc} ext4 rw,relatime 0 0`);
  }
  return {
    files: {
      'node/multipath-ll.txt': mapLines.join('\n') + '\n',
      'node/rbd-showmapped.txt': rbdLines.join('\n') + '\n',
      'node/proc/mounts': mounts.join('\n') + '\n',
      'node/etc/hostname': `node-${i + 1}.bench.example\n`,
    },
    dirs: {
      'node/sys/block': block,
      'node/dev/mapper': mapper,
    },
  };
}

/**
 * What each scan command prints on host `i`, keyed by the command text. Exact bytes: `ls` of a pipe prints one
 * name a line, sorted; names are chosen so that C and UTF-8 collation agree.
 */
export function expectedOutputs(i: number, commands: readonly string[]): string[] {
  const t = nodeTree(i);
  return commands.map((c) => {
    const cat = /^cat ~\/(\S+)$/.exec(c);
    if (cat) return t.files[cat[1]!] ?? fail(c);
    const ls = /^ls ~\/(\S+)$/.exec(c);
    if (ls) return [...(t.dirs[ls[1]!] ?? fail(c))].sort().map((n) => `${n}\n`).join('');
    return fail(c);
  });
}

function fail(c: string): never {
  throw new Error(`bench: no expected output for scan command ${JSON.stringify(c)} (use "cat ~/node/..." or "ls ~/node/...")`);
}

/** Writes host `i`'s HOME: an empty .bashrc (a heavy rc file would be measured instead of the runner) and the node tree. */
export function writeNodeHome(home: string, i: number): void {
  rmSync(home, { recursive: true, force: true });
  mkdirSync(home, { recursive: true });
  writeFileSync(join(home, '.bashrc'), '');
  const t = nodeTree(i);
  for (const [dir, names] of Object.entries(t.dirs)) {
    mkdirSync(join(home, dir), { recursive: true });
    for (const n of names) mkdirSync(join(home, dir, n));
  }
  for (const [file, text] of Object.entries(t.files)) {
    mkdirSync(join(home, file, '..'), { recursive: true });
    writeFileSync(join(home, file), text);
  }
}
