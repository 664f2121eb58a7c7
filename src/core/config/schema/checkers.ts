/**
 * `vrrp_check` (vipd): keepalived's checkers (TCP_CHECK, HTTP_GET, SSL_GET, MISC_CHECK) into the one check spec
 * of core/checks.
 */
import * as z from 'zod';
import {
  CHECKER_DEFAULTS,
  type ClientTls,
  defaultConnectPort,
  type HttpUrl,
  type ResolvedCheckSpec,
} from '../../checks/spec.js';
import { addressFamily, isLinkLocal6 } from '../../codec/ip-address.js';
import { once } from '../../once.js';
import { UNSUPPORTED_CHECKER, UNSUPPORTED_URL } from '../keywords.js';
import type { CheckConfig } from '../model.js';
import { parseUserSpec, WEIGHT_MAX } from '../tracking.js';
import { DEFAULTS } from './defaults.js';
import {
  address,
  command,
  flag,
  ifName,
  scriptSeconds,
  seconds,
  text,
  toMs,
  userSpec,
  weightSpec,
  wholeNumber,
} from './fields.js';
import { isMap, type PathSegment, parseSection, type Reporter } from './report.js';

/** The checker blocks a vrrp_check may hold (exactly one). */
export const CHECKER_TYPES = ['TCP_CHECK', 'HTTP_GET', 'SSL_GET', 'MISC_CHECK'] as const;
/** Every checker that runs on the check engine (a real server may use them all). */
export const PROBE_TYPES = [...CHECKER_TYPES, 'DNS_CHECK', 'SMTP_CHECK', 'UDP_CHECK', 'PING_CHECK'] as const;
export type ProbeType = (typeof PROBE_TYPES)[number];

const STATUS_ERROR = 'must be HTTP status codes (100–599) like 200, "200-299 301" or [200, 301]';

/** keepalived's hex strings: free format, spaces allowed, odd groups padded ("Ab12f 3" → AB 12 0F 03). */
function hexBytes(v: string, wildcard: boolean): (number | null)[] | undefined {
  const nibbles: (number | null)[] = [];
  for (const group of v.trim().split(/\s+/)) {
    if (group === '') continue;
    const digits = group.length % 2 === 1 ? `0${group}` : group;
    for (const c of digits) {
      if (/[0-9a-fA-F]/.test(c)) nibbles.push(Number.parseInt(c, 16));
      else if (wildcard && /[xX]/.test(c)) nibbles.push(null);
      else return undefined;
    }
  }
  return nibbles;
}
/**
 * The checkers' schemas, built on first use: a configuration without checkers does not pay for them at start-up
 * (zod builds each schema's parser when it is made).
 */
export const checkerSchemas = once(() => {
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

  const url = z
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
      regex_no_match: flag,
      regex_options: z.string({ error: 'must be pcre2 option names' }),
      regex_min_offset: wholeNumber(0, 2 ** 31),
      regex_max_offset: wholeNumber(0, 2 ** 31),
      regex_stack: z.unknown(),
    })
    .partial();

  /** Timing keywords: in the vrrp_check block, or (as keepalived writes them) in the checker; the checker's win. */
  const checkTimingFields = {
    delay_loop: scriptSeconds,
    retry: wholeNumber(0, 100),
    // HTTP_GET's and SSL_GET's old name of retry (keepalived 2.2.7 ignores it in the other checkers).
    nb_get_retry: wholeNumber(0, 100),
    log_all_failures: flag,
    delay_before_retry: seconds(0, 4294),
    warmup: seconds(0, 4294),
  };
  const connectFields = {
    connect_ip: address,
    connect_port: wholeNumber(1, 65535),
    bindto: address,
    bind_port: wholeNumber(1, 65535),
    bind_if: ifName,
    fwmark: wholeNumber(0, 2 ** 32 - 1),
    connect_timeout: scriptSeconds,
  };

  const hexPayload = z
    .union([z.string(), z.number()], { error: 'must be hex digits like "0102 ab"' })
    .transform((v, ctx) => {
      const n = hexBytes(String(v), false);
      if (!n || n.length === 0) {
        ctx.addIssue({ code: 'custom', message: '{kw} must be hex digits like "0102 ab"' });
        return z.NEVER;
      }
      return Uint8Array.from(
        { length: n.length / 2 },
        (_, i) => ((n[2 * i] as number) << 4) | (n[2 * i + 1] as number),
      );
    });
  const replyPattern = z
    .union([z.null(), z.boolean(), z.string(), z.number()], { error: 'must be hex digits (X for any), or nothing' })
    .transform((v, ctx) => {
      if (v === null || v === true) return { require: true };
      if (v === false) return { require: false };
      const n = hexBytes(String(v), true);
      if (!n) {
        ctx.addIssue({ code: 'custom', message: '{kw} must be hex digits, X for any nibble' });
        return z.NEVER;
      }
      return { require: true, pattern: n };
    });
  const httpFields = {
    ...checkTimingFields,
    ...connectFields,
    url: z.unknown(),
    virtualhost: text,
    // 1.0 and 1.1 read as numbers (1 and 1.1) in both formats.
    http_protocol: z
      .union([z.string(), z.number()], { error: 'must be 1.0, 1.0C or 1.1' })
      .transform((v) => (v === 1 ? '1.0' : v === '1.0c' ? '1.0C' : String(v)))
      .pipe(z.enum(['1.0', '1.0C', '1.1'], { error: 'must be 1.0, 1.0C or 1.1' })),
    // vipd fetches every url at each run, with no delay between them: what fast_recovery asks of keepalived.
    fast_recovery: flag,
  };

  const checkers = {
    TCP_CHECK: z.object({ ...checkTimingFields, ...connectFields }).partial(),
    HTTP_GET: z.object(httpFields).partial(),
    // tls_compliant: vipd's TLS client always ends with a close_notify, as keepalived does with it.
    SSL_GET: z
      .object({ ...httpFields, enable_sni: flag, sni_name: text, verify_cert: flag, tls_compliant: flag })
      .partial(),
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

  /** Checker schemas of the LVS side: the vrrp_check ones and DNS, SMTP, UDP and PING. */
  const probes = {
    ...checkers,
    DNS_CHECK: z
      .object({
        ...checkTimingFields,
        ...connectFields,
        type: z.enum(['A', 'NS', 'CNAME', 'SOA', 'MX', 'TXT', 'AAAA'], {
          error: 'must be A, NS, CNAME, SOA, MX, TXT or AAAA',
        }),
        name: z
          .string({ error: 'must be a domain name' })
          .regex(/^(\.|([A-Za-z0-9_-]{1,63}\.?)+)$/, { error: 'must be a domain name' }),
      })
      .partial(),
    SMTP_CHECK: z.object({ ...checkTimingFields, ...connectFields, helo_name: text }).partial(),
    UDP_CHECK: z
      .object({
        ...checkTimingFields,
        ...connectFields,
        payload: hexPayload,
        require_reply: replyPattern,
        min_reply_length: wholeNumber(0, 65535),
        max_reply_length: wholeNumber(0, 65535),
      })
      .partial(),
    PING_CHECK: z.object({ ...checkTimingFields, ...connectFields }).partial(),
  } as const;

  const vrrpCheck = z
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
  return { url, checkers, probes, vrrpCheck };
});

type CheckerSchemas = ReturnType<typeof checkerSchemas>;

const sslSchema = z
  .object({
    password: z.string({ error: 'must be the key password (text)' }),
    ca: z.string().refine((p) => p.startsWith('/'), { error: 'must be an absolute file path' }),
    certificate: z.string().refine((p) => p.startsWith('/'), { error: 'must be an absolute file path' }),
    key: z.string().refine((p) => p.startsWith('/'), { error: 'must be an absolute file path' }),
  })
  .partial();

/** keepalived's top-level `SSL { password ca certificate key }`: SSL_GET's client certificate and trusted CA. */
export function buildClientTls(node: unknown, report: Reporter): ClientTls | undefined {
  if (node === undefined) return undefined;
  if (!isMap(node)) {
    report.error(['SSL'], 'value', 'SSL must be a map like { ca: /etc/ssl/ca.pem, certificate: ..., key: ... }');
    return undefined;
  }
  const { data, invalid } = parseSection(
    node,
    ['SSL'],
    { schema: sslSchema, where: 'SSL', unsupported: new Set() },
    report,
  );
  if (invalid.size > 0) return undefined;
  if ((data.certificate === undefined) !== (data.key === undefined)) {
    report.error(['SSL'], 'key', 'SSL needs both certificate and key (or neither)');
    return undefined;
  }
  return { caFile: data.ca, certFile: data.certificate, keyFile: data.key, password: data.password };
}

/**
 * keepalived 2.2.7 knows nb_get_retry in HTTP_GET and SSL_GET only (the old name of retry, true here); anywhere
 * else it is ignored (false), by keepalived and by vipd, with a warning saying so.
 */
export function nbGetRetry(owner: string, at: readonly PathSegment[], report: Reporter): boolean {
  if (owner === 'HTTP_GET' || owner === 'SSL_GET') {
    report.warn(at, 'key', 'nb_get_retry is the old name of retry: write retry');
    return true;
  }
  report.compat(
    at,
    'key',
    `nb_get_retry in ${owner} is ignored by keepalived 2.2.7 (it is HTTP_GET's and SSL_GET's old name of ` +
      'retry), and by vipd: write retry to set the retries',
    `nb_get_retry is not a keyword of ${owner}: write retry`,
  );
  return false;
}

/** `vrrp_check NAME { <one checker> ... }` (vipd). */
export function buildCheck(
  name: string,
  body: Record<string, unknown>,
  report: Reporter,
  tls?: ClientTls,
): CheckConfig | undefined {
  const base = ['vrrp_check', name];
  const where = `vrrp_check ${name}`;
  const before = report.realErrors;
  const { data: r, invalid } = parseSection(
    body,
    base,
    { schema: checkerSchemas().vrrpCheck, where, unsupported: new Set() },
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
    { schema: checkerSchemas().checkers[type], where: `${type} of ${where}`, unsupported: UNSUPPORTED_CHECKER },
    report,
  );
  const k = c as Partial<Record<string, unknown>> & z.output<CheckerSchemas['checkers']['TCP_CHECK']>;
  const delayLoopMs = k.delay_loop ?? r.delay_loop;
  const oldRetry =
    (k.nb_get_retry ?? r.nb_get_retry) !== undefined ? nbGetRetry(type, [...at, 'nb_get_retry'], report) : false;
  const timing = {
    delayLoopMs: delayLoopMs !== undefined ? toMs(delayLoopMs) : CHECKER_DEFAULTS.vrrpCheckDelayLoopMs,
    retry:
      k.retry ?? r.retry ?? (oldRetry ? (k.nb_get_retry ?? r.nb_get_retry) : undefined) ?? CHECKER_DEFAULTS.retry[type],
    delayBeforeRetryMs: secondsOr(
      k.delay_before_retry ?? r.delay_before_retry,
      CHECKER_DEFAULTS.delayBeforeRetryMs[type],
    ),
    warmupMs: toMs(k.warmup ?? r.warmup ?? DEFAULTS.checkWarmupSeconds),
  };
  if (type === 'MISC_CHECK' && r.connect_timeout !== undefined) {
    report.error(
      [...base, 'connect_timeout'],
      'key',
      `connect_timeout does not apply to MISC_CHECK (use misc_timeout)`,
    );
  }
  const connectTimeout = k.connect_timeout ?? r.connect_timeout;
  const spec = buildProbeSpec(
    type,
    c,
    node ?? {},
    {
      connectIp: DEFAULTS.checkConnectIp,
      connectTimeoutMs: secondsOr(connectTimeout, CHECKER_DEFAULTS.connectTimeoutMs),
      timing,
      tls,
    },
    at,
    where,
    report,
  );
  if (invalid.size > 0 || badChecker.size > 0 || report.realErrors > before || !spec) return undefined;
  return {
    name,
    spec,
    weight: r.weight?.weight ?? DEFAULTS.checkWeight,
    reverse: r.weight?.reverse ?? false,
    rise: r.rise ?? DEFAULTS.checkRise,
    fall: r.fall ?? DEFAULTS.checkFall,
    initFail: r.init_fail ?? false,
    logAllFailures: k.log_all_failures ?? r.log_all_failures,
    source: report.at(base, 'key'),
  };
}

/** A keepalived time in seconds as milliseconds, or the default (already in milliseconds). */
function secondsOr(value: number | undefined, defaultMs: number): number {
  return value !== undefined ? toMs(value) : defaultMs;
}

/** What a checker inherits: its endpoint (a real server's; a vrrp_check's is the local host) and timing. */
export interface ProbeDefaults {
  connectIp: string;
  /** The real server's port; none for a vrrp_check (TCP_CHECK then needs connect_port). */
  connectPort?: number | undefined;
  connectTimeoutMs: number;
  virtualhost?: string | undefined;
  timing: { delayLoopMs: number; retry: number; delayBeforeRetryMs: number; warmupMs: number };
  /** The global SSL { } block, for SSL_GET. */
  tls?: ClientTls | undefined;
}

/** One checker block (its options parsed by checkerSchemas().probes[type]) into the engine's spec. */
export function buildProbeSpec(
  type: ProbeType,
  data: Record<string, unknown>,
  node: Record<string, unknown>,
  defaults: ProbeDefaults,
  at: readonly PathSegment[],
  where: string,
  report: Reporter,
): ResolvedCheckSpec | undefined {
  const { timing } = defaults;
  if (type === 'MISC_CHECK') {
    const d = data as z.output<CheckerSchemas['checkers']['MISC_CHECK']>;
    if (!Object.hasOwn(node, 'misc_path')) report.error(at, 'key', `MISC_CHECK of ${where} has no misc_path`);
    if (d.misc_path === undefined) return undefined;
    return {
      type,
      ...timing,
      miscPath: d.misc_path,
      miscTimeoutMs: secondsOr(d.misc_timeout, timing.delayLoopMs),
      miscDynamic: d.misc_dynamic ?? false,
      user: d.user !== undefined ? parseUserSpec(d.user) : undefined,
    };
  }
  const d = data as z.output<CheckerSchemas['checkers']['SSL_GET']> & { bind_port?: number };
  const connectPort = d.connect_port ?? defaults.connectPort ?? defaultConnectPort(type);
  const connection = {
    connectIp: d.connect_ip ?? defaults.connectIp,
    connectPort: connectPort ?? 0,
    bindto: d.bindto,
    bindPort: d.bind_port,
    bindIf: d.bind_if,
    fwmark: d.fwmark,
    connectTimeoutMs: d.connect_timeout !== undefined ? toMs(d.connect_timeout) : defaults.connectTimeoutMs,
  };
  // keepalived: "Checker link local address ... requires a bind_if" (a link-local address means nothing without it).
  for (const [key, addr] of [
    ['connect_ip', connection.connectIp],
    ['bindto', d.bindto],
  ] as const) {
    if (addr !== undefined && isLinkLocal6(addr) && d.bind_if === undefined) {
      report.error(at, 'key', `${type} of ${where}: the link-local ${key} ${addr} needs a bind_if`);
    }
  }
  if (d.bindto !== undefined && addressFamily(d.bindto) !== addressFamily(connection.connectIp)) {
    report.error(
      [...at, 'bindto'],
      'value',
      `bindto ${d.bindto} is not the family of connect_ip ${connection.connectIp}`,
    );
  }
  if (connectPort === undefined && type !== 'PING_CHECK') {
    report.error(at, 'key', `${type} of ${where} has no connect_port`);
    return undefined;
  }
  switch (type) {
    case 'TCP_CHECK':
    case 'PING_CHECK':
      return { type, ...timing, ...connection };
    case 'DNS_CHECK': {
      const x = data as z.output<CheckerSchemas['probes']['DNS_CHECK']>;
      return {
        type,
        ...timing,
        ...connection,
        queryType: x.type ?? CHECKER_DEFAULTS.dnsType,
        name: x.name ?? CHECKER_DEFAULTS.dnsName,
      };
    }
    case 'SMTP_CHECK': {
      const x = data as z.output<CheckerSchemas['probes']['SMTP_CHECK']>;
      return { type, ...timing, ...connection, heloName: x.helo_name ?? CHECKER_DEFAULTS.smtpHeloName };
    }
    case 'UDP_CHECK': {
      const x = data as z.output<CheckerSchemas['probes']['UDP_CHECK']>;
      return {
        type,
        ...timing,
        ...connection,
        payload: x.payload,
        requireReply: x.require_reply?.require ?? false,
        replyPattern: x.require_reply?.pattern,
        minReplyLength: x.min_reply_length ?? CHECKER_DEFAULTS.udpMinReplyLength,
        maxReplyLength: x.max_reply_length ?? CHECKER_DEFAULTS.udpMaxReplyLength,
      };
    }
  }
  const urls = buildUrls(node.url, Object.hasOwn(node, 'url'), [...at, 'url'], `${type} of ${where}`, report);
  if (!urls) return undefined;
  return {
    type,
    ...timing,
    ...connection,
    urls,
    virtualhost: d.virtualhost ?? defaults.virtualhost,
    enableSni: d.enable_sni ?? false,
    sniName: d.sni_name,
    verifyCert: d.verify_cert ?? false,
    httpProtocol: d.http_protocol ?? '1.0',
    ...(type === 'SSL_GET' && defaults.tls ? { clientTls: defaults.tls } : {}),
    maxBodyBytes: CHECKER_DEFAULTS.maxBodyBytes,
  };
}

/**
 * keepalived's regex_options (pcre2 option names) as JavaScript RegExp flags: caseless i, multiline m, dotall s,
 * utf / ucp u. The other pcre2 options have no JavaScript counterpart and are refused by name.
 */
const REGEX_OPTIONS: Readonly<Record<string, string>> = {
  caseless: 'i',
  multiline: 'm',
  dotall: 's',
  utf: 'u',
  ucp: 'u',
};

function regexFlags(options: string | undefined, at: readonly PathSegment[], report: Reporter): string | undefined {
  if (options === undefined) return undefined;
  const flags = new Set<string>();
  for (const name of options.split(/\s+/).filter(Boolean)) {
    const flag = REGEX_OPTIONS[name];
    if (flag) flags.add(flag);
    else
      report.error(
        at,
        'value',
        `regex_options ${name} is not supported (vipd has: ${Object.keys(REGEX_OPTIONS).join(' ')})`,
      );
  }
  return [...flags].join('');
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
      { schema: checkerSchemas().url, where: `url of ${where}`, unsupported: UNSUPPORTED_URL },
      report,
    );
    if (!Object.hasOwn(entry, 'path')) report.error(here, 'key', `url of ${where} has no path`);
    if (invalid.size > 0 || u.path === undefined) {
      ok = false;
      return;
    }
    const flags = regexFlags(u.regex_options, [...here, 'regex_options'], report);
    if (u.regex_stack !== undefined) {
      report.warn(
        [...here, 'regex_stack'],
        'key',
        'regex_stack has no effect: JavaScript regular expressions need no pcre2 JIT stack',
      );
    }
    out.push({
      path: u.path,
      statusCode: u.status_code ?? CHECKER_DEFAULTS.statusCode,
      digest: u.digest,
      regex: u.regex,
      regexNoMatch: u.regex_no_match,
      regexFlags: flags,
      regexMinOffset: u.regex_min_offset,
      regexMaxOffset: u.regex_max_offset,
      virtualhost: u.virtualhost,
    });
  });
  return ok ? out : undefined;
}
