// The residue kind convention: task var, task tag, play var, play tag, playbook name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPlaybook } from '../../../src/config/playbook.js';
import { contractKinds } from '../../../src/report/residue-kind.js';

const contract = 'check: "true"\n      apply: "true"\n      verify: false\n      destructive: false';

const cases: [string, string, Record<string, string>][] = [
  ['a task var wins over everything', `
- hosts: all
  vars: { fleetsweep_kind: play-var }
  tags: [kind:play-tag]
  tasks:
    - name: t
      vars: { fleetsweep_kind: task-var }
      tags: [kind:task-tag]
      ${contract}
`, { '0/0': 'task-var' }],
  ['a task tag wins over the play', `
- hosts: all
  vars: { fleetsweep_kind: play-var }
  tasks:
    - name: t
      tags: [other, kind:task-tag]
      ${contract}
`, { '0/0': 'task-tag' }],
  ['the play var, then the play tag', `
- hosts: all
  vars: { fleetsweep_kind: play-var }
  tags: [kind:play-tag]
  tasks:
    - name: t
      ${contract}
- hosts: all
  tags: [kind:play-tag]
  tasks:
    - name: u
      ${contract}
`, { '0/0': 'play-var', '1/0': 'play-tag' }],
  ['without a declaration the kind is the playbook file name; plain commands have no kind', `
- hosts: all
  tasks:
    - name: list
      shell: ls
      changed_when: false
    - name: t
      ${contract}
`, { '0/1': 'stale-things' }],
];

for (const [name, yaml, want] of cases) {
  test(name, () => {
    const file = join(mkdtempSync(join(tmpdir(), 'fs-kind-')), 'stale-things.yml');
    writeFileSync(file, yaml);
    const { playbook } = loadPlaybook(file);
    assert.deepEqual(Object.fromEntries(contractKinds(playbook)), want);
  });
}
