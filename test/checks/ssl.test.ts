import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HttpCheckSpec, httpProbe, probe, sniFor, withDefaults } from '../../src/edges/checks/index.js';
import { close, expectNoLeaks, listen, opensslAvailable, selfSignedCert, snapshot, trackSockets } from './helpers.js';

const BODY = 'secure hello\n';
const HAVE_OPENSSL = opensslAvailable();

let dir: string;
let server: https.Server;
let port: number;
let cert = '';
const seen: {
  servername: string | false | null | undefined;
  host: string | undefined;
  connection: string | undefined;
}[] = [];

beforeAll(async () => {
  if (!HAVE_OPENSSL) return;
  dir = mkdtempSync(path.join(tmpdir(), 'vipd-checks-tls-'));
  const kc = selfSignedCert(dir);
  cert = kc.cert;
  server = https.createServer({ key: kc.key, cert: kc.cert }, (req, res) => {
    seen.push({
      servername: (req.socket as TLSSocket).servername,
      host: req.headers.host,
      connection: req.headers.connection,
    });
    if (req.url === '/down') res.writeHead(503).end();
    else if (req.url === '/chunked') {
      res.writeHead(200); // no Content-Length: chunked, in two TLS records
      res.write(BODY.slice(0, 4));
      setTimeout(() => res.end(BODY.slice(4)), 10);
    } else res.writeHead(200, { 'Content-Length': Buffer.byteLength(BODY) }).end(BODY);
  });
  server.on('tlsClientError', () => {});
  trackSockets(server);
  port = await listen(server);
});
afterAll(async () => {
  if (!HAVE_OPENSSL) return;
  await close(server);
  rmSync(dir, { recursive: true, force: true });
});

async function check(o: Partial<HttpCheckSpec> = {}) {
  const before = snapshot();
  const r = await httpProbe(
    withDefaults({
      type: 'SSL_GET',
      connectIp: '127.0.0.1',
      connectPort: port,
      connectTimeoutMs: 3000,
      urls: [{ path: '/' }],
      ...o,
    } as HttpCheckSpec),
  );
  await expectNoLeaks(before);
  return r;
}

describe.skipIf(!HAVE_OPENSSL)('SSL_GET (self-signed certificate made with openssl)', () => {
  it('is ok without certificate verification (keepalived default), no SNI, Connection: close', async () => {
    seen.length = 0;
    expect(await check()).toMatchObject({ ok: true, reason: 'ok' });
    expect(seen[0]).toEqual({ servername: false, host: `127.0.0.1:${port}`, connection: 'close' });
  });

  it('checks status and digest over TLS', async () => {
    const md5 = createHash('md5').update(BODY).digest('hex');
    expect(await check({ urls: [{ path: '/', digest: md5 }] })).toMatchObject({ ok: true });
    expect(await check({ urls: [{ path: '/down' }] })).toMatchObject({ ok: false, reason: 'status 503' });
  });

  it('checks a chunked body over TLS with digest and regex (the same lean HTTP layer as HTTP_GET)', async () => {
    const md5 = createHash('md5').update(BODY).digest('hex');
    expect(await check({ urls: [{ path: '/chunked', digest: md5, regex: '^secure' }] })).toMatchObject({ ok: true });
    expect(await check({ urls: [{ path: '/chunked', regex: '^secure', regexNoMatch: true }] })).toMatchObject({
      ok: false,
      reason: 'regex match',
    });
    expect(await check({ urls: [{ path: '/', digest: md5 }], maxBodyBytes: 4 })).toMatchObject({
      ok: false,
      reason: 'body too large',
    });
  });

  it('keeps verifying with a trusted CA across probes (shared secure contexts)', async () => {
    for (let i = 0; i < 3; i++)
      expect(await check({ verifyCert: true, ca: cert, enableSni: true, sniName: 'vipd.test' })).toMatchObject({
        ok: true,
      });
    expect(await check({ verifyCert: true, enableSni: true, sniName: 'vipd.test' })).toMatchObject({
      ok: false,
      reason: 'tls: DEPTH_ZERO_SELF_SIGNED_CERT',
    });
  });

  it("fails with 'tls: <code>' when verify_cert meets a self-signed certificate", async () => {
    const r = await check({ verifyCert: true });
    expect(r).toMatchObject({ ok: false, reason: 'tls: DEPTH_ZERO_SELF_SIGNED_CERT' });
  });

  it('passes verify_cert when the certificate is trusted and the SNI name matches it', async () => {
    seen.length = 0;
    expect(await check({ verifyCert: true, ca: cert, enableSni: true, sniName: 'vipd.test' })).toMatchObject({
      ok: true,
    });
    expect(seen[0]?.servername).toBe('vipd.test');
    const r = await check({ verifyCert: true, ca: cert, enableSni: true, sniName: 'other.test' });
    expect(r).toMatchObject({ ok: false, reason: 'tls: ERR_TLS_CERT_ALTNAME_INVALID' });
  });

  it('sends SNI only with enable_sni: sni_name, else the virtualhost', async () => {
    seen.length = 0;
    expect(await check({ enableSni: true, sniName: 'sni.example.org', virtualhost: 'www.example.org' })).toMatchObject({
      ok: true,
    });
    expect(await check({ enableSni: true, virtualhost: 'www.example.org' })).toMatchObject({ ok: true });
    expect(await check({ enableSni: false, virtualhost: 'www.example.org' })).toMatchObject({ ok: true });
    expect(seen.map((s) => s.servername)).toEqual(['sni.example.org', 'www.example.org', false]);
    expect(seen.map((s) => s.host)).toEqual([
      `www.example.org:${port}`,
      `www.example.org:${port}`,
      `www.example.org:${port}`,
    ]);
    expect(sniFor({ enableSni: true, sniName: undefined, virtualhost: '10.0.0.1' }, { path: '/' })).toBeUndefined();
  });

  it("fails with a 'tls:' reason against a plain TCP server that is not TLS", async () => {
    const plain = net.createServer((s) => {
      s.on('error', () => {});
      s.once('data', () => s.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
    });
    const p = await listen(plain);
    try {
      const r = await check({ connectPort: p });
      expect(r.ok).toBe(false);
      expect(r.reason).toMatch(/^tls: /);
    } finally {
      await close(plain);
    }
  });

  it("keepalived's SSL { } block: the client certificate a server asks for, the CA that verifies the server", async () => {
    const clientDir = mkdtempSync(path.join(dir, 'client-'));
    const client = selfSignedCert(clientDir);
    // A server that wants a client certificate signed by the client's own (self-signed) certificate.
    const strict = https.createServer(
      {
        key: readFileSync(path.join(dir, 'key.pem')),
        cert,
        requestCert: true,
        rejectUnauthorized: true,
        ca: client.cert,
      },
      (_req, res) => res.writeHead(200, { 'Content-Length': 2 }).end('ok'),
    );
    strict.on('tlsClientError', () => {});
    const strictPort = await listen(strict);
    try {
      const files = { certFile: path.join(clientDir, 'cert.pem'), keyFile: path.join(clientDir, 'key.pem') };
      expect(await check({ connectPort: strictPort })).toMatchObject({ ok: false });
      expect(await check({ connectPort: strictPort, clientTls: files })).toMatchObject({ ok: true });
      const verified = { ...files, caFile: path.join(dir, 'cert.pem') };
      expect(await check({ connectPort: strictPort, clientTls: verified, verifyCert: true })).toMatchObject({
        ok: true,
      });
      expect(
        await check({ connectPort: strictPort, clientTls: { certFile: '/nonexistent', keyFile: '/nonexistent' } }),
      ).toMatchObject({
        ok: false,
      });
    } finally {
      await close(strict);
    }
  });

  it('is reachable through probe()', async () => {
    const before = snapshot();
    expect(
      await probe({ type: 'SSL_GET', connectIp: '127.0.0.1', connectPort: port, urls: [{ path: '/' }] }),
    ).toMatchObject({ ok: true });
    await expectNoLeaks(before);
  });
});
