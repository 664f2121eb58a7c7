/**
 * The checkers' bind_if (SO_BINDTODEVICE) and fwmark (SO_MARK), on the real kernel. A director namespace has two
 * links into one subnet, to two servers that both hold 192.0.2.10: the main table routes the subnet out of `a0`
 * (to server A), so a probe reaches server B only when bind_if names `b0` or when its fwmark selects the table that
 * routes out of `b0`. Server B alone listens on TCP 81 and UDP 53 and holds 192.0.2.20, so each probe's verdict
 * says which way it went. The probes run in the director namespace (`ip netns exec`) from the shipped build.
 */
import { execFileSync, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canRunNetns, waitFor } from '../helpers/netns.js';

const DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/edges/checks/index.js');
const tag = `${process.pid.toString(36)}`;
const NS = { dir: `vipd-bif-d-${tag}`, a: `vipd-bif-a-${tag}`, b: `vipd-bif-b-${tag}` };
const MARK = 7;
const timing = { retry: 0, delayLoopMs: 1000, delayBeforeRetryMs: 0, warmupMs: 0, connectTimeoutMs: 700 };

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
const inNs = (ns: string, ...cmd: string[]) => ip('netns', 'exec', ns, ...cmd);

/** The verdicts of `specs`, probed one after another in the director namespace. */
function probeAll(specs: readonly object[]): { ok: boolean; reason: string }[] {
  const out = execFileSync(
    'ip',
    [
      'netns',
      'exec',
      NS.dir,
      process.execPath,
      '--input-type=module',
      '-e',
      `const { probe } = await import(${JSON.stringify(DIST)});
       const out = [];
       for (const s of ${JSON.stringify(specs)}) out.push(await probe(s));
       console.log(JSON.stringify(out));`,
    ],
    { encoding: 'utf8' },
  );
  return JSON.parse(out) as { ok: boolean; reason: string }[];
}

describe.skipIf(!canRunNetns())('checkers: bind_if and fwmark choose the way out (root, namespaces)', () => {
  const servers: ReturnType<typeof spawn>[] = [];

  beforeAll(async () => {
    for (const ns of Object.values(NS)) ip('netns', 'add', ns);
    for (const [side, srv] of [
      ['a', NS.a],
      ['b', NS.b],
    ] as const) {
      ip('-n', NS.dir, 'link', 'add', `${side}0`, 'type', 'veth', 'peer', 'name', `${side}1`, 'netns', srv);
      ip('-n', srv, 'link', 'set', 'lo', 'up');
      ip('-n', srv, 'link', 'set', `${side}1`, 'up');
      ip('-n', srv, 'addr', 'add', '192.0.2.10/24', 'dev', `${side}1`);
    }
    ip('-n', NS.b, 'addr', 'add', '192.0.2.20/24', 'dev', 'b1');
    ip('-n', NS.dir, 'link', 'set', 'lo', 'up');
    // Replies to the director come back on the link the probe left by: no reverse-path filter may drop them.
    for (const conf of ['all', 'default']) inNs(NS.dir, 'sysctl', '-qw', `net.ipv4.conf.${conf}.rp_filter=0`);
    ip('-n', NS.dir, 'link', 'set', 'a0', 'up');
    ip('-n', NS.dir, 'addr', 'add', '192.0.2.1/24', 'dev', 'a0');
    ip('-n', NS.dir, 'link', 'set', 'b0', 'up');
    ip('-n', NS.dir, 'addr', 'add', '192.0.2.2/32', 'dev', 'b0'); // no subnet route: the main table goes out of a0
    ip('-n', NS.dir, 'route', 'add', '192.0.2.0/24', 'dev', 'b0', 'src', '192.0.2.2', 'table', '100');
    ip('-n', NS.dir, 'rule', 'add', 'fwmark', String(MARK), 'table', '100');
    // Server B: TCP 81 answers any request with an HTTP 200 and closes, UDP 53 echoes: node, in B's namespace.
    const listener = `const net = require('node:net'); const dgram = require('node:dgram');
      net.createServer((s) => { s.on('error', () => {}); s.once('data', () => s.end('HTTP/1.0 200 OK\\r\\n\\r\\n')); }).listen(81, '0.0.0.0');
      const u = dgram.createSocket('udp4'); u.on('message', (m, r) => u.send(m, r.port, r.address)); u.bind(53, '0.0.0.0');
      setInterval(() => {}, 1000);`;
    servers.push(spawn('ip', ['netns', 'exec', NS.b, process.execPath, '-e', listener], { stdio: 'ignore' }));
    await waitFor(
      () => {
        try {
          const ss = execFileSync('ip', ['netns', 'exec', NS.b, 'ss', '-Hltun'], { encoding: 'utf8' });
          return ss.includes(':81 ') && ss.includes(':53 ') ? true : undefined;
        } catch {
          return undefined;
        }
      },
      5000,
      50,
      "server B's listeners",
    );
  });

  afterAll(() => {
    for (const s of servers) s.kill('SIGKILL');
    for (const ns of Object.values(NS)) {
      try {
        ip('netns', 'del', ns);
      } catch {
        // already gone (a failed beforeAll)
      }
    }
  });

  it('TCP_CHECK reaches server B only out of b0 or with the mark; a missing interface is its own reason', () => {
    const tcp = { type: 'TCP_CHECK', connectIp: '192.0.2.10', connectPort: 81, ...timing };
    expect(
      probeAll([tcp, { ...tcp, bindIf: 'b0' }, { ...tcp, fwmark: MARK }, { ...tcp, bindIf: 'nope0' }]).map(
        (r) => r.reason,
      ),
    ).toEqual(['refused', 'ok', 'ok', 'bind_if: ENODEV']);
  });

  it('HTTP_GET and SSL_GET connect the same way (the TLS handshake runs over the addon’s socket)', () => {
    const http = { type: 'HTTP_GET', connectIp: '192.0.2.10', connectPort: 81, urls: [{ path: '/' }], ...timing };
    const ssl = { ...http, type: 'SSL_GET', verifyCert: false };
    const reasons = probeAll([
      http,
      { ...http, bindIf: 'b0' },
      { ...http, fwmark: MARK },
      ssl,
      { ...ssl, fwmark: MARK },
    ]);
    expect(reasons.slice(0, 3).map((r) => r.reason)).toEqual(['refused', 'ok', 'ok']);
    // Server B speaks no TLS: SSL_GET fails after connecting there, where the unmarked one is refused by server A.
    expect(reasons[3]?.reason).toBe('refused');
    expect(reasons[4]?.reason).not.toBe('refused');
    expect(reasons[4]?.ok).toBe(false);
  });

  it('UDP_CHECK: bind_if and fwmark, with bindto and bind_port as well', () => {
    const udp = {
      type: 'UDP_CHECK',
      connectIp: '192.0.2.10',
      connectPort: 53,
      requireReply: true,
      minReplyLength: 0,
      maxReplyLength: 1500,
      ...timing,
    };
    expect(
      probeAll([
        udp,
        { ...udp, bindIf: 'b0' },
        { ...udp, fwmark: MARK },
        { ...udp, bindIf: 'b0', bindto: '192.0.2.2', bindPort: 40053 },
      ]).map((r) => r.reason),
    ).toEqual(['refused', 'ok', 'ok', 'ok']);
  });

  it('PING_CHECK: the address only server B holds answers out of b0 or with the mark', () => {
    const ping = { type: 'PING_CHECK', connectIp: '192.0.2.20', connectPort: 0, ...timing };
    expect(probeAll([ping, { ...ping, bindIf: 'b0' }, { ...ping, fwmark: MARK }]).map((r) => r.reason)).toEqual([
      'timeout',
      'ok',
      'ok',
    ]);
  });
});
