// Compresses host lists for people: node01,node02,node03,node07 → node[01-03,07]. Linear in the number of hosts.

interface Run { prefix: string; suffix: string; width: number; nums: number[] }

export function compressHosts(names: string[]): string {
  // split each name into prefix, number, suffix; group by prefix + suffix
  const bases = new Map<string, { prefix: string; suffix: string; parts: string[] }>();
  const plain: string[] = [];
  for (const n of names) {
    const m = /^(.*?)(\d+)(\D*)$/.exec(n);
    if (!m) { plain.push(n); continue; }
    const [, prefix, digits, suffix] = m as unknown as [string, string, string, string];
    const key = `${prefix}\0${suffix}`;
    let b = bases.get(key);
    if (!b) bases.set(key, (b = { prefix, suffix, parts: [] }));
    b.parts.push(digits);
  }
  const parts: string[] = [];
  for (const b of bases.values()) {
    // zero-padded numbers set the width; an unpadded number of that same width (node1000 after node0999) joins them
    const width = Math.max(0, ...b.parts.filter((d) => d.length > 1 && d.startsWith('0')).map((d) => d.length));
    const padded: Run = { prefix: b.prefix, suffix: b.suffix, width, nums: [] };
    const free: Run = { prefix: b.prefix, suffix: b.suffix, width: 0, nums: [] };
    for (const d of b.parts) (width > 0 && d.length === width ? padded : free).nums.push(Number(d));
    for (const r of [padded, free]) if (r.nums.length) parts.push(render(r));
  }
  return [...parts, ...plain].join(',');
}

function render(g: Run): string {
  const nums = [...new Set(g.nums)].sort((a, b) => a - b);
  if (nums.length === 1) return g.prefix + pad(nums[0]!, g.width) + g.suffix;
  const runs: string[] = [];
  let start = nums[0]!;
  let prev = start;
  for (const x of [...nums.slice(1), NaN]) {
    if (x === prev + 1) { prev = x; continue; }
    runs.push(start === prev ? pad(start, g.width) : `${pad(start, g.width)}-${pad(prev, g.width)}`);
    start = prev = x;
  }
  return `${g.prefix}[${runs.join(',')}]${g.suffix}`;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}
