// `npm run demo`: a post-outage cluster in containers (6 nodes + Ceph), scanned, cleaned, re-scanned, its
// journal shown and a cleanup rolled back, then torn down. Every step runs the real CLI over real SSH.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fleetUnavailableReason } from './fleet/harness.js';
import { startScenario, type StartedScenario } from './fleet/scenario.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(ROOT, 'dist/src/cli/main.js');
const MULTIPATH = join(ROOT, 'playbooks/multipath-residue.yml');
const RBD = join(ROOT, 'playbooks/rbd-stale-watchers.yml');
const tty = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
const bold = (s: string) => (tty ? `\x1b[1m${s}\x1b[0m` : s);
const dim = (s: string) => (tty ? `\x1b[2m${s}\x1b[0m` : s);

let step = 0;
function heading(title: string, why: string): void {
  process.stdout.write(`\n${bold(`── ${++step}. ${title}`)}\n${dim(why)}\n`);
}

/** Runs the real CLI with the terminal attached, echoing the command as a user would type it. */
function fleetsweep(sc: StartedScenario, args: string[]): Promise<number> {
  const shown = args.map((a) => a.replace(ROOT, '').replace(sc.dir, '$SCENARIO'));
  process.stdout.write(`${bold('$')} fleetsweep ${shown.join(' ')}\n`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: 'inherit', env: { ...process.env, FLEETSWEEP_STATE_DIR: join(sc.dir, 'state') } });
    child.on('error', reject);
    child.on('close', (code) => {
      process.stdout.write(dim(`(exit ${code})`) + '\n');
      resolve(code ?? -1);
    });
  });
}

async function lastRunId(sc: StartedScenario, kind = 'run'): Promise<string> {
  const out = await new Promise<string>((resolve, reject) => {
    let s = '';
    const child = spawn(process.execPath, [CLI, 'runs', '--json'], { env: { ...process.env, FLEETSWEEP_STATE_DIR: join(sc.dir, 'state') } });
    child.stdout.on('data', (b: Buffer) => (s += b));
    child.on('error', reject);
    child.on('close', () => resolve(s));
  });
  const runs = JSON.parse(out) as Array<{ id: string; kind: string; check: boolean; playbook: string }>;
  const r = runs.find((x) => x.kind === kind && !x.check && x.playbook.endsWith('multipath-residue.yml'));
  if (!r) throw new Error('no cleanup run in the journal');
  return r.id;
}

async function kubelet(sc: StartedScenario, why: string): Promise<void> {
  process.stdout.write(dim(why) + '\n');
  for (const n of ['node-b', 'node-d']) {
    for (const p of await sc.reconcile(n)) process.stdout.write(`kubelet on ${n}: ${p.pod} ${p.result}${p.detail ? ` (${p.detail.split('\n')[0]})` : ''}\n`);
  }
}

async function show(sc: StartedScenario, node: string, cmd: string): Promise<void> {
  process.stdout.write(`${bold(`${node}$`)} ${cmd}\n`);
  const r = await sc.exec(node, cmd);
  process.stdout.write(r.output.replace(/\n?$/, '\n'));
}

async function main(): Promise<number> {
  const t0 = Date.now();
  const reason = await fleetUnavailableReason();
  if (reason) {
    process.stderr.write(`demo: ${reason}\nOn a fresh machine, \`bash .ci/run\` installs Docker and builds the images (as root).\n`);
    return 1;
  }
  heading('A cluster after a rack power outage', 'Ceph micro cluster + control node + 4 workers, each with its own 127.x address; residue and decoys from test/scenarios/post-outage.yml');
  const sc = await startScenario('post-outage', { namePrefix: 'demo' });
  const stop = () => { void sc.close().finally(() => process.exit(130)); };
  process.once('SIGINT', stop);
  try {
    process.stdout.write(`started in ${(sc.timings.totalMs / 1000).toFixed(1)}s: ${sc.scenario.nodes.map((n) => `${n.name} (${n.ssh})`).join(', ')}\n`);
    await show(sc, 'node-a', 'multipath -ll');
    await show(sc, sc.control, 'kubectl get pods -A -o wide');

    const inv = ['-i', sc.inventoryPath];
    heading('Scan: what is stale, and what must be left alone', 'read-only --check runs of both playbooks; nothing changes');
    await fleetsweep(sc, ['run', MULTIPATH, ...inv, '--check']);
    await fleetsweep(sc, ['run', RBD, ...inv, '--check']);

    heading('Clean up', 'every step: check again → snapshot to the journal (fsync) → apply → verify');
    await fleetsweep(sc, ['run', MULTIPATH, ...inv]);
    await fleetsweep(sc, ['run', RBD, ...inv]);
    await kubelet(sc, 'the kubelets retry: the stale watchers are gone, so the volumes attach; db-0\'s file system was damaged by the freeze');

    heading('Repair the file system, snapshot first', 'rbd snap create POOL/IMAGE@fleetsweep-RUN, then fsck -fy; rollback would restore the snapshot');
    await fleetsweep(sc, ['run', RBD, ...inv, '-e', 'rbd_fsck_repair=true']);
    await kubelet(sc, 'the kubelets retry again');

    heading('Re-scan: nothing left to do', 'the same playbooks again, in check mode');
    await fleetsweep(sc, ['run', MULTIPATH, ...inv, '--check']);
    await fleetsweep(sc, ['run', RBD, ...inv, '--check']);

    heading('The journal', 'what ran, and what the multipath cleanup changed on node-a, with its snapshots');
    await fleetsweep(sc, ['runs']);
    const id = await lastRunId(sc);
    await fleetsweep(sc, ['runs', 'show', id, '--host', 'node-a']);

    heading('Rollback', 'undo the multipath cleanup, newest change first, each step verified');
    await fleetsweep(sc, ['rollback', id, ...inv]);
    await show(sc, 'node-a', 'multipath -ll');
    process.stdout.write(`\n${bold(`demo finished in ${((Date.now() - t0) / 1000).toFixed(0)}s`)}; removing the containers\n`);
    return 0;
  } finally {
    process.off('SIGINT', stop);
    await sc.close();
  }
}

main().then(
  (code) => { process.exitCode = code; },
  (err: unknown) => { process.stderr.write(`demo failed: ${(err as Error).stack ?? String(err)}\n`); process.exitCode = 1; },
);
