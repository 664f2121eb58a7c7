/**
 * Validation of the YAML configuration tree and its mapping onto the model (model.ts), with keepalived's
 * defaults applied.
 *
 * Why zod: the schema is written in TypeScript, so the raw shape of each section is *inferred* from it
 * (z.output) rather than restated by hand beside a JSON Schema; its issues carry a precise path (section →
 * keyword → list index) that yaml.ts turns into file:line:col; and it reports every failing field of an object
 * at once, which is what "all errors in one run" needs. Each keyword's schema checks the value on its own
 * (type, range, syntax); the rules that relate keywords (versions, families, preemption, unicast,
 * uniqueness) are plain code below, run on whatever parsed, so one bad value never hides another error.
 *
 * The tree is YAML-agnostic: positions come from the `locate` callback the caller provides.
 */
import { z } from 'zod';
import { addressFamily, canonicalAddress, isLinkLocal6 } from '../codec/ip-address.js';
import type { AddressSpec, Family } from '../ports.js';
import type { GarpParams } from '../vrrp/types.js';
import { CommandSyntaxError, splitCommand } from './command.js';
import {
  INSTANCE_TO_GLOBAL,
  suggest,
  UNSUPPORTED_GLOBAL,
  UNSUPPORTED_INSTANCE,
  UNSUPPORTED_TOP_LEVEL,
} from './keywords.js';
import type { ConfigIssue, GlobalDefs, InstanceConfig, NotifyScripts, VipdConfig } from './model.js';
import { isValidIfName, parseVip } from './vip.js';

export type PathSegment = string | number;
/** Position of the key (`target: 'key'`) or of the value at `path` in the source file. */
export type Locator = (path: readonly PathSegment[], target: 'key' | 'value') => { line: number; col: number };

export interface ValidationResult {
  config?: VipdConfig | undefined;
  errors: ConfigIssue[];
  warnings: ConfigIssue[];
}

/** keepalived's defaults (keepalived.md §0, §1a–1b), in the model's units. */
export const DEFAULTS = {
  vrrpVersion: 2,
  priority: 100,
  ownerPriority: 255,
  advertIntSeconds: 1,
  preempt: true,
  preemptDelaySeconds: 0,
  garpMasterDelaySeconds: 5,
  garpMasterRepeat: 5,
  garpMasterRefreshSeconds: 0,
  garpMasterRefreshRepeat: 1,
  downTimerAdverts: 3,
  lowerPrioNoAdvert: false,
  higherPrioSendAdvert: false,
  checkUnicastSrc: false,
  v3ChecksumAsV2: false,
} as const;

// ---------------------------------------------------------------------------------------------------------------
// Keyword schemas. A message starting with "must" is completed as `<keyword> <message>, got <value>`; in any
// other message, {kw} stands for the keyword.

const TRUE_WORDS = new Set(['on', 'true', 'yes']);
const FALSE_WORDS = new Set(['off', 'false', 'no']);

/** keepalived booleans: true/false, on/off, yes/no; a bare keyword (`nopreempt:` with no value) means true. */
const flag = z
  .union(
    [
      z.boolean(),
      z.null(),
      z
        .string()
        .transform((s) => s.toLowerCase())
        .refine((s) => TRUE_WORDS.has(s) || FALSE_WORDS.has(s), { error: 'must be true or false' }),
    ],
    { error: 'must be true or false' },
  )
  .transform((v) => (v === null ? true : typeof v === 'boolean' ? v : TRUE_WORDS.has(v)));

const wholeNumber = (min: number, max: number) => {
  const error = `must be a whole number from ${min} to ${max}`;
  return z.number({ error }).int({ error }).min(min, { error }).max(max, { error });
};

const seconds = (min: number, max: number) => {
  const error = `must be a number of seconds from ${min} to ${max}`;
  return z.number({ error }).min(min, { error }).max(max, { error });
};

const text = z.string({ error: 'must be text (put numbers in quotes)' }).min(1, { error: 'must not be empty' });

const ifName = z
  .string({ error: 'must be an interface name' })
  .refine(isValidIfName, { error: 'must be an interface name (1–15 characters, no spaces, "/" or ":")' });

const address = z
  .string({ error: 'must be an IPv4 or IPv6 address' })
  .refine((s) => !s.includes('%') && addressFamily(s) !== undefined, { error: 'must be an IPv4 or IPv6 address' })
  .transform((s) => canonicalAddress(s));

/** A list, or a single item written without brackets. */
const listOf = <T extends z.ZodType>(item: T, what: string) =>
  z.preprocess((v) => (typeof v === 'string' ? [v] : v), z.array(item, { error: `must be a list of ${what}` }));

const command = z
  .string({ error: 'must be a command line (text)' })
  .min(1, { error: 'must not be empty' })
  .transform((s, ctx) => {
    try {
      const argv = splitCommand(s);
      if (argv.length === 0 || argv[0] === '') {
        ctx.addIssue({ code: 'custom', message: '{kw} names no program to run' });
        return z.NEVER;
      }
      return argv;
    } catch (err) {
      if (!(err instanceof CommandSyntaxError)) throw err;
      ctx.addIssue({ code: 'custom', message: `{kw}: ${err.message}` });
      return z.NEVER;
    }
  });

const version = z.union([z.literal(2), z.literal(3)], { error: 'must be 2 or 3' });
const garpDelay = wholeNumber(0, 4294); // keepalived: unsigned seconds up to UINT_MAX / TIMER_HZ
// vipd caps the repeats: every GARP of a block goes out in one synchronous burst.
const garpRepeat = wholeNumber(1, 100);
const garpLowerRepeat = wholeNumber(0, 100);
const garpRefresh = wholeNumber(0, 86400);

export const globalDefsSchema = z
  .object({
    router_id: text,
    vrrp_version: version,
    vrrp_garp_master_delay: garpDelay,
    vrrp_garp_master_repeat: garpRepeat,
    vrrp_garp_master_refresh: garpRefresh,
    vrrp_garp_master_refresh_repeat: garpRepeat,
    vrrp_garp_lower_prio_delay: garpDelay,
    vrrp_garp_lower_prio_repeat: garpLowerRepeat,
    vrrp_lower_prio_no_advert: flag,
    vrrp_higher_prio_send_advert: flag,
    vrrp_check_unicast_src: flag,
    v3_checksum_as_v2: flag,
    vrrp_down_timer_adverts: wholeNumber(1, 100),
    script_user: z
      .string({ error: 'must be USER or USER:GROUP' })
      .regex(/^[^:\s]+(:[^:\s]+)?$/, { error: 'must be USER or USER:GROUP' }),
    enable_script_security: flag,
    vrrp_strict: flag,
  })
  .partial();

export const authenticationSchema = z
  .object({
    auth_type: z.string({ error: 'must be PASS' }).refine((s) => s === 'PASS', {
      error: (iss) => (iss.input === 'AH' ? 'auth_type AH is not supported yet' : 'must be PASS'),
    }),
    auth_pass: text,
  })
  .partial();

export const instanceSchema = z
  .object({
    state: z.enum(['MASTER', 'BACKUP'], { error: 'must be MASTER or BACKUP' }),
    interface: ifName,
    virtual_router_id: wholeNumber(1, 255),
    priority: wholeNumber(1, 255),
    // The range and step depend on the version: checked once the version is known (checkAdvertInt).
    advert_int: z
      .number({ error: 'must be a number of seconds' })
      .gt(0, { error: 'must be a positive number of seconds' })
      .max(255, { error: 'must be at most 255 seconds' }),
    version,
    nopreempt: flag,
    preempt: flag,
    preempt_delay: seconds(0, 1000),
    unicast_src_ip: address,
    unicast_peer: listOf(address, 'addresses'),
    authentication: z.unknown(), // a nested section, checked with authenticationSchema
    virtual_ipaddress: listOf(z.string({ error: 'must be text like "10.0.0.1/24 dev eth0"' }), 'addresses'),
    notify_master: command,
    notify_backup: command,
    notify_fault: command,
    notify_stop: command,
    notify: command,
    garp_master_delay: garpDelay,
    garp_master_repeat: garpRepeat,
    garp_master_refresh: garpRefresh,
    garp_master_refresh_repeat: garpRepeat,
    garp_lower_prio_delay: garpDelay,
    garp_lower_prio_repeat: garpLowerRepeat,
    down_timer_adverts: wholeNumber(1, 100),
    lower_prio_no_advert: flag,
    higher_prio_send_advert: flag,
    check_unicast_src: flag,
    v3_checksum_as_v2: flag,
    accept: flag,
    strict_mode: flag,
  })
  .partial();

type RawInstance = z.output<typeof instanceSchema>;
type RawGlobal = z.output<typeof globalDefsSchema>;

// ---------------------------------------------------------------------------------------------------------------

type Issues = { errors: ConfigIssue[]; warnings: ConfigIssue[] };

class Reporter {
  readonly errors: ConfigIssue[] = [];
  readonly warnings: ConfigIssue[] = [];
  private readonly seen = new Set<string>();

  constructor(
    private readonly file: string,
    private readonly locate: Locator,
  ) {}

  error(path: readonly PathSegment[], target: 'key' | 'value', message: string): void {
    this.push(this.errors, path, target, message);
  }

  warn(path: readonly PathSegment[], target: 'key' | 'value', message: string): void {
    this.push(this.warnings, path, target, message);
  }

  at(path: readonly PathSegment[], target: 'key' | 'value') {
    return { file: this.file, ...this.locate(path, target) };
  }

  private push(list: ConfigIssue[], path: readonly PathSegment[], target: 'key' | 'value', message: string) {
    const issue = { ...this.at(path, target), message };
    const id = `${issue.line}:${issue.col}:${message}`;
    if (this.seen.has(id)) return;
    this.seen.add(id);
    list.push(issue);
  }
}

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

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
  /** Keywords of the other section, for "belongs in ..." hints: keyword here → message. */
  hints?: Readonly<Record<string, string>>;
}

/**
 * Checks one map section: unknown and not-yet-supported keywords, then each keyword's schema. Returns the
 * values that parsed (keywords in error are left out) and the set of keywords that were present but invalid.
 */
function parseSection<S extends z.ZodObject>(
  obj: Record<string, unknown>,
  path: readonly PathSegment[],
  spec: SectionSpec<S>,
  report: Reporter,
): { data: z.output<S>; invalid: Set<string> } {
  const known = Object.keys(spec.schema.shape);
  const invalid = new Set<string>();
  const accepted: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(obj)) {
    if (known.includes(key)) {
      accepted[key] = value;
      continue;
    }
    invalid.add(key);
    if (spec.unsupported.has(key)) {
      report.error([...path, key], 'key', `${key} is not supported yet`);
      continue;
    }
    const hint = spec.hints?.[key];
    const close = hint ? undefined : suggest(key, known);
    const tail = hint ? ` (${hint})` : close ? ` (did you mean ${close}?)` : '';
    report.error([...path, key], 'key', `unknown keyword ${key} in ${spec.where}${tail}`);
  }
  const first = spec.schema.safeParse(accepted);
  if (first.success) return { data: first.data, invalid };
  for (const issue of first.error.issues) {
    const rel = issue.path as PathSegment[];
    const key = String(rel[0]);
    invalid.add(key);
    const last = rel[rel.length - 1];
    const label = typeof last === 'number' && rel.length >= 2 ? `${key} entry ${last + 1}` : key;
    const message = issue.message.startsWith('must')
      ? `${label} ${issue.message}, got ${describe(valueAt(accepted, rel))}`
      : issue.message.replaceAll('{kw}', label);
    report.error([...path, ...rel], 'value', message);
  }
  const rest = Object.fromEntries(Object.entries(accepted).filter(([k]) => !invalid.has(k)));
  const second = spec.schema.safeParse(rest);
  return { data: (second.success ? second.data : {}) as z.output<S>, invalid };
}

// ---------------------------------------------------------------------------------------------------------------

/** Validates the whole configuration tree (plain data from the YAML document). */
export function validateConfig(root: unknown, file: string, locate: Locator): ValidationResult {
  const report = new Reporter(file, locate);
  const result = (config?: VipdConfig): ValidationResult => {
    const byPos = (a: ConfigIssue, b: ConfigIssue) => a.line - b.line || a.col - b.col;
    const issues: Issues = { errors: report.errors.sort(byPos), warnings: report.warnings.sort(byPos) };
    return { config: issues.errors.length === 0 ? config : undefined, ...issues };
  };

  if (root === null || root === undefined) {
    report.error([], 'value', 'the configuration is empty: it needs at least one vrrp_instance');
    return result();
  }
  if (!isMap(root)) {
    report.error([], 'value', 'the configuration must be a map with global_defs and vrrp_instance');
    return result();
  }

  for (const key of Object.keys(root)) {
    if (key === 'global_defs' || key === 'vrrp_instance') continue;
    if (UNSUPPORTED_TOP_LEVEL.has(key)) report.error([key], 'key', `${key} is not supported yet`);
    else {
      const close = suggest(key, ['global_defs', 'vrrp_instance']);
      const tail = close ? ` (did you mean ${close}?)` : '';
      report.error([key], 'key', `unknown top-level keyword ${key}${tail}`);
    }
  }

  const globalDefs = buildGlobalDefs(root.global_defs, report);

  const instancesNode = root.vrrp_instance;
  const instances: InstanceConfig[] = [];
  if (instancesNode === undefined) {
    report.error([], 'value', 'no vrrp_instance is configured');
  } else if (!isMap(instancesNode) || Object.keys(instancesNode).length === 0) {
    report.error(['vrrp_instance'], 'value', 'vrrp_instance must be a map of instance names to their settings');
  } else {
    for (const [name, body] of Object.entries(instancesNode)) {
      const inst = buildInstance(name, body, globalDefs, report);
      if (inst) instances.push(inst);
    }
    checkUnique(instances, report);
  }
  return result({ globalDefs, instances });
}

function buildGlobalDefs(node: unknown, report: Reporter): GlobalDefs {
  let g: RawGlobal = {};
  if (node !== undefined && node !== null) {
    if (!isMap(node)) report.error(['global_defs'], 'value', 'global_defs must be a map of keywords');
    else {
      const hints = Object.fromEntries(
        Object.entries(INSTANCE_TO_GLOBAL).map(([inst, glob]) => [inst, `the global_defs form is ${glob}`]),
      );
      g = parseSection(
        node,
        ['global_defs'],
        { schema: globalDefsSchema, where: 'global_defs', unsupported: UNSUPPORTED_GLOBAL, hints },
        report,
      ).data;
    }
  }
  if (g.vrrp_strict === true) report.error(['global_defs', 'vrrp_strict'], 'key', 'vrrp_strict is not supported yet');
  const masterDelayMs = (g.vrrp_garp_master_delay ?? DEFAULTS.garpMasterDelaySeconds) * 1000;
  const masterRepeat = g.vrrp_garp_master_repeat ?? DEFAULTS.garpMasterRepeat;
  const [user, group] = g.script_user?.split(':') ?? [];
  return {
    routerId: g.router_id,
    vrrpVersion: g.vrrp_version ?? DEFAULTS.vrrpVersion,
    garp: {
      masterDelayMs,
      masterRepeat,
      masterRefreshMs: (g.vrrp_garp_master_refresh ?? DEFAULTS.garpMasterRefreshSeconds) * 1000,
      masterRefreshRepeat: g.vrrp_garp_master_refresh_repeat ?? DEFAULTS.garpMasterRefreshRepeat,
      // keepalived: the lower-priority values default to the *global* master values.
      lowerPrioDelayMs:
        g.vrrp_garp_lower_prio_delay !== undefined ? g.vrrp_garp_lower_prio_delay * 1000 : masterDelayMs,
      lowerPrioRepeat: g.vrrp_garp_lower_prio_repeat ?? masterRepeat,
    },
    downTimerAdverts: g.vrrp_down_timer_adverts ?? DEFAULTS.downTimerAdverts,
    lowerPrioNoAdvert: g.vrrp_lower_prio_no_advert ?? DEFAULTS.lowerPrioNoAdvert,
    higherPrioSendAdvert: g.vrrp_higher_prio_send_advert ?? DEFAULTS.higherPrioSendAdvert,
    checkUnicastSrc: g.vrrp_check_unicast_src ?? DEFAULTS.checkUnicastSrc,
    v3ChecksumAsV2: g.v3_checksum_as_v2 ?? DEFAULTS.v3ChecksumAsV2,
    scriptUser: user ? { user, group } : undefined,
    enableScriptSecurity: g.enable_script_security ?? false,
  };
}

function buildInstance(name: string, body: unknown, g: GlobalDefs, report: Reporter): InstanceConfig | undefined {
  const base = ['vrrp_instance', name] as const;
  const where = `vrrp_instance ${name}`;
  if (!/^\S+$/.test(name)) {
    report.error(base, 'key', `vrrp_instance name ${JSON.stringify(name)} must be one word (no spaces)`);
    return undefined;
  }
  if (!isMap(body)) {
    report.error(base, 'key', `${where} must be a map of keywords (interface, virtual_router_id, ...)`);
    return undefined;
  }
  const hints = Object.fromEntries(
    Object.entries(INSTANCE_TO_GLOBAL).map(([inst, glob]) => [glob, `the vrrp_instance form is ${inst}`]),
  );
  const { data: r, invalid } = parseSection(
    body,
    base,
    { schema: instanceSchema, where, unsupported: UNSUPPORTED_INSTANCE, hints },
    report,
  );
  const errorsBefore = report.errors.length;
  const p = (key: string) => [...base, key];
  const has = (key: string) => Object.hasOwn(body, key);

  // Required keywords (unless present but already reported as invalid).
  if (!has('interface')) report.error(base, 'key', `${where} has no interface`);
  if (!has('virtual_router_id')) report.error(base, 'key', `${where} has no virtual_router_id (1–255)`);
  if (!has('virtual_ipaddress')) {
    report.error(base, 'key', `${where} has no virtual_ipaddress (no_virtual_ipaddress is not supported yet)`);
  }
  if (r.accept === false) {
    report.error(
      p('accept'),
      'value',
      'accept: false (no_accept) is not supported yet; vipd always runs in accept mode',
    );
  }
  if (r.strict_mode === true) report.error(p('strict_mode'), 'key', 'strict_mode is not supported yet');

  const ifname = r.interface ?? '';
  const vips = buildVips(r, ifname, base, report);
  const family: Family = vips[0]?.family ?? (r.unicast_src_ip ? (addressFamily(r.unicast_src_ip) as Family) : 4);
  // Checks that depend on a value in error are skipped: one mistake, one message.
  const familyKnown = vips.length > 0;
  const versionKnown = !invalid.has('version');

  // Version: the instance's, else global_defs vrrp_version; IPv6 needs (and forces) VRRPv3.
  let version = r.version ?? g.vrrpVersion;
  if (family === 6 && version === 2) {
    if (r.version === 2) {
      report.error(p('version'), 'value', 'version 2 cannot carry IPv6 addresses: VRRP over IPv6 is version 3');
    }
    version = 3;
  }

  const advertIntervalMs = checkAdvertInt(
    r.advert_int,
    version,
    invalid.has('advert_int') || !versionKnown,
    p('advert_int'),
    report,
  );
  const state = r.state ?? 'BACKUP';
  const priority = r.priority ?? (state === 'MASTER' ? DEFAULTS.ownerPriority : DEFAULTS.priority);

  // Preemption: on unless nopreempt (or preempt: false).
  let preempt: boolean = DEFAULTS.preempt;
  let preemptKey: string | undefined;
  if (r.nopreempt !== undefined) {
    preempt = !r.nopreempt;
    preemptKey = 'nopreempt';
  }
  if (r.preempt !== undefined) {
    if (preemptKey && r.preempt !== preempt) {
      report.error(p('preempt'), 'key', `preempt: ${r.preempt} contradicts nopreempt: ${r.nopreempt}`);
    }
    preempt = r.preempt;
    preemptKey = 'preempt';
  }
  if (!preempt && preemptKey) {
    if (state === 'MASTER') {
      report.error(
        p(preemptKey),
        'key',
        'nopreempt needs state BACKUP: with state MASTER it has no effect (keepalived clears it)',
      );
    } else if (priority === 255) {
      report.error(
        p(preemptKey),
        'key',
        'nopreempt cannot be used with priority 255: the address owner always preempts',
      );
    }
  }
  const preemptDelayMs = Math.round((r.preempt_delay ?? DEFAULTS.preemptDelaySeconds) * 1e6) / 1e3;
  if (preemptDelayMs > 0) {
    if (!preempt) report.error(p('preempt_delay'), 'key', 'preempt_delay has no effect with nopreempt');
    else if (state === 'MASTER') {
      report.error(p('preempt_delay'), 'key', 'preempt_delay has no effect with state MASTER (keepalived clears it)');
    }
  }

  const unicastPeers = checkUnicast(r, familyKnown ? family : undefined, base, report);
  const auth = buildAuth(
    body.authentication,
    has('authentication'),
    versionKnown ? version : undefined,
    family,
    name,
    base,
    report,
  );
  const notify: NotifyScripts = {
    master: r.notify_master,
    backup: r.notify_backup,
    fault: r.notify_fault,
    stop: r.notify_stop,
    generic: r.notify,
  };
  const garp: GarpParams = {
    masterDelayMs: r.garp_master_delay !== undefined ? r.garp_master_delay * 1000 : g.garp.masterDelayMs,
    masterRepeat: r.garp_master_repeat ?? g.garp.masterRepeat,
    masterRefreshMs: r.garp_master_refresh !== undefined ? r.garp_master_refresh * 1000 : g.garp.masterRefreshMs,
    masterRefreshRepeat: r.garp_master_refresh_repeat ?? g.garp.masterRefreshRepeat,
    lowerPrioDelayMs: r.garp_lower_prio_delay !== undefined ? r.garp_lower_prio_delay * 1000 : g.garp.lowerPrioDelayMs,
    lowerPrioRepeat: r.garp_lower_prio_repeat ?? g.garp.lowerPrioRepeat,
  };

  if (invalid.size > 0 || report.errors.length > errorsBefore) return undefined;
  return {
    name,
    state,
    interface: ifname,
    vrid: r.virtual_router_id as number,
    priority,
    advertIntervalMs,
    version,
    family,
    preempt,
    preemptDelayMs,
    unicastSrcIp: r.unicast_src_ip,
    unicastPeers,
    auth,
    vips,
    notify,
    garp,
    downTimerAdverts: r.down_timer_adverts ?? g.downTimerAdverts,
    lowerPrioNoAdvert: r.lower_prio_no_advert ?? g.lowerPrioNoAdvert,
    higherPrioSendAdvert: r.higher_prio_send_advert ?? g.higherPrioSendAdvert,
    v3ChecksumAsV2: r.v3_checksum_as_v2 ?? g.v3ChecksumAsV2,
    checkUnicastSrc: r.check_unicast_src ?? g.checkUnicastSrc,
    source: report.at(base, 'key'),
  };
}

function buildVips(r: RawInstance, ifname: string, base: readonly PathSegment[], report: Reporter): AddressSpec[] {
  const lines = r.virtual_ipaddress;
  if (lines === undefined) return [];
  const key = [...base, 'virtual_ipaddress'];
  if (lines.length === 0) {
    report.error(key, 'value', 'virtual_ipaddress is empty (no_virtual_ipaddress is not supported yet)');
    return [];
  }
  if (lines.length > 255)
    report.error(key, 'key', `virtual_ipaddress has ${lines.length} entries; at most 255 fit in an advert`);
  const vips: AddressSpec[] = [];
  const seen = new Map<string, number>();
  lines.forEach((line, i) => {
    const res = parseVip(line, ifname);
    if (!res.ok) {
      report.error([...key, i], 'value', res.error);
      return;
    }
    for (const w of res.warnings) report.warn([...key, i], 'value', w);
    const v = res.spec;
    const first = vips[0];
    if (first && v.family !== first.family) {
      report.error(
        [...key, i],
        'value',
        `virtual_ipaddress ${v.address} is IPv${v.family} but the instance's first address ${first.address} is IPv${first.family}: ` +
          'all addresses of an instance must be one family (use one instance per family)',
      );
      return;
    }
    const dup = seen.get(v.address);
    if (dup !== undefined) {
      report.error(
        [...key, i],
        'value',
        `virtual_ipaddress ${v.address} is listed twice (entries ${dup + 1} and ${i + 1})`,
      );
      return;
    }
    seen.set(v.address, i);
    vips.push(v);
  });
  const first = vips[0];
  if (first?.family === 6 && r.unicast_peer === undefined && !isLinkLocal6(first.address)) {
    report.warn(
      [...key, 0],
      'value',
      `the first IPv6 virtual_ipaddress (${first.address}) should be link-local (RFC 5798 §5.2.9; keepalived warns too)`,
    );
  }
  return vips;
}

function checkAdvertInt(
  value: number | undefined,
  version: 2 | 3,
  invalid: boolean,
  path: readonly PathSegment[],
  report: Reporter,
): number {
  if (invalid) return DEFAULTS.advertIntSeconds * 1000;
  const s = value ?? DEFAULTS.advertIntSeconds;
  if (version === 3) {
    const cs = Math.round(s * 100);
    if (Math.abs(s * 100 - cs) > 1e-6) {
      report.error(path, 'value', `advert_int ${s} must be a multiple of 0.01 s (VRRPv3 counts centiseconds)`);
    } else if (cs < 1 || cs > 4095) {
      report.error(path, 'value', `advert_int ${s} is out of range for VRRPv3: 0.01–40.95 s`);
    }
    return cs * 10;
  }
  if (!Number.isInteger(s) || s < 1 || s > 255) {
    report.error(
      path,
      'value',
      `advert_int ${s} must be whole seconds from 1 to 255 for VRRPv2 (version: 3 allows 0.01 s steps)`,
    );
  }
  return Math.round(s) * 1000;
}

/** `family` is undefined when no VIP parsed (the family checks are then skipped). */
function checkUnicast(
  r: RawInstance,
  family: Family | undefined,
  base: readonly PathSegment[],
  report: Reporter,
): string[] {
  const src = r.unicast_src_ip;
  const peers = r.unicast_peer;
  if (src !== undefined) {
    if (family && addressFamily(src) !== family) {
      report.error(
        [...base, 'unicast_src_ip'],
        'value',
        `unicast_src_ip ${src} is not IPv${family} like the instance's addresses`,
      );
    }
    if (peers === undefined) {
      report.error(
        [...base, 'unicast_src_ip'],
        'key',
        'unicast_src_ip needs unicast_peer (in multicast mode adverts come from the interface address; mcast_src_ip is not supported yet)',
      );
    }
  }
  if (peers === undefined) return [];
  if (peers.length === 0) {
    report.error(
      [...base, 'unicast_peer'],
      'value',
      'unicast_peer is empty: list the peers, or remove unicast_peer for multicast (vipd never falls back silently)',
    );
    return [];
  }
  const seen = new Set<string>();
  peers.forEach((peer, i) => {
    const at = [...base, 'unicast_peer', i];
    if (family && addressFamily(peer) !== family)
      report.error(at, 'value', `unicast_peer ${peer} is not IPv${family} like the instance's addresses`);
    else if (peer === src) report.error(at, 'value', `unicast_peer ${peer} is this router's own unicast_src_ip`);
    else if (seen.has(peer)) report.error(at, 'value', `unicast_peer ${peer} is listed twice`);
    seen.add(peer);
  });
  return peers;
}

function buildAuth(
  node: unknown,
  present: boolean,
  version: 2 | 3 | undefined,
  family: Family,
  name: string,
  base: readonly PathSegment[],
  report: Reporter,
): InstanceConfig['auth'] {
  if (!present) return undefined;
  const path = [...base, 'authentication'];
  if (!isMap(node)) {
    report.error(path, 'value', 'authentication must be a map: { auth_type: PASS, auth_pass: SECRET }');
    return undefined;
  }
  const { data, invalid } = parseSection(
    node,
    path,
    {
      schema: authenticationSchema,
      where: `authentication of vrrp_instance ${name}`,
      unsupported: new Set(),
    },
    report,
  );
  if (version === 3) {
    const why = family === 6 ? ' (IPv6 instances are always version 3)' : '';
    report.error(path, 'key', `authentication is for VRRPv2 only; this instance is version 3${why}`);
    return undefined;
  }
  for (const k of ['auth_type', 'auth_pass'] as const) {
    if (!Object.hasOwn(node, k)) report.error(path, 'key', `authentication needs ${k}`);
  }
  if (invalid.size > 0 || data.auth_type === undefined || data.auth_pass === undefined) return undefined;
  let password = data.auth_pass;
  if (new TextEncoder().encode(password).length > 8) {
    password = truncateUtf8(password, 8);
    report.warn(
      [...path, 'auth_pass'],
      'value',
      `auth_pass is longer than 8 bytes; only the first 8 ("${password}") are used, as keepalived does`,
    );
  }
  return { type: 'PASS', password };
}

function truncateUtf8(s: string, bytes: number): string {
  let out = '';
  for (const ch of s) {
    if (new TextEncoder().encode(out + ch).length > bytes) break;
    out += ch;
  }
  return out;
}

/** keepalived requires a VRID to be unique per interface and family (multicast group). */
function checkUnique(instances: InstanceConfig[], report: Reporter): void {
  const seen = new Map<string, InstanceConfig>();
  for (const c of instances) {
    const key = `${c.interface}/${c.vrid}/${c.family}`;
    const prev = seen.get(key);
    if (prev) {
      report.error(
        ['vrrp_instance', c.name, 'virtual_router_id'],
        'value',
        `virtual_router_id ${c.vrid} on ${c.interface} (IPv${c.family}) is already used by vrrp_instance ${prev.name} ` +
          `(line ${prev.source.line})`,
      );
    } else seen.set(key, c);
  }
}
