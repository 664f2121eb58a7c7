/**
 * The addon's probe engine under the conditions that make checkers flap: an event loop that ran late, and a
 * thousand checks in flight against a server that answers slowly. The server is a child process, so that it
 * answers while this process is blocked. A healthy server is never reported down: the deadline counts from
 * connect() and, when it passes while the answer is already waiting, what arrived is read first.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpProbe, tcpProbe } from '../../src/edges/checks/index.js';
import { probeEngine } from '../../src/edges/checks/probe-engine.js';
import { expectNoLeaks, snapshot } from './helpers.js';

// Answers every request after DELAY ms (the path's number, else 0), or never for /hang.
const SERVER = `
const http = require('node:http');
const s = http.createServer((q, r) => {
  if (q.url === '/hang') return;
  const delay = Number(q.url.slice(1)) || 0;
  setTimeout(() => r.writeHead(200, { 'Content-Length': 2 }).end('ok'), delay);
});
s.maxConnections = 5000;
s.listen(0, '127.0.0.1', 4096, () => console.log(s.address().port));
`;

let server: ChildProcess;
let port: number;

beforeAll(async () => {
  server = spawn(process.execPath, ['-e', SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  port = await new Promise<number>((resolve, reject) => {
    server.stdout?.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
    server.once('exit', (code) => reject(new Error(`server exited ${code}`)));
  });
});

afterAll(() => {
  server?.kill();
});

/** Blocks this thread for `ms` (a busy event loop: many checks, a long GC, a slow machine). */
function block(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // busy
  }
}

const http1 = (path: string, connectTimeoutMs: number) =>
  httpProbe({
    type: 'HTTP_GET',
    connectIp: '127.0.0.1',
    connectPort: port,
    connectTimeoutMs,
    urls: [{ path, statusCode: [200] }],
    maxBodyBytes: 1 << 20,
    httpProtocol: '1.1',
    enableSni: false,
    verifyCert: false,
  });

describe('probe engine', () => {
  it('TCP_CHECK: a loop blocked past connect_timeout after the connect completed is still up', async () => {
    const result = tcpProbe({ connectIp: '127.0.0.1', connectPort: port, connectTimeoutMs: 100 });
    block(300); // the kernel completes the handshake meanwhile; the deadline passes before the loop runs again
    expect(await result).toMatchObject({ ok: true, reason: 'ok' });
  });

  it('HTTP_GET: the answer came while the loop was blocked past the deadline: read, judged, up', async () => {
    const result = http1('/0', 150);
    block(500);
    expect(await result).toMatchObject({ ok: true, reason: 'ok' });
  });

  it('HTTP_GET: no answer is a timeout at connect_timeout, counted from the connect', async () => {
    const t0 = performance.now();
    const result = await http1('/hang', 200);
    expect(result).toMatchObject({ ok: false, reason: 'timeout' });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(199);
  });

  it('a thousand HTTP_GET in flight at once against a server answering after 300 ms: every one up, nothing left open', async () => {
    const before = snapshot();
    const results = await Promise.all(Array.from({ length: 1000 }, () => http1('/300', 3000)));
    const down = results.filter((r) => !r.ok);
    expect(down).toEqual([]);
    expect(probeEngine().active).toBe(0);
    await expectNoLeaks(before);
  });
});
