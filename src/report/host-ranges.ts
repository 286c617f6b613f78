// Compresses host lists for people: node01,node02,node03,node07 → node[01-03,07]. Linear in the number of hosts.

export function compressHosts(names: string[]): string {
  const groups = new Map<string, { prefix: string; suffix: string; width: number; nums: number[] }>();
  const plain: string[] = [];
  for (const n of names) {
    const m = /^(.*?)(\d+)(\D*)$/.exec(n);
    if (!m) { plain.push(n); continue; }
    const [, prefix, digits, suffix] = m as unknown as [string, string, string, string];
    // zero padded numbers only group with numbers of the same width
    const width = digits.startsWith('0') && digits.length > 1 ? digits.length : 0;
    const key = `${prefix}\0${suffix}\0${width}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { prefix, suffix, width, nums: [] }));
    g.nums.push(Number(digits));
  }
  const parts: string[] = [];
  for (const g of groups.values()) {
    if (g.nums.length === 1) { parts.push(g.prefix + pad(g.nums[0]!, g.width) + g.suffix); continue; }
    const nums = [...new Set(g.nums)].sort((a, b) => a - b);
    const runs: string[] = [];
    let start = nums[0]!;
    let prev = start;
    for (const x of [...nums.slice(1), NaN]) {
      if (x === prev + 1) { prev = x; continue; }
      runs.push(start === prev ? pad(start, g.width) : `${pad(start, g.width)}-${pad(prev, g.width)}`);
      start = prev = x;
    }
    parts.push(`${g.prefix}[${runs.join(',')}]${g.suffix}`);
  }
  return [...parts, ...plain].join(',');
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}
