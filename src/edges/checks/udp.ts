/**
 * UDP_CHECK: a datagram (payload, else 4 random bytes) on a connected socket, so an ICMP port/host unreachable
 * comes back as an error. Without require_reply, silence until connect_timeout is up (keepalived: failure comes
 * from ICMP errors); with it, a reply of an allowed length that matches the pattern is needed.
 */
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import net from 'node:net';
import type { ResolvedUdpCheck } from '../../core/checks/spec.js';
import type { CheckResult } from '../../core/tracking/types.js';
import { attempt, type Finish } from './attempt.js';
import { badEndpoint, netReason } from './reasons.js';
import { bindUdp, type CheckEndpoint } from './socket.js';

/** Whether `reply` matches `pattern` (nibbles, null = any) over the shorter of the two. */
export function matchesReply(reply: Uint8Array, pattern: readonly (number | null)[]): boolean {
  const n = Math.min(reply.length * 2, pattern.length);
  for (let i = 0; i < n; i++) {
    const want = pattern[i];
    if (want === null || want === undefined) continue;
    const byte = reply[i >> 1] as number;
    const got = i % 2 === 0 ? byte >> 4 : byte & 0x0f;
    if (got !== want) return false;
  }
  return true;
}

export function udpProbe(o: ResolvedUdpCheck, signal?: AbortSignal): Promise<CheckResult> {
  const bad = badEndpoint(o);
  if (bad) return Promise.resolve({ ok: false, reason: bad, latencyMs: 0 });
  // Without require_reply, silence until the deadline is a pass: failure comes from ICMP errors.
  const onDeadline = o.requireReply ? ([false, 'timeout'] as const) : ([true, 'ok'] as const);
  return attempt({ timeoutMs: o.connectTimeoutMs, signal, onDeadline }, (finish) =>
    connectedUdp(o, finish, o.payload ?? randomBytes(4), (msg) => {
      if (!o.requireReply) return finish(true, 'ok');
      if (msg.length < o.minReplyLength || msg.length > o.maxReplyLength) {
        return finish(false, `reply length ${msg.length}`);
      }
      if (o.replyPattern && !matchesReply(msg, o.replyPattern)) return finish(false, 'reply mismatch');
      finish(true, 'ok');
    }),
  );
}

/**
 * A UDP socket connected to connect_ip:connect_port (from bindto / bind_port / bind_if, with fwmark), so that ICMP errors come back as
 * socket errors; sends `datagram` once connected and hands every reply to `onReply`. Returns its release.
 */
export function connectedUdp(
  o: CheckEndpoint,
  finish: Finish,
  datagram: Uint8Array,
  onReply: (msg: Buffer) => void,
): () => void {
  const sock = dgram.createSocket(net.isIPv6(o.connectIp) ? 'udp6' : 'udp4');
  const bound = o.bindto !== undefined || o.bindPort !== undefined;
  sock.on('error', (err) => finish(false, netReason(err, bound)));
  sock.on('message', onReply);
  try {
    bindUdp(sock, o, () => sock.connect(o.connectPort, o.connectIp, () => sock.send(datagram)));
  } catch (err) {
    sock.close();
    finish(false, netReason(err, bound));
    return () => {};
  }
  return () => sock.close();
}
