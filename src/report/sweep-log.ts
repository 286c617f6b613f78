// The sweep's log file: one timestamped line per event, appended, so cron and timers keep a history without a TTY.
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export class SweepLog {
  private failed?: string;
  constructor(readonly path: string, private readonly sweepId: string, private readonly now: () => Date = () => new Date()) {
    try {
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    } catch (err) {
      this.failed = (err as Error).message;
    }
  }

  /** Appends synchronously: a line is on disk before the sweep goes on (and survives a kill right after). */
  line(msg: string): void {
    if (this.failed) return;
    const safe = msg.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '?').replace(/\n/g, '\n    ');
    try {
      appendFileSync(this.path, `${this.now().toISOString()} sweep=${this.sweepId} ${safe}\n`, { mode: 0o600 });
    } catch (err) {
      this.failed = (err as Error).message;
    }
  }

  /** Why the log could not be written, once it could not. */
  get problem(): string | undefined {
    return this.failed;
  }
}
