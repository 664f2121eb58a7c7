import { createHash } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ResponseReader, requestBytes } from '../../src/edges/checks/http-wire.js';
import {
  CHECKER_DEFAULTS,
  type HttpCheckSpec,
  type HttpUrl,
  hostHeader,
  httpProbe,
  probe,
} from '../../src/edges/checks/index.js';
import {
  close,
  expectNoLeaks,
  freePort,
  listen,
  snapshot,
  trackSockets,
  unacceptingListener,
  waitFor,
} from './helpers.js';

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
    res
      .writeHead(200, { 'Content-Length': 2 * CHECKER_DEFAULTS.maxBodyBytes })
      .end(Buffer.alloc(2 * CHECKER_DEFAULTS.maxBodyBytes));
  } else if (url === '/huge-chunked') {
    res.writeHead(200);
    const block = Buffer.alloc(64 * 1024, 0x61);
    let sent = 0;
    const more = () => {
      while (sent < 4 * CHECKER_DEFAULTS.maxBodyBytes && !res.destroyed) {
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
    maxBodyBytes: CHECKER_DEFAULTS.maxBodyBytes,
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
        `GET /x?y=1 HTTP/1.1\r\nUser-Agent: KeepAliveClient\r\nConnection: close\r\nHost: 127.0.0.1:${rawPort}\r\n\r\n`,
      );
    } finally {
      await close(raw);
    }
  });

  it("keepalived's url regex options: regex_options flags, regex_min_offset / regex_max_offset, regex_no_match", async () => {
    const raw = net.createServer((s) => {
      s.on('error', () => {});
      s.on('data', () => s.end('HTTP/1.1 200 OK\r\nContent-Length: 11\r\nConnection: close\r\n\r\nhello World'));
    });
    const rawPort = await listen(raw);
    const one = (url: Record<string, unknown>) => check([{ path: '/', ...url }], { connectPort: rawPort });
    try {
      expect(await one({ regex: 'world' })).toMatchObject({ ok: false, reason: 'regex no match' });
      expect(await one({ regex: 'world', regexFlags: 'i' })).toMatchObject({ ok: true });
      expect(await one({ regex: 'World', regexMinOffset: 6, regexMaxOffset: 6 })).toMatchObject({ ok: true });
      expect(await one({ regex: 'World', regexMinOffset: 7 })).toMatchObject({ ok: false });
      expect(await one({ regex: 'World', regexMaxOffset: 5 })).toMatchObject({ ok: false });
      expect(await one({ regex: 'World', regexNoMatch: true })).toMatchObject({ ok: false, reason: 'regex match' });
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

/** A raw loopback server: `respond` gets each accepted socket once the request head is in. */
async function rawServer(
  respond: (s: net.Socket) => void,
): Promise<{ port: number; closed: () => number; stop(): Promise<void> }> {
  let closedCount = 0;
  const srv = net.createServer((s) => {
    s.setNoDelay(true);
    s.on('error', () => {});
    s.on('close', () => closedCount++);
    let head = '';
    const onData = (d: Buffer) => {
      head += d.toString('latin1');
      if (head.includes('\r\n\r\n')) {
        s.off('data', onData);
        respond(s);
      }
    };
    s.on('data', onData);
  });
  const sockets = trackSockets(srv);
  const p = await listen(srv);
  return {
    port: p,
    closed: () => closedCount,
    async stop() {
      for (const s of sockets) s.destroy();
      await close(srv);
    },
  };
}

/** Writes `bytes` in pieces of `step` bytes, `gapMs` apart (so that each piece is its own TCP segment). */
function dribble(s: net.Socket, bytes: Buffer, step: number, gapMs: number, then?: () => void): void {
  let at = 0;
  const next = () => {
    if (s.destroyed) return;
    if (at >= bytes.length) {
      then?.();
      return;
    }
    s.write(bytes.subarray(at, at + step));
    at += step;
    setTimeout(next, gapMs);
  };
  next();
}

const CHUNKED_RESPONSE = Buffer.from(
  'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n' +
    `5;ext=1\r\n${BODY.slice(0, 5)}\r\n` +
    `${(BODY.length - 5).toString(16).toUpperCase()}\r\n${BODY.slice(5)}\r\n` +
    '0\r\nX-Trailer: yes\r\n\r\n',
  'latin1',
);

describe('HTTP_GET wire (lean client over node:net)', () => {
  it('fails at once on an unaccepted status line, without waiting for the headers or the body', async () => {
    const srv = await rawServer((s) => s.write('HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/pl')); // never ends
    try {
      const t0 = performance.now();
      const r = await check([{ path: '/' }], { connectPort: srv.port, connectTimeoutMs: 3000 });
      expect(r).toMatchObject({ ok: false, reason: 'status 503' });
      expect(performance.now() - t0).toBeLessThan(1000);
      expect(await waitFor(() => srv.closed() === 1, 2000)).toBe(true); // the client hung up
    } finally {
      await srv.stop();
    }
  });

  it('is done once the declared body is in, without waiting for the server to close', async () => {
    const srv = await rawServer((s) => s.write(`HTTP/1.1 200 OK\r\nContent-Length: ${BODY.length}\r\n\r\n${BODY}`));
    try {
      const t0 = performance.now();
      expect(await check([{ path: '/', digest: BODY_MD5 }], { connectPort: srv.port })).toMatchObject({ ok: true });
      expect(performance.now() - t0).toBeLessThan(1000);
    } finally {
      await srv.stop();
    }
  });

  it('reads a status line, headers and a chunked body split across many TCP segments (digest and regex)', async () => {
    const srv = await rawServer((s) => dribble(s, CHUNKED_RESPONSE, 3, 2, () => s.end()));
    try {
      expect(
        await check([{ path: '/', digest: BODY_MD5, regex: 'real server' }], { connectPort: srv.port }),
      ).toMatchObject({ ok: true, reason: 'ok' });
      expect(await check([{ path: '/' }], { connectPort: srv.port })).toMatchObject({ ok: true });
    } finally {
      await srv.stop();
    }
  });

  it('reads a status line split in two segments mid-code, and judges it', async () => {
    const srv = await rawServer((s) => {
      s.write('HTTP/1.1 4');
      setTimeout(() => s.end('04 Not Found\r\nContent-Length: 0\r\n\r\n'), 30);
    });
    try {
      expect(await check([{ path: '/' }], { connectPort: srv.port })).toMatchObject({
        ok: false,
        reason: 'status 404',
      });
      expect(await check([{ path: '/', statusCode: [404] }], { connectPort: srv.port })).toMatchObject({ ok: true });
    } finally {
      await srv.stop();
    }
  });

  it('skips an interim 100 Continue and reads a body delimited by the close (HTTP/1.0)', async () => {
    const srv = await rawServer((s) => s.end(`HTTP/1.1 100 Continue\r\n\r\nHTTP/1.0 200 OK\r\n\r\n${BODY}`));
    try {
      expect(await check([{ path: '/', digest: BODY_MD5 }], { connectPort: srv.port })).toMatchObject({ ok: true });
    } finally {
      await srv.stop();
    }
  });

  it("fails a malformed response with 'bad response: HPE_...'", async () => {
    const garbage = await rawServer((s) => s.end('SSH-2.0-OpenSSH_9.6\r\n'));
    const hugeHead = await rawServer((s) =>
      s.end(`HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(20_000)}\r\nContent-Length: 0\r\n\r\n`),
    );
    const badChunk = await rawServer((s) => s.end('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'));
    try {
      expect(await check([{ path: '/' }], { connectPort: garbage.port })).toMatchObject({
        ok: false,
        reason: 'bad response: HPE_INVALID_CONSTANT',
      });
      expect(await check([{ path: '/' }], { connectPort: hugeHead.port })).toMatchObject({
        ok: false,
        reason: 'bad response: HPE_HEADER_OVERFLOW',
      });
      expect(await check([{ path: '/' }], { connectPort: badChunk.port })).toMatchObject({
        ok: false,
        reason: 'bad response: HPE_INVALID_CHUNK_SIZE',
      });
    } finally {
      await Promise.all([garbage.stop(), hugeHead.stop(), badChunk.stop()]);
    }
  });

  it("reports 'reset' when the server closes before a full head", async () => {
    const srv = await rawServer((s) => s.end('HTTP/1.1 200 OK\r\nContent-'));
    try {
      expect(await check([{ path: '/' }], { connectPort: srv.port })).toMatchObject({ ok: false, reason: 'reset' });
    } finally {
      await srv.stop();
    }
  });

  it('refuses a path or Host that would inject request lines, before connecting', async () => {
    seen.length = 0;
    expect(await check([{ path: '/x HTTP/1.1\r\nX-Evil: 1\r\n' }])).toMatchObject({
      ok: false,
      reason: 'error: ERR_UNESCAPED_CHARACTERS',
    });
    expect(await check([{ path: '/body' }], { virtualhost: 'a\r\nX-Evil: 1' })).toMatchObject({
      ok: false,
      reason: 'error: ERR_INVALID_CHAR',
    });
    expect(seen).toHaveLength(0);
  });

  it('follows a change of virtualhost or port for the same url object (cached request bytes)', async () => {
    seen.length = 0;
    const url: HttpUrl = { path: '/body' };
    expect(await check([url], { virtualhost: 'a.example.org' })).toMatchObject({ ok: true });
    expect(await check([url], { virtualhost: 'a.example.org' })).toMatchObject({ ok: true });
    expect(await check([url], { virtualhost: 'b.example.org' })).toMatchObject({ ok: true });
    expect(seen.map((s) => header(s, 'host')[0])).toEqual([
      `a.example.org:${port}`,
      `a.example.org:${port}`,
      `b.example.org:${port}`,
    ]);
  });
});

describe('ResponseReader', () => {
  const run = (bytes: Buffer, splits: number[], o: { ok?: (s: number) => boolean; max?: number } = {}) => {
    const got: Buffer[] = [];
    const reader = new ResponseReader(
      o.ok ?? ((s) => s >= 200 && s <= 299),
      o.max ?? CHECKER_DEFAULTS.maxBodyBytes,
      (b, s, e) => got.push(Buffer.from(b.subarray(s, e))),
    );
    let at = 0;
    let r = '';
    for (const cut of [...splits, bytes.length]) {
      // each piece sits inside a bigger buffer that is overwritten after feed(), as the probe's read buffer is
      const piece = bytes.subarray(at, cut);
      const buf = Buffer.alloc(piece.length + 8, 0x7a);
      piece.copy(buf, 4);
      r = reader.feed(buf, 4, 4 + piece.length);
      buf.fill(0x7a);
      at = cut;
      if (r !== '') break;
    }
    if (r === '') r = reader.eof();
    return { r, body: Buffer.concat(got).toString('latin1'), status: reader.status };
  };

  it('parses a chunked response (extensions, trailers) split at every single byte boundary', () => {
    for (let cut = 1; cut < CHUNKED_RESPONSE.length; cut++)
      expect(run(CHUNKED_RESPONSE, [cut]), `cut at ${cut}`).toEqual({ r: 'done', body: BODY, status: 200 });
    const everyByte = Array.from({ length: CHUNKED_RESPONSE.length - 1 }, (_, i) => i + 1);
    expect(run(CHUNKED_RESPONSE, everyByte)).toEqual({ r: 'done', body: BODY, status: 200 });
  });

  it('parses a Content-Length response split at every byte boundary, ignoring what follows it', () => {
    const res = Buffer.from(`HTTP/1.1 200 OK\r\ncontent-LENGTH:  ${BODY.length} \r\n\r\n${BODY}trailing junk`);
    for (let cut = 1; cut < res.length; cut++) expect(run(res, [cut])).toEqual({ r: 'done', body: BODY, status: 200 });
  });

  it('accepts bare LF line ends and a status line without a reason phrase', () => {
    expect(run(Buffer.from(`HTTP/1.1 200\nContent-Length: 2\n\nhi`), [])).toEqual({
      r: 'done',
      body: 'hi',
      status: 200,
    });
  });

  it('judges the status as soon as the status line is in', () => {
    const reader = new ResponseReader((s) => s === 200, 100, undefined);
    const b = Buffer.from('HTTP/1.1 500 Internal Server Error\r\n');
    expect(reader.feed(b, 0, b.length)).toBe('status 500');
  });

  it('bounds the body: declared, chunked and read-to-close', () => {
    expect(run(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n'), [], { max: 10 }).r).toBe('body too large');
    expect(run(Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nB\r\n'), [], { max: 10 }).r).toBe(
      'body too large',
    );
    expect(run(Buffer.from('HTTP/1.1 200 OK\r\n\r\n0123456789A'), [20], { max: 10 }).r).toBe('body too large');
    expect(run(Buffer.from('HTTP/1.1 200 OK\r\n\r\n0123456789'), [20], { max: 10 })).toEqual({
      r: 'done',
      body: '0123456789',
      status: 200,
    });
  });

  it('reports a truncated body and a close before the head', () => {
    expect(run(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab'), []).r).toBe('incomplete response');
    expect(run(CHUNKED_RESPONSE.subarray(0, CHUNKED_RESPONSE.length - 2), []).r).toBe('incomplete response');
    expect(run(Buffer.from('HTTP/1.1 200 OK\r\nContent-Le'), []).r).toBe('reset');
  });

  it('has no body for 204 and 304', () => {
    expect(run(Buffer.from('HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n'), []).r).toBe('done');
    expect(run(Buffer.from('HTTP/1.1 304 Not Modified\r\n\r\n'), [], { ok: () => true }).r).toBe('done');
  });

  it('builds the request bytes keepalived sends', () => {
    expect(requestBytes('/a?b=1', 'h:81', 'KeepAliveClient')).toEqual(
      Buffer.from('GET /a?b=1 HTTP/1.1\r\nUser-Agent: KeepAliveClient\r\nConnection: close\r\nHost: h:81\r\n\r\n'),
    );
    // http_protocol 1.0 (keepalived's default) and 1.0C: keepalived's request template, line for line.
    expect(requestBytes('/', 'h', 'UA', '1.0').toString()).toBe('GET / HTTP/1.0\r\nUser-Agent: UA\r\nHost: h\r\n\r\n');
    expect(requestBytes('/', 'h', 'UA', '1.0C').toString()).toBe(
      'GET / HTTP/1.0\r\nUser-Agent: UA\r\nConnection: close\r\nHost: h\r\n\r\n',
    );
    expect(requestBytes('', 'h', 'UA').toString()).toMatch(/^GET \/ HTTP\/1\.1\r\n/);
  });
});
