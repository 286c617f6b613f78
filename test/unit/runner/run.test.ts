// The runner's scheduling and outcomes, driven through a scripted connection (no network).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run, outcomeOf, all, inventory, tmp } from './run-helpers.js';
import { exitCodeOf } from '../../../src/cli/cmd-run.js';

describe('scheduling', () => {
  test('with the linear strategy every host finishes a task before any host starts the next', async () => {
    const { fleet } = await run(`
- hosts: all
  tasks:
    - { shell: echo one, changed_when: false }
    - { shell: echo two, changed_when: false }
`, { rules: all([{ match: 'echo' }]) });
    const order = fleet.calls.map((c) => c.command.includes('one') ? 1 : 2);
    assert.deepEqual(order, [1, 1, 1, 2, 2, 2]);
  });

  test('forks bounds how many hosts run at once', async () => {
    const { fleet, result } = await run(`
- hosts: all
  tasks:
    - { shell: work, changed_when: false }
`, { hosts: 8, rules: all([{ match: 'work', run: () => ({}) }]), over: { forks: 3 } });
    assert.equal(result.hosts.length, 8);
    assert.ok(fleet.peak <= 3, `peak ${fleet.peak}`);
    assert.ok(fleet.peak >= 2, 'hosts ran in parallel');
  });

  test('one connection per host is reused by all its tasks', async () => {
    const { fleet } = await run(`
- hosts: all
  tasks:
    - { shell: a, changed_when: false }
    - { shell: b, changed_when: false }
    - { shell: c, changed_when: false }
`, { rules: all([{ match: /^[abc]$/ }]) });
    assert.deepEqual(fleet.connects.sort(), ['h1', 'h2', 'h3']);
  });

  test('templated connection variables are rendered with the host\'s variables', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'inv.yml'), 'all:\n  hosts:\n    h1: { mgmt: 127.0.9.77, ansible_host: "{{ mgmt }}", ansible_port: "{{ 2200 + 22 }}" }\n');
    const { fleet } = await run('- hosts: all\n  tasks:\n    - { shell: x, changed_when: false }\n', { rules: all([{ match: 'x' }]), inv: join(dir, 'inv.yml') });
    assert.equal(fleet.targets[0]!.address, '127.0.9.77');
    assert.equal(fleet.targets[0]!.port, 2222);
  });

  test('serial runs the hosts in batches, each batch finishing before the next starts', async () => {
    const { fleet } = await run(`
- hosts: all
  serial: 2
  tasks:
    - { shell: one, changed_when: false }
    - { shell: two, changed_when: false }
`, { hosts: 4, rules: all([{ match: /one|two/ }]) });
    assert.deepEqual(fleet.calls.map((c) => `${c.host}:${c.command}`), ['h1:one', 'h2:one', 'h1:two', 'h2:two', 'h3:one', 'h4:one', 'h3:two', 'h4:two']);
  });

  test('an unreachable host is reported with its reason and the others finish', async () => {
    const { result } = await run(`
- hosts: all
  tasks:
    - { shell: "true", changed_when: false }
`, { rules: all([{ match: 'true' }]), unreachable: { h2: 'refused' } });
    assert.deepEqual(outcomeOf(result), { h1: 'ok', h2: 'unreachable', h3: 'ok' });
    assert.match(result.hosts[1]!.reason!, /refused/);
    assert.equal(exitCodeOf(result), 5);
  });

  test('a command past its deadline makes the host hung, stops its later tasks, and the others finish', async () => {
    const { result, fleet } = await run(`
- hosts: all
  tasks:
    - { name: slow, shell: slow, timeout: 50ms, changed_when: false }
    - { name: next, shell: next, changed_when: false }
`, { rules: { h2: [{ match: 'slow', hang: true }], '*': [{ match: /slow|next/ }] } });
    assert.deepEqual(outcomeOf(result), { h1: 'ok', h2: 'hung', h3: 'ok' });
    assert.equal(fleet.calls.filter((c) => c.host === 'h2').length, 1);
    assert.equal(fleet.calls.find((c) => c.host === 'h2')!.opts.timeoutMs, 50);
    assert.equal(exitCodeOf(result), 4);
  });

  test('a failed task takes the host out of the rest of the run unless ignore_errors is set', async () => {
    const { result, fleet } = await run(`
- hosts: all
  tasks:
    - { name: a, shell: a, ignore_errors: true }
    - { name: b, shell: b }
    - { name: c, shell: c }
`, { rules: { h1: [{ match: /^[ab]$/, rc: 1, stderr: 'boom' }], '*': [{ match: /^[abc]$/ }] } });
    assert.deepEqual(outcomeOf(result), { h1: 'failed', h2: 'changed', h3: 'changed' });
    assert.deepEqual(fleet.calls.filter((c) => c.host === 'h1').map((c) => c.command), ['a', 'b']);
    assert.match(result.hosts[0]!.reason!, /task "b": rc=1: boom/);
  });

  test('max_fail_percentage stops the run once too many hosts failed', async () => {
    const { result, fleet } = await run(`
- hosts: all
  max_fail_percentage: 20
  serial: 2
  tasks:
    - { shell: x }
`, { hosts: 6, rules: { h1: [{ match: 'x', rc: 2 }], h2: [{ match: 'x', rc: 2 }], '*': [{ match: 'x' }] } });
    assert.match(result.aborted ?? '', /max_fail_percentage 20% exceeded.*2 of 6 hosts failed/);
    assert.equal(fleet.calls.length, 2, 'no batch starts after the limit was exceeded');
    assert.equal(exitCodeOf(result), 4);
  });

  test('a canary failure keeps the remaining hosts from starting', async () => {
    const { result, fleet } = await run(`
- hosts: all
  canary: 1
  tasks:
    - { shell: x }
`, { hosts: 4, rules: { h1: [{ match: 'x', rc: 1 }], '*': [{ match: 'x' }] } });
    assert.match(result.aborted ?? '', /canary failed on h1/);
    assert.equal(fleet.calls.length, 1);
  });

  test('keyed concurrency lets at most N hosts sharing a key run at once', async () => {
    const pb = `
- hosts: all
  concurrency: { key: "{{ array }}", limit: 1 }
  tasks:
    - { shell: x, changed_when: false }
`;
    const same = await run(pb, { rules: all([{ match: 'x' }]), inv: inventory(4, '      vars: { array: A }\n') });
    assert.equal(same.fleet.peak, 1, 'one array: one host at a time');
    const dir = tmp();
    writeFileSync(join(dir, 'inv.yml'), 'a:\n  hosts: { h1: , h2: }\n  vars: { array: A }\nb:\n  hosts: { h3: , h4: }\n  vars: { array: B }\n');
    const two = await run(pb, { rules: all([{ match: 'x' }]), inv: join(dir, 'inv.yml') });
    assert.equal(two.fleet.peak, 2, 'two arrays: one host per array at a time');
  });

  test('a concurrency key that cannot be rendered fails that host, not the run', async () => {
    const { result } = await run(`
- hosts: all
  concurrency: { key: "{{ array }}", limit: 1 }
  tasks:
    - { shell: x, changed_when: false }
`, { hosts: 2, rules: all([{ match: 'x' }]) });
    assert.deepEqual(outcomeOf(result), { h1: 'failed', h2: 'failed' });
    assert.match(result.hosts[0]!.reason!, /concurrency key: 'array' is undefined/);
  });

  test('the free strategy lets each host run its tasks without waiting for the others', async () => {
    const { fleet } = await run(`
- hosts: all
  strategy: free
  tasks:
    - { shell: one, changed_when: false }
    - { shell: two, changed_when: false }
`, { hosts: 2, rules: { h1: [{ match: 'one', run: () => ({}) }], h2: [{ match: 'one', hang: true }], '*': [{ match: /one|two/ }] }, over: { timeoutMs: 200 } });
    const h1 = fleet.calls.filter((c) => c.host === 'h1').map((c) => c.command);
    assert.deepEqual(h1, ['one', 'two']);
  });
});

describe('check mode', () => {
  test('a contract reports would-change from its check alone and never runs snapshot or apply', async () => {
    const { result, fleet } = await run(`
- hosts: all
  tasks:
    - name: rm locks
      loop: [a, b]
      check: test -e {{ item }}
      snapshot: cat {{ item }}
      apply: rm {{ item }}
      verify: test ! -e {{ item }}
`, { hosts: 1, rules: all([{ match: 'test -e a', rc: 0, stdout: 'a is stale' }, { match: 'test -e b', rc: 1 }]), over: { check: true } });
    assert.deepEqual(fleet.calls.map((c) => c.command), ['test -e a', 'test -e b']);
    const t = result.results[0]!;
    assert.equal(t.outcome, 'would-change');
    assert.deepEqual(t.items!.map((i) => [i.item, i.outcome, i.reason]), [['a', 'would-change', 'a is stale'], ['b', 'ok', 'check: nothing to do']]);
  });

  test('a plain command runs in check mode only when declared read-only with changed_when: false', async () => {
    const { fleet, result } = await run(`
- hosts: all
  tasks:
    - { name: ro, shell: cat /etc/x, changed_when: false }
    - { name: rw, shell: touch /etc/x }
`, { hosts: 1, rules: all([{ match: /cat|touch/ }]), over: { check: true } });
    assert.deepEqual(fleet.calls.map((c) => c.command), ['cat /etc/x']);
    assert.equal(result.results[1]!.outcome, 'skipped');
  });
});

describe('the contract', () => {
  test('apply runs only after check said so, and verify decides the outcome', async () => {
    const { result, fleet } = await run(`
- hosts: all
  tasks:
    - name: fix
      check: need
      snapshot: snap
      apply: apply
      verify: verify
`, { hosts: 2, rules: { h1: [{ match: 'need', rc: 1, stdout: 'already fine' }], h2: [{ match: 'verify', rc: 1 }], '*': [{ match: /need|snap|apply|verify/ }] } });
    assert.deepEqual(outcomeOf(result), { h1: 'ok', h2: 'failed' });
    assert.deepEqual(fleet.calls.filter((c) => c.host === 'h1').map((c) => c.command), ['need']);
    assert.deepEqual(fleet.calls.filter((c) => c.host === 'h2').map((c) => c.command), ['need', 'snap', 'apply', 'verify']);
    assert.match(result.results.find((r) => r.host === 'h2')!.reason!, /verify failed after apply/);
    assert.equal(result.results.find((r) => r.host === 'h1')!.reason, 'already fine');
  });

  test('the journal hook runs before apply, and a journal failure stops the apply', async () => {
    const seen: string[] = [];
    const { result, fleet } = await run(`
- hosts: all
  tasks:
    - { name: fix, check: need, snapshot: snap, apply: apply, verify: verify }
`, {
      hosts: 1, rules: all([{ match: /need|snap|apply|verify/, run: (c) => { seen.push(c); return {}; } }]),
      over: { journal: { begin() {}, end() {}, taskEnd() {}, beforeRollback: async () => {}, beforeApply: async () => { seen.push('journal'); throw new Error('disk full'); } } },
    });
    assert.deepEqual(seen, ['need', 'snap', 'journal']);
    assert.ok(!fleet.calls.some((c) => c.command === 'apply'));
    assert.equal(result.hosts[0]!.outcome, 'failed');
    assert.match(result.stateError ?? '', /cannot journal the snapshot \(disk full\): nothing applied/);
    assert.equal(exitCodeOf(result), 6);
  });
});

describe('variables and control flow', () => {
  test('register, when, loop and until behave as in Ansible', async () => {
    let attempts = 0;
    const { result, fleet } = await run(`
- hosts: all
  tasks:
    - { name: list, shell: list, register: out, changed_when: false }
    - name: each
      shell: echo {{ item }}
      loop: "{{ out.stdout_lines }}"
      when: item != 'skipme'
      changed_when: false
    - name: poll
      shell: poll
      register: p
      until: p.stdout == 'ready'
      retries: 5
      delay: 1ms
      changed_when: false
`, { hosts: 1, rules: all([
      { match: 'list', stdout: 'x\nskipme\ny\n' },
      { match: /^echo/ },
      { match: 'poll', run: () => ({ stdout: ++attempts >= 3 ? 'ready\n' : 'wait\n' }) },
    ]) });
    assert.deepEqual(fleet.calls.map((c) => c.command), ['list', 'echo x', 'echo y', 'poll', 'poll', 'poll']);
    assert.deepEqual(result.results[1]!.items!.map((i) => i.outcome), ['ok', 'skipped', 'ok']);
    assert.equal(result.results[2]!.outcome, 'ok');
  });

  test('group_by in one play lets a later play target the hosts it found', async () => {
    const { fleet } = await run(`
- hosts: all
  tasks:
    - { shell: detect, register: d, changed_when: false }
    - group_by: { key: "{{ 'dirty' if d.stdout == 'yes' else 'clean' }}" }
- hosts: dirty
  tasks:
    - { shell: cleanup }
`, { hosts: 3, rules: { h2: [{ match: 'detect', stdout: 'yes' }], '*': [{ match: /detect|cleanup/ }] } });
    assert.deepEqual(fleet.calls.filter((c) => c.command === 'cleanup').map((c) => c.host), ['h2']);
  });

  test('failed_when and changed_when read the registered result', async () => {
    const { result } = await run(`
- hosts: all
  tasks:
    - { shell: probe, register: r, failed_when: "r.rc > 1", changed_when: "'changed' in r.stdout" }
`, { hosts: 2, rules: { h1: [{ match: 'probe', rc: 1, stdout: 'nothing' }], h2: [{ match: 'probe', rc: 0, stdout: 'changed it' }] } });
    assert.deepEqual(outcomeOf(result), { h1: 'ok', h2: 'changed' });
  });

  test('output a node prints is data: template syntax in it is never evaluated, so it cannot read secrets', async () => {
    const { fleet } = await run(`
- hosts: all
  vars: { token: hunter2 }
  tasks:
    - { shell: probe, register: r, changed_when: false }
    - set_fact: { seen: "{{ r.stdout }}" }
    - { shell: "echo {{ r.stdout }} {{ seen }}", changed_when: false }
    - { shell: "echo {{ item }}", loop: "{{ r.stdout_lines }}", changed_when: false }
`, { hosts: 1, rules: all([{ match: 'probe', stdout: '{{ token }}\n' }, { match: /^echo/ }]) });
    const echoed = fleet.calls.filter((c) => c.command.startsWith('echo')).map((c) => c.command);
    assert.deepEqual(echoed, ["echo '{{ token }}' '{{ token }}'", "echo '{{ token }}'"]);
    assert.ok(!fleet.calls.some((c) => c.command.includes('hunter2')));
  });

  test('an interrupt starts no new work and the run says it was interrupted', async () => {
    const ac = new AbortController();
    const { result, fleet } = await run(`
- hosts: all
  tasks:
    - { shell: first, changed_when: false }
    - { shell: second, changed_when: false }
`, { hosts: 2, rules: all([{ match: 'first', run: () => { ac.abort(); return {}; } }, { match: 'second' }]), over: { interrupt: ac.signal } });
    assert.ok(!fleet.calls.some((c) => c.command === 'second'));
    assert.equal(result.interrupted, true);
    assert.equal(exitCodeOf(result), 130);
  });
});

describe('sharding', () => {
  test('--shard K/N runs each host in exactly one shard, with --limit applied first', async () => {
    const seen: string[][] = [];
    for (const k of [1, 2, 3]) {
      const { fleet } = await run('- hosts: all\n  tasks:\n    - { shell: x, changed_when: false }\n', { hosts: 10, rules: all([{ match: 'x' }]), over: { shard: { k, n: 3 }, limit: 'all:!h10' } });
      seen.push(fleet.calls.map((c) => c.host));
    }
    const flat = seen.flat().sort();
    assert.deepEqual(flat, ['h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'h7', 'h8', 'h9']);
    assert.ok(seen.every((s) => s.length < 9), 'each shard has only part of the hosts');
  });
});
