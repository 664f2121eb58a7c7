/** The real-server checkers beyond vrrp_check's: SMTP_CHECK, DNS_CHECK and UDP_CHECK against local servers. */
import dgram from 'node:dgram';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withDefaults } from '../../src/core/checks/spec.js';
import { encodeDnsQuery, judgeDnsReply } from '../../src/edges/checks/dns.js';
import { probe } from '../../src/edges/checks/index.js';
import { completeReply } from '../../src/edges/checks/smtp.js';
import { matchesReply } from '../../src/edges/checks/udp.js';
import { close, expectNoLeaks, freePort, listen, snapshot } from './helpers.js';

const base = { connectIp: '127.0.0.1', connectTimeoutMs: 1000, retry: 0, delayLoopMs: 1000 };

describe('SMTP_CHECK', () => {
  let good: net.Server;
  let refusing: net.Server;
  let goodPort = 0;
  let refusingPort = 0;
  const helos: string[] = [];
  beforeAll(async () => {
    good = net.createServer((s) => {
      s.on('error', () => {});
      s.write('220-mail.example ESMTP\r\n220 ready\r\n');
      s.on('data', (d) => {
        const line = d.toString();
        if (line.startsWith('HELO')) {
          helos.push(line.trim());
          s.write('250 hello\r\n');
        } else if (line.startsWith('QUIT')) s.end('221 bye\r\n');
      });
    });
    refusing = net.createServer((s) => {
      s.on('error', () => {});
      s.end('554 no service\r\n');
    });
    goodPort = await listen(good);
    refusingPort = await listen(refusing);
  });
  afterAll(async () => {
    await close(good);
    await close(refusing);
  });

  it('a 2xx banner (multi-line) and HELO answered 250 is up; helo_name is sent', async () => {
    const before = snapshot();
    const r = await probe({ type: 'SMTP_CHECK', ...base, connectPort: goodPort, heloName: 'lb.example' });
    expect(r).toMatchObject({ ok: true, reason: 'ok' });
    expect(helos).toContain('HELO lb.example');
    await expectNoLeaks(before);
  });

  it('a 554 banner, a refused connection and a silent server are down, each with its reason', async () => {
    expect(await probe({ type: 'SMTP_CHECK', ...base, connectPort: refusingPort })).toMatchObject({
      ok: false,
      reason: 'banner 554',
    });
    expect(await probe({ type: 'SMTP_CHECK', ...base, connectPort: await freePort() })).toMatchObject({
      ok: false,
      reason: 'refused',
    });
    const silent = net.createServer((s) => s.on('error', () => {}));
    const port = await listen(silent);
    expect(await probe({ type: 'SMTP_CHECK', ...base, connectPort: port, connectTimeoutMs: 200 })).toMatchObject({
      ok: false,
      reason: 'timeout',
    });
    await close(silent);
  });

  it('reads replies as complete only at their last line', () => {
    expect(completeReply('220-a\r\n')).toBeUndefined();
    expect(completeReply('220-a\r\n220 b\r\n')).toBe(220);
    expect(completeReply('250 ok')).toBeUndefined();
    expect(completeReply('garbage\r\n')).toBe(-1);
  });
});

describe('DNS_CHECK', () => {
  let server: dgram.Socket;
  let port = 0;
  let rcode = 0;
  const questions: Buffer[] = [];
  beforeAll(async () => {
    server = dgram.createSocket('udp4');
    server.on('message', (msg, rinfo) => {
      questions.push(msg);
      const reply = Buffer.from(msg);
      reply[2] = 0x81; // QR + RD
      reply[3] = 0x80 | rcode; // RA + rcode
      server.send(reply, rinfo.port, rinfo.address);
    });
    await new Promise<void>((resolve) => server.bind(0, '127.0.0.1', resolve));
    port = server.address().port;
  });
  afterAll(() => server.close());

  it('encodes the query of RFC 1035 (id, RD, one question, class IN)', () => {
    expect(encodeDnsQuery(0x1234, 'example.org', 1).toString('hex')).toBe(
      '123401000001000000000000076578616d706c65036f72670000010001',
    );
    expect(encodeDnsQuery(1, '.', 6).toString('hex')).toBe('000101000001000000000000' + '00' + '00060001');
  });

  it('a NOERROR answer is up, NXDOMAIN is down; a reply to another id is not an answer', async () => {
    rcode = 0;
    expect(
      await probe({ type: 'DNS_CHECK', ...base, connectPort: port, queryType: 'A', name: 'example.org' }),
    ).toMatchObject({ ok: true });
    expect(questions.at(-1)?.subarray(12).toString('hex')).toBe('076578616d706c65036f72670000010001');
    rcode = 3;
    expect(await probe({ type: 'DNS_CHECK', ...base, connectPort: port })).toMatchObject({
      ok: false,
      reason: 'rcode NXDOMAIN',
    });
    expect(judgeDnsReply(Buffer.from('000181800000000000000000', 'hex'), 2)).toBeUndefined();
  });

  it('no server: refused (ICMP port unreachable on loopback)', async () => {
    expect(await probe({ type: 'DNS_CHECK', ...base, connectPort: await freePort() })).toMatchObject({
      ok: false,
      reason: 'refused',
    });
  });

  it("keepalived's defaults: SOA of '.', retry 3, delay_before_retry = delay_loop", () => {
    expect(
      withDefaults({ type: 'DNS_CHECK', connectIp: '10.0.0.1', connectPort: 53, delayLoopMs: 7000 }),
    ).toMatchObject({
      queryType: 'SOA',
      name: '.',
      retry: 3,
      delayBeforeRetryMs: 7000,
    });
  });
});

describe('UDP_CHECK', () => {
  let echo: dgram.Socket;
  let port = 0;
  beforeAll(async () => {
    echo = dgram.createSocket('udp4');
    echo.on('message', (msg, rinfo) => echo.send(Buffer.concat([Buffer.from([0xab]), msg]), rinfo.port, rinfo.address));
    await new Promise<void>((resolve) => echo.bind(0, '127.0.0.1', resolve));
    port = echo.address().port;
  });
  afterAll(() => echo.close());

  it('without require_reply: silence or a reply is up, an ICMP port unreachable is down', async () => {
    expect(await probe({ type: 'UDP_CHECK', ...base, connectPort: port })).toMatchObject({ ok: true });
    expect(
      await probe({ type: 'UDP_CHECK', ...base, connectPort: await freePort(), connectTimeoutMs: 300 }),
    ).toMatchObject({
      ok: false,
      reason: 'refused',
    });
  });

  it('require_reply: the reply must match the pattern (X = any nibble) and the length bounds', async () => {
    const payload = Uint8Array.from([1, 2]);
    const spec = { type: 'UDP_CHECK' as const, ...base, connectPort: port, payload, requireReply: true };
    expect(await probe({ ...spec, replyPattern: [0xa, null, 0, 1] })).toMatchObject({ ok: true });
    expect(await probe({ ...spec, replyPattern: [0xa, 0xc] })).toMatchObject({ ok: false, reason: 'reply mismatch' });
    expect(await probe({ ...spec, maxReplyLength: 2 })).toMatchObject({ ok: false, reason: 'reply length 3' });
    expect(matchesReply(Uint8Array.from([0x12]), [1, 2, 3, 4])).toBe(true);
  });
});
