/**
 * An instance's send path: its adverts encoded once per advertised priority and destination (sending one
 * allocates nothing), sent through the interface's socket (a routine multicast advert batched into the timer
 * round's one sendmmsg, its outcome reported in order), behind an AH header when configured, and with
 * keepalived's pre-1.3.6 unicast checksum when a peer uses it. Outcomes go back to the runner, which keeps the
 * counters and the send-failure policy.
 */
import { type ChecksumMode, encodeAdvert } from '../../core/codec/advert.js';
import { encodeAhDatagram, encodeAhFrame } from '../../core/codec/ah.js';
import { VRRP_MULTICAST_GROUP } from '../../core/codec/vrrp-wire.js';
import type { InstanceConfig } from '../../core/config/model.js';
import type { VrrpSendOptions } from '../../core/ports.js';
import type { Sender } from './interface-binding.js';

/** Shorter than an Ethernet header: the addon refuses it (warm). */
const NOT_A_FRAME = Buffer.alloc(0);

/** What an instance sends with on its interface (the daemon's reading of the kernel). */
export interface InstanceRuntime {
  /** Advert source: unicast_src_ip, else the interface's primary IPv4 / link-local IPv6 address. */
  primaryAddress: string;
  mac: Buffer;
  /** IPv6 NA Router flag: set when the interface forwards (as keepalived does). */
  ipv6Router: boolean;
}

export interface AdvertiserEdges {
  sender: Sender;
  /** An advert carrying `priority` left. */
  sent(priority: number): void;
  /** An advert could not leave. */
  failed(err: unknown): void;
}

/** The v2 auth type on the wire: 0 none, 1 PASS, 2 AH. */
export function authTypeOf(c: InstanceConfig): 0 | 1 | 2 {
  if (!c.auth) return 0;
  return c.auth.type === 'AH' ? 2 : 1;
}

export class Advertiser {
  private config: InstanceConfig;
  private runtime: InstanceRuntime;
  private destinations: string[] = [];
  private checksumMode: ChecksumMode = 'pseudo-header';
  /** Adverts carry keepalived's pre-1.3.6 unicast checksum (old_unicast_checksum, or a peer that sends it). */
  private oldChecksum = false;
  /** VRRPv2 AH: the sequence number last sent or accepted (keepalived counts both together). */
  private ahSeq = 0;
  /** Encoded adverts per advertised priority, one per destination. */
  private readonly cache = new Map<number, { dst: string; message: Buffer }[]>();
  private sendOptions: { src: string; ttl?: number | undefined };
  /** The same with the batch's outcome callback, made once (no allocation per advert). */
  private batchedSendOptions: VrrpSendOptions & { src: string };
  /** Priorities of the batched adverts not yet reported, oldest first. */
  private readonly inFlight: number[] = [];

  constructor(
    config: InstanceConfig,
    runtime: InstanceRuntime,
    private readonly edges: AdvertiserEdges,
  ) {
    this.config = config;
    this.runtime = runtime;
    this.sendOptions = { src: runtime.primaryAddress };
    this.batchedSendOptions = { src: runtime.primaryAddress, done: this.batchedOutcome };
    this.configure(config);
  }

  /** A configuration (at start, or a reload in place): destinations, checksum form. */
  configure(c: InstanceConfig): void {
    if (c.oldUnicastChecksum === 'always') this.oldChecksum = true;
    if (c.oldUnicastChecksum === 'never') this.oldChecksum = false;
    this.config = c;
    this.destinations = c.unicastPeers.length > 0 ? c.unicastPeers : [c.mcastGroup ?? VRRP_MULTICAST_GROUP[c.family]];
    this.checksumMode = c.v3ChecksumAsV2 ? 'message-only' : 'pseudo-header';
    this.rebind(this.runtime);
  }

  /** The advert source or MAC changed: adverts encoded again, now rather than on the first takeover. */
  rebind(runtime: InstanceRuntime): void {
    this.runtime = runtime;
    // unicast_ttl: unicast adverts only (multicast ones keep RFC 9568's 255).
    const ttl = this.config.unicastPeers.length > 0 ? this.config.unicastTtl : undefined;
    this.sendOptions = { src: runtime.primaryAddress, ttl };
    this.batchedSendOptions = { src: runtime.primaryAddress, ttl, done: this.batchedOutcome };
    this.cache.clear();
    for (const priority of [this.config.priority, 0]) this.advertsFor(priority);
  }

  /** keepalived's automatic old_unicast_checksum: a peer sends the old checksum, so it gets it back. */
  useOldChecksum(): boolean {
    if (this.oldChecksum) return false;
    this.oldChecksum = true;
    this.cache.clear();
    return true;
  }

  /** keepalived's AH replay check: a sequence number must be above every one sent or accepted so far. */
  acceptAhSeq(seq: number): boolean {
    if (seq <= this.ahSeq) return false;
    this.ahSeq = seq;
    return true;
  }

  /** The last AH sequence number sent or accepted (for the log of a replay). */
  get lastAhSeq(): number {
    return this.ahSeq;
  }

  /** Sends the adverts of `priority`; `routine`: the advert timer's, which may join the round's batch. */
  send(priority: number, routine: boolean): void {
    const adverts = this.advertsFor(priority);
    const only = adverts.length === 1 ? adverts[0] : undefined;
    if (only && routine && this.config.auth?.type !== 'AH') {
      // The common case (multicast): the socket may hold it for the batch's single sendmmsg; the outcome comes to
      // batchedOutcome, in order.
      this.inFlight.push(priority);
      try {
        this.edges.sender.sendAdvert(only.message, only.dst, this.batchedSendOptions);
      } catch (err) {
        this.batchedOutcome(err); // no socket: nothing was queued
      }
      return;
    }
    for (const { dst, message } of adverts) {
      try {
        if (this.config.auth?.type !== 'AH') this.edges.sender.sendAdvert(message, dst, this.sendOptions);
        else if (this.config.unicastPeers.length > 0)
          this.edges.sender.sendAhDatagram(this.ahDatagram(message, dst), dst);
        else this.edges.sender.sendFrame(encodeAhFrame(this.runtime.mac, this.ahDatagram(message, dst)));
      } catch (err) {
        this.edges.failed(err);
        return;
      }
    }
    this.edges.sent(priority);
  }

  /**
   * Runs a takeover's send calls once, as far as the addon, which refuses both before any syscall (a TTL of 0, a
   * frame shorter than an Ethernet header): the first takeover's advert and GARP then run compiled code. Nothing is
   * sent or counted (AH adverts leave as frames).
   */
  warm(): void {
    const first = this.advertsFor(this.config.priority)[0];
    if (first && this.config.auth?.type !== 'AH') {
      try {
        this.edges.sender.sendAdvert(first.message, first.dst, { src: this.runtime.primaryAddress, ttl: 0 });
      } catch {
        // refused, as meant
      }
    }
    try {
      this.edges.sender.sendFrame(NOT_A_FRAME);
    } catch {
      // refused, as meant
    }
  }

  /** The outcome of a batched advert: the oldest in flight (a socket reports its sends in order). */
  private readonly batchedOutcome = (err: unknown): void => {
    const priority = this.inFlight.shift() ?? this.config.priority;
    if (err === undefined) this.edges.sent(priority);
    else this.edges.failed(err);
  };

  /**
   * The advert behind an AH header, as a whole datagram: each send takes the next sequence number. Multicast ones
   * leave in a frame to the VRRP group, unicast ones through the kernel's routing.
   */
  private ahDatagram(message: Buffer, dst: string): Buffer {
    this.ahSeq = this.ahSeq >= 0xffff_fffd ? this.ahSeq : this.ahSeq + 1;
    const unicast = this.config.unicastPeers.length > 0;
    return encodeAhDatagram({
      vrrp: message,
      src: this.runtime.primaryAddress,
      dst,
      seq: this.ahSeq,
      password: this.config.auth?.password,
      unicast,
      ttl: unicast ? this.config.unicastTtl : undefined,
    });
  }

  private advertsFor(priority: number): { dst: string; message: Buffer }[] {
    let adverts = this.cache.get(priority);
    if (!adverts) {
      adverts = this.destinations.map((dst) => ({ dst, message: this.encode(priority, dst) }));
      this.cache.set(priority, adverts);
    }
    return adverts;
  }

  private encode(priority: number, dst: string): Buffer {
    const c = this.config;
    return encodeAdvert(
      {
        version: c.version,
        vrid: c.vrid,
        priority,
        maxAdverIntervalMs: c.advertIntervalMs,
        addresses: c.vips.map((v) => v.address),
        authType: authTypeOf(c),
        authPassword: c.auth?.password,
      },
      // The old unicast checksum is taken over the multicast group, whatever the destination.
      {
        family: c.family,
        src: this.runtime.primaryAddress,
        dst: this.oldChecksum && c.family === 4 ? '224.0.0.18' : dst,
      },
      this.checksumMode,
    );
  }
}
