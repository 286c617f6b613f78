// The bad-input corpus: every broken playbook and inventory reports exactly the errors its `# expect:` lines name, runs nothing, and renders like a compiler error.
import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { syncBuiltinESMExports } from 'node:module';
import childProcess from 'node:child_process';
import net from 'node:net';
import { loadPlaybook } from '../../../src/config/playbook.js';
import { crossCheck } from '../../../src/config/crosscheck.js';
import { ConfigError } from '../../../src/errors/config-error.js';
import { formatDiagnostic, type Diagnostic } from '../../../src/errors/diagnostic.js';
import type { Inventory } from '../../../src/model/inventory.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const PLAYBOOKS = join(ROOT, 'test/fixtures/bad/playbook');
const INVENTORIES = join(ROOT, 'test/fixtures/bad/inventory');
/** the inventory loader is compiled next to this module's sources; absent until it is written */
const INVENTORY_MODULE = fileURLToPath(new URL('../../../src/config/inventory.js', import.meta.url));

type LoadInventory = (files: string[]) => Inventory | { inventory: Inventory };

async function inventoryLoader(): Promise<LoadInventory | undefined> {
  if (!existsSync(INVENTORY_MODULE)) return undefined;
  const mod = (await import(pathToFileURL(INVENTORY_MODULE).href)) as { loadInventory?: LoadInventory };
  return mod.loadInventory;
}

function asInventory(x: Inventory | { inventory: Inventory }): Inventory {
  return 'hosts' in x ? x : x.inventory;
}

interface Header {
  errors: string[];
  warnings: string[];
  /** inventory to cross-check against, relative to the fixture */
  inventory?: string;
}

function header(file: string): Header {
  const text = readFileSync(file, 'utf8');
  const h: Header = { errors: [], warnings: [] };
  for (const line of text.split('\n')) {
    if (!line.startsWith('#')) break;
    const m = /^#\s*(expect|warn|inventory):\s*(.+?)\s*$/.exec(line);
    if (!m) continue;
    if (m[1] === 'inventory') h.inventory = resolve(dirname(file), m[2]!);
    else {
      const e = /^(\d+):(\d+)\s+(\S+)$/.exec(m[2]!);
      assert.ok(e, `${file}: malformed header line: ${line}`);
      (m[1] === 'expect' ? h.errors : h.warnings).push(`${e[1]}:${e[2]} ${e[3]}`);
    }
  }
  return h;
}

const key = (d: Diagnostic): string => `${d.loc.line}:${d.loc.col} ${d.code}`;

/** Everything the loaders report for one file; sources for rendering. */
function collect(fn: () => void, diags: Diagnostic[], sources: Map<string, string>): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    diags.push(...e.diagnostics);
    for (const [k, v] of e.sources) sources.set(k, v);
  }
}

function assertRendering(d: Diagnostic, sources: Map<string, string>): void {
  const text = sources.get(d.loc.file) ?? readFileSync(d.loc.file, 'utf8');
  const out = formatDiagnostic(d, text).split('\n');
  const prefix = `${d.loc.file}:${d.loc.line}:${d.loc.col} ${d.severity === 'warning' ? 'warning ' : ''}${d.code} `;
  assert.ok(out[0]!.startsWith(prefix) && out[0]!.length > prefix.length, `header line: ${out[0]}`);
  const line = text.split('\n')[d.loc.line - 1];
  assert.ok(line !== undefined, `${key(d)} points past the end of ${d.loc.file}`);
  assert.ok(out[1]!.endsWith(' | ' + line.replace(/\t/g, ' ')), `source line: ${out[1]}`);
  const gutter = out[1]!.indexOf(' | ') + 3;
  assert.equal(out[2]!.indexOf('^'), gutter + d.loc.col - 1, `caret under column ${d.loc.col}:\n${out.join('\n')}`);
  assert.equal(out[2]!.trim(), '^');
}

/** Stubs every way a loader could run a command or open a connection, to prove loading is pure. */
function forbidSideEffects(): { calls: () => string[]; restore: () => void } {
  const names: Array<[object, string]> = [
    ...['spawn', 'spawnSync', 'exec', 'execSync', 'execFile', 'execFileSync', 'fork'].map((n): [object, string] => [childProcess, n]),
    ...['connect', 'createConnection'].map((n): [object, string] => [net, n]),
  ];
  const calls: string[] = [];
  const mocks = names.map(([obj, n]) => mock.method(obj as Record<string, () => unknown>, n, () => { calls.push(n); throw new Error(`${n} called while loading`); }));
  syncBuiltinESMExports();
  return {
    calls: () => calls,
    restore: () => { for (const m of mocks) m.mock.restore(); syncBuiltinESMExports(); },
  };
}

const playbookFiles = readdirSync(PLAYBOOKS).filter((f) => f.endsWith('.yml') || f.endsWith('.yaml')).sort();
const inventoryFiles = existsSync(INVENTORIES) ? readdirSync(INVENTORIES).filter((f) => !f.startsWith('.') && !f.endsWith('.md')).sort() : [];

test('the bad-input corpus has at least 20 playbooks, each expecting at least one error', () => {
  assert.ok(playbookFiles.length >= 20, `only ${playbookFiles.length} bad playbooks`);
  for (const f of playbookFiles) assert.ok(header(join(PLAYBOOKS, f)).errors.length > 0, `${f} has no # expect: line`);
});

for (const f of playbookFiles) {
  test(`bad playbook ${f} reports exactly its expected errors and runs nothing`, async (t) => {
    const file = join(PLAYBOOKS, f);
    const h = header(file);
    const load = h.inventory ? await inventoryLoader() : undefined;
    if (h.inventory && !load) {
      t.skip('needs loadInventory from src/config/inventory.ts');
      return;
    }
    const diags: Diagnostic[] = [];
    const sources = new Map<string, string>();
    const guard = forbidSideEffects();
    try {
      collect(() => {
        const { playbook, warnings } = loadPlaybook(file);
        diags.push(...warnings);
        if (h.inventory && load) diags.push(...crossCheck(playbook, asInventory(load([h.inventory])), {}));
      }, diags, sources);
    } finally {
      guard.restore();
    }
    assert.deepEqual(guard.calls(), [], 'loading must not run commands or open connections');
    const errors = diags.filter((d) => d.severity === 'error');
    assert.deepEqual(errors.map(key).sort(), [...h.errors].sort(), `errors of ${f}:\n${diags.map((d) => formatDiagnostic(d, sources.get(d.loc.file))).join('\n')}`);
    if (h.warnings.length) assert.deepEqual(diags.filter((d) => d.severity === 'warning').map(key).sort(), [...h.warnings].sort());
    for (const d of diags) assert.equal(d.loc.file, file, `${key(d)} is located in ${d.loc.file}`);
    for (const d of errors) assertRendering(d, sources);
  });
}

for (const f of inventoryFiles) {
  test(`bad inventory ${f} reports exactly its expected errors and runs nothing`, async (t) => {
    const load = await inventoryLoader();
    if (!load) {
      t.skip('loadInventory from src/config/inventory.ts does not exist yet');
      return;
    }
    const file = join(INVENTORIES, f);
    const h = header(file);
    const diags: Diagnostic[] = [];
    const sources = new Map<string, string>();
    const guard = forbidSideEffects();
    try {
      collect(() => { load([file]); }, diags, sources);
    } finally {
      guard.restore();
    }
    assert.deepEqual(guard.calls(), [], 'loading must not run commands or open connections');
    const errors = diags.filter((d) => d.severity === 'error');
    assert.deepEqual(errors.map(key).sort(), [...h.errors].sort(), `errors of ${f}:\n${diags.map((d) => formatDiagnostic(d, sources.get(d.loc.file))).join('\n')}`);
    for (const d of errors) assertRendering(d, sources);
  });
}

test('the corpus together has at least 25 broken files once the inventory corpus exists', async (t) => {
  if (!existsSync(INVENTORIES)) {
    t.skip('test/fixtures/bad/inventory/ does not exist yet');
    return;
  }
  assert.ok(playbookFiles.length + inventoryFiles.length >= 25, `${playbookFiles.length} playbooks + ${inventoryFiles.length} inventories`);
});

test('the corpus covers every problem the loader and cross-check are meant to catch', () => {
  const all = new Set(playbookFiles.flatMap((f) => header(join(PLAYBOOKS, f)).errors.map((e) => e.split(' ')[1]!)));
  for (const code of [
    'yaml.duplicateKey', 'yaml.tabAsIndent', 'config.unknownKey', 'config.badType', 'config.badDuration', 'config.badSerial',
    'config.unsupported', 'task.noAction', 'task.conflictingActions', 'contract.noVerify', 'contract.noSnapshot', 'contract.noApply',
    'template.syntax', 'config.undefinedVar', 'config.unknownGroup', 'config.badName', 'config.empty',
  ]) assert.ok(all.has(code), `no bad playbook expects ${code}`);
  assert.ok([...all].some((c) => c.startsWith('yaml.')), 'a YAML syntax error');
  const many = playbookFiles.map((f) => header(join(PLAYBOOKS, f)).errors.length);
  assert.ok(Math.max(...many) >= 5, 'one file has several problems, all reported');
});
