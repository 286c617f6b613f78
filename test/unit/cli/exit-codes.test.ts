// The CLI's documented exit codes, driven as users drive it (child process; only the local connection, no network).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '../../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'fs-cli-'));
const fixture = (p: string) => fileURLToPath(new URL(`../../../../test/fixtures/${p}`, import.meta.url));
const write = (name: string, text: string) => { const f = join(dir, name); writeFileSync(f, text); return f; };
const state = ['--state-dir', join(dir, 'state')];

describe('exit codes', () => {
  test('--version and --help exit 0, and --help lists the exit codes', async () => {
    const v = await runCli(['--version']);
    assert.equal(v.code, 0);
    assert.match(v.stdout, /^\d+\.\d+\.\d+\n$/);
    const h = await runCli(['--help']);
    assert.equal(h.code, 0);
    assert.match(h.stdout, /Exit codes:[\s\S]*130/);
  });

  test('an unknown flag or a bad flag value is a usage error (2)', async () => {
    assert.equal((await runCli(['run', 'x.yml', '--bogus'])).code, 2);
    const forks = await runCli(['run', 'x.yml', '--forks', '0']);
    assert.equal(forks.code, 2);
    assert.match(forks.stderr, /--forks takes a whole number/);
    assert.equal((await runCli(['run', 'x.yml', '--timeout', 'soon'])).code, 2);
  });

  test('a bad playbook is a config error (3) reported as file:line:col code with a caret, and nothing runs', async () => {
    const marker = join(dir, 'must-not-exist');
    const pb = write('bad.yml', `- hosts: all\n  tasks:\n    - shell: touch ${marker}\n    - name: x\n      aply: true\n`);
    const r = await runCli(['run', pb, ...state]);
    assert.equal(r.code, 3);
    assert.match(r.stderr, new RegExp(`${pb.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:5:7 config\\.unknownKey`));
    assert.match(r.stderr, /\n\s+\^\n/);
    assert.match(r.stderr, /no host was contacted/);
    assert.throws(() => readFileSync(marker));
  });

  test('a bad inventory is a config error (3)', async () => {
    const inv = write('bad-inv.yml', 'all:\n  hostz:\n    a:\n');
    const pb = write('ok.yml', '- hosts: all\n  tasks:\n    - { command: "true", changed_when: false }\n');
    const r = await runCli(['run', pb, '-i', inv, ...state]);
    assert.equal(r.code, 3);
    assert.match(r.stderr, /inventory\.unknownKey/);
  });

  test('a --limit that matches no host is a usage error (2) with a hint', async () => {
    const inv = write('inv.yml', 'all:\n  hosts:\n    node1: { ansible_connection: local }\n');
    const pb = write('ok2.yml', '- hosts: all\n  tasks:\n    - { command: "true", changed_when: false }\n');
    const r = await runCli(['run', pb, '-i', inv, '-l', 'nod1', ...state]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /did you mean "node1"/);
  });

  test('with no inventory the run targets the implicit localhost and succeeds (0)', async () => {
    const pb = write('local.yml', '- hosts: all\n  tasks:\n    - { command: echo hi, register: r, changed_when: false }\n');
    const json = join(dir, 'local.json');
    const r = await runCli(['run', pb, '--json', json, ...state]);
    assert.equal(r.code, 0, r.stderr);
    const rep = JSON.parse(readFileSync(json, 'utf8')) as { hosts: Record<string, { outcome: string; tasks: Array<{ stdout: string }> }> };
    assert.equal(rep.hosts.localhost!.outcome, 'ok');
    assert.equal(rep.hosts.localhost!.tasks[0]!.stdout, 'hi\n');
  });

  test('a failed task exits 4', async () => {
    const pb = write('fail.yml', '- hosts: all\n  tasks:\n    - { command: "false" }\n');
    assert.equal((await runCli(['run', pb, ...state])).code, 4);
  });

  test('a state directory that cannot be written stops the run before anything is applied (6)', async () => {
    const blocker = write('not-a-dir', 'x');
    const marker = join(dir, 'applied');
    const pb = write('apply.yml', `- hosts: all\n  tasks:\n    - { name: t, check: "true", snapshot: "true", apply: touch ${marker}, verify: "true" }\n`);
    const r = await runCli(['run', pb, '--state-dir', join(blocker, 'state')]);
    assert.equal(r.code, 6, r.stderr);
    assert.throws(() => readFileSync(marker));
  });

  test('parse reads recorded output from stdin and prints what fleetsweep sees', async () => {
    const r = await runCli(['parse', 'multipath'], { stdin: readFileSync(fixture('samples/multipath-ll-3par-mikeqoo1-note-1.txt'), 'utf8') });
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { maps: Array<{ name: string; paths: unknown[] }> };
    assert.ok(out.maps.length > 0);
    assert.ok(out.maps.every((m) => typeof m.name === 'string' && Array.isArray(m.paths)));
  });
});

describe('inventory list', () => {
  test('shows each host\'s resolved variables with where each value came from, as text and JSON', async () => {
    const inv = write('list.ini', '[all:vars]\nntp=pool.example\n\n[workers]\nnode[1:2] ansible_user=core\n\n[workers:vars]\nntp=ntp.workers\nstorage_array=a1\n');
    const one = await runCli(['inventory', 'list', '-i', inv, '--host', 'node2']);
    assert.equal(one.code, 0, one.stderr);
    assert.match(one.stdout, /node2 {2}groups: .*workers/);
    assert.match(one.stdout, /ntp = "ntp\.workers" {4}# group workers \(.*list\.ini:8:1\)/);
    assert.match(one.stdout, /ansible_user = "core" {4}# host/);
    const json = JSON.parse((await runCli(['inventory', 'list', '-i', inv, '--json'])).stdout) as { hosts: Record<string, { vars: Record<string, { value: unknown; from: string }> }> };
    assert.deepEqual(Object.keys(json.hosts), ['node1', 'node2']);
    assert.equal(json.hosts.node1!.vars.storage_array!.value, 'a1');
    assert.match(json.hosts.node1!.vars.ntp!.from, /^group workers/);
    const unknown = await runCli(['inventory', 'list', '-i', inv, '--host', 'nod2']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /did you mean "node2"/);
  });
});
