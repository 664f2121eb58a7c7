/**
 * VrrpPort on the addon's raw protocol-112 socket. One socket per interface and family: bound to the device,
 * joined to the VRRP group only in multicast mode, TTL / hop limit 255 unless a send asks otherwise.
 */

import { AH_PROTOCOL } from '../core/codec/ah.js';
import { VRRP_MULTICAST_GROUP } from '../core/codec/vrrp-wire.js';
import type { Family } from '../core/net.js';
import type { ReceivedPacket, VrrpPort } from '../core/ports.js';
import type { Millis } from '../core/time.js';
import type { NativeErrnoError } from './native.js';
import { openRawSocket } from './raw-socket.js';

/** The batches sends may join (the timer scheduler's: the timers due together). */
export interface SendBatches {
  readonly inBatch: boolean;
  afterBatch(hook: () => void): () => void;
}

export interface VrrpSocketOptions {
  family: Family;
  ifname: string;
  ifindex: number;
  multicast: boolean;
  /**
   * IPv4 AH (protocol 51) rather than VRRP (112): VRRPv2 `auth_type AH` adverts arrive on it, and unicast ones
   * leave by it, whole datagrams (IP_HDRINCL: AH signs the header vipd writes).
   */
  ah?: boolean;
  /** Multicast groups to join when `multicast`: 224.0.0.18 / ff02::12 by default. */
  groups?: readonly string[];
  /** Receive errors after opening (rare on raw sockets); ignored when absent. */
  onError?: (err: NativeErrnoError) => void;
}

/**
 * Opens the socket (throws an errno-shaped error: EPERM without CAP_NET_RAW, ENODEV for a bad interface).
 * Received packets: IPv4 `data` holds the whole datagram, header included; IPv6 `data` is the VRRP message.
 * `at` is the kernel's arrival timestamp (SO_TIMESTAMPNS) on the monotonic clock, or `clock()` without one.
 */
export function openVrrpSocket(opts: VrrpSocketOptions, clock: () => Millis, batches?: SendBatches): VrrpPort {
  const { family, ifindex } = opts;
  const listeners: ((packet: ReceivedPacket) => void)[] = [];
  const sock = openRawSocket(
    family,
    (data, src, dst, ttl, rxIfindex, arrivalMs) => {
      const at = arrivalMs > 0 ? arrivalMs : clock();
      const packet: ReceivedPacket = { family, data, src, dst, ttl, ifindex: rxIfindex, at };
      for (const l of listeners) l(packet);
    },
    opts.onError,
    opts.ah ? AH_PROTOCOL : undefined,
  );
  try {
    sock.bindDevice(opts.ifname);
    if (opts.ah) sock.includeHeader();
    sock.setMulticastInterface(ifindex);
    if (opts.multicast) for (const g of opts.groups ?? [VRRP_MULTICAST_GROUP[family]]) sock.joinGroup(g, ifindex);
  } catch (err) {
    sock.close();
    throw err;
  }
  // Sends with a `done` made inside a batch are queued and leave together at its end (one sendmmsg).
  const queuedDone: ((err: unknown) => void)[] = [];
  const flush = () => {
    if (queuedDone.length === 0) return;
    const failures = sock.flush();
    let f = 0;
    for (let i = 0; i < queuedDone.length; i++) {
      const failed = failures !== null && failures[f]?.[0] === i ? failures[f++]?.[1] : undefined;
      (queuedDone[i] as (err: unknown) => void)(failed);
    }
    queuedDone.length = 0;
  };
  const stopFlushing = batches?.afterBatch(flush);
  return {
    send(message, dst, sendOpts) {
      const src = sendOpts?.src ?? null;
      const ttl = sendOpts?.ttl ?? 255;
      const done = sendOpts?.done;
      if (!done) {
        sock.send(message, dst, ifindex, src, ttl);
        return;
      }
      if (batches?.inBatch) {
        try {
          sock.queue(message, dst, ifindex, src, ttl);
        } catch (err) {
          done(err);
          return;
        }
        queuedDone.push(done);
        return;
      }
      let failed: unknown;
      try {
        sock.send(message, dst, ifindex, src, ttl);
      } catch (err) {
        failed = err;
      }
      done(failed);
    },
    onPacket(listener) {
      listeners.push(listener);
    },
    kernelDrops: () => sock.drops(),
    close() {
      stopFlushing?.();
      // Whatever is still queued never leaves: its senders hear so.
      const gone = queuedDone.splice(0);
      listeners.length = 0;
      sock.close();
      for (const done of gone) done(Object.assign(new Error('socket closed'), { code: 'EBADF' }));
    },
  };
}
