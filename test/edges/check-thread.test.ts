/** The check engine on its own thread: results come back, stop() settles, close() ends the thread. */
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { CheckResult } from '../../src/core/tracking/types.js';
import { CheckThread } from '../../src/edges/check-thread.js';

/** A TCP_CHECK of 127.0.0.1:port on the thread, every delayLoopMs. */
const tcpCheck = (port: number, delayLoopMs: number) => ({
  type: 'TCP_CHECK' as const,
  connectIp: '127.0.0.1',
  connectPort: port,
  connectTimeoutMs: 1000,
  delayLoopMs,
  retry: 0,
  delayBeforeRetryMs: 0,
  warmupMs: 0,
});

describe('CheckThread', () => {
  let server: Server | undefined;
  let thread: CheckThread | undefined;
  afterEach(async () => {
    await thread?.close();
    await new Promise((r) => (server ? server.close(r) : r(undefined)));
  });

  /** A loopback server (closing each connection at once, or refusing once closed); its port. */
  async function listen(onConnection?: (s: Socket) => void): Promise<number> {
    server = createServer(onConnection);
    await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
    return (server.address() as { port: number }).port;
  }

  it('runs a TCP_CHECK on the thread and reports each run; nothing after stop()', async () => {
    const port = await listen((s) => s.destroy());
    thread = new CheckThread();
    const results: CheckResult[] = [];
    const handle = thread.createCheck(tcpCheck(port, 20), (r) => results.push(r));
    handle.start();
    expect(handle.running).toBe(true);
    for (let i = 0; i < 200 && results.length < 3; i++) await new Promise((r) => setTimeout(r, 25));
    expect(results.length).toBeGreaterThanOrEqual(3);
    expect(results.every((r) => r.ok && r.reason === 'ok')).toBe(true);
    await handle.stop();
    const after = results.length;
    await new Promise((r) => setTimeout(r, 100));
    expect(results.length).toBe(after);
  });

  it("'changes' reporting: a healthy server's runs after the first stay on the thread; its failure comes across", async () => {
    const port = await listen((s) => s.destroy());
    thread = new CheckThread();
    const results: CheckResult[] = [];
    const spec = tcpCheck(port, 20);
    const handle = thread.createCheck(spec, (r) => results.push(r), 'changes');
    // A second check on the same server, reporting every run: the clock for how many runs have been made.
    const every: CheckResult[] = [];
    const counter = thread.createCheck(spec, (r) => every.push(r));
    handle.start();
    counter.start();
    for (let i = 0; i < 200 && every.length < 6; i++) await new Promise((r) => setTimeout(r, 25));
    expect(every.length).toBeGreaterThanOrEqual(6);
    expect(results).toEqual([expect.objectContaining({ ok: true })]);
    await new Promise((r) => server?.close(r));
    server = undefined;
    for (let i = 0; i < 200 && results.length < 3; i++) await new Promise((r) => setTimeout(r, 25));
    expect(results.slice(1, 3)).toEqual([
      expect.objectContaining({ ok: false, reason: 'refused' }),
      expect.objectContaining({ ok: false, reason: 'refused' }),
    ]);
    await Promise.all([handle.stop(), counter.stop()]);
  });

  it('reports failures from the thread too (refused)', async () => {
    const port = await listen();
    await new Promise((r) => server?.close(r));
    server = undefined;
    thread = new CheckThread();
    const result = await new Promise<CheckResult>((resolve) => {
      thread?.createCheck(tcpCheck(port, 1000), resolve).start();
    });
    expect(result).toMatchObject({ ok: false, reason: 'refused' });
  });
});
