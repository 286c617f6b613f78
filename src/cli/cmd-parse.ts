// `fleetsweep parse KIND [FILE]`: show what fleetsweep sees in a command's output pasted from a node.
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { UsageError } from '../errors/index.js';
import { FACT_PARSERS } from '../facts/index.js';

export function registerParse(program: Command): void {
  program
    .command('parse')
    .description(`parse recorded command output and print it as JSON (kinds: ${Object.keys(FACT_PARSERS).join(', ')})`)
    .argument('<kind>', 'which output: ' + Object.keys(FACT_PARSERS).join(' | '))
    .argument('[file]', 'file to read (default: stdin)')
    .action((kind: string, file: string | undefined) => {
      const parse = FACT_PARSERS[kind];
      if (!parse) throw new UsageError('usage.unknownKind', `unknown kind "${kind}"; one of: ${Object.keys(FACT_PARSERS).join(', ')}`);
      const text = readFileSync(file ?? 0, 'utf8');
      process.stdout.write(JSON.stringify(parse(text), null, 2) + '\n');
    });
}
