/**
 * DNS_CHECK: one UDP query (recursion desired) for `name` of `queryType` to connect_ip:connect_port; up on a
 * reply with the query's id, the QR bit and rcode NOERROR (keepalived: "a valid answer"), within connect_timeout.
 */

import { randomInt } from 'node:crypto';
import { DNS_QUERY_TYPES, type ResolvedDnsCheck } from '../../core/checks/spec.js';
import type { CheckResult } from '../../core/tracking/types.js';
import { attempt } from './attempt.js';
import { badEndpoint } from './reasons.js';
import { connectedUdp } from './udp.js';

const RCODES = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED'];

/** The query datagram (RFC 1035 §4.1): header, one question of type `type`, class IN. */
export function encodeDnsQuery(id: number, name: string, type: number): Buffer {
  const labels = name === '.' || name === '' ? [] : name.replace(/\.$/, '').split('.');
  const qname = Buffer.concat([
    ...labels.map((l) => {
      const b = Buffer.from(l, 'ascii');
      if (b.length === 0 || b.length > 63) throw new RangeError(`bad DNS label in ${name}`);
      return Buffer.concat([Buffer.from([b.length]), b]);
    }),
    Buffer.from([0]),
  ]);
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id, 0);
  header.writeUInt16BE(0x0100, 2); // RD
  header.writeUInt16BE(1, 4); // QDCOUNT
  const tail = Buffer.alloc(4);
  tail.writeUInt16BE(type, 0);
  tail.writeUInt16BE(1, 2); // IN
  return Buffer.concat([header, qname, tail]);
}

/** 'ok', or why the reply does not answer query `id`; undefined for a datagram that is not a reply to it. */
export function judgeDnsReply(reply: Buffer, id: number): string | undefined {
  if (reply.length < 12 || reply.readUInt16BE(0) !== id || (reply[2] as number) < 0x80) return undefined;
  const rcode = (reply[3] as number) & 0x0f;
  return rcode === 0 ? 'ok' : `rcode ${RCODES[rcode] ?? rcode}`;
}

export function dnsProbe(o: ResolvedDnsCheck, signal?: AbortSignal): Promise<CheckResult> {
  const bad = badEndpoint(o);
  if (bad) return Promise.resolve({ ok: false, reason: bad, latencyMs: 0 });
  const id = randomInt(0, 0x10000);
  let query: Buffer;
  try {
    query = encodeDnsQuery(id, o.name, DNS_QUERY_TYPES[o.queryType]);
  } catch (err) {
    return Promise.resolve({ ok: false, reason: (err as Error).message, latencyMs: 0 });
  }
  return attempt({ timeoutMs: o.connectTimeoutMs, signal }, (finish) =>
    connectedUdp(o, finish, query, (msg) => {
      const verdict = judgeDnsReply(msg, id);
      if (verdict !== undefined) finish(verdict === 'ok', verdict);
    }),
  );
}
