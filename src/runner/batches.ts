// Splits a play's hosts into serial batches (Ansible's `serial`), with an optional canary batch first.

/** `serial: [1, "25%", 10]`: sizes in order, the last repeating; percentages of the play's host count. */
export function serialBatches(hosts: string[], serial: (number | string)[], canary?: number): string[][] {
  const out: string[][] = [];
  let rest = hosts;
  if (canary && canary > 0) {
    out.push(rest.slice(0, canary));
    rest = rest.slice(canary);
  }
  if (serial.length === 0) {
    if (rest.length) out.push(rest);
    return out;
  }
  const sizes = serial.map((s) => size(s, hosts.length));
  let i = 0;
  while (rest.length > 0) {
    const n = sizes[Math.min(i, sizes.length - 1)]!;
    out.push(rest.slice(0, n));
    rest = rest.slice(n);
    i++;
  }
  return out;
}

function size(s: number | string, total: number): number {
  if (typeof s === 'number') return Math.max(1, Math.floor(s));
  const pct = Number(s.replace('%', ''));
  return Math.max(1, Math.floor((total * pct) / 100));
}
