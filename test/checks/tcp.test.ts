import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probe, tcpProbe } from '../../src/edges/checks/index.js';
import {
  close,
  expectNoLeaks,
  freePort,
  listen,
  type Snapshot,
  snapshot,
  trackSockets,
  unacceptingListener,
  waitFor,
} from './helpers.js';

let server: net.Server;
let port: number;
let server6: net.Server | undefined;
let port6 = 0;
const peers: { address: string | undefined; port: number | undefined }[] = [];

beforeAll(async () => {
  server = net.createServer((s) => {
    peers.push({ address: s.remoteAddress, port: s.remotePort });
    s.on('error', () => {});
    s.end();
  });
  trackSockets(server);
  port = await listen(server);
  try {
    server6 = net.createServer((s) => {
      s.on('error', () => {});
      s.end();
    });
    port6 = await listen(server6, '::1');
  } catch {
    server6 = undefined; // no IPv6 loopback here
  }
});
afterAll(async () => {
  await close(server);
  if (server6) await close(server6);
});

const tcp = (o: Partial<Parameters<typeof tcpProbe>[0]> = {}) =>
  tcpProbe({ connectIp: '127.0.0.1', connectPort: port, connectTimeoutMs: 2000, ...o });

async function noLeaks<T>(fn: () => Promise<T>): Promise<T> {
  const before: Snapshot = snapshot();
  const r = await fn();
  await expectNoLeaks(before);
  return r;
}

describe('TCP_CHECK', () => {
  it('is ok when the connect succeeds, and closes its socket', async () => {
    const r = await noLeaks(() => tcp());
    expect(r).toMatchObject({ ok: true, reason: 'ok' });
    expect(r.latencyMs).toBeGreaterThanOrEqual(0);
    expect(r.latencyMs).toBeLessThan(2000);
  });

  it('connects over IPv6', async (ctx) => {
    if (!server6) ctx.skip();
    const r = await noLeaks(() => tcp({ connectIp: '::1', connectPort: port6 }));
    expect(r).toMatchObject({ ok: true, reason: 'ok' });
  });

  it("reports 'refused' when nothing listens", async () => {
    const p = await freePort();
    const r = await noLeaks(() => tcp({ connectPort: p }));
    expect(r).toMatchObject({ ok: false, reason: 'refused' });
  });

  it("reports 'timeout' at connect_timeout when the listener never answers", async () => {
    const l = await unacceptingListener();
    try {
      const before = snapshot();
      const t0 = performance.now();
      const r = await tcp({ connectPort: l.port, connectTimeoutMs: 300 });
      const took = performance.now() - t0;
      expect(r).toMatchObject({ ok: false, reason: 'timeout' });
      expect(took).toBeGreaterThanOrEqual(290);
      expect(took).toBeLessThan(1500);
      // The latency is the engine's, from connect() on its loop's clock (whole ms): the deadline, not less.
      expect(r.latencyMs).toBeGreaterThanOrEqual(300);
      expect(r.latencyMs).toBeLessThanOrEqual(took + 1);
      await expectNoLeaks(before);
    } finally {
      await l.dispose();
    }
  });

  it('binds to bindto and bind_port', async () => {
    const src = await freePort('127.0.0.2').catch(() => 0);
    peers.length = 0;
    const r = await noLeaks(() => tcp({ bindto: '127.0.0.2', bindPort: src || undefined }));
    expect(r).toMatchObject({ ok: true });
    expect(await waitFor(() => peers.length === 1, 1000)).toBe(true);
    expect(peers[0]?.address).toBe('127.0.0.2');
    if (src) expect(peers[0]?.port).toBe(src);
  });

  it("reports a bind failure ('bind: EADDRINUSE') without throwing", async () => {
    // The listener itself holds 127.0.0.1:port, so binding the source to it must fail.
    const r = await noLeaks(() => tcp({ bindto: '127.0.0.1', bindPort: port }));
    expect(r.ok).toBe(false);
    expect(r.reason).toMatch(/^bind: E[A-Z]+$/);
  });

  it('refuses a host name or a bad port without throwing (no DNS)', async () => {
    expect(await tcp({ connectIp: 'localhost' })).toMatchObject({ ok: false, reason: 'bad address: localhost' });
    expect(await noLeaks(() => tcp({ connectPort: 70000 }))).toMatchObject({ ok: false, reason: 'bad port: 70000' });
    expect(await tcp({ bindto: 'example' })).toMatchObject({ ok: false, reason: 'bad address: example' });
  });

  it("stops at once with 'aborted' when its signal aborts", async () => {
    const l = await unacceptingListener();
    try {
      const before = snapshot();
      const ac = new AbortController();
      const p = tcp({ connectPort: l.port, connectTimeoutMs: 400 });
      const p2 = tcpProbe({ connectIp: '127.0.0.1', connectPort: l.port, connectTimeoutMs: 5000 }, ac.signal);
      setTimeout(() => ac.abort(), 50);
      expect(await p2).toMatchObject({ ok: false, reason: 'aborted' });
      const pre = new AbortController();
      pre.abort();
      expect(await tcpProbe({ connectIp: '127.0.0.1', connectPort: port, connectTimeoutMs: 100 }, pre.signal)).toEqual({
        ok: false,
        reason: 'aborted',
        latencyMs: 0,
      });
      await expect(p).resolves.toMatchObject({ reason: 'timeout' });
      await expectNoLeaks(before);
    } finally {
      await l.dispose();
    }
  }, 10_000);

  it('is reachable through probe() with defaults applied', async () => {
    const r = await noLeaks(() => probe({ type: 'TCP_CHECK', connectIp: '127.0.0.1', connectPort: port }));
    expect(r).toMatchObject({ ok: true, reason: 'ok' });
  });
});
