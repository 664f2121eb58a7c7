/**
 * HTTP_GET / SSL_GET probe micro-benchmark (not a test): client-side CPU per httpProbe() call.
 *
 * A loopback HTTP and HTTPS server runs in a child process (its CPU is not counted); this process runs
 * N probes with C in flight for each variant and prints the CPU (user + system, process.cpuUsage()) spent
 * per probe, plus the wall-clock rate. Variants: HTTP status only, HTTP with digest, HTTP chunked with
 * digest, HTTP with regex, SSL status only, and a raw TCP exchange without HTTP as the floor (the kernel's
 * loopback TCP work is partly charged to the sending process, so system time cannot reach zero).
 *
 *   npx tsx scripts/bench-probe.ts [N=5000] [C=50] [sslN=N/5] [--impl=<compiled http.js>]
 *
 * By default the probe is src/edges/checks/http.ts as tsx transpiles it (esbuild adds a small cost per
 * closure); --impl=dist/edges/checks/http.js (after `npm run build`) measures the tsc output vipd runs.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { CHECKER_DEFAULTS, type HttpUrl } from '../src/core/checks/spec.js';
import { httpProbe as srcProbe } from '../src/edges/checks/http.js';
import { selfSignedCert } from '../test/checks/helpers.js';

const BODY = `${'<html><body>vipd health check target, all good.</body></html>\n'.repeat(8)}`;
const BODY_MD5 = createHash('md5').update(BODY).digest('hex');

const SERVER = `
const http = require('node:http'), https = require('node:https');
const body = Buffer.from(process.env.BODY);
const handler = (q, s) => {
  s.on('error', () => {});
  if (q.url === '/chunked') { s.writeHead(200, { 'Content-Type': 'text/html' }); s.write(body.subarray(0, 100)); s.end(body.subarray(100)); }
  else s.writeHead(200, { 'Content-Type': 'text/html', 'Content-Length': body.length }).end(body);
};
const h = http.createServer(handler); h.on('clientError', (e, s) => s.destroy());
const t = https.createServer({ key: process.env.KEY, cert: process.env.CERT }, handler);
t.on('clientError', (e, s) => s.destroy()); t.on('tlsClientError', () => {});
h.listen(0, '127.0.0.1', () => t.listen(0, '127.0.0.1', () => console.log(h.address().port + ' ' + t.address().port)));
`;

async function startServer(): Promise<{ child: ChildProcess; httpPort: number; sslPort: number }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'vipd-bench-probe-'));
  const kc = selfSignedCert(dir);
  rmSync(dir, { recursive: true, force: true });
  const child = spawn(process.execPath, ['-e', SERVER], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, BODY, KEY: kc.key, CERT: kc.cert },
  });
  const line = await new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('server did not start')), 10_000);
    child.stdout?.once('data', (d: Buffer) => {
      clearTimeout(t);
      resolve(d.toString().trim());
    });
  });
  const [httpPort, sslPort] = line.split(' ').map(Number);
  return { child, httpPort: httpPort as number, sslPort: sslPort as number };
}

type Opts = Parameters<typeof srcProbe>[0];

const implArg = process.argv.find((a) => a.startsWith('--impl='))?.slice('--impl='.length);
const httpProbe: typeof srcProbe = implArg
  ? ((await import(pathToFileURL(path.resolve(implArg)).href)) as { httpProbe: typeof srcProbe }).httpProbe
  : srcProbe;
const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));

function opts(type: 'HTTP_GET' | 'SSL_GET', port: number, url: HttpUrl): Opts {
  return {
    type,
    connectIp: '127.0.0.1',
    connectPort: port,
    connectTimeoutMs: 5000,
    urls: [url],
    enableSni: false,
    verifyCert: false,
    maxBodyBytes: CHECKER_DEFAULTS.maxBodyBytes,
  };
}

/**
 * The floor under any client: connect, write the request, read to the peer's close, destroy; no parsing.
 * Its system time includes the loopback TCP work the kernel charges to the sending process.
 */
function rawExchange(o: Opts): Promise<{ ok: boolean; reason: string }> {
  const req = Buffer.from(`GET / HTTP/1.1\r\nUser-Agent: x\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
  return new Promise((resolve) => {
    const s = net.connect({ host: o.connectIp, port: o.connectPort });
    s.on('data', () => {});
    s.on('error', (e) => resolve({ ok: false, reason: e.message }));
    s.on('end', () => {
      s.destroy();
      resolve({ ok: true, reason: 'ok' });
    });
    s.write(req);
  });
}

interface RunResult {
  cpuUs: number;
  userUs: number;
  sysUs: number;
  rate: number;
  failed: string[];
}

/** Runs n probes, c in flight; returns CPU µs per probe (user + system, and each), probes/s, failures seen. */
async function run(o: Opts, n: number, c: number, raw = false): Promise<RunResult> {
  const failed: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < n) {
      next++;
      const r = raw ? await rawExchange(o) : await httpProbe(o);
      if (!r.ok && failed.length < 5) failed.push(r.reason);
    }
  };
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(Array.from({ length: Math.min(c, n) }, worker));
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return {
    cpuUs: (cpu.user + cpu.system) / n,
    userUs: cpu.user / n,
    sysUs: cpu.system / n,
    rate: (n * 1000) / wall,
    failed,
  };
}

async function main(): Promise<void> {
  const n = Number(args[0] ?? 5000);
  const c = Number(args[1] ?? 50);
  const sslN = Number(args[2] ?? Math.max(1, Math.floor(n / 5)));
  const { child, httpPort, sslPort } = await startServer();
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  try {
    const variants: [string, Opts, number, boolean?][] = [
      ['HTTP status only', opts('HTTP_GET', httpPort, { path: '/h', statusCode: [200] }), n],
      ['HTTP + digest', opts('HTTP_GET', httpPort, { path: '/h', digest: BODY_MD5 }), n],
      ['HTTP chunked + digest', opts('HTTP_GET', httpPort, { path: '/chunked', digest: BODY_MD5 }), n],
      ['HTTP + regex', opts('HTTP_GET', httpPort, { path: '/h', regex: 'all\\s+good' }), n],
      ['raw TCP floor (no HTTP)', opts('HTTP_GET', httpPort, { path: '/h' }), n, true],
      ['SSL status only', opts('SSL_GET', sslPort, { path: '/h' }), sslN],
    ];
    console.log(
      `node ${process.version}, ${n} probes per HTTP variant (${sslN} SSL), ${c} in flight, probe: ${implArg ?? 'src (tsx)'}`,
    );
    for (const [, o, count, raw] of variants) await run(o, Math.min(500, count), c, raw); // warm-up (JIT, TLS)
    for (const [name, o, count, raw] of variants) {
      await run(o, Math.min(500, count), c, raw); // and again right before (no carry-over from the previous one)
      const r = await run(o, count, c, raw);
      const fail = r.failed.length > 0 ? `  FAILURES: ${r.failed.join(', ')}` : '';
      const us = (v: number) => v.toFixed(1).padStart(7);
      console.log(
        `${name.padEnd(24)} ${us(r.cpuUs)} µs CPU/probe (user ${us(r.userUs)}, sys ${us(r.sysUs)})  ${r.rate.toFixed(0).padStart(6)} probes/s${fail}`,
      );
    }
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

await main();
