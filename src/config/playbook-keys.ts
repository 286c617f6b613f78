// The playbook vocabulary: keys each level accepts, and Ansible keys fleetsweep refuses with a hint. The schema test checks schema/playbook.schema.json agrees.

export const PLAY_KEYS = [
  'name', 'hosts', 'vars', 'vars_files', 'become', 'become_user', 'serial', 'max_fail_percentage', 'strategy',
  'tags', 'tasks', 'gather_facts', 'timeout', 'max_changes', 'canary', 'concurrency',
] as const;

export const PLAY_UNSUPPORTED: Readonly<Record<string, string>> = {
  roles: 'roles are not supported: list the tasks in the play\'s "tasks"',
  handlers: 'handlers are not supported: use a task with `when: result is changed` after the task that registers "result"',
  pre_tasks: 'pre_tasks are not supported: put these tasks first in "tasks"',
  post_tasks: 'post_tasks are not supported: put these tasks last in "tasks"',
  import_playbook: 'import_playbook is not supported: run the playbooks one after another',
  include: 'include is not supported: run the playbooks one after another',
  vars_prompt: 'vars_prompt is not supported: pass values with --extra-vars',
  remote_user: 'set ansible_user in the inventory instead',
  connection: 'set ansible_connection in the inventory instead',
  port: 'set ansible_port in the inventory instead',
  environment: 'set "environment" on each task instead',
  any_errors_fatal: 'use max_fail_percentage: 0',
  check_mode: 'use --check on the command line; contract tasks report would-change from their check',
  diff: 'diff mode is not supported',
  throttle: 'use concurrency: {key: ..., limit: N}',
  become_method: 'fleetsweep becomes with sudo only',
  gather_subset: 'fleetsweep gathers no facts: register the output of a shell task',
  gather_timeout: 'fleetsweep gathers no facts',
  fact_path: 'fleetsweep gathers no facts',
  run_once: 'run_once is not supported: target one host with a play of its own',
  order: 'host order is the inventory order',
  force_handlers: 'handlers are not supported',
  ignore_errors: 'set ignore_errors on tasks instead',
  ignore_unreachable: 'unreachable hosts are reported and skipped; the exit code says so',
  no_log: 'set no_log on tasks instead',
  collections: 'collections are not supported: fleetsweep has its own modules',
  module_defaults: 'module_defaults are not supported',
  debugger: 'the debugger is not supported',
};

/** Modules, under their short names; each also accepted as ansible.builtin.<name>. */
export const MODULES = ['shell', 'command', 'set_fact', 'group_by', 'add_host', 'debug', 'fail', 'assert'] as const;
export type ModuleName = (typeof MODULES)[number];
export const FQCN_PREFIX = 'ansible.builtin.';

/** fleetsweep's idempotency contract, written as top-level task keys. */
export const CONTRACT_KEYS = ['check', 'snapshot', 'apply', 'verify', 'rollback', 'destructive'] as const;

export const TASK_KEYS = [
  'name', 'register', 'when', 'loop', 'with_items', 'loop_control', 'changed_when', 'failed_when', 'timeout',
  'retries', 'until', 'delay', 'tags', 'ignore_errors', 'become', 'become_user', 'vars', 'environment', 'no_log',
  ...MODULES, ...MODULES.map((m) => FQCN_PREFIX + m),
  ...CONTRACT_KEYS,
] as const;

export const TASK_UNSUPPORTED: Readonly<Record<string, string>> = {
  block: 'blocks are not supported: repeat the "when" on each task',
  rescue: 'blocks are not supported; a contract task rolls back with "rollback"',
  always: 'blocks are not supported',
  notify: 'handlers are not supported: use a task with `when: result is changed`',
  listen: 'handlers are not supported',
  include_tasks: 'include_tasks is not supported: put the tasks inline',
  import_tasks: 'import_tasks is not supported: put the tasks inline',
  include_role: 'roles are not supported: put the tasks inline',
  import_role: 'roles are not supported: put the tasks inline',
  include: 'include is not supported: put the tasks inline',
  import_playbook: 'import_playbook is only meaningful between plays, and is not supported',
  delegate_to: 'delegate_to is not supported: write a play whose hosts are the target (hosts may be a template)',
  local_action: 'local_action is not supported: add localhost to a play of its own',
  run_once: 'run_once is not supported: target one host with a play of its own',
  async: 'async is not supported: every command has a deadline, set it with timeout',
  poll: 'async is not supported: set a deadline with timeout',
  args: 'args are not supported: write the command in full, with absolute paths instead of chdir',
  throttle: 'use the play\'s concurrency: {key, limit}',
  check_mode: 'use --check on the command line; a contract task reports would-change from its check',
  diff: 'diff mode is not supported',
  any_errors_fatal: 'use the play\'s max_fail_percentage: 0',
  become_method: 'fleetsweep becomes with sudo only',
  connection: 'set ansible_connection in the inventory instead',
  remote_user: 'set ansible_user in the inventory instead',
  module_defaults: 'module_defaults are not supported',
  collections: 'collections are not supported',
  debugger: 'the debugger is not supported',
  action: 'write the module as a key (shell: ..., set_fact: ...)',
  raw: 'use shell: (every command runs with /bin/sh on the host)',
  script: 'use shell: with the script\'s commands, or copy it with a shell heredoc',
};

export const LOOP_CONTROL_KEYS = ['loop_var', 'label'] as const;
export const LOOP_CONTROL_UNSUPPORTED: Readonly<Record<string, string>> = {
  index_var: 'use ansible_loop.index0',
  pause: 'use delay with until, or the play\'s concurrency',
  extended: 'ansible_loop is always available',
  extended_allitems: 'ansible_loop is always available',
  break_when: 'break_when is not supported',
};

/** Ansible modules people will reach for; fleetsweep runs commands instead. */
const ANSIBLE_MODULES = new Set([
  'copy', 'file', 'template', 'lineinfile', 'blockinfile', 'replace', 'apt', 'yum', 'dnf', 'package', 'pip', 'service',
  'systemd', 'systemd_service', 'user', 'group', 'stat', 'find', 'get_url', 'uri', 'wait_for', 'wait_for_connection', 'pause',
  'mount', 'reboot', 'ping', 'setup', 'slurp', 'fetch', 'sysctl', 'cron', 'git', 'unarchive', 'include_vars', 'meta',
  'k8s', 'kubernetes.core.k8s', 'service_facts', 'package_facts',
]);

/** The hint for a task key that is an Ansible module or a with_* loop fleetsweep does not have. */
export function taskKeyUnsupported(key: string): string | undefined {
  if (key.startsWith('with_')) return `${key} is not supported: use loop: (with_items is accepted)`;
  const short = key.startsWith(FQCN_PREFIX) ? key.slice(FQCN_PREFIX.length) : key;
  if (ANSIBLE_MODULES.has(short) || key.includes('.')) {
    return `module "${key}" is not available: fleetsweep runs commands (shell:, command:) and contracts (check/snapshot/apply/verify); its modules are ${MODULES.join(', ')}`;
  }
  return undefined;
}

/** The short module name for a task key, if it is one (shell, ansible.builtin.shell -> shell). */
export function moduleOf(key: string): ModuleName | undefined {
  const short = key.startsWith(FQCN_PREFIX) ? key.slice(FQCN_PREFIX.length) : key;
  return (MODULES as readonly string[]).includes(short) ? (short as ModuleName) : undefined;
}

export const ADD_HOST_NAME_KEYS = ['name', 'hostname', 'host'] as const;
export const ADD_HOST_GROUP_KEYS = ['groups', 'group', 'groupname'] as const;

/** Names the runner sets; registering or set_fact-ing them would shadow what it provides. */
export const RESERVED_VAR_NAMES = new Set([
  'inventory_hostname', 'inventory_hostname_short', 'hostvars', 'groups', 'group_names', 'play_hosts', 'ansible_play_hosts',
  'ansible_check_mode', 'item', 'ansible_loop', 'snapshot', 'check', 'fleetsweep_run_id', 'fleetsweep_check_mode', 'omit',
]);
