/**
 * One description of a health check, shared by the configuration (vrrp_check today, real_server checkers with
 * IPVS next) and the check engine: keepalived's checker options (keepalived.md §2) and vrrp_script (§1d) in
 * camelCase after their keywords, every time in milliseconds (keepalived writes seconds). CHECKER_DEFAULTS is the
 * one table of keepalived's defaults, and `withDefaults()` the one place that applies it.
 */

/** `user USER[:GROUP]` of a script or MISC_CHECK (also global_defs `script_user`). */
export interface ScriptUser {
  user: string;
  group?: string | undefined;
}

/** keepalived's checker defaults, per checker type where they differ. */
export const CHECKER_DEFAULTS = {
  /** connect_timeout. */
  connectTimeoutMs: 5000,
  /** delay_loop of an LVS virtual server's checkers. */
  delayLoopMs: 60_000,
  /** delay_loop of a vrrp_check (vipd): keepalived's 60 s is for LVS real servers, far too slow to fail over on. */
  vrrpCheckDelayLoopMs: 2000,
  /** connect_port when none is given. */
  port: { HTTP_GET: 80, SSL_GET: 443 },
  /** retry (legacy nb_get_retry): extra attempts within one run. */
  retry: {
    TCP_CHECK: 1,
    HTTP_GET: 1,
    SSL_GET: 1,
    MISC_CHECK: 0,
    DNS_CHECK: 3,
    SMTP_CHECK: 1,
    UDP_CHECK: 1,
    PING_CHECK: 1,
  },
  /** delay_before_retry (DNS_CHECK: its delay_loop, applied in withDefaults). */
  delayBeforeRetryMs: {
    TCP_CHECK: 1000,
    HTTP_GET: 3000,
    SSL_GET: 3000,
    MISC_CHECK: 1000,
    SMTP_CHECK: 1000,
    UDP_CHECK: 1000,
    PING_CHECK: 1000,
  },
  /** DNS_CHECK query type and name. */
  dnsType: 'SOA',
  dnsName: '.',
  /** SMTP_CHECK helo_name (keepalived: the host name; vipd sends this when none is given). */
  smtpHeloName: 'localhost',
  /** UDP_CHECK reply length bounds. */
  udpMinReplyLength: 0,
  udpMaxReplyLength: 255,
  /** status_code of a url without one. */
  statusCode: [[200, 299]] as readonly (readonly [number, number])[],
  /** Bound on an HTTP_GET/SSL_GET response body (vipd); a bigger body fails the check ('body too large'). */
  maxBodyBytes: 1024 * 1024,
} as const;

/** Scheduling options every checker has. */
export interface CheckTiming {
  /** delay_loop (vrrp_script: interval): from the end of one run to the start of the next. */
  delayLoopMs?: number | undefined;
  /** retry (legacy nb_get_retry): extra attempts after a failed one, within the same run. */
  retry?: number | undefined;
  /** delay_before_retry: pause between two attempts of one run. */
  delayBeforeRetryMs?: number | undefined;
  /** warmup: the first run starts at a random delay in [0, warmup]. */
  warmupMs?: number | undefined;
}

/** Options of the network checkers (TCP_CHECK, HTTP_GET, SSL_GET). */
export interface NetCheckOptions extends CheckTiming {
  /** connect_ip: IPv4 or IPv6 literal. */
  connectIp: string;
  /** connect_port. */
  connectPort: number;
  /** bindto: local source address. */
  bindto?: string | undefined;
  /** bind_port: local source port. */
  bindPort?: number | undefined;
  /** bind_if: the interface the probe leaves by (SO_BINDTODEVICE); a link-local connect_ip or bindto needs it. */
  bindIf?: string | undefined;
  /** fwmark: the mark on the probe's packets (SO_MARK), for policy routing. */
  fwmark?: number | undefined;
  /** connect_timeout: TCP connect; for HTTP/SSL the connect plus the whole response (one deadline). */
  connectTimeoutMs?: number | undefined;
}

export interface TcpCheckSpec extends NetCheckOptions {
  type: 'TCP_CHECK';
}

/** keepalived's `SSL { password ca certificate key }`: what SSL_GET presents and trusts (PEM files). */
export interface ClientTls {
  caFile?: string | undefined;
  certFile?: string | undefined;
  keyFile?: string | undefined;
  password?: string | undefined;
}

/** One `url { }` block of HTTP_GET / SSL_GET. */
export interface HttpUrl {
  path: string;
  /** status_code: accepted statuses, single codes or inclusive [from, to] ranges (default 200..299). */
  statusCode?: readonly (number | readonly [number, number])[] | undefined;
  /** digest: MD5 of the body, lowercase or uppercase hex (as genhash prints it). */
  digest?: string | undefined;
  /** regex: JavaScript RegExp source the body must match (keepalived uses pcre2). */
  regex?: string | undefined;
  /** regex_no_match: the body must NOT match `regex`. */
  regexNoMatch?: boolean | undefined;
  /** regex_options as RegExp flags (i, m, s, u). */
  regexFlags?: string | undefined;
  /** regex_min_offset / regex_max_offset: the match must start within [min, max] of the body. */
  regexMinOffset?: number | undefined;
  regexMaxOffset?: number | undefined;
  /** virtualhost for this url (overrides the checker's). */
  virtualhost?: string | undefined;
}

export interface HttpCheckSpec extends NetCheckOptions {
  type: 'HTTP_GET' | 'SSL_GET';
  /** All urls must pass, fetched one after the other. */
  urls: readonly HttpUrl[];
  /** virtualhost: Host header (default connect_ip), also the SNI name when enable_sni is set. */
  virtualhost?: string | undefined;
  /** SSL_GET enable_sni: send a server name (sni_name, else the virtualhost). */
  enableSni?: boolean | undefined;
  /** SSL_GET sni_name. */
  sniName?: string | undefined;
  /** SSL_GET: verify the server certificate (keepalived does not: default false). */
  verifyCert?: boolean | undefined;
  /** SSL_GET with verifyCert: extra trusted CA certificates (PEM). */
  ca?: string | Buffer | undefined;
  /** SSL_GET: keepalived's global `SSL { }` block: files the check reads, and the key's password. */
  clientTls?: ClientTls | undefined;
  /** `http_protocol`: 1.0 (keepalived's default, which the loader sets), 1.0C, 1.1 (the engine's default). */
  httpProtocol?: '1.0' | '1.0C' | '1.1' | undefined;
  /** Largest body accepted (default 1 MiB). */
  maxBodyBytes?: number | undefined;
}

export interface MiscCheckSpec extends CheckTiming {
  type: 'MISC_CHECK';
  /** misc_path / vrrp_script `script`, already split into argv (see splitCommand). */
  miscPath: readonly string[];
  /** misc_timeout / vrrp_script timeout (default delay_loop). */
  miscTimeoutMs?: number | undefined;
  /** misc_dynamic: exit 2..255 = up with dynamicWeight status - 2. */
  miscDynamic?: boolean | undefined;
  /** `user` (else global_defs script_user), as configured; the daemon resolves it into uid/gid. */
  user?: ScriptUser | undefined;
  /** The resolved user and group the script runs as. */
  uid?: number | undefined;
  gid?: number | undefined;
  /** Environment to start from (default process.env). */
  env?: Record<string, string | undefined> | undefined;
  /** SIGTERM → SIGKILL grace after a timeout (keepalived: 2 s). */
  killGraceMs?: number | undefined;
}

/** DNS_CHECK: a UDP query for `name` of `type`; any answer with the query's id and no error rcode is up. */
export interface DnsCheckSpec extends NetCheckOptions {
  type: 'DNS_CHECK';
  /** A, NS, CNAME, SOA (default), MX, TXT or AAAA. */
  queryType?: DnsQueryType | undefined;
  /** Domain name (default "."). */
  name?: string | undefined;
}
export const DNS_QUERY_TYPES = { A: 1, NS: 2, CNAME: 5, SOA: 6, MX: 15, TXT: 16, AAAA: 28 } as const;
export type DnsQueryType = keyof typeof DNS_QUERY_TYPES;

/** SMTP_CHECK: a 2xx banner, then HELO answered by 250 (then QUIT). */
export interface SmtpCheckSpec extends NetCheckOptions {
  type: 'SMTP_CHECK';
  heloName?: string | undefined;
}

/**
 * UDP_CHECK: a datagram (payload, else a few random bytes); down on an ICMP error, and with requireReply on a
 * missing reply or one outside [minReplyLength, maxReplyLength] or not matching the pattern (nibbles; null = any).
 */
export interface UdpCheckSpec extends NetCheckOptions {
  type: 'UDP_CHECK';
  payload?: Uint8Array | undefined;
  requireReply?: boolean | undefined;
  /** The require_reply pattern, one entry per nibble: 0..15, or null for keepalived's X. */
  replyPattern?: readonly (number | null)[] | undefined;
  minReplyLength?: number | undefined;
  maxReplyLength?: number | undefined;
}

/** PING_CHECK: an ICMP (ICMPv6) echo answered within connect_timeout. */
export interface PingCheckSpec extends NetCheckOptions {
  type: 'PING_CHECK';
}

export type CheckSpec =
  | TcpCheckSpec
  | HttpCheckSpec
  | MiscCheckSpec
  | DnsCheckSpec
  | SmtpCheckSpec
  | UdpCheckSpec
  | PingCheckSpec;
export type CheckType = CheckSpec['type'];

type Required2<T, K extends keyof T> = T & { [P in K]-?: Exclude<T[P], undefined> };
type TimingKeys = 'delayLoopMs' | 'retry' | 'delayBeforeRetryMs' | 'warmupMs';

export type ResolvedTcpCheck = Required2<TcpCheckSpec, TimingKeys | 'connectTimeoutMs'>;
export type ResolvedHttpCheck = Required2<
  HttpCheckSpec,
  TimingKeys | 'connectTimeoutMs' | 'enableSni' | 'verifyCert' | 'maxBodyBytes'
>;
export type ResolvedMiscCheck = Required2<MiscCheckSpec, TimingKeys | 'miscTimeoutMs' | 'miscDynamic'>;
export type ResolvedDnsCheck = Required2<DnsCheckSpec, TimingKeys | 'connectTimeoutMs' | 'queryType' | 'name'>;
export type ResolvedSmtpCheck = Required2<SmtpCheckSpec, TimingKeys | 'connectTimeoutMs' | 'heloName'>;
export type ResolvedUdpCheck = Required2<
  UdpCheckSpec,
  TimingKeys | 'connectTimeoutMs' | 'requireReply' | 'minReplyLength' | 'maxReplyLength'
>;
export type ResolvedPingCheck = Required2<PingCheckSpec, TimingKeys | 'connectTimeoutMs'>;
export type ResolvedCheckSpec =
  | ResolvedTcpCheck
  | ResolvedHttpCheck
  | ResolvedMiscCheck
  | ResolvedDnsCheck
  | ResolvedSmtpCheck
  | ResolvedUdpCheck
  | ResolvedPingCheck;

/** connect_port when none is given, for the checkers that have one (others take the real server's port). */
export function defaultConnectPort(type: CheckType): number | undefined {
  return type === 'HTTP_GET' || type === 'SSL_GET' ? CHECKER_DEFAULTS.port[type] : undefined;
}

/** delay_before_retry when none is given (DNS_CHECK: its delay_loop). */
export function defaultDelayBeforeRetryMs(type: CheckType, delayLoopMs: number): number {
  return type === 'DNS_CHECK' ? delayLoopMs : CHECKER_DEFAULTS.delayBeforeRetryMs[type];
}

/** A spec with keepalived's defaults filled in. Pure; throws on an empty url list or an empty misc_path. */
export function withDefaults(spec: TcpCheckSpec): ResolvedTcpCheck;
export function withDefaults(spec: HttpCheckSpec): ResolvedHttpCheck;
export function withDefaults(spec: MiscCheckSpec): ResolvedMiscCheck;
export function withDefaults(spec: DnsCheckSpec): ResolvedDnsCheck;
export function withDefaults(spec: SmtpCheckSpec): ResolvedSmtpCheck;
export function withDefaults(spec: UdpCheckSpec): ResolvedUdpCheck;
export function withDefaults(spec: PingCheckSpec): ResolvedPingCheck;
export function withDefaults(spec: CheckSpec): ResolvedCheckSpec;
export function withDefaults(spec: CheckSpec): ResolvedCheckSpec {
  const delayLoopMs = spec.delayLoopMs ?? CHECKER_DEFAULTS.delayLoopMs;
  const timing = {
    delayLoopMs,
    warmupMs: spec.warmupMs ?? delayLoopMs,
  };
  const net = {
    connectTimeoutMs:
      ('connectTimeoutMs' in spec ? spec.connectTimeoutMs : undefined) ?? CHECKER_DEFAULTS.connectTimeoutMs,
  };
  switch (spec.type) {
    case 'DNS_CHECK':
      return {
        ...spec,
        ...timing,
        ...net,
        retry: spec.retry ?? CHECKER_DEFAULTS.retry.DNS_CHECK,
        delayBeforeRetryMs: spec.delayBeforeRetryMs ?? defaultDelayBeforeRetryMs(spec.type, delayLoopMs),
        queryType: spec.queryType ?? CHECKER_DEFAULTS.dnsType,
        name: spec.name ?? CHECKER_DEFAULTS.dnsName,
      };
    case 'SMTP_CHECK':
      return {
        ...spec,
        ...timing,
        ...net,
        retry: spec.retry ?? CHECKER_DEFAULTS.retry.SMTP_CHECK,
        delayBeforeRetryMs: spec.delayBeforeRetryMs ?? CHECKER_DEFAULTS.delayBeforeRetryMs.SMTP_CHECK,
        heloName: spec.heloName ?? CHECKER_DEFAULTS.smtpHeloName,
      };
    case 'UDP_CHECK':
      return {
        ...spec,
        ...timing,
        ...net,
        retry: spec.retry ?? CHECKER_DEFAULTS.retry.UDP_CHECK,
        delayBeforeRetryMs: spec.delayBeforeRetryMs ?? CHECKER_DEFAULTS.delayBeforeRetryMs.UDP_CHECK,
        requireReply: spec.requireReply ?? false,
        minReplyLength: spec.minReplyLength ?? CHECKER_DEFAULTS.udpMinReplyLength,
        maxReplyLength: spec.maxReplyLength ?? CHECKER_DEFAULTS.udpMaxReplyLength,
      };
    case 'PING_CHECK':
      return {
        ...spec,
        ...timing,
        ...net,
        retry: spec.retry ?? CHECKER_DEFAULTS.retry.PING_CHECK,
        delayBeforeRetryMs: spec.delayBeforeRetryMs ?? CHECKER_DEFAULTS.delayBeforeRetryMs.PING_CHECK,
      };
    case 'TCP_CHECK':
      return {
        ...spec,
        ...timing,
        retry: spec.retry ?? CHECKER_DEFAULTS.retry[spec.type],
        delayBeforeRetryMs: spec.delayBeforeRetryMs ?? CHECKER_DEFAULTS.delayBeforeRetryMs[spec.type],
        connectTimeoutMs: spec.connectTimeoutMs ?? CHECKER_DEFAULTS.connectTimeoutMs,
      };
    case 'HTTP_GET':
    case 'SSL_GET':
      if (spec.urls.length === 0) throw new TypeError(`${spec.type}: at least one url is needed`);
      return {
        ...spec,
        ...timing,
        retry: spec.retry ?? CHECKER_DEFAULTS.retry[spec.type],
        delayBeforeRetryMs: spec.delayBeforeRetryMs ?? CHECKER_DEFAULTS.delayBeforeRetryMs[spec.type],
        connectTimeoutMs: spec.connectTimeoutMs ?? CHECKER_DEFAULTS.connectTimeoutMs,
        enableSni: spec.enableSni ?? false,
        verifyCert: spec.verifyCert ?? false,
        maxBodyBytes: spec.maxBodyBytes ?? CHECKER_DEFAULTS.maxBodyBytes,
      };
    case 'MISC_CHECK':
      if (spec.miscPath.length === 0 || spec.miscPath[0] === '') throw new TypeError('MISC_CHECK: empty misc_path');
      return {
        ...spec,
        ...timing,
        retry: spec.retry ?? CHECKER_DEFAULTS.retry[spec.type],
        delayBeforeRetryMs: spec.delayBeforeRetryMs ?? CHECKER_DEFAULTS.delayBeforeRetryMs[spec.type],
        miscTimeoutMs: spec.miscTimeoutMs ?? delayLoopMs,
        miscDynamic: spec.miscDynamic ?? false,
      };
  }
}
