/**
 * Validation of the configuration tree and its mapping onto the model (model.ts), with keepalived's defaults
 * applied.
 *
 * Why zod: the schema is written in TypeScript, so the raw shape of each section is *inferred* from it
 * (z.output) rather than restated by hand beside a JSON Schema; its issues carry a precise path (section →
 * keyword → list index) that the front end turns into file:line:col; and it reports every failing field of an
 * object at once, which is what "all errors in one run" needs. Each keyword's schema checks the value on its own
 * (type, range, syntax); the rules that relate keywords (versions, families, preemption, unicast, uniqueness,
 * references between blocks) are plain code below, run on whatever parsed, so one bad value never hides another
 * error.
 *
 * ## The tree contract (what every front end hands to validateConfig)
 *
 * The tree is plain data (JSON-like), front-end agnostic: the YAML loader (yaml.ts) produces it with
 * `doc.toJS()`, and the keepalived.conf reader produces the same shape. Positions come from the `locate`
 * callback, which may name another file (an `include`d one) per issue. Keyword names are keepalived's.
 *
 *   {
 *     global_defs:      { KEYWORD: VALUE, ... },
 *     vrrp_instance:    { NAME: { KEYWORD: VALUE, ..., authentication: { auth_type: ..., auth_pass: ... } } },
 *     vrrp_sync_group:  { NAME: { group: [LINE, ...], notify_master: CMD, ... } },
 *     vrrp_script:      { NAME: { script: CMD, interval: N, weight: N | "N reverse", ... } },
 *     track_file:       { NAME: { file: PATH, weight: N | "N reverse", init_file: true | N | "N overwrite" } },
 *     vrrp_track_file:  { NAME: { ... as track_file ... } },
 *     vrrp_check:       { NAME: { HTTP_GET: { connect_port: N, url: [{ path: P, ... }] }, delay_loop: N, ... } },
 *   }
 *
 * Tracker list entries (track_interface/script/file/check) may also be one-key maps `{ NAME: { weight, reverse } }`.
 *
 * - *Named blocks* (`vrrp_instance NAME { }`, `vrrp_sync_group`, `vrrp_script`, `track_file`,
 *   `vrrp_track_file`) are maps from the block kind to a map from NAME to the block's own map. Keys keep the
 *   file's order (it is the instances' order).
 * - *Sub-blocks of keywords* (`global_defs { }`, `authentication { }`) are maps.
 * - *Scalar keywords* (`priority 100`) map to the value: a number when the value is one numeric word (`100`,
 *   `-2`, `0.5`), else the text of the rest of the line as written after unquoting, e.g. `"/bin/x 'a b'"` for a
 *   notify or script command (the schema splits commands itself), `"-2 reverse"` for a weight with an option.
 *   Text that looks like a number but must stay text (auth_pass 1111) is accepted as text from the reader;
 *   YAML writers quote it.
 * - *Flags* (`nopreempt`, `accept`, `dont_track_primary`, `init_fail`, `vmac_xmit_base`, `vrrp_strict`)
 *   map to `true` when written bare (YAML's bare `nopreempt:` is null, which also means true); a value
 *   `on|off|true|false|yes|no` is accepted as a boolean or as that text. Keywords with an optional argument
 *   (`use_vmac [NAME]`, `init_file [N] [overwrite]`) are `true` when bare, else the argument text / number.
 * - *List blocks* (`virtual_ipaddress { }`, `virtual_ipaddress_excluded`, `virtual_routes`, `virtual_rules`,
 *   `unicast_peer`, `track_interface`, `track_script`, `track_file`, sync group `group`) are arrays with one
 *   string per keepalived line, as written (`"10.0.0.1/24 dev eth0 label eth0:1"`, `"eth1 weight -2"`,
 *   `"chk_haproxy weight 2 reverse"`). A single string stands for a one-line list. `group` lines may hold
 *   several names (`"VI_1 VI_2"`).
 * - Anything else keeps keepalived's keyword and the plain value; unknown keywords are reported, never dropped.
 */
import { z } from 'zod';
import { CHECKER_DEFAULTS, type HttpUrl, type ResolvedCheckSpec } from '../checks/spec.js';
import { addressFamily, canonicalAddress, isLinkLocal6 } from '../codec/ip-address.js';
import type { AddressSpec, Family } from '../ports.js';
import type { GarpParams } from '../vrrp/types.js';
import { CommandSyntaxError, splitCommand } from './command.js';
import {
  INSTANCE_TO_GLOBAL,
  NOT_USED_BY_VIPD,
  notUsedMessage,
  suggest,
  TRACKER_INSTANCE,
  TRACKER_TOP_LEVEL,
  TRACKERS_SUPPORTED,
  UNSUPPORTED_CHECKER,
  UNSUPPORTED_GLOBAL,
  UNSUPPORTED_INSTANCE,
  UNSUPPORTED_SYNC_GROUP,
  UNSUPPORTED_TOP_LEVEL,
  UNSUPPORTED_URL,
  withTrackers,
} from './keywords.js';
import type {
  CheckConfig,
  ConfigIssue,
  GlobalDefs,
  InstanceConfig,
  NotifyScripts,
  SyncGroupConfig,
  TrackCheckRef,
  TrackFileConfig,
  TrackFileRef,
  TrackInterface,
  TrackScriptRef,
  VipdConfig,
  VrrpScriptConfig,
} from './model.js';
import {
  normaliseLine,
  parseInitFile,
  parseTrackEntry,
  parseUserSpec,
  parseWeightSpec,
  type TrackerKind,
  type TrackLine,
  WEIGHT_MAX,
} from './tracking.js';
import { isValidIfName, parseVip } from './vip.js';

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
  accept: true,
  scriptIntervalSeconds: 1,
  scriptWeight: 0,
  scriptRise: 1,
  scriptFall: 1,
  trackFileWeight: 1,
  // vrrp_check (vipd): keepalived's checker defaults (CHECKER_DEFAULTS, the one table the engine uses too), except
  // delay_loop (CHECKER_DEFAULTS.vrrpCheckDelayLoopMs) and warmup (random up to delay_loop there): a VRRP tracker
  // wants a verdict in seconds. connect_ip: a vrrp_check has no real server to inherit one from.
  checkWeight: 0,
  checkRise: 1,
  checkFall: 1,
  checkWarmupSeconds: 0,
  checkConnectIp: '127.0.0.1',
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
/** GARP / NA pacing: seconds with µs resolution (keepalived warns from 1 s). */
const pacing = seconds(0, 4294);

/** One keepalived line per entry: a list of text lines, or a single line. */
const lines = (what: string) => listOf(z.string({ error: `must be text like ${what}` }), `lines like ${what}`);

/** `weight N [reverse]` of a tracker block. */
const weightSpec = (max: number) =>
  z.unknown().transform((v, ctx) => {
    const w = parseWeightSpec(v, max);
    if (w) return w;
    ctx.addIssue({
      code: 'custom',
      message: `must be a whole number from -${max} to ${max}, optionally followed by reverse`,
    });
    return z.NEVER;
  });

/** `use_vmac [NAME]`: a flag, or the VMAC interface name. */
const vmacSpec = z
  .union([z.boolean(), z.null(), z.string()], { error: 'must be true or an interface name' })
  .transform((v, ctx): { name?: string } | false => {
    if (v === null || v === true) return {};
    if (v === false) return false;
    const word = v.toLowerCase();
    if (TRUE_WORDS.has(word)) return {};
    if (FALSE_WORDS.has(word)) return false;
    if (/\s/.test(v.trim())) {
      ctx.addIssue({
        code: 'custom',
        message:
          '{kw} takes at most an interface name (a MAC address, netlink_notify_msg or group is not supported yet)',
      });
      return z.NEVER;
    }
    if (!isValidIfName(v.trim())) {
      ctx.addIssue({
        code: 'custom',
        message: 'must be true or an interface name (1–15 characters, no spaces, "/" or ":")',
      });
      return z.NEVER;
    }
    return { name: v.trim() };
  });

const scriptSeconds = seconds(0.001, 4294);

/** Tracker entries: keepalived lines, or `{ NAME: { weight, reverse } }` maps (checked by parseTrackEntry). */
const trackEntries = listOf(z.unknown(), 'lines like "eth1 weight -2" or maps like { eth1: { weight: -2 } }');

const userSpec = z
  .string({ error: 'must be USER, USER GROUP or USER:GROUP' })
  .refine((s) => parseUserSpec(s) !== undefined, { error: 'must be USER, USER GROUP or USER:GROUP' });

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
    vrrp_garp_interval: pacing,
    vrrp_gna_interval: pacing,
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
    no_accept: flag,
    strict_mode: flag,
    dont_track_primary: flag,
    track_interface: trackEntries,
    track_script: trackEntries,
    track_file: trackEntries,
    track_check: trackEntries,
    virtual_ipaddress_excluded: listOf(z.string({ error: 'must be text like "10.0.0.1/24 dev eth0"' }), 'addresses'),
    virtual_routes: lines('"10.1.0.0/16 via 10.0.0.254"'),
    virtual_rules: lines('"from 10.0.0.0/24 table 100"'),
    use_vmac: vmacSpec,
    vmac_xmit_base: flag,
  })
  .partial();

export const vrrpScriptSchema = z
  .object({
    script: command,
    interval: scriptSeconds,
    timeout: scriptSeconds,
    weight: weightSpec(WEIGHT_MAX.track_script),
    rise: wholeNumber(1, 2147483647),
    fall: wholeNumber(1, 2147483647),
    user: userSpec,
    init_fail: flag,
  })
  .partial();

// vrrp_check (vipd): keepalived's checker blocks, as VRRP trackers.

/** The checker blocks a vrrp_check may hold (exactly one). */
export const CHECKER_TYPES = ['TCP_CHECK', 'HTTP_GET', 'SSL_GET', 'MISC_CHECK'] as const;
type CheckerType = (typeof CHECKER_TYPES)[number];

const STATUS_ERROR = 'must be HTTP status codes (100–599) like 200, "200-299 301" or [200, 301]';

/** `status_code 200-299 301` → inclusive ranges. */
const statusCodes = z.unknown().transform((v, ctx): [number, number][] => {
  const words = (Array.isArray(v) ? v : [v]).flatMap((w) =>
    typeof w === 'number' ? [String(w)] : typeof w === 'string' ? w.trim().split(/[\s,]+/) : [''],
  );
  const out: [number, number][] = [];
  for (const w of words) {
    const m = /^(\d{3})(?:-(\d{3}))?$/.exec(w);
    const lo = Number(m?.[1]);
    const hi = m?.[2] !== undefined ? Number(m[2]) : lo;
    if (!m || lo < 100 || hi > 599 || hi < lo) {
      ctx.addIssue({ code: 'custom', message: STATUS_ERROR });
      return z.NEVER;
    }
    out.push([lo, hi]);
  }
  if (out.length === 0) {
    ctx.addIssue({ code: 'custom', message: STATUS_ERROR });
    return z.NEVER;
  }
  return out;
});

export const urlSchema = z
  .object({
    path: z
      .string({ error: 'must be a URL path starting with /' })
      .regex(/^\/\S*$/, { error: 'must be a URL path starting with / (no spaces)' }),
    status_code: statusCodes,
    digest: z
      .string({ error: 'must be an MD5 digest (32 hex digits)' })
      .regex(/^[0-9a-fA-F]{32}$/, { error: 'must be an MD5 digest (32 hex digits)' })
      .transform((d) => d.toLowerCase()),
    regex: z.string({ error: 'must be a regular expression (text)' }).refine(
      (r) => {
        try {
          new RegExp(r);
          return true;
        } catch {
          return false;
        }
      },
      { error: 'must be a valid regular expression (JavaScript syntax)' },
    ),
    virtualhost: text,
  })
  .partial();

/** Timing keywords: in the vrrp_check block, or (as keepalived writes them) in the checker; the checker's win. */
const checkTimingFields = {
  delay_loop: scriptSeconds,
  retry: wholeNumber(0, 100),
  delay_before_retry: seconds(0, 4294),
  warmup: seconds(0, 4294),
};
const connectFields = {
  connect_ip: address,
  connect_port: wholeNumber(1, 65535),
  bindto: address,
  connect_timeout: scriptSeconds,
};
const httpFields = { ...checkTimingFields, ...connectFields, url: z.unknown(), virtualhost: text };

export const checkerSchemas = {
  TCP_CHECK: z.object({ ...checkTimingFields, ...connectFields }).partial(),
  HTTP_GET: z.object(httpFields).partial(),
  SSL_GET: z.object({ ...httpFields, enable_sni: flag, sni_name: text, verify_cert: flag }).partial(),
  MISC_CHECK: z
    .object({
      ...checkTimingFields,
      misc_path: command,
      misc_timeout: scriptSeconds,
      misc_dynamic: flag,
      user: userSpec,
    })
    .partial(),
} as const;

export const vrrpCheckSchema = z
  .object({
    TCP_CHECK: z.unknown(),
    HTTP_GET: z.unknown(),
    SSL_GET: z.unknown(),
    MISC_CHECK: z.unknown(),
    ...checkTimingFields,
    connect_timeout: scriptSeconds,
    weight: weightSpec(WEIGHT_MAX.track_check),
    rise: wholeNumber(1, 2147483647),
    fall: wholeNumber(1, 2147483647),
    init_fail: flag,
  })
  .partial();

export const trackFileSchema = z
  .object({
    file: z.string({ error: 'must be a file path' }).min(1, { error: 'must not be empty' }),
    weight: weightSpec(WEIGHT_MAX.track_file),
    init_file: z.unknown().transform((v, ctx) => {
      const r = parseInitFile(v);
      if (r !== undefined) return r;
      ctx.addIssue({ code: 'custom', message: 'must be true, a whole number, or "N overwrite"' });
      return z.NEVER;
    }),
  })
  .partial();

export const syncGroupSchema = z
  .object({
    group: lines('"VI_1" (vrrp_instance names)'),
    notify_master: command,
    notify_backup: command,
    notify_fault: command,
    notify_stop: command,
    notify: command,
  })
  .partial();

type RawInstance = z.output<typeof instanceSchema>;
type RawGlobal = z.output<typeof globalDefsSchema>;

// ---------------------------------------------------------------------------------------------------------------

type Issues = { errors: ConfigIssue[]; warnings: ConfigIssue[] };

class Reporter {
  readonly errors: ConfigIssue[] = [];
  readonly warnings: ConfigIssue[] = [];
  /** How many of the errors are "not supported yet" refusals of something the model holds. */
  private gated = 0;
  private readonly seen = new Set<string>();

  constructor(
    private readonly file: string,
    private readonly locate: Locator,
  ) {}

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

  at(path: readonly PathSegment[], target: 'key' | 'value') {
    const { file, line, col } = this.locate(path, target);
    return { file: file ?? this.file, line, col };
  }

  private push(list: ConfigIssue[], path: readonly PathSegment[], target: 'key' | 'value', message: string) {
    const issue = { ...this.at(path, target), message };
    const id = `${issue.file}:${issue.line}:${issue.col}:${message}`;
    if (this.seen.has(id)) return false;
    this.seen.add(id);
    list.push(issue);
    return true;
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
  /** keepalived's non-VRRP keywords here (NOT_USED_BY_VIPD): skipped with a warning. */
  notUsed?: ReadonlyMap<string, string>;
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
    const notUsed = spec.notUsed?.get(key);
    if (notUsed) {
      report.warn([...path, key], 'key', notUsedMessage(key, notUsed));
      continue;
    }
    if (spec.unsupported.has(key)) {
      // Not modelled: refused without reading the value, and no model can hold it.
      report.error([...path, key], 'key', `${key} is not supported yet`);
      continue;
    }
    const hint = spec.hints?.[key];
    const close = hint ? undefined : suggest(key, known);
    const tail = hint ? ` (${hint})` : close ? ` (did you mean ${close}?)` : '';
    report.error([...path, key], 'key', `unknown keyword ${key} in ${spec.where}${tail}`);
  }
  const first = spec.schema.safeParse(accepted);
  let data = {} as z.output<S>;
  if (first.success) data = first.data;
  else {
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
    if (second.success) data = second.data;
  }
  // Modelled but not built yet: parsed above (errors inside are reported), then refused. A flag set to false
  // says what vipd already does and passes.
  for (const key of Object.keys(accepted)) {
    if (spec.unsupported.has(key) && (data as Record<string, unknown>)[key] !== false) {
      report.unsupported([...path, key], 'key', `${key} is not supported yet`);
    }
  }
  return { data, invalid };
}

// ---------------------------------------------------------------------------------------------------------------

/** Top-level blocks the model holds (each refused as "not supported yet" until its feature lands). */
const MODELLED_TOP_LEVEL = ['vrrp_sync_group', 'vrrp_script', 'track_file', 'vrrp_track_file', 'vrrp_check'] as const;

/** What an instance needs from the other blocks: the names written (for references) and the parsed blocks. */
interface Context {
  globalDefs: GlobalDefs;
  scriptNames: ReadonlySet<string>;
  scripts: ReadonlyMap<string, VrrpScriptConfig>;
  trackFileNames: ReadonlySet<string>;
  trackFiles: ReadonlyMap<string, TrackFileConfig>;
  /** track_file entries naming a file path directly (vipd), by path: filled in as instances are built. */
  implicitFiles: Map<string, TrackFileConfig>;
  checkNames: ReadonlySet<string>;
  checks: ReadonlyMap<string, CheckConfig>;
  /** The instance keywords refused as not supported yet (the tracker lists depend on the switch). */
  unsupportedInstance: ReadonlySet<string>;
}

export interface ValidateOptions {
  /** Trackers are supported (not refused): defaults to keywords.ts's TRACKERS_SUPPORTED. */
  trackers?: boolean | undefined;
}

/** Validates the whole configuration tree (plain data, see the contract at the top of this file). */
export function validateConfig(
  root: unknown,
  file: string,
  locate: Locator,
  options: ValidateOptions = {},
): ValidationResult {
  const trackers = options.trackers ?? TRACKERS_SUPPORTED;
  const unsupportedTop = withTrackers(UNSUPPORTED_TOP_LEVEL, TRACKER_TOP_LEVEL, trackers);
  const report = new Reporter(file, locate);
  const result = (config?: VipdConfig): ValidationResult => {
    const byPos = (a: ConfigIssue, b: ConfigIssue) =>
      (a.file === b.file ? 0 : a.file === file ? -1 : b.file === file ? 1 : a.file < b.file ? -1 : 1) ||
      a.line - b.line ||
      a.col - b.col;
    const issues: Issues = { errors: report.errors.sort(byPos), warnings: report.warnings.sort(byPos) };
    return {
      config: issues.errors.length === 0 ? config : undefined,
      model: report.realErrors === 0 ? config : undefined,
      ...issues,
    };
  };

  if (root === null || root === undefined) {
    report.error([], 'value', 'the configuration is empty: it needs at least one vrrp_instance');
    return result();
  }
  if (!isMap(root)) {
    report.error([], 'value', 'the configuration must be a map with global_defs and vrrp_instance');
    return result();
  }

  const modelled = new Set<string>(MODELLED_TOP_LEVEL);
  for (const key of Object.keys(root)) {
    if (key === 'global_defs' || key === 'vrrp_instance') continue;
    const notUsed = NOT_USED_BY_VIPD.top.get(key);
    if (notUsed) report.warn([key], 'key', notUsedMessage(key, notUsed));
    else if (unsupportedTop.has(key)) {
      if (modelled.has(key)) report.unsupported([key], 'key', `${key} is not supported yet`);
      else report.error([key], 'key', `${key} is not supported yet`);
    } else if (!modelled.has(key)) {
      const close = suggest(key, ['global_defs', 'vrrp_instance', ...MODELLED_TOP_LEVEL]);
      const tail = close ? ` (did you mean ${close}?)` : '';
      report.error([key], 'key', `unknown top-level keyword ${key}${tail}`);
    }
  }

  const globalDefs = buildGlobalDefs(root.global_defs, report);
  const scriptBlocks = namedBlocks(root, 'vrrp_script', report);
  const scripts = new Map<string, VrrpScriptConfig>();
  for (const [name, body] of scriptBlocks) {
    const sc = buildScript(name, body, report);
    if (sc) scripts.set(name, sc);
  }
  const trackFileNames = new Map<string, string>(); // name → the block kind it was defined in
  const trackFiles = new Map<string, TrackFileConfig>();
  for (const kind of ['track_file', 'vrrp_track_file'] as const) {
    for (const [name, body] of namedBlocks(root, kind, report)) {
      const prev = trackFileNames.get(name);
      if (prev !== undefined) {
        report.error(
          [kind, name],
          'key',
          `${kind} ${name} is already defined as ${prev} ${name} (line ${report.at([prev, name], 'key').line})`,
        );
        continue;
      }
      trackFileNames.set(name, kind);
      const tf = buildTrackFile(kind, name, body, report);
      if (tf) trackFiles.set(name, tf);
    }
  }
  const checkBlocks = namedBlocks(root, 'vrrp_check', report);
  const checks = new Map<string, CheckConfig>();
  for (const [name, body] of checkBlocks) {
    const c = buildCheck(name, body, report);
    if (c) checks.set(name, c);
  }
  const ctx: Context = {
    globalDefs,
    scriptNames: new Set(scriptBlocks.keys()),
    scripts,
    trackFileNames: new Set(trackFileNames.keys()),
    trackFiles,
    implicitFiles: new Map(),
    checkNames: new Set(checkBlocks.keys()),
    checks,
    unsupportedInstance: withTrackers(UNSUPPORTED_INSTANCE, TRACKER_INSTANCE, trackers),
  };

  const instancesNode = root.vrrp_instance;
  const instances: InstanceConfig[] = [];
  let instanceNames: string[] = [];
  if (instancesNode === undefined) {
    // keepalived runs checker-only files; vipd has nothing to do with one, which is worth saying, not refusing.
    report.warn([], 'value', 'no vrrp_instance is configured: vipd has nothing to do');
  } else if (!isMap(instancesNode) || Object.keys(instancesNode).length === 0) {
    report.error(['vrrp_instance'], 'value', 'vrrp_instance must be a map of instance names to their settings');
  } else {
    instanceNames = Object.keys(instancesNode);
    for (const [name, body] of Object.entries(instancesNode)) {
      const inst = buildInstance(name, body, ctx, report);
      if (inst) instances.push(inst);
    }
    checkUnique(instances, report);
  }

  const syncGroups: SyncGroupConfig[] = [];
  const memberOf = new Map<string, { group: string; line: number }>();
  for (const [name, body] of namedBlocks(root, 'vrrp_sync_group', report)) {
    const sg = buildSyncGroup(name, body, new Set(instanceNames), memberOf, report);
    if (sg) syncGroups.push(sg);
  }
  return result({
    globalDefs,
    instances,
    syncGroups,
    scripts: [...scripts.values()],
    trackFiles: [...trackFiles.values(), ...ctx.implicitFiles.values()],
    checks: [...checks.values()],
  });
}

/**
 * The NAME → body entries of a named-block kind (`vrrp_script: { chk: {...} }`), after checking the shape and
 * the names. Bodies that are not maps are reported here and left out.
 */
function namedBlocks(
  root: Record<string, unknown>,
  kind: string,
  report: Reporter,
): Map<string, Record<string, unknown>> {
  const out = new Map<string, Record<string, unknown>>();
  const node = root[kind];
  if (node === undefined) return out;
  if (!isMap(node)) {
    report.error([kind], 'value', `${kind} must be a map of names to their settings`);
    return out;
  }
  for (const [name, body] of Object.entries(node)) {
    if (!/^\S+$/.test(name)) {
      report.error([kind, name], 'key', `${kind} name ${JSON.stringify(name)} must be one word (no spaces)`);
    } else if (!isMap(body)) {
      report.error([kind, name], 'key', `${kind} ${name} must be a map of keywords`);
    } else out.set(name, body);
  }
  return out;
}

function buildScript(name: string, body: Record<string, unknown>, report: Reporter): VrrpScriptConfig | undefined {
  const base = ['vrrp_script', name];
  const where = `vrrp_script ${name}`;
  const before = report.realErrors;
  const { data: r, invalid } = parseSection(
    body,
    base,
    { schema: vrrpScriptSchema, where, unsupported: new Set() },
    report,
  );
  if (!Object.hasOwn(body, 'script')) report.error(base, 'key', `${where} has no script`);
  if (invalid.size > 0 || report.realErrors > before || r.script === undefined) return undefined;
  const intervalMs = toMs(r.interval ?? DEFAULTS.scriptIntervalSeconds);
  const user = r.user !== undefined ? parseUserSpec(r.user) : undefined;
  return {
    name,
    command: r.script,
    intervalMs,
    timeoutMs: r.timeout !== undefined ? toMs(r.timeout) : intervalMs,
    weight: r.weight?.weight ?? DEFAULTS.scriptWeight,
    reverse: r.weight?.reverse ?? false,
    rise: r.rise ?? DEFAULTS.scriptRise,
    fall: r.fall ?? DEFAULTS.scriptFall,
    user,
    initFail: r.init_fail ?? false,
    source: report.at(base, 'key'),
  };
}

function buildTrackFile(
  kind: 'track_file' | 'vrrp_track_file',
  name: string,
  body: Record<string, unknown>,
  report: Reporter,
): TrackFileConfig | undefined {
  const base = [kind, name];
  const where = `${kind} ${name}`;
  const before = report.realErrors;
  const { data: r, invalid } = parseSection(
    body,
    base,
    { schema: trackFileSchema, where, unsupported: new Set() },
    report,
  );
  if (!Object.hasOwn(body, 'file')) report.error(base, 'key', `${where} has no file`);
  if (invalid.size > 0 || report.realErrors > before || r.file === undefined) return undefined;
  return {
    name,
    path: r.file,
    weight: r.weight?.weight ?? DEFAULTS.trackFileWeight,
    reverse: r.weight?.reverse ?? false,
    initFile: r.init_file === false ? undefined : r.init_file,
    source: report.at(base, 'key'),
  };
}

/** `vrrp_check NAME { <one checker> ... }` (vipd). */
function buildCheck(name: string, body: Record<string, unknown>, report: Reporter): CheckConfig | undefined {
  const base = ['vrrp_check', name];
  const where = `vrrp_check ${name}`;
  const before = report.realErrors;
  const { data: r, invalid } = parseSection(
    body,
    base,
    { schema: vrrpCheckSchema, where, unsupported: new Set() },
    report,
  );
  const types = CHECKER_TYPES.filter((t) => Object.hasOwn(body, t));
  const type = types[0];
  if (type === undefined) {
    report.error(base, 'key', `${where} has no checker: give one of ${CHECKER_TYPES.join(', ')}`);
    return undefined;
  }
  if (types.length > 1) {
    report.error(
      [...base, types[1] as string],
      'key',
      `${where} has more than one checker (${types.join(', ')}); use one vrrp_check each`,
    );
    return undefined;
  }
  const at = [...base, type];
  const node = body[type];
  if (node !== null && !isMap(node)) {
    report.error(at, 'value', `${type} in ${where} must be a map of its options`);
    return undefined;
  }
  const { data: c, invalid: badChecker } = parseSection(
    node ?? {},
    at,
    { schema: checkerSchemas[type], where: `${type} of ${where}`, unsupported: UNSUPPORTED_CHECKER },
    report,
  );
  const k = c as Partial<Record<string, unknown>> & z.output<(typeof checkerSchemas)['TCP_CHECK']>;
  const delayLoopMs = k.delay_loop ?? r.delay_loop;
  const timing = {
    delayLoopMs: delayLoopMs !== undefined ? toMs(delayLoopMs) : CHECKER_DEFAULTS.vrrpCheckDelayLoopMs,
    retry: k.retry ?? r.retry ?? CHECKER_DEFAULTS.retry[type],
    delayBeforeRetryMs: secondsOr(
      k.delay_before_retry ?? r.delay_before_retry,
      CHECKER_DEFAULTS.delayBeforeRetryMs[type],
    ),
    warmupMs: toMs(k.warmup ?? r.warmup ?? DEFAULTS.checkWarmupSeconds),
  };
  const spec = buildCheckSpec(type, c, node ?? {}, r.connect_timeout, timing, at, where, report);
  if (invalid.size > 0 || badChecker.size > 0 || report.realErrors > before || !spec) return undefined;
  return {
    name,
    spec,
    weight: r.weight?.weight ?? DEFAULTS.checkWeight,
    reverse: r.weight?.reverse ?? false,
    rise: r.rise ?? DEFAULTS.checkRise,
    fall: r.fall ?? DEFAULTS.checkFall,
    initFail: r.init_fail ?? false,
    source: report.at(base, 'key'),
  };
}

/** A keepalived time in seconds as milliseconds, or the default (already in milliseconds). */
function secondsOr(value: number | undefined, defaultMs: number): number {
  return value !== undefined ? toMs(value) : defaultMs;
}

function buildCheckSpec(
  type: CheckerType,
  data: Record<string, unknown>,
  node: Record<string, unknown>,
  blockConnectTimeout: number | undefined,
  timing: { delayLoopMs: number; retry: number; delayBeforeRetryMs: number; warmupMs: number },
  at: readonly PathSegment[],
  where: string,
  report: Reporter,
): ResolvedCheckSpec | undefined {
  if (type === 'MISC_CHECK') {
    const d = data as z.output<(typeof checkerSchemas)['MISC_CHECK']>;
    if (!Object.hasOwn(node, 'misc_path')) report.error(at, 'key', `MISC_CHECK of ${where} has no misc_path`);
    if (d.misc_path === undefined) return undefined;
    if (blockConnectTimeout !== undefined) {
      report.error(
        [...at.slice(0, -1), 'connect_timeout'],
        'key',
        `connect_timeout does not apply to MISC_CHECK (use misc_timeout)`,
      );
    }
    return {
      type,
      ...timing,
      miscPath: d.misc_path,
      miscTimeoutMs: secondsOr(d.misc_timeout, timing.delayLoopMs),
      miscDynamic: d.misc_dynamic ?? false,
      user: d.user !== undefined ? parseUserSpec(d.user) : undefined,
    };
  }
  const d = data as z.output<(typeof checkerSchemas)['SSL_GET']>;
  const connection = {
    connectIp: d.connect_ip ?? DEFAULTS.checkConnectIp,
    connectPort: d.connect_port ?? (type === 'TCP_CHECK' ? 0 : CHECKER_DEFAULTS.port[type]),
    bindto: d.bindto,
    connectTimeoutMs: secondsOr(d.connect_timeout ?? blockConnectTimeout, CHECKER_DEFAULTS.connectTimeoutMs),
  };
  if (type === 'TCP_CHECK') {
    if (!Object.hasOwn(node, 'connect_port')) report.error(at, 'key', `TCP_CHECK of ${where} has no connect_port`);
    if (d.connect_port === undefined) return undefined;
    return { type, ...timing, ...connection };
  }
  const urls = buildUrls(node.url, Object.hasOwn(node, 'url'), [...at, 'url'], `${type} of ${where}`, report);
  if (!urls) return undefined;
  if (d.bindto !== undefined && addressFamily(d.bindto) !== addressFamily(connection.connectIp)) {
    report.error(
      [...at, 'bindto'],
      'value',
      `bindto ${d.bindto} is not the family of connect_ip ${connection.connectIp}`,
    );
  }
  return {
    type,
    ...timing,
    ...connection,
    urls,
    virtualhost: d.virtualhost,
    enableSni: d.enable_sni ?? false,
    sniName: d.sni_name,
    verifyCert: d.verify_cert ?? false,
    maxBodyBytes: CHECKER_DEFAULTS.maxBodyBytes,
  };
}

/** `url { ... }` blocks: a list of maps, or one map. */
function buildUrls(
  node: unknown,
  present: boolean,
  at: readonly PathSegment[],
  where: string,
  report: Reporter,
): HttpUrl[] | undefined {
  if (!present) {
    report.error(at.slice(0, -1), 'key', `${where} has no url (url: [{ path: /health, status_code: 200 }])`);
    return undefined;
  }
  const entries = Array.isArray(node) ? node : [node];
  if (entries.length === 0) {
    report.error(at, 'value', `url of ${where} is empty`);
    return undefined;
  }
  const out: HttpUrl[] = [];
  let ok = true;
  entries.forEach((entry, i) => {
    const here = Array.isArray(node) ? [...at, i] : [...at];
    if (!isMap(entry)) {
      report.error(here, 'value', `url of ${where} must be a map like { path: /health, status_code: 200 }`);
      ok = false;
      return;
    }
    const { data: u, invalid } = parseSection(
      entry,
      here,
      { schema: urlSchema, where: `url of ${where}`, unsupported: UNSUPPORTED_URL },
      report,
    );
    if (!Object.hasOwn(entry, 'path')) report.error(here, 'key', `url of ${where} has no path`);
    if (invalid.size > 0 || u.path === undefined) {
      ok = false;
      return;
    }
    out.push({
      path: u.path,
      statusCode: u.status_code ?? CHECKER_DEFAULTS.statusCode,
      digest: u.digest,
      regex: u.regex,
      virtualhost: u.virtualhost,
    });
  });
  return ok ? out : undefined;
}

function buildSyncGroup(
  name: string,
  body: Record<string, unknown>,
  instanceNames: ReadonlySet<string>,
  memberOf: Map<string, { group: string; line: number }>,
  report: Reporter,
): SyncGroupConfig | undefined {
  const base = ['vrrp_sync_group', name];
  const where = `vrrp_sync_group ${name}`;
  const before = report.realErrors;
  const { data: r, invalid } = parseSection(
    body,
    base,
    { schema: syncGroupSchema, where, unsupported: UNSUPPORTED_SYNC_GROUP, notUsed: NOT_USED_BY_VIPD.vrrp_sync_group },
    report,
  );
  if (!Object.hasOwn(body, 'group')) report.error(base, 'key', `${where} has no group (its vrrp_instance names)`);
  const members: string[] = [];
  (r.group ?? []).forEach((line, i) => {
    const at = ['vrrp_sync_group', name, 'group', i];
    const words = line.trim().split(/\s+/).filter(Boolean);
    if (words.length === 0) report.error(at, 'value', `empty group entry in ${where}`);
    for (const inst of words) {
      if (!instanceNames.has(inst)) {
        const close = suggest(inst, instanceNames);
        const tail = close ? ` (did you mean ${close}?)` : '';
        report.error(at, 'value', `${where}: there is no vrrp_instance ${inst}${tail}`);
        continue;
      }
      const prev = memberOf.get(inst);
      if (prev?.group === name) report.error(at, 'value', `${where}: ${inst} is listed twice`);
      else if (prev) {
        report.error(
          at,
          'value',
          `${where}: vrrp_instance ${inst} is already in vrrp_sync_group ${prev.group} (line ${prev.line}); an instance can be in one group only`,
        );
      } else {
        memberOf.set(inst, { group: name, line: report.at(at, 'value').line });
        members.push(inst);
      }
    }
  });
  if (invalid.size > 0 || report.realErrors > before) return undefined;
  return {
    name,
    instances: members,
    notify: {
      master: r.notify_master,
      backup: r.notify_backup,
      fault: r.notify_fault,
      stop: r.notify_stop,
      generic: r.notify,
    },
    source: report.at(base, 'key'),
  };
}

/** Seconds → milliseconds, keeping keepalived's µs resolution. */
function toMs(seconds: number): number {
  return Math.round(seconds * 1e6) / 1e3;
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
        {
          schema: globalDefsSchema,
          where: 'global_defs',
          unsupported: UNSUPPORTED_GLOBAL,
          notUsed: NOT_USED_BY_VIPD.global_defs,
          hints,
        },
        report,
      ).data;
    }
  }
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
    garpIntervalMs: toMs(g.vrrp_garp_interval ?? 0),
    gnaIntervalMs: toMs(g.vrrp_gna_interval ?? 0),
    vrrpStrict: g.vrrp_strict ?? false,
  };
}

function buildInstance(name: string, body: unknown, ctx: Context, report: Reporter): InstanceConfig | undefined {
  const g = ctx.globalDefs;
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
    {
      schema: instanceSchema,
      where,
      unsupported: ctx.unsupportedInstance,
      notUsed: NOT_USED_BY_VIPD.vrrp_instance,
      hints,
    },
    report,
  );
  const errorsBefore = report.realErrors;
  const p = (key: string) => [...base, key];
  const has = (key: string) => Object.hasOwn(body, key);

  // Required keywords (unless present but already reported as invalid).
  if (!has('interface')) report.error(base, 'key', `${where} has no interface`);
  if (!has('virtual_router_id')) report.error(base, 'key', `${where} has no virtual_router_id (1–255)`);
  if (!has('virtual_ipaddress')) {
    report.error(base, 'key', `${where} has no virtual_ipaddress (no_virtual_ipaddress is not supported yet)`);
  }
  if (r.accept === false) {
    report.unsupported(
      p('accept'),
      'value',
      'accept: false (no_accept) is not supported yet; vipd always runs in accept mode',
    );
  }
  if (r.accept === true && r.no_accept === true)
    report.error(p('no_accept'), 'key', 'no_accept contradicts accept: true');

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

  const trackInterfaces = buildTrackers('track_interface', r.track_interface, base, report, (t, source) => ({
    interface: t.name,
    weight: t.weight ?? 0,
    reverse: t.reverse ?? false,
    source,
  })) satisfies (TrackInterface | undefined)[];
  const trackScripts = buildTrackers('track_script', r.track_script, base, report, (t, source, at) => {
    if (!ctx.scriptNames.has(t.name)) {
      const close = suggest(t.name, ctx.scriptNames);
      report.error(
        at,
        'value',
        `track_script ${t.name}: there is no vrrp_script ${t.name}${close ? ` (did you mean ${close}?)` : ''}`,
      );
      return undefined;
    }
    const sc = ctx.scripts.get(t.name);
    if (!sc) return undefined; // the vrrp_script itself is in error (reported there)
    return { script: t.name, ...resolveWeight(t, sc), source };
  }) satisfies (TrackScriptRef | undefined)[];
  const trackFiles = buildTrackers('track_file', r.track_file, base, report, (t, source, at) => {
    if (!ctx.trackFileNames.has(t.name) && t.name.startsWith('/')) {
      // vipd: a file path stands for a track_file block of that name with keepalived's defaults.
      let tf = ctx.implicitFiles.get(t.name);
      if (!tf) {
        tf = { name: t.name, path: t.name, weight: DEFAULTS.trackFileWeight, reverse: false, source };
        ctx.implicitFiles.set(t.name, tf);
      }
      return { file: t.name, ...resolveWeight(t, tf), source };
    }
    if (!ctx.trackFileNames.has(t.name)) {
      const close = suggest(t.name, ctx.trackFileNames);
      report.error(
        at,
        'value',
        `track_file ${t.name}: there is no track_file ${t.name}${close ? ` (did you mean ${close}?)` : ''}`,
      );
      return undefined;
    }
    const tf = ctx.trackFiles.get(t.name);
    if (!tf) return undefined;
    return { file: t.name, ...resolveWeight(t, tf), source };
  }) satisfies (TrackFileRef | undefined)[];
  const trackChecks = buildTrackers('track_check', r.track_check, base, report, (t, source, at) => {
    if (!ctx.checkNames.has(t.name)) {
      const close = suggest(t.name, ctx.checkNames);
      report.error(
        at,
        'value',
        `track_check ${t.name}: there is no vrrp_check ${t.name}${close ? ` (did you mean ${close}?)` : ''}`,
      );
      return undefined;
    }
    const c = ctx.checks.get(t.name);
    if (!c) return undefined;
    return { name: t.name, ...resolveWeight(t, c), source };
  }) satisfies (TrackCheckRef | undefined)[];
  const excludedVips = buildExcludedVips(r.virtual_ipaddress_excluded, vips, ifname, base, report);

  if (invalid.size > 0 || report.realErrors > errorsBefore) return undefined;
  if ([trackInterfaces, trackScripts, trackFiles, trackChecks].some((l) => l.includes(undefined))) return undefined;
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
    accept: r.no_accept === true ? false : (r.accept ?? DEFAULTS.accept),
    dontTrackPrimary: r.dont_track_primary ?? false,
    strictMode: r.strict_mode ?? g.vrrpStrict,
    trackInterfaces: trackInterfaces as TrackInterface[],
    trackScripts: trackScripts as TrackScriptRef[],
    trackFiles: trackFiles as TrackFileRef[],
    trackChecks: trackChecks as TrackCheckRef[],
    excludedVips,
    virtualRoutes: (r.virtual_routes ?? []).map(normaliseLine),
    virtualRules: (r.virtual_rules ?? []).map(normaliseLine),
    useVmac: r.use_vmac ? { ifname: r.use_vmac.name ?? `vrrp.${r.virtual_router_id}` } : undefined,
    vmacXmitBase: r.vmac_xmit_base ?? false,
    source: report.at(base, 'key'),
  };
}

/**
 * The weight and reverse of a tracker line: the line's, else the block's. A line that gives a weight but no
 * reverse is not reversed (keepalived reads `reverse` only as part of the line's weight clause).
 */
function resolveWeight(
  t: TrackLine,
  block: { weight: number; reverse: boolean },
): { weight: number; reverse: boolean } {
  if (t.weight !== undefined) return { weight: t.weight, reverse: t.reverse ?? false };
  return { weight: block.weight, reverse: t.reverse ?? block.reverse };
}

/**
 * Parses the lines of one tracker list. `make` resolves a line (and reports a bad reference, returning
 * undefined). A name listed twice is an error. Returns one element per line, undefined for a line in error.
 */
function buildTrackers<T>(
  kind: TrackerKind,
  lines: unknown[] | undefined,
  base: readonly PathSegment[],
  report: Reporter,
  make: (t: TrackLine, source: ReturnType<Reporter['at']>, at: PathSegment[]) => T | undefined,
): (T | undefined)[] {
  const seen = new Set<string>();
  return (lines ?? []).map((line, i) => {
    const at = [...base, kind, i];
    const res = parseTrackEntry(kind, line);
    if (!res.ok) {
      report.error(at, 'value', res.error);
      return undefined;
    }
    if (seen.has(res.value.name)) {
      report.error(at, 'value', `${kind} ${res.value.name} is listed twice`);
      return undefined;
    }
    seen.add(res.value.name);
    return make(res.value, report.at(at, 'value'), at);
  });
}

/** virtual_ipaddress_excluded: VIP line syntax, any family, never also a VIP. */
function buildExcludedVips(
  lines: string[] | undefined,
  vips: AddressSpec[],
  ifname: string,
  base: readonly PathSegment[],
  report: Reporter,
): AddressSpec[] {
  const out: AddressSpec[] = [];
  const key = [...base, 'virtual_ipaddress_excluded'];
  const seen = new Map<string, number>();
  const asVip = new Set(vips.map((v) => v.address));
  (lines ?? []).forEach((line, i) => {
    const res = parseVip(line, ifname);
    if (!res.ok) {
      report.error([...key, i], 'value', res.error.replace(/virtual_ipaddress\b/, 'virtual_ipaddress_excluded'));
      return;
    }
    for (const w of res.warnings)
      report.warn([...key, i], 'value', w.replace(/virtual_ipaddress\b/, 'virtual_ipaddress_excluded'));
    const v = res.spec;
    const dup = seen.get(v.address);
    if (dup !== undefined) {
      report.error(
        [...key, i],
        'value',
        `virtual_ipaddress_excluded ${v.address} is listed twice (entries ${dup + 1} and ${i + 1})`,
      );
      return;
    }
    if (asVip.has(v.address)) {
      report.error([...key, i], 'value', `virtual_ipaddress_excluded ${v.address} is also in virtual_ipaddress`);
      return;
    }
    seen.set(v.address, i);
    out.push(v);
  });
  return out;
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
      // keepalived keeps the first and ignores the repeat (its own sample keepalived.conf.vrrp has one).
      report.warn(
        [...key, i],
        'value',
        `virtual_ipaddress ${v.address} is listed twice (entries ${dup + 1} and ${i + 1}); the repeat is ignored`,
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
