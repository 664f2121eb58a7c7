/** PING_CHECK: real echoes over the addon's raw ICMP socket (root, a namespace for the silent case). */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { probe } from '../../src/edges/checks/index.js';
import { canRunNetns } from '../helpers/netns.js';

const DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/edges/checks/ping.js');
const spec = { type: 'PING_CHECK' as const, connectPort: 0, connectTimeoutMs: 500, retry: 0, delayLoopMs: 1000 };

describe.skipIf(!canRunNetns())('PING_CHECK on a raw socket (root)', () => {
  it('loopback answers over IPv4 and IPv6', async () => {
    expect(await probe({ ...spec, connectIp: '127.0.0.1' })).toMatchObject({ ok: true, reason: 'ok' });
    expect(await probe({ ...spec, connectIp: '::1' })).toMatchObject({ ok: true, reason: 'ok' });
  });

  it('no answer within connect_timeout is down (in a namespace where the address is on a silent link)', () => {
    const ns = `vipd-ping-${process.pid}`;
    execFileSync('ip', ['netns', 'add', ns]);
    try {
      execFileSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
      execFileSync('ip', ['-n', ns, 'link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1']);
      execFileSync('ip', ['-n', ns, 'link', 'set', 'v0', 'up']);
      execFileSync('ip', ['-n', ns, 'addr', 'add', '198.51.100.1/24', 'dev', 'v0']);
      const out = execFileSync(
        'ip',
        [
          'netns',
          'exec',
          ns,
          process.execPath,
          '--input-type=module',
          '-e',
          `const { pingProbe } = await import(${JSON.stringify(DIST)});
           console.log(JSON.stringify(await pingProbe({ ...${JSON.stringify(spec)}, connectIp: '198.51.100.9', delayBeforeRetryMs: 0, warmupMs: 0 })));`,
        ],
        { encoding: 'utf8' },
      );
      expect(JSON.parse(out)).toMatchObject({ ok: false, reason: 'timeout' });
    } finally {
      execFileSync('ip', ['netns', 'del', ns]);
    }
  });
});
