// Fault injection, the controller: SIGINT, SIGTERM and SIGKILL mid-apply, a state directory that is not a
// directory, read-only or full (before and during the run), and two sweeps of one fleet at once.
// Each case: the right per-host outcome, the journal consistent, no destructive step repeated or lost, and the
// documented exit code. The matrix is in docs/hardening.md.
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fleetUnavailableReason, startFleet, type Fleet } from './harness.js';
import {
  APPLY_LOG, Cli, appliesOn, applyBegins, assertConsistent, existsOn, residueLeft, residuePlaybook, seedResidue, statuses, waitFor, RES_DIR,
} from './faults-helpers.js';

let fleet: Fleet;
let cli: Cli;
let n = 0;
const ALL = ['node1', 'node2', 'node3'];
const mounts: string[] = [];

before(async () => {
  const reason = await fleetUnavailableReason();
  assert.equal(reason, undefined, `fleet tests need docker and the node image: ${reason}`);
  fleet = await startFleet({ count: 3, firstAddress: '127.0.8.21', namePrefix: 'faultctl' });
});

after(async () => {
  for (const m of mounts.splice(0)) umount(m);
  await fleet?.close();
});

beforeEach(async () => {
  cli = new Cli(fleet, join(fleet.dir, `state-${++n}`));
  await seedResidue(fleet);
  await Promise.all(fleet.nodes.map((x) => fleet.exec(x, 'rm -f /var/tmp/fs-mark-*; rm -rf /run/lock/fleetsweep.lock /tmp/fleetsweep.lock')));
});

/** Each apply marks its start, takes a second, then logs and removes its item. */
const SLOW_APPLY = `touch /var/tmp/fs-mark-{{ item }}; sleep 1; echo {{ item }} >> ${APPLY_LOG} && rm -f {{ path }}`;

async function lockHeld(node: string): Promise<boolean> {
  return existsOn(fleet, node, '/run/lock/fleetsweep.lock');
}

/** Items each host had begun by the end of an interrupted run (SIGINT/SIGTERM tests). */
const startedAfterSignal: Record<string, Record<string, string[]>> = {};

describe('the controller is signalled mid-apply', () => {
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    test(`${sig}: the running applies finish and are verified, no further item or task starts, exit 130; resume does the rest once`, async () => {
      let pid = 0;
      const running = cli.run(residuePlaybook({ apply: SLOW_APPLY, extraTasks: '    - { name: next task, shell: "touch /var/tmp/fs-mark-next" }\n' }), [], { onSpawn: (p) => (pid = p) });
      await waitFor(async () => (await Promise.all(ALL.map((h) => existsOn(fleet, h, '/var/tmp/fs-mark-a')))).every(Boolean), 'item a to be applying on every node');
      process.kill(pid, sig);
      const r = await running;
      assert.equal(r.code, 130, r.stdout + r.stderr);
      assert.match(r.stdout, /INTERRUPTED/);
      const id = r.report!.runId;
      assertConsistent(cli.records(id), { ended: true });
      assert.equal((await cli.lastRun()).state, 'interrupted');
      const view = await cli.show(id);
      for (const h of ALL) {
        assert.equal(await existsOn(fleet, h, '/var/tmp/fs-mark-next'), false, `${h}: no new task after ${sig}`);
        const st = statuses(view, h);
        assert.equal(st.a, 'verified', `${h}: the apply running at ${sig} finished and was verified`);
        assert.deepEqual(Object.values(st).filter((x) => x !== 'verified'), [], `${h}: every item begun was finished and verified: ${JSON.stringify(st)}`);
        assert.deepEqual(await appliesOn(fleet, h), Object.keys(st), h);
        assert.equal(await lockHeld(h), false, `${h}: the host lock was released`);
      }
      startedAfterSignal[sig] = Object.fromEntries(ALL.map((h) => [h, Object.keys(statuses(view, h))]));
      const resumed = await cli.fs(['resume', id]);
      assert.equal(resumed.code, 0, resumed.stdout + resumed.stderr);
      assertConsistent(cli.records((await cli.lastRun('resume')).id), { ended: true });
      for (const h of ALL) {
        assert.deepEqual(await appliesOn(fleet, h), ['a', 'b', 'c'], `${h}: each item applied once over both runs`);
        assert.deepEqual(await residueLeft(fleet, h), [], h);
      }
    });
  }

  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    test(`${sig}: no further loop item starts once it is received`, () => {
      assert.deepEqual(startedAfterSignal[sig], Object.fromEntries(ALL.map((h) => [h, ['a']])));
    });
  }

  test('SIGKILL: the run shows crashed, the journal says what may have happened, resume takes over the host locks and re-checks', async () => {
    let pid = 0;
    const running = cli.run(residuePlaybook({ apply: SLOW_APPLY }), [], { onSpawn: (p) => (pid = p) });
    // kill once item b's apply-begin is durable on every node: a verified, b possibly applied
    await waitFor(() => ALL.every((h) => applyBegins(cli.allRecords(), h).length >= 2), 'item b to be journaled as begun on every node');
    process.kill(pid, 'SIGKILL');
    const r = await running;
    assert.equal(r.signal, 'SIGKILL');
    const crashed = await cli.lastRun();
    assert.equal(crashed.state, 'crashed');
    assertConsistent(cli.records(crashed.id));
    const view = await cli.show(crashed.id);
    for (const h of ALL) {
      const st = statuses(view, h);
      assert.equal(st.a, 'verified', `${h}: ${JSON.stringify(st)}`);
      assert.match(st.b ?? '', /^(possibly-applied|verified|applied-unverified)$/, `${h}: ${JSON.stringify(st)}`);
      assert.equal(await lockHeld(h), true, `${h}: a killed controller leaves its host lock`);
    }
    // a new run is refused by the locks; the resume of the crashed run takes them over
    const other = await cli.run(residuePlaybook());
    assert.equal(other.code, 7, other.stdout + other.stderr);
    // The killed controller's b applies end on their own or die with their ssh session (SIGHUP): wait until
    // none runs any more; whether b got done on a node is then for the resume's check to find out.
    await waitFor(async () => (await Promise.all(ALL.map((h) => fleet.exec(fleet.node(h), "pgrep -f 'fs-mark-[a-c]; sleep'")))).every((x) => x.exitCode === 1), 'the orphaned applies to end');
    const before = Object.fromEntries(await Promise.all(ALL.map(async (h) => [h, await appliesOn(fleet, h)] as const)));
    const resumed = await cli.fs(['resume', crashed.id]);
    assert.equal(resumed.code, 0, resumed.stdout + resumed.stderr);
    const rrecs = cli.records((await cli.lastRun('resume')).id);
    assertConsistent(rrecs, { ended: true });
    for (const h of ALL) {
      const expected = ['b', 'c'].filter((i) => !before[h]!.includes(i)).map((i) => `${h}:${i}`);
      assert.deepEqual(applyBegins(rrecs, h), expected, `${h}: the resume applies exactly what is not done (before: ${before[h]!.join(',')})`);
    }
    for (const h of ALL) {
      assert.deepEqual(await appliesOn(fleet, h), ['a', 'b', 'c'], `${h}: nothing repeated, nothing lost`);
      assert.equal(await lockHeld(h), false);
    }
  });
});

describe('the state directory cannot hold the journal', () => {
  const untouched = async () => {
    for (const h of ALL) {
      assert.deepEqual(await residueLeft(fleet, h), ['a', 'b', 'c'], h);
      assert.deepEqual(await appliesOn(fleet, h), [], h);
      assert.equal(await lockHeld(h), false, `${h}: not even contacted`);
    }
  };

  test('a state dir under a regular file (ENOTDIR): exit 6 before any host is contacted', async () => {
    const file = join(fleet.dir, `not-a-dir-${n}`);
    writeFileSync(file, 'x');
    const r = await cli.run(residuePlaybook(), ['--state-dir', join(file, 'state')]);
    assert.equal(r.code, 6, r.stdout + r.stderr);
    assert.match(r.stderr, /state\.dirUnusable/);
    assert.equal(r.report, undefined);
    await untouched();
  });

  test('a read-only state dir: exit 6 before any host is contacted', async () => {
    const mnt = mount('ro,size=64k');
    const r = await cli.run(residuePlaybook(), ['--state-dir', mnt]);
    assert.equal(r.code, 6, r.stdout + r.stderr);
    assert.match(r.stderr, /state\.journalOpen: .*EROFS: read-only file system/);
    await untouched();
  });

  test('a full state dir: exit 6 before any host is contacted', async () => {
    const mnt = mount('size=64k');
    mkdirSync(join(mnt, 'state'), { mode: 0o700 });
    fill(mnt, 0);
    const r = await cli.run(residuePlaybook(), ['--state-dir', join(mnt, 'state')]);
    assert.equal(r.code, 6, r.stdout + r.stderr);
    assert.match(r.stderr, /state\.journalOpen: .*ENOSPC: no space left on device/);
    await untouched();
    // the run directory it could not fill does not break the listing
    const runs = await cli.fs(['runs', '--state-dir', join(mnt, 'state')]);
    assert.equal(runs.code, 0, runs.stdout + runs.stderr);
  });

  test('a state dir that fills up during the run: nothing is applied that was not journaled first, exit 6', async () => {
    // residue big enough that one snapshot (base64) cannot fit in what is left
    await Promise.all(fleet.nodes.map((x) => fleet.exec(x, `for i in a b c; do head -c 48000 /dev/urandom > ${RES_DIR}/$i.res; done`)));
    const mnt = mount('size=64k');
    const state = join(mnt, 'state');
    mkdirSync(state, { mode: 0o700 });
    fill(mnt, 24 * 1024);
    const r = await cli.run(residuePlaybook(), ['--state-dir', state]);
    assert.equal(r.code, 6, r.stdout + r.stderr);
    // whatever was applied has its apply-begin (with the snapshot) in the journal
    const journaled = applyBegins(new Cli(fleet, state).allRecords());
    for (const h of ALL) {
      const applied = await appliesOn(fleet, h);
      for (const item of applied) assert.ok(journaled.includes(`${h}:${item}`), `${h}:${item} was applied without a durable apply-begin`);
    }
    const total = (await Promise.all(ALL.map((h) => appliesOn(fleet, h)))).flat().length;
    assert.equal(total, journaled.length, 'every journaled apply ran, and nothing else');
    assert.ok(total < 9, 'the run stopped applying once the journal failed');
    for (const h of ALL) {
      const outcome = r.report!.hosts[h]!.outcome;
      assert.ok(['failed', 'changed'].includes(outcome), `${h}: ${outcome}`);
    }
    assert.ok(Object.values(r.report!.hosts).some((h) => /cannot (journal|write)/.test(JSON.stringify(h))), JSON.stringify(r.report!.hosts));
  });
});

describe('two sweeps at once', () => {
  test('on one state dir: the second is refused by the sweep lock (exit 7) and touches nothing; the first cleans everything once', async () => {
    const pb = cli.playbook(residuePlaybook({ apply: SLOW_APPLY }));
    const args = ['sweep', pb, '-i', fleet.inventoryPath, '--mode', 'fix', '--report', `json=${join(fleet.dir, `sweep-${n}.json`)}`];
    const first = cli.fs(args);
    await waitFor(() => applyBegins(cli.allRecords()).length > 0, 'the first sweep to apply');
    const second = await cli.fs(args);
    assert.equal(second.code, 7, second.stdout + second.stderr);
    assert.match(second.stderr, /state\.locked/);
    const f = await first;
    assert.notEqual(f.code, 7, f.stdout + f.stderr);
    assert.equal(f.code, 11, `first sweep: ${f.stdout}${f.stderr}`);
    for (const h of ALL) assert.deepEqual(await appliesOn(fleet, h), ['a', 'b', 'c'], h);
    assert.equal((await cli.runs()).filter((x) => x.kind === 'run').length, 1, 'the refused sweep journaled no run');
  });

  test('from two controllers (two state dirs): the host locks let exactly one sweep work on each host; nothing is applied twice', async () => {
    const other = new Cli(fleet, join(fleet.dir, `state-other-${n}`));
    const pb = cli.playbook(residuePlaybook({ apply: SLOW_APPLY }));
    const args = (c: Cli) => ['sweep', pb, '-i', fleet.inventoryPath, '--mode', 'fix', '--report', `json=${join(c.stateDir, 'sweep.json')}`];
    const first = cli.fs(args(cli));
    await waitFor(() => applyBegins(cli.allRecords()).length > 0, 'the first sweep to apply');
    const second = await other.fs(args(other));
    const f = await first;
    assert.equal(f.code, 11, `first sweep: ${f.stdout}${f.stderr}`);
    // every host held by the other controller: the sweep reports them as failed tasks (exit 12; hardening.md R3)
    assert.equal(second.code, 12, second.stdout + second.stderr);
    assert.match(second.stdout + second.stderr, /locked by another run/);
    const b1 = applyBegins(cli.allRecords());
    const b2 = applyBegins(other.allRecords());
    assert.deepEqual(b1.filter((x) => b2.includes(x)), [], 'no step applied by both controllers');
    for (const h of ALL) assert.deepEqual((await appliesOn(fleet, h)).sort(), ['a', 'b', 'c'], h);
  });
});

function mount(opts: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'fs-faults-state-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `${opts},mode=0700`, 'tmpfs', dir]);
  mounts.push(dir);
  return dir;
}

function umount(dir: string): void {
  try { execFileSync('umount', [dir]); } catch { /* already gone */ }
  try { rmdirSync(dir); } catch { /* still busy or gone */ }
}

/** Fills the file system of `dir` until only `leaveBytes` (rounded to pages) are free. */
function fill(dir: string, leaveBytes: number): void {
  try {
    execFileSync('sh', ['-c', `dd if=/dev/zero of=${dir}/fill bs=4096 2>/dev/null; true`]);
  } catch { /* ENOSPC ends dd */ }
  if (leaveBytes > 0) execFileSync('truncate', ['-s', `-${leaveBytes}`, join(dir, 'fill')]);
}

describe('secrets stay out of everything the controller writes or shows', () => {
  // pwuser's sudo password on the test image; a token given in an extra-vars file; a password on the command line
  const BECOME = 's3cret-pw';
  const TOKEN = 'tok-9f8e7d6c5b4a3210';
  const CMDLINE_PW = 'pw-on-the-command-line-77';
  const leaks = new Map<string, string[]>();
  let stateDir = '';

  test('a run with a become password, a secret extra var and -v: the secrets reach the nodes but never the output, report, state dir or argv', async () => {
    const inv = join(fleet.dir, `secrets-inv-${n}.yml`);
    writeFileSync(inv, readFileSync(fleet.inventoryPath, 'utf8').replace(/ansible_user: "root"/g, 'ansible_user: "pwuser"'));
    const vars = join(fleet.dir, `secrets-${n}.yml`);
    writeFileSync(vars, `api_token: ${TOKEN}\n`, { mode: 0o600 });
    const pb = residuePlaybook({
      apply: `printf %s {{ api_token }} | sha256sum >> ${APPLY_LOG}.tok && echo {{ item }} >> ${APPLY_LOG} && rm -f {{ path }} && sleep 0.3`,
    }).replace('  hosts: nodes\n', '  hosts: nodes\n  become: true\n');
    const cmdlines = new Set<string>();
    let pid = 0;
    let done = false;
    const sampling = (async () => {
      while (!done) {
        if (pid) for (const c of processTree(pid)) cmdlines.add(c);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const r = await cli.run(pb, ['-v', '-e', `@${vars}`, '-e', `db_password=${CMDLINE_PW}`], { onSpawn: (p) => (pid = p), env: { FLEETSWEEP_BECOME_PASSWORD: BECOME } });
    done = true;
    await sampling;
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.ok(cmdlines.size > 0, 'the controller was sampled while it ran');
    stateDir = cli.stateDir;
    // the token did its job on every node (sha256 of it), as root through sudo with the password
    const want = execFileSync('sh', ['-c', `printf %s ${TOKEN} | sha256sum`], { encoding: 'utf8' });
    for (const h of ALL) {
      assert.equal((await fleet.exec(fleet.node(h), `sort -u ${APPLY_LOG}.tok`)).stdout, want, h);
      assert.deepEqual(await appliesOn(fleet, h), ['a', 'b', 'c'], h);
    }
    const places: Record<string, string> = {
      stdout: r.stdout, stderr: r.stderr, 'JSON report': JSON.stringify(r.report), ...stateFiles(cli.stateDir),
    };
    const argv = [...cmdlines].join('\n');
    for (const [name, secret] of [['become password', BECOME], ['secret extra var (-e @file)', TOKEN], ['secret extra var (-e key=value)', CMDLINE_PW]] as const) {
      const found = Object.entries(places).filter(([, text]) => text.includes(secret)).map(([where]) => where);
      if (secret !== CMDLINE_PW && argv.includes(secret)) found.push('process arguments');
      leaks.set(name, found);
    }
    assert.deepEqual(leaks.get('become password'), [], 'the become password leaked');
    assert.doesNotMatch(argv, new RegExp(TOKEN), 'the token is in no process argument (it came from a file)');
  });

  test('a secret extra var given in a file (-e @file) appears in none of stdout (-v), report, state dir', () => {
    assert.deepEqual(leaks.get('secret extra var (-e @file)'), []);
  });

  test('a secret-looking extra var given as -e key=value is masked in the journal (argv and options) and absent from the report and output; it is in the argv of the process, as any argument is', () => {
    assert.deepEqual(leaks.get('secret extra var (-e key=value)'), []);
  });

  test('ssh-agent forwarding is off unless asked: with an agent running, a node sees no SSH_AUTH_SOCK', async () => {
    const sock = join(fleet.dir, `agent-${n}.sock`);
    const agent = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
    try {
      await waitFor(() => existsSync(sock), 'ssh-agent to listen');
      execFileSync('ssh-add', [fleet.keyPath], { env: { SSH_AUTH_SOCK: sock }, stdio: 'ignore' });
      const r = await cli.run(`
- hosts: nodes
  tasks:
    - { name: agent, shell: "echo ${'${SSH_AUTH_SOCK:-none}'}", changed_when: false }
`, [], { env: { SSH_AUTH_SOCK: sock } });
      assert.equal(r.code, 0, r.stdout + r.stderr);
      for (const h of ALL) assert.equal(r.report!.hosts[h]!.tasks[0]!.stdout, 'none\n', h);
      // the control: asked for (ForwardAgent yes in ~/.ssh/config), the node does see a forwarded agent
      const home = mkdtempSync(join(fleet.dir, 'home-'));
      mkdirSync(join(home, '.ssh'), { mode: 0o700 });
      writeFileSync(join(home, '.ssh', 'config'), 'Host *\n  ForwardAgent yes\n');
      const asked = await cli.run(`
- hosts: node1
  tasks:
    - { name: agent, shell: "echo ${'${SSH_AUTH_SOCK:-none}'}", changed_when: false }
`, [], { env: { SSH_AUTH_SOCK: sock, HOME: home } });
      assert.equal(asked.code, 0, asked.stdout + asked.stderr);
      assert.notEqual(asked.report!.hosts.node1!.tasks[0]!.stdout, 'none\n');
    } finally {
      agent.kill();
    }
  });

  test('state files are private: directories 0700, files 0600', () => {
    assert.ok(stateDir);
    for (const [path, mode] of walk(stateDir)) {
      assert.equal(mode & 0o077, 0, `${path} is mode ${(mode & 0o777).toString(8)}`);
    }
  });
});

/** Command lines of `pid` and all its descendants (from /proc). */
function processTree(pid: number): string[] {
  const children = new Map<number, number[]>();
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const ppid = Number(/^\d+ \(.*\) \S (\d+)/s.exec(readFileSync(`/proc/${e}/stat`, 'utf8'))?.[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(e)]);
    } catch { /* gone */ }
  }
  const out: string[] = [];
  const visit = (p: number) => {
    try { out.push(readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0').join(' ')); } catch { /* gone */ }
    for (const c of children.get(p) ?? []) visit(c);
  };
  visit(pid);
  return out;
}

/** Every file under the state dir with its text. */
function stateFiles(dir: string): Record<string, string> {
  return Object.fromEntries(walk(dir).filter(([p]) => statSync(p).isFile()).map(([p]) => [`state file ${p.slice(dir.length + 1)}`, readFileSync(p, 'utf8')]));
}

function walk(dir: string): Array<[string, number]> {
  const out: Array<[string, number]> = [[dir, statSync(dir).mode]];
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    const st = statSync(p);
    if (st.isDirectory()) out.push(...walk(p));
    else out.push([p, st.mode]);
  }
  return out;
}
