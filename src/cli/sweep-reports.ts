// Writes the sweep's reports: each to a temporary file renamed into place, so readers (node_exporter, a web
// server, CI) never see half a file.
import { mkdirSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import type { SweepReport } from '../model/sweep.js';
import { renderSweepHtml } from '../report/sweep-html.js';
import { renderSweepJunit } from '../report/sweep-junit.js';
import { renderSweepPrometheus } from '../report/sweep-prometheus.js';
import type { SweepLog } from '../report/sweep-log.js';
import type { ReportFormat, ReportTarget } from './sweep-options.js';

const pkg = createRequire(import.meta.url)('../../../package.json') as { version: string };

export function renderSweepReport(r: SweepReport, format: ReportFormat): string {
  switch (format) {
    case 'json': return JSON.stringify(r, null, 2) + '\n';
    case 'junit': return renderSweepJunit(r);
    case 'prometheus': return renderSweepPrometheus(r);
    case 'html': return renderSweepHtml(r, { version: pkg.version });
  }
}

/** Returns `format=file` for each report written; a report that cannot be written is logged, not fatal. */
export async function writeSweepReports(r: SweepReport, targets: ReportTarget[], log: SweepLog): Promise<string[]> {
  const written: string[] = [];
  for (const t of targets) {
    const text = renderSweepReport(r, t.format);
    if (t.file === '-') {
      await new Promise<void>((res) => process.stdout.write(text, () => res()));
      written.push(`${t.format}=-`);
      continue;
    }
    // node_exporter's textfile collector reads *.prom and ignores other names: the temp name must not end in .prom
    const tmp = `${t.file}.${process.pid}.tmp`;
    try {
      mkdirSync(dirname(t.file), { recursive: true });
      // mode from the umask (as any file a program creates): the admin decides who reads reports (systemd UMask=)
      writeFileSync(tmp, text);
      renameSync(tmp, t.file);
      written.push(`${t.format}=${t.file}`);
      log.line(`report ${t.format} ${t.file}`);
    } catch (err) {
      try { unlinkSync(tmp); } catch { /* never created */ }
      log.line(`report ${t.format} ${t.file} NOT written: ${(err as Error).message}`);
      process.stderr.write(`fleetsweep: could not write the ${t.format} report ${t.file}: ${(err as Error).message}\n`);
    }
  }
  return written;
}
