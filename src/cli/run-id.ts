// Run ids sort by time and stay unique across controllers: 20261123T181002Z-4f2a9c.
import { randomBytes } from 'node:crypto';

export function newRunId(now = new Date()): string {
  const ts = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${ts}-${randomBytes(3).toString('hex')}`;
}
