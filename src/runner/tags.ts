// Ansible's tag selection: --tags / --skip-tags with the special tags always, never, all, tagged, untagged.

export function tagSelected(taskTags: string[], only: string[], skip: string[]): boolean {
  const tags = new Set(taskTags);
  if (skip.some((t) => tags.has(t) || (t === 'all') || (t === 'tagged' && tags.size > 0) || (t === 'untagged' && tags.size === 0))) return false;
  if (tags.has('always')) return true;
  if (tags.has('never') && !only.some((t) => tags.has(t))) return false;
  if (only.length === 0 || only.includes('all')) return true;
  if (only.includes('tagged') && tags.size > 0) return true;
  if (only.includes('untagged') && tags.size === 0) return true;
  return only.some((t) => tags.has(t));
}
