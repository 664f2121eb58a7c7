/**
 * HTTP_GET and SSL_GET (keepalived.md §2): a lean HTTP/1.1 client over node:net / node:tls (see http-wire.ts),
 * not node:http, which cost several times the CPU per probe.
 *
 * Request, as keepalived sends it with `http_protocol 1.1`:
 *   GET <path> HTTP/1.1 / User-Agent: KeepAliveClient / Host: <virtualhost or connect_ip>[:port] / Connection: close
 * (the port is left out when it is the scheme's default, an IPv6 address is bracketed). No keep-alive: a fresh
 * connection per url, destroyed once the url is judged: at once when the status line shows an unaccepted status,
 * else once the response is complete (Content-Length, chunked, or the close), so that a body over maxBodyBytes
 * or a truncated one still fails the check even when neither digest nor regex looks at it.
 *
 * A url passes when the status is in status_code (default 2xx), the MD5 of the body equals `digest` (hex, as
 * genhash prints it) and the body matches `regex` (or does not, with regex_no_match). Every url must pass;
 * they are fetched one after the other, each under its own connect_timeout deadline that covers the
 * connect, the TLS handshake, the headers and the whole body. Bodies are bounded (maxBodyBytes).
 *
 * SSL_GET: no certificate verification unless verifyCert (keepalived never verifies); SNI only with
 * enable_sni (sni_name, else the virtualhost; never an IP literal).
 */

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { CHECKER_DEFAULTS, type ClientTls, type HttpUrl, type ResolvedHttpCheck } from '../../core/checks/spec.js';
import type { CheckResult } from '../../core/tracking/types.js';
import { type BodySink, ResponseReader, requestBytes } from './http-wire.js';
import { errnoError, PROBE_EVENT, probeEngine } from './probe-engine.js';
import { badEndpoint, errCode, netReason, since } from './reasons.js';
import { connectTcp } from './socket.js';

export const USER_AGENT = 'KeepAliveClient';

export type HttpProbeOptions = Pick<
  ResolvedHttpCheck,
  | 'type'
  | 'connectIp'
  | 'connectPort'
  | 'bindto'
  | 'bindPort'
  | 'connectTimeoutMs'
  | 'urls'
  | 'virtualhost'
  | 'enableSni'
  | 'sniName'
  | 'verifyCert'
  | 'ca'
  | 'maxBodyBytes'
  | 'httpProtocol'
  | 'clientTls'
>;

/** Fetches every url in turn; the first failure ends the run. Never rejects. */
export async function httpProbe(o: HttpProbeOptions, signal?: AbortSignal): Promise<CheckResult> {
  const start = performance.now();
  const bad = badEndpoint(o);
  if (bad) return { ok: false, reason: bad, latencyMs: 0 };
  for (const url of o.urls) {
    const reason = await fetchUrl(o, url, signal);
    if (reason !== 'ok') return { ok: false, reason, latencyMs: since(start) };
  }
  return { ok: true, reason: 'ok', latencyMs: since(start) };
}

/** The Host header keepalived sends: `h[:port]`, the port only when not the scheme's default. */
export function hostHeader(host: string, port: number, ssl: boolean): string {
  const h = net.isIPv6(host) ? `[${host}]` : host;
  return port === (ssl ? 443 : 80) ? h : `${h}:${port}`;
}

/** The SNI name to send, or undefined for none. */
export function sniFor(o: Pick<HttpProbeOptions, 'enableSni' | 'sniName' | 'virtualhost'>, url: HttpUrl) {
  if (!o.enableSni) return undefined;
  const name = o.sniName ?? url.virtualhost ?? o.virtualhost;
  return name && net.isIP(name) === 0 ? name : undefined;
}

function statusOk(url: HttpUrl, status: number): boolean {
  if (url.statusCode && url.statusCode.length > 0)
    return url.statusCode.some((c) => (typeof c === 'number' ? c === status : status >= c[0] && status <= c[1]));
  return CHECKER_DEFAULTS.statusCode.some(([from, to]) => status >= from && status <= to);
}

/** One request Buffer per url object, rebuilt only when its path or Host changes. */
interface CachedRequest {
  path: string;
  hostName: string;
  port: number;
  ssl: boolean;
  bytes: Buffer | string;
}
const requests = new WeakMap<HttpUrl, CachedRequest>();

function requestFor(o: HttpProbeOptions, url: HttpUrl, ssl: boolean): Buffer | string {
  const hostName = url.virtualhost ?? o.virtualhost ?? o.connectIp;
  const c = requests.get(url);
  if (c && c.path === url.path && c.hostName === hostName && c.port === o.connectPort && c.ssl === ssl) return c.bytes;
  const bytes = requestBytes(url.path, hostHeader(hostName, o.connectPort, ssl), USER_AGENT, o.httpProtocol);
  requests.set(url, { path: url.path, hostName, port: o.connectPort, ssl, bytes });
  return bytes;
}

/** Compiled regex per url object (null: it does not compile). */
const regexes = new WeakMap<HttpUrl, { source: string; re: RegExp | null }>();

function regexFor(url: HttpUrl): RegExp | null | undefined {
  if (url.regex === undefined) return undefined;
  const c = regexes.get(url);
  if (c && c.source === url.regex) return c.re;
  let re: RegExp | null;
  try {
    // 'g' for regex_min_offset: the search starts there (lastIndex).
    re = new RegExp(url.regex, `${url.regexFlags ?? ''}g`);
  } catch {
    re = null;
  }
  regexes.set(url, { source: url.regex, re });
  return re;
}

/** Whether the body matches as keepalived's url asks: a match starting within [regex_min_offset, regex_max_offset]. */
function bodyMatches(re: RegExp, body: string, url: HttpUrl): boolean {
  re.lastIndex = url.regexMinOffset ?? 0;
  const m = re.exec(body);
  return m !== null && (url.regexMaxOffset === undefined || m.index <= url.regexMaxOffset);
}

/** Secure contexts are shared across probes (creating one per connection is a large part of a TLS probe). */
let defaultContext: tls.SecureContext | undefined;
const contexts = new Map<string | Buffer, tls.SecureContext>();

/**
 * The context for `ca` (PEM) and keepalived's SSL { } files (read when first needed, then kept; a file that
 * cannot be read throws, and the probe fails saying so).
 */
function secureContextFor(ca: string | Buffer | undefined, client: ClientTls | undefined): tls.SecureContext {
  if (ca === undefined && client === undefined) {
    defaultContext ??= tls.createSecureContext();
    return defaultContext;
  }
  const key = client === undefined ? (ca as string | Buffer) : JSON.stringify([String(ca ?? ''), client]);
  let ctx = contexts.get(key);
  if (!ctx) {
    if (contexts.size >= 32) contexts.clear();
    const read = (file: string | undefined) => (file === undefined ? undefined : readFileSync(file));
    ctx = tls.createSecureContext({
      ca: read(client?.caFile) ?? ca,
      cert: read(client?.certFile),
      key: read(client?.keyFile),
      passphrase: client?.password,
    });
    contexts.set(key, ctx);
  }
  return ctx;
}

/** Resolves with 'ok' or the failure reason; the connection is closed by then. */
function fetchUrl(o: HttpProbeOptions, url: HttpUrl, signal?: AbortSignal): Promise<string> {
  const ssl = o.type === 'SSL_GET';
  const regex = regexFor(url);
  if (regex === null) return Promise.resolve('bad regex');
  const request = requestFor(o, url, ssl);
  if (typeof request === 'string') return Promise.resolve(request);
  return new Promise<string>((resolve) => {
    if (signal?.aborted) {
      resolve('aborted');
      return;
    }
    let settled = false;
    let close = () => {};
    const finish = (reason: string) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      close();
      resolve(reason);
    };
    const onAbort = () => finish('aborted');

    // The body is looked at only when a digest or a regex needs it: hashed chunk by chunk, kept only for a regex.
    const md5 = url.digest !== undefined ? createHash('md5') : undefined;
    const kept: Buffer[] | undefined = regex ? [] : undefined;
    let sink: BodySink | undefined;
    if (md5 && kept)
      sink = (b, s, e) => {
        const part = b.subarray(s, e);
        md5.update(part);
        kept.push(Buffer.from(part));
      };
    else if (md5) sink = (b, s, e) => md5.update(b.subarray(s, e));
    else if (kept) sink = (b, s, e) => kept.push(Buffer.from(b.subarray(s, e)));
    const reader = new ResponseReader((status) => statusOk(url, status), o.maxBodyBytes, sink);

    const judge = (r: string) => {
      if (r === '' || settled) return;
      if (r !== 'done') {
        finish(r);
        return;
      }
      if (md5 && md5.digest('hex') !== url.digest?.toLowerCase()) {
        finish('digest mismatch');
        return;
      }
      if (regex && kept) {
        const matched = bodyMatches(regex, Buffer.concat(kept).toString('utf8'), url);
        if (url.regexNoMatch ? matched : !matched) {
          finish(url.regexNoMatch ? 'regex match' : 'regex no match');
          return;
        }
      }
      finish('ok');
    };
    const exchange = ssl ? exchangeTls : exchangePlain;
    close = exchange(o, url, request, reader, judge, finish);
    if (settled)
      close(); // finished synchronously, before `close` was known
    else signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * The transport of one url: sends `request`, feeds what comes back to `reader` and its verdicts to `judge`, ends
 * with `finish` (a network failure's reason, or 'timeout' at connect_timeout). Returns how to close it early.
 */
type Exchange = (
  o: HttpProbeOptions,
  url: HttpUrl,
  request: Buffer,
  reader: ResponseReader,
  judge: (verdict: string) => void,
  finish: (reason: string) => void,
) => () => void;

/** Plain HTTP on the addon's probe engine: one call into JavaScript per piece of the response. */
const exchangePlain: Exchange = (o, _url, request, reader, judge, finish) => {
  const engine = probeEngine();
  let id: number;
  try {
    id = engine.start(o, o.connectTimeoutMs, request, (event, value) => {
      if (event === PROBE_EVENT.data) judge(reader.feed(engine.buffer, 0, value));
      else if (event === PROBE_EVENT.dataEnd) {
        judge(reader.feed(engine.buffer, 0, value));
        judge(reader.eof());
      } else if (event === PROBE_EVENT.end) judge(reader.eof());
      else if (event === PROBE_EVENT.timeout) finish('timeout');
      else finish(netReason(errnoError(value), false));
    });
  } catch (err) {
    finish(netReason(err, o.bindto !== undefined || o.bindPort !== undefined));
    return () => {};
  }
  return () => engine.close(id);
};

/** SSL_GET: node:tls over the checker's TCP socket, under the connect_timeout deadline. */
const exchangeTls: Exchange = (o, url, request, reader, judge, finish) => {
  const bound = o.bindto !== undefined || o.bindPort !== undefined;
  let tcp: net.Socket | undefined;
  let sock: tls.TLSSocket | undefined;
  let tcpConnected = false;
  let secured = false;
  const timer = setTimeout(() => finish('timeout'), o.connectTimeoutMs);
  const close = () => {
    clearTimeout(timer);
    sock?.destroy();
    tcp?.destroy();
  };
  // An error of the TCP connect is the network's; one after it, before the handshake is done, is TLS's.
  const onError = (err: unknown) => {
    if (tcpConnected && !secured) finish(`tls: ${errCode(err)}`);
    else finish(netReason(err, bound && !tcpConnected));
  };
  try {
    const servername = sniFor(o, url);
    // TLS over the checker's TCP socket, which is connecting: tls starts its handshake once it has connected.
    tcp = connectTcp(o);
    tcp.on('error', onError);
    const t = tls.connect({
      socket: tcp,
      host: o.connectIp, // what the certificate is checked against, as before: no SNI from it
      rejectUnauthorized: o.verifyCert,
      secureContext: secureContextFor(o.ca, o.clientTls),
      ...(servername !== undefined ? { servername } : {}), // none: no SNI (tls.connect derives none)
    });
    sock = t;
    t.once('secureConnect', () => {
      secured = true;
    });
    t.on('data', (b: Buffer) => judge(reader.feed(b, 0, b.length)));
  } catch (err) {
    finish(netReason(err, bound));
    return close;
  }
  tcp.once('connect', () => {
    tcpConnected = true;
  });
  sock.on('error', onError);
  sock.on('end', () => judge(reader.eof()));
  sock.on('close', () => finish(reader.status === 0 ? 'reset' : 'incomplete response')); // closed, no 'end'
  sock.write(request);
  return close;
};
