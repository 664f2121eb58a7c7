/**
 * HTTP_GET and SSL_GET (keepalived.md §2) with node:http / node:https.
 *
 * Request, as keepalived sends it with `http_protocol 1.1`:
 *   GET <path> HTTP/1.1 / User-Agent: KeepAliveClient / Host: <virtualhost or connect_ip>[:port] / Connection: close
 * (the port is left out when it is the scheme's default, an IPv6 address is bracketed). No keep-alive: a fresh
 * connection per url (agent: false), destroyed once the url is judged.
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
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { CheckResult } from '../../core/tracking/types.js';
import { badEndpoint, errCode, netReason, since } from './reasons.js';
import type { HttpUrl, ResolvedHttpCheck } from './spec.js';

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
  return status >= 200 && status <= 299;
}

/** Resolves with 'ok' or the failure reason; the request and its socket are destroyed by then. */
function fetchUrl(o: HttpProbeOptions, url: HttpUrl, signal?: AbortSignal): Promise<string> {
  const ssl = o.type === 'SSL_GET';
  let regex: RegExp | undefined;
  if (url.regex !== undefined) {
    try {
      regex = new RegExp(url.regex);
    } catch {
      return Promise.resolve('bad regex');
    }
  }
  const bound = o.bindto !== undefined || o.bindPort !== undefined;
  return new Promise<string>((resolve) => {
    if (signal?.aborted) {
      resolve('aborted');
      return;
    }
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    let req: http.ClientRequest | undefined;
    let tcpConnected = false;
    let secured = false;
    const finish = (reason: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      req?.destroy();
      resolve(reason);
    };
    const onAbort = () => finish('aborted');
    signal?.addEventListener('abort', onAbort, { once: true });
    timer = setTimeout(() => finish('timeout'), o.connectTimeoutMs);

    const headers = {
      'User-Agent': USER_AGENT,
      Host: hostHeader(url.virtualhost ?? o.virtualhost ?? o.connectIp, o.connectPort, ssl),
      Connection: 'close',
    };
    const base: http.RequestOptions = {
      host: o.connectIp,
      port: o.connectPort,
      path: url.path,
      method: 'GET',
      agent: false,
      setHost: false,
      headers,
      localAddress: o.bindto,
      localPort: o.bindPort,
    };
    try {
      if (ssl) {
        const servername = sniFor(o, url);
        const tlsOpts: https.RequestOptions = {
          ...base,
          rejectUnauthorized: o.verifyCert,
          servername: servername ?? '', // '' = no SNI (node would otherwise derive one from Host)
          ...(o.ca !== undefined ? { ca: o.ca } : {}),
        };
        req = https.request(tlsOpts);
      } else {
        req = http.request(base);
      }
    } catch (err) {
      finish(`error: ${errCode(err)}`);
      return;
    }

    req.on('socket', (s) => {
      s.once('connect', () => {
        tcpConnected = true;
      });
      s.once('secureConnect', () => {
        secured = true;
      });
    });
    req.on('error', (err) => {
      const code = errCode(err);
      if (ssl && tcpConnected && !secured) finish(`tls: ${code}`);
      else if (code.startsWith('HPE_')) finish(`bad response: ${code}`);
      else finish(netReason(err, bound && !tcpConnected));
    });
    req.on('response', (res) => {
      const status = res.statusCode ?? 0;
      if (!statusOk(url, status)) {
        finish(`status ${status}`);
        return;
      }
      const declared = Number(res.headers['content-length']);
      if (Number.isFinite(declared) && declared > o.maxBodyBytes) {
        finish('body too large');
        return;
      }
      const md5 = url.digest !== undefined ? createHash('md5') : undefined;
      const chunks: Buffer[] | undefined = regex ? [] : undefined;
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        if (settled) return;
        size += chunk.length;
        if (size > o.maxBodyBytes) {
          finish('body too large');
          return;
        }
        md5?.update(chunk);
        chunks?.push(chunk);
      });
      res.on('end', () => {
        if (md5 && md5.digest('hex') !== url.digest?.toLowerCase()) {
          finish('digest mismatch');
          return;
        }
        if (regex && chunks) {
          const matched = regex.test(Buffer.concat(chunks).toString('utf8'));
          if (url.regexNoMatch ? matched : !matched) {
            finish(url.regexNoMatch ? 'regex match' : 'regex no match');
            return;
          }
        }
        finish('ok');
      });
      res.on('error', (err) => finish(netReason(err, false)));
      res.on('close', () => finish('incomplete response'));
    });
    req.end();
  });
}
