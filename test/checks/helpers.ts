/** Local servers, a self-signed certificate and leak accounting for the health-check tests. */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { expect } from 'vitest';

/** Handle kinds that would betray a leaked socket, server, child process, pipe or timer. */
const WATCHED = ['TCPSocketWrap', 'TCPServerWrap', 'TLSWrap', 'ConnectWrap', 'ProcessWrap', 'PipeWrap', 'Timeout'];

export interface Snapshot {
  handles: Record<string, number>;
  fds: number;
}

export function snapshot(): Snapshot {
  const handles: Record<string, number> = {};
  for (const k of WATCHED) handles[k] = 0;
  for (const r of process.getActiveResourcesInfo()) if (r in handles) handles[r] = (handles[r] ?? 0) + 1;
  return { handles, fds: readdirSync('/proc/self/fd').length };
}

function within(now: Snapshot, before: Snapshot): boolean {
  if (now.fds > before.fds) return false;
  return WATCHED.every((k) => (now.handles[k] ?? 0) <= (before.handles[k] ?? 0));
}

/**
 * Waits (bounded) until no more sockets, servers, children, pipes, timers or fds are open than in `before`,
 * then asserts it. Server-side sockets close a moment after the client's, hence the wait.
 */
export async function expectNoLeaks(before: Snapshot, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  let now = snapshot();
  while (!within(now, before) && Date.now() < end) {
    await sleep(10);
    now = snapshot();
  }
  if (!within(now, before)) expect({ handles: now.handles, fds: now.fds }).toEqual(before);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function waitFor(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await sleep(10);
  }
  return cond();
}

/** Starts listening on an ephemeral loopback port and returns it. */
export function listen(server: net.Server, host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port: 0 }, () => {
      server.off('error', reject);
      resolve((server.address() as net.AddressInfo).port);
    });
  });
}

/** Closes a server and every connection it still holds. */
export function close(server: net.Server & { closeAllConnections?: () => void }): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) {
      resolve();
      return;
    }
    server.close(() => resolve());
    server.closeAllConnections?.();
  });
}

/** Tracks a server's accepted sockets so a test can destroy them all. */
export function trackSockets(server: net.Server): Set<net.Socket> {
  const set = new Set<net.Socket>();
  server.on('connection', (s: net.Socket) => {
    set.add(s);
    s.on('close', () => set.delete(s));
  });
  return set;
}

/** A port nobody listens on (bound then released at once). */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const s = net.createServer();
  const port = await listen(s, host);
  await close(s);
  return port;
}

/**
 * A loopback listener that never accepts, so a connect to it hangs until its own timeout: a child node process
 * listens with backlog 1 then blocks its event loop; the test fills the kernel's accept queue (bounded to 8
 * connects) so that further SYNs are dropped. Everything stays on 127.0.0.1.
 */
export async function unacceptingListener(): Promise<{ port: number; dispose(): Promise<void> }> {
  const code =
    "const net=require('net');const s=net.createServer();" +
    "s.listen({host:'127.0.0.1',port:0,backlog:1},()=>{process.stdout.write(s.address().port+'\\n');" +
    'Atomics.wait(new Int32Array(new SharedArrayBuffer(4)),0,0,60000);process.exit(0)})';
  const child: ChildProcess = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'ignore'] });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const port = await new Promise<number>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('listener did not start')), 5000);
    child.stdout?.once('data', (d) => {
      clearTimeout(t);
      resolve(Number(String(d).trim()));
    });
  });
  child.stdout?.destroy();
  const fillers: net.Socket[] = [];
  for (let i = 0; i < 8; i++) {
    const s = net.connect(port, '127.0.0.1');
    s.on('error', () => {});
    fillers.push(s);
    const connected = await new Promise<boolean>((r) => {
      const t = setTimeout(() => r(false), 250);
      s.once('connect', () => {
        clearTimeout(t);
        r(true);
      });
    });
    if (!connected) break;
  }
  return {
    port,
    async dispose() {
      for (const s of fillers) s.destroy();
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/** A self-signed certificate (CN and SAN vipd.test, SAN IP 127.0.0.1) made with the openssl CLI. */
export function selfSignedCert(dir: string): { key: string; cert: string } {
  const key = path.join(dir, 'key.pem');
  const cert = path.join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '2',
      '-subj',
      '/CN=vipd.test',
      '-addext',
      'subjectAltName=DNS:vipd.test,IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  return { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') };
}

export function opensslAvailable(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Alive and not a zombie (an orphan may stay a zombie when pid 1 does not reap). */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}
