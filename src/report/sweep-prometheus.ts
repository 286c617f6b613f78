// Prometheus text format (0.0.4) for node_exporter's textfile collector: residue per kind, coverage, duration, time.
import type { ResidueState, SweepReport } from '../model/sweep.js';

type Labels = Record<string, string>;

interface Family {
  name: string;
  help: string;
  samples: [Labels, number][];
}

/**
 * Every series carries inventory, shard and mode, so shards of one fleet written into one textfile directory
 * stay apart. Each kind the playbooks declare gets all its series even at zero: an alert on
 * `fleetsweep_residue_items{state="found"} > 0` must see a 0, not a missing series, when the residue is gone.
 */
export function renderSweepPrometheus(r: SweepReport): string {
  const base: Labels = { inventory: r.inventoryKey, shard: r.shard ?? '', mode: r.mode };
  const l = (extra: Labels = {}): Labels => ({ ...base, ...extra });
  const families: Family[] = [
    { name: 'fleetsweep_sweep_timestamp_seconds', help: 'Unix time the sweep finished.', samples: [[l(), Date.parse(r.endedAt) / 1000]] },
    { name: 'fleetsweep_sweep_start_timestamp_seconds', help: 'Unix time the sweep started.', samples: [[l(), Date.parse(r.startedAt) / 1000]] },
    { name: 'fleetsweep_sweep_duration_seconds', help: 'How long the sweep took.', samples: [[l(), r.durationMs / 1000]] },
    { name: 'fleetsweep_sweep_exit_code', help: 'The sweep\'s exit code (0 clean, 10 residue found, 11 fixed, 12 errors, 13 partial coverage).', samples: [[l(), r.exitCode]] },
    { name: 'fleetsweep_sweep_status', help: 'Always 1; the status label says how the sweep ended.', samples: [[l({ status: r.status }), 1]] },
    {
      name: 'fleetsweep_hosts', help: 'Hosts targeted by the sweep, by coverage state.',
      samples: [
        [l({ state: 'targeted' }), r.coverage.targeted], [l({ state: 'scanned' }), r.coverage.scanned], [l({ state: 'unreachable' }), r.coverage.unreachable],
        [l({ state: 'hung' }), r.coverage.hung], [l({ state: 'failed' }), r.coverage.failed], [l({ state: 'not-started' }), r.coverage.notStarted],
      ],
    },
    { name: 'fleetsweep_residue_items', help: 'Residue items by kind and state (found: report mode; fixed, unfixed: fix mode).', samples: [] },
    { name: 'fleetsweep_residue_hosts', help: 'Hosts with at least one residue item of the kind.', samples: [] },
    { name: 'fleetsweep_residue_changes', help: 'Residue items against the previous sweep: new, gone.', samples: [] },
    { name: 'fleetsweep_task_errors', help: 'Tasks that failed in the sweep (not ignored).', samples: [[l(), r.errors.length]] },
  ];
  const [items, hosts, changes] = [families[6]!, families[7]!, families[8]!];
  const states: ResidueState[] = ['found', 'fixed', 'unfixed'];
  for (const [kind, k] of Object.entries(r.byKind)) {
    for (const s of states) items.samples.push([l({ kind, state: s }), k[s]]);
    hosts.samples.push([l({ kind }), k.hosts]);
    changes.samples.push([l({ kind, change: 'new' }), k.new], [l({ kind, change: 'gone' }), k.gone]);
  }
  const out: string[] = [];
  for (const f of families) {
    out.push(`# HELP ${f.name} ${help(f.help)}`, `# TYPE ${f.name} gauge`);
    for (const [labels, v] of f.samples) out.push(`${f.name}{${Object.entries(labels).map(([k, x]) => `${k}="${labelValue(x)}"`).join(',')}} ${num(v)}`);
  }
  return out.join('\n') + '\n';
}

/** Label values escape backslash, double quote and line feed; nothing else. */
export function labelValue(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function help(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function num(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  return String(v);
}
