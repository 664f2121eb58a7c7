/**
 * `vrrp_check` (vipd): keepalived's checkers (TCP_CHECK, HTTP_GET, SSL_GET, MISC_CHECK) into the one check spec
 * of core/checks.
 */
import { z } from 'zod';
import { CHECKER_DEFAULTS, type HttpUrl, type ResolvedCheckSpec } from '../../checks/spec.js';
import { addressFamily } from '../../codec/ip-address.js';
import { UNSUPPORTED_CHECKER, UNSUPPORTED_URL } from '../keywords.js';
import type { CheckConfig } from '../model.js';
import { parseUserSpec, WEIGHT_MAX } from '../tracking.js';
import { DEFAULTS } from './defaults.js';
import {
  address,
  command,
  flag,
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

/** `vrrp_check NAME { <one checker> ... }` (vipd). */
export function buildCheck(name: string, body: Record<string, unknown>, report: Reporter): CheckConfig | undefined {
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
