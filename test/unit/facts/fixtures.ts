// Loads recorded outputs from test/fixtures (works from src and from the compiled dist/ tree).
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('package.json not found above the test file');
    dir = up;
  }
  return dir;
}

export const FIXTURES = join(repoRoot(), 'test', 'fixtures');

/** A fixture file's text, verbatim. */
export function fixture(rel: string): string {
  return readFileSync(join(FIXTURES, rel), 'utf8');
}

/**
 * A copied shared sample without its provenance header: the leading `# source:` / `# note:` lines
 * were added by whoever recorded it and are not command output.
 */
export function sample(name: string): string {
  const lines = fixture(join('samples', name)).split('\n');
  let i = 0;
  while (i < lines.length && /^# (source|note):/.test(lines[i]!)) i++;
  return lines.slice(i).join('\n');
}

export function fixtureNames(dir: string): string[] {
  return readdirSync(join(FIXTURES, dir)).sort();
}
