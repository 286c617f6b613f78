// Capped capture of a command's output and the stderr filter that takes out the wrapper's marker and sudo prompts.

export const DEFAULT_MAX_OUTPUT = 1024 * 1024;

/** Keeps the first `cap` bytes of a stream and drops the rest (the stream is still drained). */
export class CappedBuffer {
  private chunks: Buffer[] = [];
  private size = 0;
  truncated = false;
  constructor(private readonly cap: number) {}

  push(chunk: Buffer): void {
    const room = this.cap - this.size;
    if (chunk.length <= room) {
      this.chunks.push(chunk);
      this.size += chunk.length;
      return;
    }
    if (room > 0) {
      this.chunks.push(chunk.subarray(0, room));
      this.size += room;
    }
    this.truncated = true;
  }

  /** UTF-8 with U+FFFD for invalid bytes; a multi-byte character cut by the cap is dropped whole. Not trimmed. */
  text(): string {
    let buf = Buffer.concat(this.chunks, this.size);
    if (this.truncated) buf = buf.subarray(0, completeUtf8Length(buf));
    return buf.toString('utf8');
  }
}

/** Length of `buf` without a trailing incomplete UTF-8 sequence. */
export function completeUtf8Length(buf: Buffer): number {
  const n = buf.length;
  for (let back = 1; back <= Math.min(3, n); back++) {
    const b = buf[n - back]!;
    if ((b & 0xc0) === 0x80) continue; // continuation byte: look further back for the lead
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return need > back ? n - back : n;
  }
  return n;
}

const PRE_LIMIT = 64 * 1024;

/**
 * Watches the start of stderr for the wrapper's `\x1eFSPG:<nonce>:<pgid>\n` line and for sudo's prompt.
 * Everything else is passed to `sink` byte for byte. Bytes are handled as latin1 strings so that offsets
 * match bytes exactly.
 */
export class StderrFilter {
  private pre = '';
  private done = false;
  private prompts = 0;
  private readonly marker: RegExp;

  constructor(
    nonce: string,
    private readonly prompt: string | undefined,
    private readonly sink: (b: Buffer) => void,
    private readonly on: { prompt?: (n: number) => void; marker?: (pgid: number) => void },
  ) {
    this.marker = new RegExp(`\\x1eFSPG:${nonce}:([0-9]+)\\n`);
  }

  push(chunk: Buffer): void {
    if (this.done) return this.sink(chunk);
    this.pre += chunk.toString('latin1');
    if (this.prompt) {
      let i: number;
      while ((i = this.pre.indexOf(this.prompt)) !== -1) {
        this.pre = this.pre.slice(0, i) + this.pre.slice(i + this.prompt.length);
        this.on.prompt?.(++this.prompts);
      }
    }
    const m = this.marker.exec(this.pre);
    if (m) {
      const before = this.pre.slice(0, m.index);
      const after = this.pre.slice(m.index + m[0].length);
      this.done = true;
      this.pre = '';
      if (before) this.sink(Buffer.from(before, 'latin1'));
      this.on.marker?.(Number(m[1]));
      if (after) this.sink(Buffer.from(after, 'latin1'));
    } else if (this.pre.length > PRE_LIMIT) {
      this.end(); // something else is talking first; stop looking
    }
  }

  /** Flushes what is held back (the command never started, e.g. sudo refused). */
  end(): void {
    if (this.done) return;
    this.done = true;
    if (this.pre) this.sink(Buffer.from(this.pre, 'latin1'));
    this.pre = '';
  }
}
