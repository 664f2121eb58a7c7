/**
 * Typed access to the native addon (native/*.cc, built by scripts/build-addon.mjs into
 * native/build/Release/vipd_native.node). The addon only wraps syscalls: raw VRRP sockets with recvmmsg
 * and its ancillary data, a send-only AF_PACKET socket and a timerfd timer, each watched by uv_poll on Node's loop.
 * The relative path is the same from src/edges (tsx) and dist/edges (compiled).
 *
 * Errors thrown by the addon (and passed to onError) are `Error`s shaped like Node's ErrnoException:
 * `code` ('ENODEV'), `errno` (positive, as in os.constants.errno), `syscall` ('setsockopt(IP_ADD_MEMBERSHIP)')
 * and message "<syscall> <CODE>: <description>". Bad argument types throw a TypeError.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { packageRoot } from '../package-root.js';

export interface NativeErrnoError extends Error {
  code: string;
  errno: number;
  syscall: string;
}

/**
 * Where a raw socket's recvmmsg puts what it reads, owned by the caller and reused for every batch (nothing is
 * allocated per message): message i in `data` at i × (data.length / slots), its [length, ttl, ifindex, arrival ms]
 * at meta[4i …] (arrival: the kernel's receive timestamp on the monotonic clock, 0 when it gave none), its source
 * and destination address bytes at addresses[32i …] (16 each; IPv4 in the first 4). slots = meta.length / 4.
 */
export interface ReceiveBuffers {
  data: Buffer;
  meta: Float64Array;
  addresses: Buffer;
}

/** Raw socket for IP protocol 112. IPv4 delivers the whole datagram (IP header included); IPv6 the payload. */
export interface NativeVrrpSocket {
  /** SO_BINDTODEVICE. */
  bindDevice(ifname: string): void;
  /** SO_MARK. */
  setMark(mark: number): void;
  /** IP_HDRINCL (IPv4 only): send() takes whole datagrams, IP header included. */
  includeHeader(): void;
  /** IP_ADD_MEMBERSHIP (ip_mreqn) / IPV6_JOIN_GROUP on the interface. */
  joinGroup(group: string, ifindex: number): void;
  /** IP_DROP_MEMBERSHIP / IPV6_LEAVE_GROUP. */
  leaveGroup(group: string, ifindex: number): void;
  /** IP_MULTICAST_IF (ip_mreqn) / IPV6_MULTICAST_IF. */
  setMulticastInterface(ifindex: number): void;
  /**
   * sendmsg with IP_PKTINFO / IPV6_PKTINFO (interface, 0 for none, and source unless null) and a per-message
   * TTL or hop limit. Returns the bytes sent; throws on failure (e.g. EINVAL for a source that is not local).
   */
  send(data: Buffer, dst: string, ifindex: number, src: string | null, ttl: number): number;
  /** Like send(), but kept (copied) for the next flush(); bad arguments throw here. */
  queue(data: Buffer, dst: string, ifindex: number, src: string | null, ttl: number): void;
  /** Sends the queued messages with sendmmsg; the failures as [queue position, errno error], or null. */
  flush(): [number, NativeErrnoError][] | null;
  /** Stops receiving and closes the fd. Idempotent; no callback runs afterwards. */
  close(): void;
  /** Whether the open socket keeps the event loop alive (default: it does). */
  ref(): void;
  unref(): void;
  /** Messages the kernel dropped at this socket so far, its receive buffer full (SO_MEMINFO); 0 once closed. */
  drops(): number;
}

export interface NativeVrrpSocketConstructor {
  /** `protocol`: 112 (VRRP) unless given; PING_CHECK opens one on ICMP (1) or ICMPv6 (58). */
  new (
    family: 4 | 6,
    received: ReceiveBuffers,
    /** After each recvmmsg: `count` messages are in `received`, valid until this returns. */
    onBatch: (count: number) => void,
    onError?: (err: NativeErrnoError) => void,
    protocol?: number,
  ): NativeVrrpSocket;
}

/** Send-only AF_PACKET socket bound to one interface (protocol 0: nothing is ever queued for reading). */
export interface NativePacketSocket {
  /** Sends one whole Ethernet frame (destination MAC first). Returns the bytes sent. */
  send(frame: Buffer): number;
  close(): void;
}

export interface NativePacketSocketConstructor {
  new (ifindex: number): NativePacketSocket;
}

/** One-shot timerfd on CLOCK_MONOTONIC; keeps the process alive only while armed. */
export interface NativeHrTimer {
  /** Fires once when monotonicNow() reaches `monotonicMs` (fractional ms); re-arming replaces the deadline. */
  armAt(monotonicMs: number): void;
  disarm(): void;
  close(): void;
}

export interface NativeHrTimerConstructor {
  new (callback: () => void): NativeHrTimer;
}

/** What a probe of the engine reports (native/probe_engine.cc); all but Data end the probe. */
export const PROBE_EVENT = { connected: 1, data: 2, end: 3, error: 4, timeout: 5, dataEnd: 6 } as const;

/**
 * The socket work of TCP_CHECK and plain HTTP_GET on this thread's loop: connect (from a checker's socket), the
 * request written once connected, the response handed over as it arrives in `buffer`, the deadline counted from
 * connect(). One engine per thread, one callback for all its probes: onEvent(id, event, value), `value` the bytes
 * in `buffer` for Data and DataEnd (valid during the callback only), the errno for Error.
 */
export interface NativeProbeEngine {
  /** Throws (nothing left open) when the socket cannot be made, set up, bound or connected at once. */
  start(
    id: number,
    family: 4 | 6,
    connectIp: string,
    port: number,
    ifname: string | null,
    mark: number | null,
    bindAddr: string | null,
    bindPort: number,
    timeoutMs: number,
    request: Buffer | null,
  ): void;
  /** Ends a probe now, without an event. */
  close(id: number): void;
  /** Ends every probe; no callback runs after it. */
  destroy(): void;
  readonly buffer: Buffer;
  /** Probes in flight. */
  readonly active: number;
}

export interface NativeBinding {
  /** onEvent's elapsedMs: since the probe's connect(), on the loop's clock (whole ms). */
  ProbeEngine: new (
    onEvent: (id: number, event: number, value: number, elapsedMs: number) => void,
  ) => NativeProbeEngine;
  VrrpSocket: NativeVrrpSocketConstructor;
  PacketSocket: NativePacketSocketConstructor;
  HrTimer: NativeHrTimerConstructor;
  /** if_nametoindex; throws ENODEV for an unknown name. */
  interfaceIndex(name: string): number;
  /** This thread's event loop's time in ms (libuv's uv_now: read when the loop's turn began; no clock read). */
  loopNow(): number;
  /** CLOCK_MONOTONIC in milliseconds, fractional. The clock of HrTimer deadlines. */
  monotonicNow(): number;
  /**
   * A TCP (stream) or UDP socket with SO_BINDTODEVICE and SO_MARK set when given, bound to bindAddr/bindPort when
   * given (a link-local IPv6 bindAddr scoped to ifname): its fd, for Node to wrap and connect.
   */
  openCheckSocket(
    family: 4 | 6,
    stream: boolean,
    ifname: string | null,
    mark: number | null,
    bindAddr: string | null,
    bindPort: number,
  ): number;
  /** setns(CLONE_NEWNET) of the main thread into the namespace at `path` (/run/netns/NAME). */
  setNetworkNamespace(path: string): void;
  /** One datagram to a Unix socket path ('@' = abstract), as sd_notify sends to $NOTIFY_SOCKET. */
  sendUnixDatagram(path: string, message: Buffer): void;
  /** RLIMIT_NOFILE (soft and hard) to at least `required`; never lowered. */
  raiseFileLimit(required: number): void;
  /** The main thread to SCHED_RR at priority with RLIMIT_RTTIME soft rttimeUs/2, hard rttimeUs; 0: SCHED_OTHER. */
  setRealtime(priority: number, rttimeUs: number): void;
  /** mlock2(MLOCK_ONFAULT) of one mapping. */
  lockRange(start: bigint, length: bigint): void;
  /** munlockall. */
  unlockMemory(): void;
  /** sched_setaffinity of one thread (tid). */
  setThreadAffinity(tid: number, cpus: number[]): void;
}

const require = createRequire(import.meta.url);
const nodeGypBuild = require('node-gyp-build') as (dir: string) => unknown;

/** node-gyp-build finds the addon built by `npm ci` (native/build/Release) or a prebuild, in the package's native/. */
export const native = nodeGypBuild(path.join(packageRoot(import.meta.url), 'native')) as NativeBinding;

/** Narrows an unknown thrown value to the addon's errno-shaped error. */
export function isErrnoError(err: unknown): err is NativeErrnoError {
  return err instanceof Error && typeof (err as Partial<NativeErrnoError>).code === 'string' && 'syscall' in err;
}
