// deploy/: the Kubernetes manifests parse and agree with each other (image, shard count, args, volumes,
// Secret and ConfigMap names, paths), and the systemd and cron examples run the sweep as documented.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { loadInventoryReport } from '../../../src/config/inventory.js';
import { hostConnection } from '../../../src/config/host-connection.js';
import { applyShard } from '../../../src/cli/shard.js';

const DEPLOY = fileURLToPath(new URL('../../../../deploy/', import.meta.url));
const K8S = join(DEPLOY, 'kubernetes');

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function docs(file: string): Obj[] {
  const parsed = parseAllDocuments(readFileSync(join(K8S, file), 'utf8'));
  for (const d of parsed) assert.deepEqual(d.errors, [], `${file}: ${d.errors.map((e) => e.message).join('; ')}`);
  return parsed.map((d) => d.toJS() as Obj).filter(Boolean);
}

const files = readdirSync(K8S).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml').sort();
const objects = files.flatMap((f) => docs(f).map((o) => ({ file: f, o })));
const byKind = (kind: string) => objects.filter((x) => x.o.kind === kind).map((x) => x.o);
const cronJob = byKind('CronJob')[0]!;
const jobSpec = cronJob.spec.jobTemplate.spec as Obj;
const pod = jobSpec.template.spec as Obj;
const script = (pod.containers[0].args as string[]).join('\n');

describe('kubernetes manifests', () => {
  test('every file parses, every object has apiVersion, kind and a name, and the kustomization lists them all', () => {
    assert.ok(objects.length >= 5);
    for (const { file, o } of objects) {
      assert.ok(o.apiVersion && o.kind && o.metadata?.name, `${file}: incomplete object`);
      if (o.kind !== 'Namespace') assert.equal(o.metadata.namespace, 'fleetsweep', `${file}: namespace`);
    }
    const k = docs('kustomization.yaml')[0]!;
    assert.deepEqual([...k.resources].sort(), files);
  });

  test('the CronJob runs an Indexed Job, never two at once, with pods that are not restarted in place', () => {
    assert.equal(cronJob.spec.concurrencyPolicy, 'Forbid');
    assert.equal(jobSpec.completionMode, 'Indexed');
    assert.ok(Number.isInteger(jobSpec.completions) && jobSpec.completions > 1);
    assert.ok(jobSpec.parallelism >= 1 && jobSpec.parallelism <= jobSpec.completions);
    assert.equal(pod.restartPolicy, 'Never');
    assert.equal(pod.containers.length, 1);
  });

  test('the completion index becomes the shard: K = JOB_COMPLETION_INDEX + 1 of N = completions', () => {
    const m = /--shard "\$\(\(JOB_COMPLETION_INDEX \+ 1\)\)\/(\d+)"/.exec(script);
    assert.ok(m, `no --shard from JOB_COMPLETION_INDEX in:\n${script}`);
    assert.equal(Number(m[1]), jobSpec.completions, 'the N of --shard K/N equals completions');
    for (const other of script.matchAll(/\$k\/(\d+)/g)) assert.equal(Number(other[1]), jobSpec.completions);
    // the shell arithmetic gives shards 1..N, which partition the inventory exactly
    const hosts = Array.from({ length: 500 }, (_, i) => `worker${i}`);
    const all = Array.from({ length: jobSpec.completions as number }, (_, idx) => applyShard(hosts, { k: idx + 1, n: jobSpec.completions })).flat();
    assert.deepEqual(all.sort(), [...hosts].sort());
  });

  test('the command is a sweep whose reports, log and state go to the volume, and results are not pod failures', () => {
    assert.match(script, /fleetsweep sweep -i \/etc\/fleetsweep\/inventory\/inventory\.yml/);
    for (const f of ['json', 'html', 'junit', 'prometheus']) assert.match(script, new RegExp(`--report ${f}=/data/reports/shard-\\$k\\.`));
    assert.match(script, /FLEETSWEEP_STATE_DIR=\/data\/state\/shard-\$k/);
    assert.match(script, /case \$rc in 0\|10\|11\|13\) exit 0 ;;/);
  });

  test('one image everywhere, pinned to a version', () => {
    const images = new Set(objects.flatMap(({ o }) => JSON.stringify(o).match(/"image":"[^"]+"/g) ?? []));
    assert.equal(images.size, 1, [...images].join(', '));
    assert.match([...images][0]!, /:\d+\.\d+\.\d+"$/);
  });

  test('every mount has a volume, and every volume names a Secret, ConfigMap or claim defined here', () => {
    const volumes = new Map((pod.volumes as Obj[]).map((v) => [v.name as string, v]));
    const mounts = pod.containers[0].volumeMounts as Obj[];
    for (const m of mounts) assert.ok(volumes.has(m.name), `mount ${m.name} has no volume`);
    assert.equal(new Set(mounts.map((m) => m.name)).size, volumes.size, 'no unused volume');
    const names = (kind: string) => byKind(kind).map((o) => o.metadata.name);
    for (const v of volumes.values()) {
      if (v.secret) assert.ok(names('Secret').includes(v.secret.secretName), `secret ${v.secret.secretName}`);
      if (v.configMap) assert.ok(names('ConfigMap').includes(v.configMap.name), `configMap ${v.configMap.name}`);
      if (v.persistentVolumeClaim) assert.ok(names('PersistentVolumeClaim').includes(v.persistentVolumeClaim.claimName));
    }
    const mountOf = (vol: string) => mounts.find((m) => m.name === vol)!.mountPath as string;
    const dataMount = mounts.find((m) => volumes.get(m.name)?.persistentVolumeClaim)!;
    assert.equal(dataMount.mountPath, '/data');
    assert.equal(byKind('PersistentVolumeClaim')[0]!.spec.accessModes[0], 'ReadWriteMany', 'parallel pods on several nodes share the volume');
    // the inventory file the command reads is a key of the mounted ConfigMap
    const cm = byKind('ConfigMap')[0]!;
    const invPath = /-i (\S+)/.exec(script)![1]!;
    const invVol = [...volumes.values()].find((v) => v.configMap)!;
    assert.equal(invPath, `${mountOf(invVol.name)}/inventory.yml`);
    assert.ok(cm.data['inventory.yml']);
  });

  test('the inventory loads, and its key and known_hosts are files of the mounted Secret', () => {
    const cm = byKind('ConfigMap')[0]!;
    const file = join(mkdtempSync(join(tmpdir(), 'fs-deploy-')), 'inventory.yml');
    writeFileSync(file, cm.data['inventory.yml']);
    const r = loadInventoryReport([file]);
    assert.deepEqual(r.diagnostics.filter((d) => d.severity === 'error'), []);
    assert.equal(r.inventory!.hosts.size, 2000);
    const conn = hostConnection(r.inventory!.hosts.values().next().value!);
    const secret = byKind('Secret')[0]!;
    const sshVol = (pod.volumes as Obj[]).find((v) => v.secret)!;
    const sshMount = (pod.containers[0].volumeMounts as Obj[]).find((m) => m.name === sshVol.name)!;
    assert.equal(conn.privateKeyPath, `${sshMount.mountPath}/id_ed25519`);
    assert.equal(conn.knownHostsPath, `${sshMount.mountPath}/known_hosts`);
    assert.ok('id_ed25519' in secret.stringData && 'known_hosts' in secret.stringData);
    assert.equal(sshMount.readOnly, true);
  });

  test('the pod runs unprivileged, writes only to its volumes, and keeps fleetsweep\'s state directory private', () => {
    const c = pod.containers[0];
    assert.equal(pod.securityContext.runAsNonRoot, true);
    assert.equal(c.securityContext.readOnlyRootFilesystem, true);
    assert.equal(c.securityContext.allowPrivilegeEscalation, false);
    assert.equal(pod.securityContext.fsGroupChangePolicy, 'OnRootMismatch');
    assert.equal(pod.automountServiceAccountToken, false);
    assert.equal((pod.volumes as Obj[]).find((v) => v.secret)!.secret.defaultMode, 0o440);
  });
});

describe('systemd and cron', () => {
  const unit = (f: string) => {
    const out = new Map<string, string[]>();
    let section = '';
    for (const raw of readFileSync(join(DEPLOY, 'systemd', f), 'utf8').replace(/\s*\\\n\s*/g, ' ').split('\n')) {
      const line = raw.trim();
      if (!line || line.startsWith('#')) continue;
      const s = /^\[(\w+)\]$/.exec(line);
      if (s) { section = s[1]!; continue; }
      const kv = /^([A-Za-z]+)=(.*)$/.exec(line);
      assert.ok(kv, `${f}: not key=value: ${line}`);
      out.set(`${section}.${kv[1]}`, [...(out.get(`${section}.${kv[1]}`) ?? []), kv[2]!]);
    }
    return out;
  };

  test('the service is a oneshot sweep with a state directory, whose result codes are not failures', () => {
    const s = unit('fleetsweep-sweep.service');
    assert.equal(s.get('Service.Type')?.[0], 'oneshot');
    assert.match(s.get('Service.ExecStart')![0]!, /^\/usr\/bin\/fleetsweep sweep -i \S+ --mode report( --report \w+=\S+)+ --log \S+$/);
    assert.deepEqual(s.get('Service.SuccessExitStatus')![0]!.split(/\s+/).sort(), ['10', '11', '13']);
    assert.equal(s.get('Service.Environment')?.[0], 'FLEETSWEEP_STATE_DIR=/var/lib/fleetsweep');
    assert.equal(s.get('Service.StateDirectory')?.[0], 'fleetsweep');
    const prom = /--report prometheus=(\S+)/.exec(s.get('Service.ExecStart')![0]!)![1]!;
    assert.ok(s.get('Service.ReadWritePaths')!.some((p) => prom.startsWith(p + '/')), 'the textfile directory is writable under ProtectSystem=strict');
  });

  test('the timer starts that service', () => {
    const t = unit('fleetsweep-sweep.timer');
    assert.equal(t.get('Timer.Unit')?.[0], 'fleetsweep-sweep.service');
    assert.ok(t.get('Timer.OnCalendar')?.[0]);
    assert.equal(t.get('Install.WantedBy')?.[0], 'timers.target');
  });

  test('the cron.d line has five time fields, a user and a sweep with a log', () => {
    const lines = readFileSync(join(DEPLOY, 'cron', 'fleetsweep'), 'utf8').split('\n').filter((l) => l && !l.startsWith('#') && !/^[A-Z_]+=/.test(l));
    assert.equal(lines.length, 1);
    const f = lines[0]!.trim().split(/\s+/);
    for (const field of f.slice(0, 5)) assert.match(field, /^[\d*/,-]+$/);
    assert.equal(f[5], 'fleetsweep');
    assert.match(f.slice(6).join(' '), /^fleetsweep sweep -i \S+ .*--log \S+/);
  });
});
