// Variables as templates see them: values holding `{{ }}` are rendered lazily on first use, to any depth, once per render.
import { Secret } from './quote.js';
import { isMapping, LIMITS, renderError, tooLarge } from './values.js';
import { splitKeywords } from './filters.js';
import { TemplateError } from './template-error.js';

export const MISSING: unique symbol = Symbol('missing');

/** Objects whose strings must never be rendered again: command output and registered results. */
const unsafeObjects = new WeakSet<object>();
const templated = new WeakMap<object, boolean>();

/**
 * Marks data as unsafe (Ansible's AnsibleUnsafe): a registered result whose stdout contains `{{`
 * stays that text instead of being evaluated. The runner should mark what it registers.
 */
export function unsafe<T extends object>(value: T): T {
  unsafeObjects.add(value);
  return value;
}

/**
 * Names whose values are data, never templates: registered results, facts, loop items, contract outputs,
 * magic variables. Only what users wrote (inventory, play/task vars, extra vars) is rendered lazily, so a
 * node that prints `{{ secret }}` cannot make the controller evaluate it (Ansible's "unsafe" by default).
 */
const dataKeys = new WeakMap<object, ReadonlySet<string>>();

/** `{...base, ...data}` where data's keys are data; base's marks carry over unless overridden. */
export function withData(base: Record<string, unknown>, data: Record<string, unknown>): Record<string, unknown> {
  const out = { ...base, ...data };
  dataKeys.set(out, new Set([...(dataKeys.get(base) ?? []), ...Object.keys(data)]));
  return out;
}

/** `{...base, ...config}` where config's keys are user-written (templated lazily), even if base had them as data. */
export function withConfig(base: Record<string, unknown>, config: Record<string, unknown>): Record<string, unknown> {
  const out = { ...base, ...config };
  const marks = new Set(dataKeys.get(base) ?? []);
  for (const k of Object.keys(config)) marks.delete(k);
  dataKeys.set(out, marks);
  return out;
}

export function isTemplateText(s: string): boolean {
  return s.includes('{{') || s.includes('{%');
}

/** Whether any string inside holds template syntax; cached per object, since loaded config is never mutated. */
function holdsTemplates(v: unknown, depth = 0): boolean {
  if (typeof v === 'string') return isTemplateText(v);
  if (depth > 64 || v === null || typeof v !== 'object' || unsafeObjects.has(v)) return false;
  if (!Array.isArray(v) && !isMapping(v)) return false;
  const hit = templated.get(v);
  if (hit !== undefined) return hit;
  const vals: unknown[] = Array.isArray(v) ? v : Object.values(v);
  const result = vals.some((x) => holdsTemplates(x, depth + 1));
  templated.set(v, result);
  return result;
}

/** Python's range(), bounded so `range(10**12)` is an error instead of an allocation. */
function range(...raw: unknown[]): number[] {
  const nums = splitKeywords(raw).args.map(Number);
  const [start, stop, step] = nums.length === 1 ? [0, nums[0] ?? 0, 1] : [nums[0] ?? 0, nums[1] ?? 0, nums[2] ?? 1];
  if (![start, stop, step].every(Number.isInteger)) throw renderError('range() arguments must be integers');
  if (step === 0) throw renderError('range() step must not be zero');
  const count = Math.max(0, Math.ceil((stop - start) / step));
  if (count > LIMITS.range) throw tooLarge();
  return Array.from({ length: count }, (_, i) => start + i * step);
}

/** Jinja's dict(): from keyword arguments or a list of pairs. */
function dict(...raw: unknown[]): Record<string, unknown> {
  const { args, kw } = splitKeywords(raw);
  const out: Record<string, unknown> = {};
  const put = (k: unknown, v: unknown): void => {
    Object.defineProperty(out, String(k), { value: v, enumerable: true, writable: true, configurable: true });
  };
  for (const pair of Array.isArray(args[0]) ? args[0] : []) if (Array.isArray(pair)) put(pair[0], pair[1]);
  for (const [k, v] of Object.entries(kw)) put(k, v);
  return out;
}

const BUILTINS: Record<string, unknown> = { range, dict };

/** Renders one var's template text: native value for a single `{{ expr }}`, else text. */
export type RenderVar = (text: string, name: string) => unknown;

export class VarScope {
  private readonly cache = new Map<string, unknown>();
  private readonly resolving: string[] = [];

  constructor(private readonly vars: Record<string, unknown>, private readonly render: RenderVar) {}

  get(name: string): unknown {
    if (!Object.hasOwn(this.vars, name)) return Object.hasOwn(BUILTINS, name) ? BUILTINS[name] : MISSING;
    if (this.cache.has(name)) return this.cache.get(name);
    if (this.resolving.includes(name)) {
      const chain = [...this.resolving.slice(this.resolving.indexOf(name)), name].join(' -> ');
      throw new TemplateError('template.recursiveVar', `variable '${name}' refers to itself: ${chain}`);
    }
    if (dataKeys.get(this.vars)?.has(name)) return this.vars[name];
    this.resolving.push(name);
    let value: unknown;
    try {
      value = this.resolve(this.vars[name], name, 0);
    } finally {
      this.resolving.pop();
    }
    this.cache.set(name, value);
    return value;
  }

  private resolve(v: unknown, name: string, depth: number): unknown {
    if (typeof v === 'string') return isTemplateText(v) ? this.render(v, name) : v;
    if (v instanceof Secret || !holdsTemplates(v)) return v;
    if (depth > 64) return v;
    if (Array.isArray(v)) return v.map((x) => this.resolve(x, name, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      Object.defineProperty(out, k, { value: this.resolve(x, name, depth + 1), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
}
