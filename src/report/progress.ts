// Live progress on a terminal (one redrawn status line), plain lines elsewhere; -v adds commands and outputs.
import { createLogUpdate } from 'log-update';
import type { EventSink, RunEvent } from '../model/events.js';
import type { Outcome, TaskResult } from '../model/outcome.js';
import type { Colors } from './colors.js';
import { paint } from './recap.js';

export interface ProgressOptions {
  stream: NodeJS.WriteStream;
  colors: Colors;
  verbose: number;
  /** redraw interval on a TTY */
  intervalMs?: number;
}

export class ProgressSink implements EventSink {
  private readonly tty: boolean;
  private total = 0;
  private done = new Set<string>();
  private running = new Map<string, string>();
  private counts: Record<Outcome, number> = { ok: 0, changed: 0, 'would-change': 0, skipped: 0, failed: 0, hung: 0, unreachable: 0 };
  private hostOut = new Map<string, Outcome>();
  private play = '';
  private timer?: NodeJS.Timeout;
  private readonly log: ReturnType<typeof createLogUpdate>;

  constructor(private readonly o: ProgressOptions) {
    this.tty = Boolean(o.stream.isTTY);
    this.log = createLogUpdate(o.stream, { showCursor: true });
  }

  emit(e: RunEvent): void {
    switch (e.type) {
      case 'run-start':
        this.total = e.hosts.length;
        if (this.tty) this.timer = setInterval(() => this.draw(), this.o.intervalMs ?? 100);
        break;
      case 'play-start':
        this.play = e.name;
        this.line(this.o.colors.bold(`PLAY [${e.name}] ${e.hosts.length} host(s)`));
        break;
      case 'task-start':
        this.running.set(e.host, e.name);
        break;
      case 'task-end':
        this.running.delete(e.result.host);
        this.counts[e.result.outcome]++;
        if (['failed', 'hung', 'unreachable'].includes(e.result.outcome) && !e.result.ignored) this.hostOut.set(e.result.host, e.result.outcome);
        this.result(e.result);
        break;
      case 'command':
        if (this.o.verbose >= 1) this.line(this.o.colors.dim(`${e.host} | ${e.phase} $ ${e.command}`));
        break;
      case 'host-done':
        this.done.add(e.host);
        break;
      case 'unreachable':
        this.hostOut.set(e.host, 'unreachable');
        break;
      case 'warning':
        this.line(this.o.colors.yellow(`WARNING ${e.host ? `${e.host} | ` : ''}${e.message}`));
        break;
      case 'run-end':
        this.close();
        break;
    }
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.tty) this.log.clear();
  }

  /** Non-ok outcomes always get a line; ok/skipped only with -v, so output stays readable at 1,000 hosts. */
  private result(r: TaskResult): void {
    const c = this.o.colors;
    const quiet = r.outcome === 'ok' || r.outcome === 'skipped';
    if (r.message !== undefined && this.o.verbose < 1) {
      // debug messages are what the playbook author wants people to read: always shown
      this.line(`${r.host} | ${r.name} | ${r.message}`);
      return;
    }
    if (quiet && this.o.verbose < 1) return;
    const tag = paint(c, r.outcome, r.outcome + (r.ignored ? ' (ignored)' : ''));
    this.line(`${r.host} | ${r.name} | ${tag}${r.reason ? ` | ${r.reason}` : ''}`);
    if (this.o.verbose >= 1 && r.result) {
      const out = r.result.stdout.trimEnd();
      const err = r.result.stderr.trimEnd();
      if (out) this.line(indent(`stdout: ${out}`));
      if (err) this.line(indent(c.dim(`stderr: ${err}`)));
    }
  }

  private line(s: string): void {
    if (this.tty) this.log.clear();
    this.o.stream.write(s + '\n');
    if (this.tty) this.draw();
  }

  private draw(): void {
    const c = this.o.colors;
    const failed = [...this.hostOut.values()];
    const n = (o: Outcome) => failed.filter((x) => x === o).length;
    const tasks = new Set(this.running.values());
    this.log(
      `${c.bold('▸')} ${this.play} · running ${this.running.size}` +
      `${tasks.size === 1 ? ` (${[...tasks][0]})` : ''} · ok ${this.counts.ok} · ${c.yellow(`changed ${this.counts.changed}`)}` +
      `${this.counts['would-change'] ? ` · ${c.cyan(`would-change ${this.counts['would-change']}`)}` : ''}` +
      ` · ${c.red(`failed ${n('failed')}`)} · ${c.magenta(`hung ${n('hung')}`)} · ${c.red(`unreachable ${n('unreachable')}`)} · hosts ${this.total}`,
    );
  }
}

function indent(s: string): string {
  return s.split('\n').map((l) => '    ' + l).join('\n');
}
