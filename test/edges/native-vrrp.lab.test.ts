/**
 * The addon's raw VRRP socket against the real kernel: two hosts on a bridged LAN of network namespaces,
 * a listener probe on b and a sender probe on a (see test/helpers/native-probe.ts).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { captureOnce, type ProbeLine, runProbe, startProbe } from '../helpers/native-probe-client.js';
import { canRunNetns, Lab } from '../helpers/netns.js';

const PAYLOAD = Buffer.from('3112ff0100640000c0000232', 'hex'); // any bytes do; shaped like a VRRPv3 advert

function linkLocal(lab: Lab, host: string): string {
  const ll = lab.addresses(host, 'eth0', 6).find((a) => a.startsWith('fe80:'));
  if (!ll) throw new Error(`no link-local address on ${host}`);
  return ll;
}

function ifindexOf(lab: Lab, host: string): number {
  const [link] = JSON.parse(lab.exec(host, 'ip', '-j', 'link', 'show', 'dev', 'eth0')) as { ifindex: number }[];
  return link!.ifindex;
}

interface Exchange {
  received: ProbeLine;
  sender: ProbeLine[];
}

/** Starts a listener on b, sends once from a, and returns what b received plus the sender's own lines. */
async function exchange(
  lab: Lab,
  listen: { family: 4 | 6; multicast: boolean },
  send: { dst: string; src?: string; ttl?: number; multicast?: boolean; listenMs?: number },
): Promise<Exchange> {
  const listener = startProbe(lab, 'b', [
    'listen',
    '--family',
    String(listen.family),
    '--count',
    '1',
    '--ms',
    '8000',
    ...(listen.multicast ? ['--multicast'] : []),
  ]);
  await listener.line((l) => l.event === 'ready', 10_000, 'listener ready');
  const sender = await runProbe(lab, 'a', [
    'send',
    '--family',
    String(listen.family),
    '--dst',
    send.dst,
    '--hex',
    PAYLOAD.toString('hex'),
    '--ttl',
    String(send.ttl ?? 255),
    '--listen-ms',
    String(send.listenMs ?? 0),
    ...(send.src ? ['--src', send.src] : []),
    ...(send.multicast ? ['--multicast'] : []),
  ]);
  const received = await listener.line((l) => l.event === 'packet', 5_000, 'packet on b');
  return { received, sender };
}

function ipv4Header(hex: unknown): Buffer {
  return Buffer.from(String(hex), 'hex');
}

describe.skipIf(!canRunNetns())('native VrrpSocket in network namespaces', () => {
  let lab: Lab;
  beforeEach(() => {
    lab = Lab.create('nvrrp', ['a', 'b']);
  });
  afterEach(() => {
    lab.destroy();
  });

  it('IPv4 multicast: received on b with TTL 255, src/dst/ifindex, header with TOS 0xC0; not looped back', async () => {
    const { received, sender } = await exchange(
      lab,
      { family: 4, multicast: true },
      { dst: '224.0.0.18', multicast: true, listenMs: 300 },
    );
    expect(received).toMatchObject({
      family: 4,
      src: '192.0.2.11',
      dst: '224.0.0.18',
      ttl: 255,
      ifindex: ifindexOf(lab, 'b'),
    });
    expect(typeof received.at).toBe('number');
    const data = ipv4Header(received.hex);
    expect(data[0]).toBe(0x45); // IPv4, 20-byte header: the raw socket hands over the whole datagram
    expect(data[1]).toBe(0xc0); // IP_TOS
    expect(data[8]).toBe(255); // TTL in the header agrees with the cmsg
    expect(data[9]).toBe(112);
    expect(data.subarray(12, 16).join('.')).toBe('192.0.2.11');
    expect(data.subarray(16, 20).join('.')).toBe('224.0.0.18');
    expect(data.subarray(20).equals(PAYLOAD)).toBe(true);
    expect(sender.filter((l) => l.event === 'packet')).toEqual([]); // IP_MULTICAST_LOOP 0
    expect(sender.at(-1)?.event).toBe('done');
  });

  it('IPv6 multicast: hop limit 255, src is a link-local, dst ff02::12, traffic class 0xC0 on the wire; not looped back', async () => {
    const capture = await captureOnce(lab, 'b', 'ip6 proto 112');
    const { received, sender } = await exchange(
      lab,
      { family: 6, multicast: true },
      { dst: 'ff02::12', multicast: true, listenMs: 300 }, // no src: the kernel picks the link-local
    );
    expect(received).toMatchObject({
      family: 6,
      src: linkLocal(lab, 'a'),
      dst: 'ff02::12',
      ttl: 255,
      ifindex: ifindexOf(lab, 'b'),
    });
    expect(Buffer.from(String(received.hex), 'hex').equals(PAYLOAD)).toBe(true); // no IPv6 header
    expect(sender.filter((l) => l.event === 'packet')).toEqual([]);
    const [frame] = await capture.packets;
    const ip6 = frame!.subarray(14);
    expect(ip6[0]! >> 4).toBe(6);
    expect(((ip6[0]! & 0x0f) << 4) | (ip6[1]! >> 4)).toBe(0xc0); // IPV6_TCLASS
    expect(ip6[7]).toBe(255); // hop limit
  });

  it('IPv4 unicast with no group joined, source chosen by IP_PKTINFO', async () => {
    const { received } = await exchange(lab, { family: 4, multicast: false }, { dst: '192.0.2.12', src: '192.0.2.11' });
    expect(received).toMatchObject({ src: '192.0.2.11', dst: '192.0.2.12', ttl: 255, ifindex: ifindexOf(lab, 'b') });
    expect(ipv4Header(received.hex).subarray(20).equals(PAYLOAD)).toBe(true);
  });

  it('IPv6 unicast with no group joined, to a global and from an explicit source', async () => {
    const { received } = await exchange(
      lab,
      { family: 6, multicast: false },
      { dst: '2001:db8::12', src: '2001:db8::11' },
    );
    expect(received).toMatchObject({
      src: '2001:db8::11',
      dst: '2001:db8::12',
      ttl: 255,
      ifindex: ifindexOf(lab, 'b'),
    });
  });

  it('IPv6 unicast to a link-local peer (scope from the ifindex) from an explicit link-local source', async () => {
    const src = linkLocal(lab, 'a');
    const dst = linkLocal(lab, 'b');
    const { received } = await exchange(lab, { family: 6, multicast: false }, { dst, src });
    expect(received).toMatchObject({ src, dst, ttl: 255 });
  });

  it('IPv4 TTL 64 arrives as 64, so a TTL check on receive is meaningful', async () => {
    const { received } = await exchange(lab, { family: 4, multicast: true }, { dst: '224.0.0.18', ttl: 64 });
    expect(received.ttl).toBe(64);
    expect(ipv4Header(received.hex)[8]).toBe(64);
  });

  it('IPv6 hop limit 64 arrives as 64', async () => {
    const { received } = await exchange(lab, { family: 6, multicast: true }, { dst: 'ff02::12', ttl: 64 });
    expect(received.ttl).toBe(64);
  });

  it('sends queued in a batch leave in one sendmmsg at its end, in order; the one the kernel refuses is reported and the rest still go', async () => {
    const listener = startProbe(lab, 'b', ['listen', '--count', '2', '--ms', '8000']);
    await listener.line((l) => l.event === 'ready', 10_000, 'listener ready');
    const sender = await runProbe(lab, 'a', ['batch', '--dst', '192.0.2.12', '--src', '192.0.2.11']);
    expect(sender.map((l) => l.event)).toEqual(['queued', 'outcome', 'outcome', 'outcome', 'done']);
    expect(sender.filter((l) => l.event === 'outcome')).toEqual([
      { event: 'outcome', i: 0, code: null },
      { event: 'outcome', i: 1, code: expect.stringMatching(/^E[A-Z]+$/) }, // EINVAL or ENETUNREACH, by route
      { event: 'outcome', i: 2, code: null },
    ]);
    expect(await listener.exit(8_000)).toBe(0);
    const payloads = listener.lines
      .filter((l) => l.event === 'packet')
      .map((l) => ipv4Header(String(l.hex)).subarray(20));
    expect(payloads.map((p) => p[1])).toEqual([0, 2]);
  });

  it('a throwing listener surfaces as an uncaught exception and the socket keeps receiving', async () => {
    const listener = startProbe(lab, 'b', ['listen', '--multicast', '--count', '3', '--ms', '8000', '--throw-first']);
    await listener.line((l) => l.event === 'ready', 10_000, 'listener ready');
    await runProbe(lab, 'a', ['send', '--dst', '224.0.0.18', '--hex', PAYLOAD.toString('hex'), '--repeat', '3']);
    expect(await listener.exit(8_000)).toBe(0);
    // Packets read in one recvmmsg batch are all delivered before the exception surfaces: where it lands among
    // them depends on how the three were batched.
    const events = listener.lines.map((l) => l.event);
    expect(events.filter((e) => e === 'packet')).toHaveLength(3);
    expect(events.filter((e) => e === 'uncaught')).toHaveLength(1);
    expect(events.indexOf('uncaught')).toBeGreaterThan(events.indexOf('packet'));
    expect(listener.lines.find((l) => l.event === 'uncaught')).toMatchObject({ message: 'listener failed' });
  });
});
