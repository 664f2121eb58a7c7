import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { withDefaults } from '../../src/edges/checks/index.js';
import { close, expectNoLeaks, listen, snapshot } from './helpers.js';

describe('withDefaults (keepalived checker defaults)', () => {
  it('TCP_CHECK: connect_timeout 5 s, delay_loop 60 s, retry 1, delay_before_retry 1 s, warmup = delay_loop', () => {
    expect(withDefaults({ type: 'TCP_CHECK', connectIp: '127.0.0.1', connectPort: 80 })).toEqual({
      type: 'TCP_CHECK',
      connectIp: '127.0.0.1',
      connectPort: 80,
      connectTimeoutMs: 5000,
      delayLoopMs: 60_000,
      retry: 1,
      delayBeforeRetryMs: 1000,
      warmupMs: 60_000,
    });
  });

  it('HTTP_GET / SSL_GET: delay_before_retry 3 s, no verification, no SNI, 1 MiB bodies', () => {
    const s = withDefaults({
      type: 'SSL_GET',
      connectIp: '::1',
      connectPort: 443,
      delayLoopMs: 10_000,
      urls: [{ path: '/' }],
    });
    expect(s).toMatchObject({
      delayLoopMs: 10_000,
      warmupMs: 10_000,
      retry: 1,
      delayBeforeRetryMs: 3000,
      connectTimeoutMs: 5000,
      enableSni: false,
      verifyCert: false,
      maxBodyBytes: 1024 * 1024,
    });
    expect(() => withDefaults({ type: 'HTTP_GET', connectIp: '127.0.0.1', connectPort: 80, urls: [] })).toThrow(
      'at least one url',
    );
  });

  it('MISC_CHECK: retry 0, misc_timeout = delay_loop; explicit values win (warmup 0 disables)', () => {
    expect(withDefaults({ type: 'MISC_CHECK', miscPath: ['/x'], delayLoopMs: 3000 })).toMatchObject({
      retry: 0,
      delayBeforeRetryMs: 1000,
      miscTimeoutMs: 3000,
      miscDynamic: false,
      warmupMs: 3000,
    });
    expect(
      withDefaults({
        type: 'MISC_CHECK',
        miscPath: ['/x'],
        retry: 2,
        warmupMs: 0,
        miscTimeoutMs: 10,
        miscDynamic: true,
      }),
    ).toMatchObject({ retry: 2, warmupMs: 0, miscTimeoutMs: 10, miscDynamic: true });
  });
});

describe('the leak check itself', () => {
  it('notices a socket left open', async () => {
    const server = net.createServer((s) => s.on('error', () => {}));
    await listen(server);
    const port = (server.address() as net.AddressInfo).port;
    const before = snapshot();
    const leaked = net.connect(port, '127.0.0.1');
    leaked.on('error', () => {});
    await new Promise((r) => leaked.once('connect', r));
    await expect(expectNoLeaks(before, 100)).rejects.toThrow();
    leaked.destroy();
    await close(server);
  });
});
