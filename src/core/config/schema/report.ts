/**
 * How a configuration tree is checked and reported: paths, locations, the issue collector, and one section (a map
 * of keywords) parsed against its zod schema.
 */
import * as z from 'zod';
import { KEEPALIVED_BOOLEAN_FLAGS, NEWER_THAN_2_2_7, notUsedMessage, OBSOLETE_KEYWORDS, suggest } from '../keywords.js';
import type { ConfigIssue, SourceLocation, VipdConfig } from '../model.js';
import { flag } from './fields.js';

export type PathSegment = string | number;
/**
 * Position of the key (`target: 'key'`) or of the value at `path`. `file` names the file it is in when that is
 * not the main file (an included one); omitted, the main file passed to validateConfig is used.
 */
export type Locator = (
  path: readonly PathSegment[],
  target: 'key' | 'value',
) => { file?: string | undefined; line: number; col: number };

export interface ValidationResult {
  /** Present only when there are no errors: what the daemon runs. */
  config?: VipdConfig | undefined;
  /**
   * The complete model, present when every error is a "not supported yet" refusal of something the model holds
   * (track_script, vrrp_sync_group, use_vmac, ...). For check-config and convert; never for running.
   */
  model?: VipdConfig | undefined;
  errors: ConfigIssue[];
  warnings: ConfigIssue[];
}

export type Issues = { errors: ConfigIssue[]; warnings: ConfigIssue[] };

export class Reporter {
  readonly errors: ConfigIssue[] = [];
  readonly warnings: ConfigIssue[] = [];
  /** How many of the errors are "not supported yet" refusals of something the model holds. */
  private gated = 0;
  private readonly seen = new Set<string>();

  constructor(
    private readonly file: string,
    private readonly locate: Locator,
    /** Read from keepalived.conf, where keepalived's leniency applies (see parseSection). */
    readonly keepalived = false,
  ) {}

  /** checkValues' results by schema and content (see parseSection). */
  private readonly checked = new Map<z.ZodObject, Map<string, CheckedValues>>();

  /** The checked values of a section, computed once per schema and distinct content. */
  checkedValues(schema: z.ZodObject, values: Record<string, unknown>, check: () => CheckedValues): CheckedValues {
    let bySchema = this.checked.get(schema);
    if (!bySchema) {
      bySchema = new Map();
      this.checked.set(schema, bySchema);
    }
    const key = JSON.stringify(values);
    let found = bySchema.get(key);
    if (!found) {
      found = check();
      bySchema.set(key, found);
    }
    return found;
  }

  /** Errors other than the "not supported yet" refusals of modelled keywords. */
  get realErrors(): number {
    return this.errors.length - this.gated;
  }

  error(path: readonly PathSegment[], target: 'key' | 'value', message: string): void {
    this.push(this.errors, path, target, message);
  }

  /** A "not supported yet" refusal of something the model still holds (see ValidationResult.model). */
  unsupported(path: readonly PathSegment[], target: 'key' | 'value', message: string): void {
    if (this.push(this.errors, path, target, message)) this.gated++;
  }

  warn(path: readonly PathSegment[], target: 'key' | 'value', message: string): void {
    this.push(this.warnings, path, target, message);
  }

  /** keepalived's leniency: accepted as keepalived 2.2.7 does, an error under `check-config --strict`. */
  lenient(path: readonly PathSegment[], target: 'key' | 'value', message: string): void {
    this.push(this.warnings, path, target, message, true);
  }

  /**
   * Accepted in keepalived.conf as keepalived 2.2.7 accepts it (a lenient warning, `message`), refused in vipd's
   * own YAML (`yamlMessage`), which keeps vipd's rules.
   */
  compat(path: readonly PathSegment[], target: 'key' | 'value', message: string, yamlMessage: string): void {
    if (this.keepalived) this.lenient(path, target, message);
    else this.error(path, target, yamlMessage);
  }

  /** A warning at a location already resolved (a model value's `source`). */
  warnAt(source: SourceLocation, message: string, lenient = false): void {
    const id = `${source.file}:${source.line}:${source.col}:${message}`;
    if (this.seen.has(id)) return;
    this.seen.add(id);
    const issue: ConfigIssue = { file: source.file, line: source.line, col: source.col, message };
    if (lenient) issue.lenient = true;
    this.warnings.push(issue);
  }

  at(path: readonly PathSegment[], target: 'key' | 'value') {
    const { file, line, col } = this.locate(path, target);
    return { file: file ?? this.file, line, col };
  }

  private push(
    list: ConfigIssue[],
    path: readonly PathSegment[],
    target: 'key' | 'value',
    message: string,
    lenient = false,
  ) {
    const issue: ConfigIssue = { ...this.at(path, target), message };
    if (lenient) issue.lenient = true;
    const id = `${issue.file}:${issue.line}:${issue.col}:${message}`;
    if (this.seen.has(id)) return false;
    this.seen.add(id);
    list.push(issue);
    return true;
  }
}

const TRUE_WORDS = /^(on|true|yes)$/i;

export const isMap = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function describe(v: unknown): string {
  if (v === null || v === undefined) return 'nothing';
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a map';
  return String(v);
}

function valueAt(root: unknown, path: readonly PathSegment[]): unknown {
  let v = root;
  for (const seg of path) {
    if (Array.isArray(v) && typeof seg === 'number') v = v[seg];
    else if (isMap(v)) v = v[String(seg)];
    else return typeof v === 'string' && seg === 0 ? v : undefined; // a single item written without brackets
  }
  return v;
}

interface SectionSpec<S extends z.ZodObject> {
  schema: S;
  /** For messages: "global_defs", "vrrp_instance VI_1", "authentication of vrrp_instance VI_1". */
  where: string;
  unsupported: ReadonlySet<string>;
  /** keepalived's non-VRRP keywords here (NOT_USED_BY_VIPD): skipped with a warning. */
  notUsed?: ReadonlyMap<string, string>;
  /**
   * Sections of this kind come by the thousand, mostly written alike (real servers, their checkers): their values
   * are checked once per distinct content. Not for sections holding large subtrees (a virtual server's servers).
   */
  alike?: boolean;
  /** Keywords of the other section, for "belongs in ..." hints: keyword here → message. */
  hints?: Readonly<Record<string, string>>;
}

/** An issue of a section's values, its path relative to the section. */
interface ValueIssue {
  rel: readonly PathSegment[];
  message: string;
  lenient?: boolean;
}

/** What a section's values give: the parsed data, the keywords in error, the issues. */
export interface CheckedValues {
  data: Readonly<Record<string, unknown>>;
  invalid: readonly string[];
  issues: readonly ValueIssue[];
}

/**
 * A section's accepted values against its schema, in keepalived.conf with keepalived's flag leniency. Pure in
 * (schema, values, keepalived): the Reporter keeps one result per distinct content (checkedValues), so a thousand
 * real servers written alike are checked once.
 */
function checkValues(schema: z.ZodObject, values: Record<string, unknown>, keepalived: boolean): CheckedValues {
  const accepted = { ...values };
  const issues: ValueIssue[] = [];
  const invalid = new Set<string>();
  if (keepalived) {
    for (const [key, value] of Object.entries(accepted)) {
      const field = schema.shape[key];
      const isFlag = field === flag || (field instanceof z.ZodOptional && field.unwrap() === flag);
      const readsNoValue = !KEEPALIVED_BOOLEAN_FLAGS.has(key);
      if (isFlag && readsNoValue && value !== true && !(typeof value === 'string' && TRUE_WORDS.test(value))) {
        // keepalived 2.2.7's flag keywords read no value: `nopreempt 0` (or false) sets nopreempt.
        issues.push({
          rel: [key],
          message: `${key} takes no value: keepalived 2.2.7 ignores "${String(value)}" and sets ${key}, and so does vipd`,
          lenient: true,
        });
        accepted[key] = true;
      }
    }
  }
  const first = schema.safeParse(accepted);
  let data: Record<string, unknown> = {};
  if (first.success) data = first.data;
  else {
    for (const issue of first.error.issues) {
      const rel = issue.path as PathSegment[];
      const key = String(rel[0]);
      invalid.add(key);
      const last = rel[rel.length - 1];
      const label = typeof last === 'number' && rel.length >= 2 ? `${key} entry ${last + 1}` : key;
      const got = valueAt(accepted, rel);
      // keepalived.conf's bare keyword reads as true: say what is missing rather than "got true".
      const message = issue.message.startsWith('must')
        ? keepalived && got === true && rel.length === 1
          ? `${label} needs a value: it ${issue.message}`
          : `${label} ${issue.message}, got ${describe(got)}`
        : issue.message.replaceAll('{kw}', label);
      issues.push({ rel, message });
    }
    const rest = Object.fromEntries(Object.entries(accepted).filter(([k]) => !invalid.has(k)));
    const second = schema.safeParse(rest);
    if (second.success) data = second.data;
  }
  // Shared by every section of this content: frozen, so that a builder changing it fails loudly.
  return { data: Object.freeze(data), invalid: [...invalid], issues };
}

/**
 * Checks one map section: unknown and not-yet-supported keywords, then each keyword's schema. Returns the
 * values that parsed (keywords in error are left out) and the set of keywords that were present but invalid.
 */
export function parseSection<S extends z.ZodObject>(
  obj: Record<string, unknown>,
  path: readonly PathSegment[],
  spec: SectionSpec<S>,
  report: Reporter,
): { data: z.output<S>; invalid: Set<string> } {
  const shape = spec.schema.shape;
  const invalid = new Set<string>();
  const accepted: Record<string, unknown> = {};
  for (const key of Object.keys(obj)) {
    if (Object.hasOwn(shape, key)) {
      accepted[key] = obj[key];
      continue;
    }
    invalid.add(key);
    const notUsed = spec.notUsed?.get(key);
    if (notUsed) {
      report.warn([...path, key], 'key', notUsedMessage(key, notUsed));
      continue;
    }
    if (spec.unsupported.has(key)) {
      // Not modelled: refused without reading the value, and no model can hold it.
      const newer = NEWER_THAN_2_2_7.has(key) ? ' (a keyword newer than keepalived 2.2.7)' : '';
      report.error([...path, key], 'key', `${key} is not supported yet${newer}`);
      continue;
    }
    const hint = spec.hints?.[key];
    const obsolete = OBSOLETE_KEYWORDS.get(key);
    if (report.keepalived && (hint || obsolete)) {
      // keepalived 2.2.7 skips a keyword it does not know here ("Unknown keyword") and carries on.
      report.lenient(
        [...path, key],
        'key',
        `${key} is ignored in ${spec.where} by keepalived 2.2.7, and by vipd (${hint ?? obsolete})`,
      );
      continue;
    }
    const close = hint ? undefined : suggest(key, Object.keys(shape));
    const tail = hint ? ` (${hint})` : close ? ` (did you mean ${close}?)` : '';
    report.error([...path, key], 'key', `unknown keyword ${key} in ${spec.where}${tail}`);
  }
  const check = () => checkValues(spec.schema, accepted, report.keepalived);
  const checked = spec.alike ? report.checkedValues(spec.schema, accepted, check) : check();
  for (const issue of checked.issues) {
    if (issue.lenient) report.lenient([...path, ...issue.rel], 'value', issue.message);
    else report.error([...path, ...issue.rel], 'value', issue.message);
  }
  for (const key of checked.invalid) invalid.add(key);
  const data = checked.data as z.output<S>;
  // Modelled but not built yet: parsed above (errors inside are reported), then refused. A flag set to false
  // says what vipd already does and passes.
  for (const key of Object.keys(accepted)) {
    if (spec.unsupported.has(key) && (data as Record<string, unknown>)[key] !== false) {
      report.unsupported([...path, key], 'key', `${key} is not supported yet`);
    }
  }
  return { data, invalid };
}
