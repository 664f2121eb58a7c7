import { createHash } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_MAX_BODY_BYTES,
  type HttpCheckSpec,
  type HttpUrl,
  hostHeader,
  httpProbe,
  probe,
} from '../../src/edges/checks/index.js';
import { close, expectNoLeaks, freePort, listen, snapshot, trackSockets, unacceptingListener } from './helpers.js';

const BODY = 'hello from the real server\n';
const BODY_MD5 = createHash('md5').update(BODY).digest('hex');

interface Seen {
  url: string | undefined;
  httpVersion: string;
  rawHeaders: string[];
  remoteAddress: string | undefined;
}

let server: http.Server;
let port: number;
const seen: Seen[] = [];

function handler(req: http.IncomingMessage, res: http.ServerResponse): void {
  seen.push({
    url: req.url,
    httpVersion: req.httpVersion,
    rawHeaders: req.rawHeaders,
    remoteAddress: req.socket.remoteAddress,
  });
  const url = req.url ?? '/';
  const status = /^\/status\/(\d+)$/.exec(url);
  if (status) {
    res.writeHead(Number(status[1]), { 'Content-Type': 'text/plain' }).end(`status ${status[1]}\n`);
  } else if (url === '/body' || url === '/other') {
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(BODY) }).end(BODY);
  } else if (url === '/chunked') {
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.write(BODY.slice(0, 5));
    res.end(BODY.slice(5)); // no content-length: chunked transfer encoding
  } else if (url === '/slow') {
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.write('first part, the rest never comes'); // left open until the client gives up
  } else if (url === '/hang') {
    // never answers
  } else if (url === '/huge') {
    res.writeHead(200, { 'Content-Length': 2 * DEFAULT_MAX_BODY_BYTES }).end(Buffer.alloc(2 * DEFAULT_MAX_BODY_BYTES));
  } else if (url === '/huge-chunked') {
    res.writeHead(200);
    const block = Buffer.alloc(64 * 1024, 0x61);
    let sent = 0;
    const more = () => {
      while (sent < 4 * DEFAULT_MAX_BODY_BYTES && !res.destroyed) {
        sent += block.length;
        if (!res.write(block)) {
          res.once('drain', more);
          return;
        }
      }
      res.end();
    };
    res.on('error', () => {});
    more();
  } else if (url === '/short') {
    // declares 100 bytes, sends 10, closes
    res.writeHead(200, { 'Content-Length': 100 });
    res.write('0123456789');
    res.socket?.destroy();
  } else {
    res.writeHead(404).end();
  }
}

beforeAll(async () => {
  server = http.createServer(handler);
  server.on('clientError', (_err, socket) => socket.destroy());
  trackSockets(server);
  port = await listen(server);
});
afterAll(async () => {
  await close(server);
});

function spec(urls: HttpUrl[], o: Partial<HttpCheckSpec> = {}): Parameters<typeof httpProbe>[0] {
  return {
    type: 'HTTP_GET',
    connectIp: '127.0.0.1',
    connectPort: port,
    connectTimeoutMs: 2000,
    urls,
    enableSni: false,
    verifyCert: false,
    maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
    ...o,
  };
}

async function check(urls: HttpUrl[], o: Partial<HttpCheckSpec> = {}) {
  const before = snapshot();
  const r = await httpProbe(spec(urls, o));
  await expectNoLeaks(before);
  return r;
}

const header = (s: Seen | undefined, name: string): string[] => {
  const out: string[] = [];
  const raw = s?.rawHeaders ?? [];
  for (let i = 0; i + 1 < raw.length; i += 2) if (raw[i]?.toLowerCase() === name.toLowerCase()) out.push(raw[i + 1]!);
  return out;
};

describe('HTTP_GET', () => {
  it('is ok on a 2xx status, with the keepalived headers and no keep-alive', async () => {
    seen.length = 0;
    const r = await check([{ path: '/body' }]);
    expect(r).toMatchObject({ ok: true, reason: 'ok' });
    expect(seen).toHaveLength(1);
    const s = seen[0];
    expect(s?.url).toBe('/body');
    expect(s?.httpVersion).toBe('1.1');
    expect(header(s, 'user-agent')).toEqual(['KeepAliveClient']);
    expect(header(s, 'host')).toEqual([`127.0.0.1:${port}`]);
    expect(header(s, 'connection')).toEqual(['close']);
  });

  it('sends exactly the request keepalived sends', async () => {
    let bytes = '';
    const raw = net.createServer((s) => {
      s.on('error', () => {});
      s.on('data', (d) => {
        bytes += d.toString('latin1');
        if (bytes.includes('\r\n\r\n')) s.end('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi');
      });
    });
    const rawPort = await listen(raw);
    try {
      const r = await check([{ path: '/x?y=1' }], { connectPort: rawPort });
      expect(r).toMatchObject({ ok: true });
      expect(bytes).toBe(
        `GET /x?y=1 HTTP/1.1\r\nUser-Agent: KeepAliveClient\r\nHost: 127.0.0.1:${rawPort}\r\nConnection: close\r\n\r\n`,
      );
    } finally {
      await close(raw);
    }
  });

  it('fails on a status outside 2xx by default', async () => {
    expect(await check([{ path: '/status/503' }])).toMatchObject({ ok: false, reason: 'status 503' });
    expect(await check([{ path: '/status/301' }])).toMatchObject({ ok: false, reason: 'status 301' });
    expect(await check([{ path: '/status/204' }])).toMatchObject({ ok: true });
  });

  it('accepts exactly the statuses of status_code', async () => {
    expect(await check([{ path: '/status/301', statusCode: [301, 302] }])).toMatchObject({ ok: true });
    expect(await check([{ path: '/status/200', statusCode: [301, 302] }])).toMatchObject({
      ok: false,
      reason: 'status 200',
    });
    expect(await check([{ path: '/status/503', statusCode: [503] }])).toMatchObject({ ok: true });
    expect(await check([{ path: '/status/302', statusCode: [[300, 399], 200] }])).toMatchObject({ ok: true });
    expect(await check([{ path: '/status/404', statusCode: [[300, 399], 200] }])).toMatchObject({
      ok: false,
      reason: 'status 404',
    });
  });

  it('checks the MD5 digest of the body (either hex case), chunked or not', async () => {
    expect(await check([{ path: '/body', digest: BODY_MD5 }])).toMatchObject({ ok: true });
    expect(await check([{ path: '/body', digest: BODY_MD5.toUpperCase() }])).toMatchObject({ ok: true });
    expect(await check([{ path: '/chunked', digest: BODY_MD5 }])).toMatchObject({ ok: true });
    const wrong = createHash('md5').update('something else').digest('hex');
    expect(await check([{ path: '/body', digest: wrong }])).toMatchObject({ ok: false, reason: 'digest mismatch' });
  });

  it('checks regex and regex_no_match', async () => {
    expect(await check([{ path: '/body', regex: 'real\\s+server' }])).toMatchObject({ ok: true });
    expect(await check([{ path: '/body', regex: '^nope' }])).toMatchObject({ ok: false, reason: 'regex no match' });
    expect(await check([{ path: '/body', regex: '^nope', regexNoMatch: true }])).toMatchObject({ ok: true });
    expect(await check([{ path: '/body', regex: 'hello', regexNoMatch: true }])).toMatchObject({
      ok: false,
      reason: 'regex match',
    });
    expect(await check([{ path: '/body', regex: '(' }])).toMatchObject({ ok: false, reason: 'bad regex' });
  });

  it('sends the virtualhost as Host (the url one first), without the port when it is 80', async () => {
    seen.length = 0;
    expect(await check([{ path: '/body' }], { virtualhost: 'www.example.org' })).toMatchObject({ ok: true });
    expect(
      await check([{ path: '/body', virtualhost: 'api.example.org' }], { virtualhost: 'www.example.org' }),
    ).toMatchObject({ ok: true });
    expect(header(seen[0], 'host')).toEqual([`www.example.org:${port}`]);
    expect(header(seen[1], 'host')).toEqual([`api.example.org:${port}`]);
    expect(hostHeader('www.example.org', 80, false)).toBe('www.example.org');
    expect(hostHeader('www.example.org', 443, true)).toBe('www.example.org');
    expect(hostHeader('www.example.org', 443, false)).toBe('www.example.org:443');
    expect(hostHeader('::1', 8080, false)).toBe('[::1]:8080');
  });

  it('needs every url to pass, fetched one after the other', async () => {
    seen.length = 0;
    expect(await check([{ path: '/body', digest: BODY_MD5 }, { path: '/other' }])).toMatchObject({ ok: true });
    expect(seen.map((s) => s.url)).toEqual(['/body', '/other']);
    seen.length = 0;
    expect(await check([{ path: '/body' }, { path: '/status/500' }, { path: '/other' }])).toMatchObject({
      ok: false,
      reason: 'status 500',
    });
    expect(seen.map((s) => s.url)).toEqual(['/body', '/status/500']); // stops at the first failure
  });

  it('ends a slow body at the connect_timeout deadline', async () => {
    const t0 = performance.now();
    const r = await check([{ path: '/slow' }], { connectTimeoutMs: 300 });
    const took = performance.now() - t0;
    expect(r).toMatchObject({ ok: false, reason: 'timeout' });
    expect(r.latencyMs).toBeGreaterThanOrEqual(290);
    expect(took).toBeLessThan(1500);
  });

  it('times out a server that never answers, and one that never accepts', async () => {
    expect(await check([{ path: '/hang' }], { connectTimeoutMs: 200 })).toMatchObject({
      ok: false,
      reason: 'timeout',
    });
    const l = await unacceptingListener();
    try {
      const before = snapshot();
      expect(await httpProbe(spec([{ path: '/' }], { connectPort: l.port, connectTimeoutMs: 200 }))).toMatchObject({
        ok: false,
        reason: 'timeout',
      });
      await expectNoLeaks(before);
    } finally {
      await l.dispose();
    }
  });

  it("fails a body bigger than the bound with 'body too large' and drops the connection", async () => {
    expect(await check([{ path: '/huge' }])).toMatchObject({ ok: false, reason: 'body too large' });
    expect(await check([{ path: '/huge-chunked' }])).toMatchObject({ ok: false, reason: 'body too large' });
    expect(await check([{ path: '/body' }], { maxBodyBytes: 4 })).toMatchObject({
      ok: false,
      reason: 'body too large',
    });
  });

  it('fails a truncated body', async () => {
    const r = await check([{ path: '/short' }]);
    expect(r.ok).toBe(false);
    expect(['incomplete response', 'reset']).toContain(r.reason);
  });

  it("reports 'refused' and a bad bind without throwing", async () => {
    const p = await freePort();
    expect(await check([{ path: '/' }], { connectPort: p })).toMatchObject({ ok: false, reason: 'refused' });
    const r = await check([{ path: '/' }], { bindto: '127.0.0.1', bindPort: port });
    expect(r.ok).toBe(false);
    expect(r.reason).toMatch(/^bind: E[A-Z]+$/);
  });

  it('binds to bindto', async () => {
    seen.length = 0;
    expect(await check([{ path: '/body' }], { bindto: '127.0.0.3' })).toMatchObject({ ok: true });
    expect(seen[0]?.remoteAddress).toBe('127.0.0.3');
  });

  it('works over IPv6 with a bracketed Host', async (ctx) => {
    const s6 = http.createServer(handler);
    let p6: number;
    try {
      p6 = await listen(s6, '::1');
    } catch {
      ctx.skip();
      return;
    }
    try {
      seen.length = 0;
      expect(await check([{ path: '/body' }], { connectIp: '::1', connectPort: p6 })).toMatchObject({ ok: true });
      expect(header(seen[0], 'host')).toEqual([`[::1]:${p6}`]);
    } finally {
      await close(s6);
    }
  });

  it("stops with 'aborted' when its signal aborts", async () => {
    const before = snapshot();
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    const r = await httpProbe(spec([{ path: '/hang' }]), ac.signal);
    expect(r).toMatchObject({ ok: false, reason: 'aborted' });
    expect(r.latencyMs).toBeLessThan(1000);
    await expectNoLeaks(before);
  });

  it('is reachable through probe() with defaults applied', async () => {
    const before = snapshot();
    expect(
      await probe({ type: 'HTTP_GET', connectIp: '127.0.0.1', connectPort: port, urls: [{ path: '/body' }] }),
    ).toMatchObject({ ok: true, reason: 'ok' });
    expect(await probe({ type: 'HTTP_GET', connectIp: '127.0.0.1', connectPort: port, urls: [] })).toMatchObject({
      ok: false,
      reason: 'bad spec: HTTP_GET: at least one url is needed',
    });
    await expectNoLeaks(before);
  });
});
