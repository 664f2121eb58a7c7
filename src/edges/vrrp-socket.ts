/**
 * VrrpPort on the addon's raw protocol-112 socket. One socket per interface and family: bound to the device,
 * joined to the VRRP group only in multicast mode, TTL / hop limit 255 unless a send asks otherwise.
 */

import { AH_PROTOCOL } from '../core/codec/ah.js';
import { VRRP_MULTICAST_GROUP } from '../core/codec/vrrp-wire.js';
import type { Family, ReceivedPacket, VrrpPort } from '../core/ports.js';
import type { Millis } from '../core/time.js';
import { type NativeErrnoError, native } from './native.js';

export interface VrrpSocketOptions {
  family: Family;
  ifname: string;
  ifindex: number;
  multicast: boolean;
  /** IPv4 AH (protocol 51) rather than VRRP (112): VRRPv2 `auth_type AH` adverts arrive on it. */
  ah?: boolean;
  /** Multicast group to join when `multicast`: 224.0.0.18 / ff02::12 by default. */
  group?: string;
  /** Receive errors after opening (rare on raw sockets); ignored when absent. */
  onError?: (err: NativeErrnoError) => void;
}

/**
 * Opens the socket (throws an errno-shaped error: EPERM without CAP_NET_RAW, ENODEV for a bad interface).
 * Received packets: IPv4 `data` holds the whole datagram, header included; IPv6 `data` is the VRRP message.
 * `at` is the kernel's arrival timestamp (SO_TIMESTAMPNS) on the monotonic clock, or `clock()` without one.
 */
export function openVrrpSocket(opts: VrrpSocketOptions, clock: () => Millis): VrrpPort {
  const { family, ifindex } = opts;
  const listeners: ((packet: ReceivedPacket) => void)[] = [];
  const sock = new native.VrrpSocket(
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
    sock.setMulticastInterface(ifindex);
    if (opts.multicast) sock.joinGroup(opts.group ?? VRRP_MULTICAST_GROUP[family], ifindex);
  } catch (err) {
    sock.close();
    throw err;
  }
  return {
    send(message, dst, sendOpts) {
      sock.send(message, dst, ifindex, sendOpts?.src ?? null, sendOpts?.ttl ?? 255);
    },
    onPacket(listener) {
      listeners.push(listener);
    },
    close() {
      listeners.length = 0;
      sock.close();
    },
  };
}
