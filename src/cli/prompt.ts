// Reads a secret from the terminal without echo; refuses when there is no terminal (cron, CI).
import { UsageError } from '../errors/index.js';

export async function promptSecret(question: string): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) throw new UsageError('usage.noTty', `${question.trim()} needs a terminal; set FLEETSWEEP_BECOME_PASSWORD instead`);
  process.stderr.write(question);
  stdin.setRawMode(true);
  stdin.resume();
  let value = '';
  try {
    for await (const chunk of stdin) {
      for (const ch of String(chunk)) {
        if (ch === '\r' || ch === '\n') return value;
        if (ch === '\u0003') throw new UsageError('usage.cancelled', 'cancelled');
        if (ch === '\u007f') value = value.slice(0, -1);
        else value += ch;
      }
    }
    return value;
  } finally {
    stdin.setRawMode(false);
    stdin.pause();
    process.stderr.write('\n');
  }
}
