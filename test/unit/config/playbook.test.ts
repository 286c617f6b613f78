// Loading good playbooks into typed plays and tasks, field by field, and the loader's behaviour on bad ones.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadPlaybook } from '../../../src/config/playbook.js';
import { ConfigError } from '../../../src/errors/config-error.js';
import type { Diagnostic } from '../../../src/errors/diagnostic.js';
import type { Task, TaskAction, Tmpl } from '../../../src/model/playbook.js';

const FIXTURES = fileURLToPath(new URL('../../../../test/fixtures/playbooks/', import.meta.url));
const fixture = (name: string): string => join(FIXTURES, name);

function at(t: Tmpl | undefined): [string, number, number] {
  assert.ok(t, 'expected a template');
  return [t.text, t.loc.line, t.loc.col];
}

function actionOf<K extends TaskAction['kind']>(task: Task | undefined, kind: K): Extract<TaskAction, { kind: K }> {
  assert.ok(task, 'expected a task');
  assert.equal(task.action.kind, kind);
  return task.action as Extract<TaskAction, { kind: K }>;
}

/** Loads YAML text from a temp file and returns the diagnostics it throws (or [] and the warnings). */
function problems(yaml: string): { errors: Diagnostic[]; warnings: Diagnostic[] } {
  const dir = mkdtempSync(join(tmpdir(), 'fleetsweep-pb-'));
  const file = join(dir, 'p.yml');
  writeFileSync(file, yaml);
  try {
    const { warnings } = loadPlaybook(file);
    return { errors: [], warnings };
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected ConfigError, got ${String(e)}`);
    return { errors: e.diagnostics.filter((d) => d.severity === 'error'), warnings: e.diagnostics.filter((d) => d.severity === 'warning') };
  }
}

function loadText(yaml: string): ReturnType<typeof loadPlaybook> {
  const dir = mkdtempSync(join(tmpdir(), 'fleetsweep-pb-'));
  const file = join(dir, 'p.yml');
  writeFileSync(file, yaml);
  return loadPlaybook(file);
}

test('a plain playbook loads into one play with typed tasks and positions', () => {
  const file = fixture('plain.yml');
  const { playbook, warnings } = loadPlaybook(file);
  assert.deepEqual(warnings, []);
  assert.equal(playbook.file, file);
  assert.equal(playbook.sha256, createHash('sha256').update(readFileSync(file)).digest('hex'));
  assert.equal(playbook.plays.length, 1);
  const play = playbook.plays[0]!;
  assert.equal(play.name, 'inspect multipath');
  assert.deepEqual(play.loc, { file, line: 3, col: 3 });
  assert.deepEqual(at(play.hosts), ['nodes', 4, 10]);
  assert.equal(play.become, true);
  assert.equal(play.becomeUser, 'root');
  assert.equal(play.timeoutMs, 30_000);
  assert.equal(play.strategy, 'linear');
  assert.deepEqual(play.serial, []);
  assert.deepEqual(play.vars, {});
  assert.equal(play.tasks.length, 3);

  const [list, lsblk, debug] = play.tasks;
  assert.equal(list!.name, 'list multipath maps');
  assert.deepEqual(list!.loc, { file, line: 9, col: 7 });
  assert.deepEqual(at(actionOf(list, 'shell').cmd), ['multipath -ll', 10, 14]);
  assert.equal(list!.register, 'maps');
  assert.deepEqual(at(list!.changedWhen), ['false', 12, 21]);
  assert.deepEqual(list!.when, []);
  assert.equal(list!.loop, undefined);
  assert.equal(list!.loopVar, 'item');
  assert.equal(list!.retries, 0);
  assert.equal(list!.delayMs, 5000);
  assert.equal(list!.ignoreErrors, false);
  assert.equal(list!.noLog, false);
  assert.equal(list!.timeoutMs, undefined, 'the play timeout is not copied into tasks');

  const argv = actionOf(lsblk, 'argv').argv;
  assert.deepEqual(argv.map((t) => t.text), ['lsblk', '--json', '-o', 'NAME,TYPE,MOUNTPOINT']);
  assert.deepEqual(argv.map((t) => [t.loc.line, t.loc.col]), [[15, 17], [15, 24], [15, 32], [15, 36]]);
  assert.equal(lsblk!.timeoutMs, 10_000);
  assert.deepEqual(lsblk!.tags, ['inventory', 'read-only']);
  assert.equal(lsblk!.name, 'list block devices');

  assert.equal(debug!.name, 'debug', 'an unnamed task is named after its action');
  const msg = actionOf(debug, 'debug').msg;
  assert.match(msg.text, /^\{\{ inventory_hostname \}\} has/);
  assert.deepEqual([msg.loc.line, msg.loc.col], [20, 14]);
});

test('loops, registers, conditions, retries and vars_files load with Ansible semantics', () => {
  const file = fixture('loops.yml');
  const { playbook, warnings } = loadPlaybook(file);
  assert.deepEqual(warnings, []);
  const play = playbook.plays[0]!;
  assert.deepEqual(at(play.hosts), ['nodes:&ceph_clients', 4, 10]);
  assert.deepEqual(play.serial, [1, '25%']);
  assert.equal(play.maxFailPercentage, 10);
  assert.equal(play.strategy, 'free');
  // vars_files override vars, as in Ansible
  assert.deepEqual(play.vars, { pool: 'rbd', min_age_s: 3600, ceph_user: 'admin' });

  const [mapped, status, remember, report] = play.tasks;
  assert.equal(mapped!.register, 'mapped');
  assert.deepEqual(at(mapped!.failedWhen), ["(mapped.rc != 0) and ('No such' not in mapped.stderr)", 19, 11], 'a failed_when list must all hold');

  assert.deepEqual(at(actionOf(status, 'shell').cmd), ['rbd status {{ image.pool }}/{{ image.name }} --format json', 23, 16]);
  assert.deepEqual(at(status!.loop as Tmpl), ['{{ mapped.stdout | from_json }}', 24, 13]);
  assert.equal(status!.loopVar, 'image');
  assert.deepEqual(at(status!.loopLabel), ['{{ image.name }}', 27, 16]);
  assert.deepEqual(status!.when.map(at), [['image.pool == pool', 29, 11], ['image is defined', 30, 11]]);
  assert.equal(status!.register, 'statuses');
  assert.equal(status!.retries, 2);
  assert.equal(status!.delayMs, 500);
  assert.deepEqual(at(status!.until), ['statuses.rc == 0', 34, 14]);
  assert.deepEqual(status!.environment, { CEPH_ARGS: '--id {{ ceph_user }}', LANG: 'C' });

  const facts = actionOf(remember, 'set_fact').facts;
  assert.deepEqual(Object.keys(facts), ['stale_images', 'checked_at']);
  assert.equal(facts['checked_at'], '{{ fleetsweep_run_id }}');
  assert.deepEqual(remember!.when.map((t) => t.text), ['statuses is defined']);

  assert.deepEqual(at(actionOf(report, 'debug').msg), ['{{ stale_images }}', 47, 14]);
  assert.deepEqual(report!.loop, ['one', '{{ pool }}'], 'with_items is an alias of loop');
  assert.equal(report!.ignoreErrors, true, 'yes is true, as in Ansible');
  assert.equal(report!.noLog, true);
  assert.deepEqual(report!.vars, { verbose: false });
});

test('a contract task loads its five commands and the destructive default', () => {
  const file = fixture('contract.yml');
  const { playbook, warnings } = loadPlaybook(file);
  assert.deepEqual(warnings, []);
  const play = playbook.plays[0]!;
  assert.equal(play.become, true, 'become: yes');
  assert.equal(play.maxChanges, 50);
  assert.equal(play.canary, 1);
  assert.deepEqual(play.concurrency && [at(play.concurrency.key), play.concurrency.limit], [['{{ storage_array }}', 9, 10], 2]);

  const remove = play.tasks[1]!;
  assert.equal(remove.name, 'remove stale lock files');
  assert.deepEqual(at(remove.loop as Tmpl), ['{{ lockfiles.stdout_lines }}', 18, 13]);
  assert.equal(remove.timeoutMs, 60_000);
  const c = actionOf(remove, 'contract').contract;
  assert.deepEqual(at(c.check), ['test -e {{ item }}', 19, 14]);
  assert.deepEqual(at(c.snapshot), ['cat {{ item }}', 20, 17]);
  assert.deepEqual(at(c.apply), ['rm -f {{ item }}', 21, 14]);
  assert.deepEqual(at(c.verify), ['test ! -e {{ item }}', 22, 15]);
  assert.deepEqual(at(c.rollback), ['printf %s {{ snapshot.stdout }} > {{ item }}', 23, 17]);
  assert.equal(c.destructive, true);
  assert.equal(c.verifyOptOut, undefined);

  const rescan = actionOf(play.tasks[2], 'contract').contract;
  assert.equal(rescan.destructive, false, 'destructive: false opts out of the snapshot');
  assert.equal(rescan.snapshot, undefined);
  assert.equal(rescan.verify, undefined);
  assert.equal(rescan.verifyOptOut, true, 'verify: false is an explicit opt-out');
});

test('a second play can target hosts found by the first through a templated hosts pattern', () => {
  const file = fixture('two-play.yml');
  const { playbook, warnings } = loadPlaybook(file);
  assert.deepEqual(warnings, []);
  assert.equal(playbook.plays.length, 3);
  const [find, unmap, confirm] = playbook.plays;

  const argv = actionOf(find!.tasks[0], 'argv').argv.map((t) => t.text);
  assert.deepEqual(argv, ['rbd', 'status', '{{ image }}', '-p', "{{ pool | default('kube') }}", '--format', 'json']);
  assert.deepEqual(at(actionOf(find!.tasks[1], 'group_by').key), ['watchers_{{ (status.stdout | from_json).watchers | length > 0 }}', 13, 14]);
  const add = actionOf(find!.tasks[2], 'add_host');
  assert.equal(add.name.text, "{{ item.address | regex_replace(':.*$', '') }}");
  assert.deepEqual(add.groups, ['stale_watchers']);
  assert.deepEqual(add.vars, { watcher_cookie: '{{ item.cookie }}' });
  assert.deepEqual(Object.keys(actionOf(find!.tasks[3], 'set_fact').facts), ['watcher_nodes'], 'ansible.builtin.set_fact is set_fact');

  assert.deepEqual(at(unmap!.hosts), ["{{ hostvars[groups['ceph_admin'][0]].watcher_nodes }}", 27, 10]);
  const c = actionOf(unmap!.tasks[0], 'contract').contract;
  assert.equal(c.verify?.text, '! rbd showmapped | grep -w {{ image }}');
  assert.deepEqual(unmap!.tasks[0]!.when.map((t) => t.text), ['watcher_cookie is defined']);

  assert.equal(confirm!.hosts.text, 'watchers_True');
  const a = actionOf(confirm!.tasks[0], 'assert');
  assert.deepEqual(a.that.map((t) => t.text), ['status.rc == 0']);
  assert.equal(a.msg?.text, 'rbd status failed on {{ inventory_hostname }}');
});

test('when a playbook has errors then one ConfigError carries all of them with the warnings and the source text', () => {
  const file = join(mkdtempSync(join(tmpdir(), 'fleetsweep-pb-')), 'p.yml');
  const text = '- hosts: nodes\n  gather_facts: true\n  tasks:\n    - shell: ls\n      retries: many\n    - aply: rm x\n';
  writeFileSync(file, text);
  assert.throws(() => loadPlaybook(file), (e: unknown) => {
    assert.ok(e instanceof ConfigError);
    assert.equal(e.exitCode, 3);
    assert.deepEqual(e.diagnostics.map((d) => [d.severity, d.code, d.loc.line, d.loc.col]), [
      ['warning', 'config.noFacts', 2, 17],
      ['error', 'config.badType', 5, 16],
      ['error', 'config.unknownKey', 6, 7],
    ]);
    assert.equal(e.sources.get(file), text);
    return true;
  });
});

test('warnings alone do not throw and come back with the playbook', () => {
  const { playbook, warnings } = loadText('- hosts: nodes\n  gather_facts: yes\n  tasks:\n    - apply: touch /tmp/x\n      verify: test -e /tmp/x\n      destructive: false\n      when: "{{ go }}"\n');
  assert.deepEqual(warnings.map((d) => [d.code, d.loc.line, d.loc.col]), [
    ['config.noFacts', 2, 17],
    ['contract.noCheck', 4, 7],
    ['task.templatedCondition', 7, 13],
  ]);
  assert.deepEqual(playbook.plays[0]!.tasks[0]!.when.map((t) => t.text), ['go'], 'a {{ }}-wrapped condition is unwrapped');
});

test('unknown keys get a did you mean hint', () => {
  const { errors } = problems('- hosts: nodes\n  tasks:\n    - check: test -e x\n      snapshot: cat x\n      aply: rm x\n      verify: test ! -e x\n');
  assert.equal(errors.length, 1, 'the misspelt apply is the only error (no follow-on "no apply")');
  const d = errors[0]!;
  assert.equal(d.code, 'config.unknownKey');
  assert.match(d.message, /unknown task key "aply" \(did you mean "apply"\?\)/);
  assert.match(d.hint ?? '', /did you mean "apply"\?/);
});

test('command given as a string is a shell command and as a list is argv', () => {
  const { playbook } = loadText('- hosts: all\n  tasks:\n    - command: rbd unmap /dev/rbd8\n    - ansible.builtin.command: [rbd, unmap, "{{ dev }}"]\n    - shell:\n        cmd: ls /\n    - command:\n        argv: [ls, /]\n');
  const kinds = playbook.plays[0]!.tasks.map((t) => t.action.kind);
  assert.deepEqual(kinds, ['shell', 'argv', 'shell', 'argv']);
});

test('serial accepts a number, a percentage, numeric strings and lists', () => {
  const serial = (v: string): unknown => loadText(`- hosts: all\n  serial: ${v}\n  tasks: [{shell: ls}]\n`).playbook.plays[0]!.serial;
  assert.deepEqual(serial('3'), [3]);
  assert.deepEqual(serial('"30%"'), ['30%']);
  assert.deepEqual(serial('"5"'), [5]);
  assert.deepEqual(serial('[1, "10%", 50]'), [1, '10%', 50]);
  for (const bad of ['0', '"0%"', '"120%"', '[]', '1.5', '{a: 1}']) {
    assert.deepEqual(problems(`- hosts: all\n  serial: ${bad}\n  tasks: [{shell: ls}]\n`).errors.map((d) => d.code), ['config.badSerial'], bad);
  }
});

test('until without retries retries three times, as in Ansible', () => {
  const task = loadText('- hosts: all\n  tasks:\n    - shell: ls\n      register: r\n      until: r.rc == 0\n').playbook.plays[0]!.tasks[0]!;
  assert.equal(task.retries, 3);
  assert.equal(task.delayMs, 5000);
});

test('when accepts a boolean, a string or a list and keeps each condition separately', () => {
  const tasks = loadText('- hosts: all\n  tasks:\n    - {shell: ls, when: true}\n    - {shell: ls, when: "a > 1"}\n    - {shell: ls, when: [a, "b or c"]}\n').playbook.plays[0]!.tasks;
  assert.deepEqual(tasks.map((t) => t.when.map((w) => w.text)), [['true'], ['a > 1'], ['a', 'b or c']]);
});

test('tags may be a comma-separated string', () => {
  const task = loadText('- hosts: all\n  tags: a, b\n  tasks:\n    - {shell: ls, tags: "x,y"}\n').playbook.plays[0]!;
  assert.deepEqual(task.tags, ['a', 'b']);
  assert.deepEqual(task.tasks[0]!.tags, ['x', 'y']);
});

test('hosts given as a list is joined into one pattern', () => {
  const play = loadText('- hosts: [nodes, "!node3"]\n  tasks: [{shell: ls}]\n').playbook.plays[0]!;
  assert.equal(play.hosts.text, 'nodes:!node3');
});

test('an unquoted yes in vars is reported because Ansible would read a boolean', () => {
  const { warnings } = loadText('- hosts: all\n  vars:\n    cleanup: no\n    quoted: "no"\n  tasks: [{shell: ls}]\n');
  assert.deepEqual(warnings.map((d) => [d.code, d.loc.line, d.loc.col]), [['config.ambiguousBool', 3, 14]]);
});

test('a rollback that reads snapshot needs a snapshot command', () => {
  const { errors } = problems('- hosts: all\n  tasks:\n    - check: test -e x\n      apply: rm x\n      verify: test ! -e x\n      destructive: false\n      rollback: echo {{ snapshot.stdout }} > x\n');
  assert.deepEqual(errors.map((d) => [d.code, d.loc.line, d.loc.col]), [['contract.noSnapshot', 7, 17]]);
});

test('a vars file that is missing is reported where the playbook names it', () => {
  const { errors } = problems('- hosts: all\n  vars_files:\n    - nope.yml\n  tasks: [{shell: ls}]\n');
  assert.deepEqual(errors.map((d) => [d.code, d.loc.line, d.loc.col]), [['config.unreadable', 3, 7]]);
});

test('a missing playbook file is a config error, not a crash', () => {
  assert.throws(() => loadPlaybook('/nonexistent/playbook.yml'), (e: unknown) => e instanceof ConfigError && e.code === 'config.unreadable');
});
