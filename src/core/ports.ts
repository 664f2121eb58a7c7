/**
 * The I/O ports the daemon wires to the core. Each edge module (src/edges/) implements one of these;
 * tests implement them with fakes. Nothing here touches a socket.
 */
import type { Millis } from './time.js';

export type Family = 4 | 6;

/** A VRRP packet as received from the raw socket, with what the kernel told us about it. */
export interface ReceivedPacket {
  family: Family;
  /**
   * IPv4: the whole IP datagram as the raw socket delivers it (header included), so the codec can
   * check the header. IPv6: the VRRP message only (the kernel gives no header on raw IPv6 sockets).
   */
  data: Buffer;
  /** Source and destination address as text (IPv6 without zone), from recvmsg / IP(V6)_PKTINFO. */
  src: string;
  dst: string;
  /** IPv4 TTL (IP_RECVTTL) or IPv6 hop limit (IPV6_RECVHOPLIMIT). */
  ttl: number;
  /** Index of the interface the packet arrived on. */
  ifindex: number;
  /** Monotonic arrival time. */
  at: Millis;
}

/** Sends and receives VRRP on one interface and family (raw socket, protocol 112). */
export interface VrrpPort {
  /** Sends one VRRP message (no IP header) to dst; TTL/hop limit 255 unless ttl is given. */
  send(message: Buffer, dst: string, opts?: { src?: string; ttl?: number }): void;
  onPacket(listener: (packet: ReceivedPacket) => void): void;
  close(): void;
}

/** Sends whole Ethernet frames (gratuitous ARP, unsolicited NA) on one interface. */
export interface FramePort {
  send(frame: Buffer): void;
  close(): void;
}

/** One address as keepalived's virtual_ipaddress line describes it. */
export interface AddressSpec {
  family: Family;
  address: string;
  prefix: number;
  dev: string;
  label?: string | undefined;
  scope?: 'global' | 'site' | 'link' | 'host' | 'nowhere' | undefined;
  broadcast?: string | undefined;
}

/** Adds and removes addresses (rtnetlink). Idempotent: an address already present is not an error. */
export interface AddressPort {
  /** Resolves 'added' when this call created it, 'present' when it was already there. */
  add(spec: AddressSpec): Promise<'added' | 'present'>;
  /** Resolves 'removed' or 'absent'. */
  remove(spec: AddressSpec): Promise<'removed' | 'absent'>;
  /** Lists addresses on a device. */
  list(dev: string, family: Family): Promise<{ address: string; prefix: number }[]>;
  /** Exercises the add path once without changing anything, so the first takeover runs compiled code. */
  warmUp?(): Promise<void>;
  close(): void;
}

export interface LinkInfo {
  name: string;
  index: number;
  /** Administratively up and carrier present (IFF_UP and IFF_LOWER_UP). */
  up: boolean;
  mac: Buffer;
  mtu: number;
}

/** Link state from netlink notifications (not polling). */
export interface LinkWatcher {
  get(name: string): Promise<LinkInfo | undefined>;
  /** Called on every change of a link's state. Returns an unsubscribe function. */
  onChange(listener: (link: LinkInfo) => void): () => void;
  close(): void;
}

/** A one-shot timer on the monotonic clock, precise below a millisecond (timerfd in the addon). */
export interface TimerPort {
  /** Arms (or re-arms) the timer to fire once at the monotonic time `at`. */
  armAt(at: Millis): void;
  disarm(): void;
  close(): void;
}
