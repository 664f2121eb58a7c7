/**
 * An instance's send path on its own: adverts encoded once per priority and destination, a routine multicast
 * advert batched with its outcome reported in order, unicast to each peer, the old unicast checksum taken up when a
 * peer uses it, AH sequence numbers (replays refused), and the warm-up that sends nothing.
 */
import { describe, expect, it } from 'vitest';
import { decodeAdvert } from '../../src/core/codec/advert.js';
import { parseKeepalivedToConfig } from '../../src/core/config/keepalived/index.js';
import type { InstanceConfig } from '../../src/core/config/model.js';
import type { VrrpSendOptions } from '../../src/core/ports.js';
import { Advertiser } from '../../src/daemon/vrrp/advertiser.js';
import { memHost } from '../config/keepalived/helpers.js';

const instance = (extra = ''): InstanceConfig => {
  const r = parseKeepalivedToConfig(
    `vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n priority 150\n advert_int 1\n virtual_ipaddress {\n  10.0.0.100/24\n }\n${extra}}\n`,
    'k.conf',
    { host: memHost({}) },
  );
  return r.config?.instances[0] as InstanceConfig;
};
const runtime = {
  primaryAddress: '10.0.0.1',
  mac: Buffer.from('02:00:00:00:00:01'.replaceAll(':', ''), 'hex'),
  ipv6Router: false,
};

function world(c: InstanceConfig) {
  const sends: { message: Buffer; dst: string; opts: VrrpSendOptions & { src: string } }[] = [];
  const frames: Buffer[] = [];
  const outcomes: string[] = [];
  const sender = {
    sendAdvert: (message: Buffer, dst: string, opts: VrrpSendOptions & { src: string }) => {
      if (opts.ttl === 0) throw new Error('EINVAL');
      sends.push({ message, dst, opts });
    },
    sendFrame: (f: Buffer) => {
      if (f.length === 0) throw new Error('EINVAL');
      frames.push(f);
    },
    sendAhDatagram: () => undefined,
  };
  const a = new Advertiser(c, runtime, {
    sender,
    sent: (p) => outcomes.push(`sent ${p}`),
    failed: (err) => outcomes.push(`failed ${(err as Error).message}`),
  });
  return { a, sends, frames, outcomes };
}
const priorityOf = (m: Buffer) => m[2];

describe('Advertiser', () => {
  it('a routine multicast advert joins the batch, its outcome reported in order; others are reported at once', () => {
    const w = world(instance());
    w.a.send(150, true);
    w.a.send(150, true);
    expect(w.sends.map((s) => [s.dst, priorityOf(s.message), typeof s.opts.done])).toEqual([
      ['224.0.0.18', 150, 'function'],
      ['224.0.0.18', 150, 'function'],
    ]);
    expect(w.outcomes).toEqual([]);
    w.sends[0]?.opts.done?.(undefined);
    w.sends[1]?.opts.done?.(Object.assign(new Error('ENOBUFS'), { code: 'ENOBUFS' }));
    expect(w.outcomes).toEqual(['sent 150', 'failed ENOBUFS']);
    w.a.send(0, false);
    expect(priorityOf(w.sends[2]?.message as Buffer)).toBe(0);
    expect(w.outcomes.at(-1)).toBe('sent 0');
  });

  it('encoded once: the same buffer is sent each time', () => {
    const w = world(instance());
    w.a.send(150, false);
    w.a.send(150, false);
    expect(w.sends[0]?.message).toBe(w.sends[1]?.message);
  });

  it('unicast: one advert per peer, with unicast_ttl; the old checksum is taken up once a peer uses it', () => {
    const w = world(
      instance(' version 3\n unicast_src_ip 10.0.0.1\n unicast_ttl 7\n unicast_peer {\n  10.0.0.2\n  10.0.0.3\n }\n'),
    );
    w.a.send(150, true);
    expect(w.sends.map((s) => [s.dst, s.opts.ttl])).toEqual([
      ['10.0.0.2', 7],
      ['10.0.0.3', 7],
    ]);
    const modern = w.sends[0]?.message as Buffer;
    const rx = { family: 4 as const, src: '10.0.0.1', dst: '10.0.0.2', ttl: 7 };
    const expected = {
      version: 3 as const,
      priority: 100,
      advertIntervalMs: 1000,
      addresses: ['10.0.0.100'],
      authType: 0 as const,
      oldUnicastChecksum: 'never' as const,
    };
    // Checked as a multicast advert (no TTL bound to meet); the checksum is what differs.
    const decoded = (m: Buffer, dst: string) => decodeAdvert(m, { ...rx, dst, ttl: 255 }, () => expected).ok;
    expect(decoded(modern, '10.0.0.2')).toBe(true);
    expect(w.a.useOldChecksum()).toBe(true);
    expect(w.a.useOldChecksum()).toBe(false); // already
    w.a.send(150, true);
    const old = w.sends[2]?.message as Buffer;
    expect(old.equals(modern)).toBe(false);
    // The old checksum is the one over the multicast group, whatever the destination.
    expect(decoded(old, '10.0.0.2')).toBe(false);
    expect(decoded(old, '224.0.0.18')).toBe(true);
  });

  it('AH: a sequence number at or below the last sent or accepted is a replay', () => {
    const w = world(instance(' authentication {\n  auth_type AH\n  auth_pass secret\n }\n'));
    expect(w.a.acceptAhSeq(5)).toBe(true);
    expect(w.a.acceptAhSeq(5)).toBe(false);
    w.a.send(150, true); // AH: never batched, leaves as a frame with the next number
    expect(w.frames).toHaveLength(1);
    expect(w.a.lastAhSeq).toBe(6);
    expect(w.a.acceptAhSeq(6)).toBe(false);
    expect(w.outcomes).toEqual(['sent 150']);
  });

  it('warm-up goes as far as the addon and sends nothing', () => {
    const w = world(instance());
    w.a.warm();
    expect(w.sends).toEqual([]);
    expect(w.frames).toEqual([]);
    expect(w.outcomes).toEqual([]);
  });
});
