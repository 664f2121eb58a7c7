/**
 * PING_CHECK: one ICMP (ICMPv6) echo to connect_ip (out of bind_if, marked fwmark, when given), answered within
 * connect_timeout. A raw socket of the addon (keepalived uses an IPPROTO_ICMP datagram socket, which needs
 * ping_group_range widened for root; a raw socket needs nothing changed). Replies are matched by source, identifier and sequence, since a raw socket sees every
 * echo reply of the host.
 */
import { randomInt } from 'node:crypto';
import { isIPv6 } from 'node:net';
import type { ResolvedPingCheck } from '../../core/checks/spec.js';
import { internetChecksum } from '../../core/codec/checksum.js';
import type { CheckResult } from '../../core/tracking/types.js';
import { openRawSocket } from '../raw-socket.js';
import { attempt } from './attempt.js';
import { badEndpoint, errCode, netReason } from './reasons.js';

const ECHO = { 4: { request: 8, reply: 0, protocol: 1 }, 6: { request: 128, reply: 129, protocol: 58 } } as const;

/** An echo request; ICMPv4 carries its checksum, the kernel fills in ICMPv6's (it covers a pseudo-header). */
export function encodeEcho(family: 4 | 6, id: number, seq: number, payload: Buffer): Buffer {
  const b = Buffer.alloc(8 + payload.length);
  b[0] = ECHO[family].request;
  b.writeUInt16BE(id, 4);
  b.writeUInt16BE(seq, 6);
  payload.copy(b, 8);
  if (family === 4) b.writeUInt16BE(internetChecksum(b), 2);
  return b;
}

/** Whether a received message (IPv4: with its IP header) is the echo reply to (id, seq). */
export function isEchoReply(family: 4 | 6, data: Buffer, id: number, seq: number): boolean {
  const off = family === 4 ? ((data[0] ?? 0) & 0x0f) * 4 : 0;
  if (data.length < off + 8) return false;
  return data[off] === ECHO[family].reply && data.readUInt16BE(off + 4) === id && data.readUInt16BE(off + 6) === seq;
}

/** A raw ICMP socket sees every echo reply to the host: a few per read, for a socket that lives one probe. */
const PING_SLOTS = 4;

export function pingProbe(o: ResolvedPingCheck, signal?: AbortSignal): Promise<CheckResult> {
  const bad = badEndpoint({ ...o, connectPort: 1 });
  if (bad) return Promise.resolve({ ok: false, reason: bad, latencyMs: 0 });
  const family = isIPv6(o.connectIp) ? 6 : 4;
  const id = randomInt(0, 0x10000);
  const seq = randomInt(0, 0x10000);
  return attempt({ timeoutMs: o.connectTimeoutMs, signal }, (finish) => {
    const sock = openRawSocket(
      family,
      (data, src) => {
        if (src.split('%')[0] === o.connectIp && isEchoReply(family, data, id, seq)) finish(true, 'ok');
      },
      (err) => finish(false, `error: ${err.code}`),
      ECHO[family].protocol,
      PING_SLOTS,
    );
    try {
      if (o.bindIf !== undefined) sock.bindDevice(o.bindIf);
      if (o.fwmark !== undefined) sock.setMark(o.fwmark);
    } catch (err) {
      finish(false, netReason(err, false));
      return () => sock.close();
    }
    try {
      sock.send(encodeEcho(family, id, seq, Buffer.from('vipd-ping')), o.connectIp, 0, o.bindto ?? null, 64);
    } catch (err) {
      const code = errCode(err);
      finish(false, code === 'EHOSTUNREACH' || code === 'ENETUNREACH' ? 'unreachable' : `error: ${code}`);
    }
    return () => sock.close();
  });
}
