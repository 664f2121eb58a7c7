/**
 * One raw VRRP socket per (interface, family), shared by every instance on it: the kernel hands each
 * raw socket every protocol-112 packet anyway, so one socket and a VRID lookup avoid counting the
 * same packet as "VRID not ours" once per instance. Drops without an instance to blame (bad IP header,
 * unknown VRID) are counted on the receiver itself, like RFC 6527's router-wide counters, and so are the packets
 * the kernel could not queue at the socket (its receive buffer full): vipd never saw those, the kernel counted them.
 */
import { type DecodeResult, decodeAdvert, type ReceiveExpectation, type RxInfo } from '../../core/codec/advert.js';
import { AddressTexts } from '../../core/codec/ip-address.js';
import { decodeIpv4Datagram } from '../../core/codec/ipv4.js';
import { VipdError } from '../../core/errors.js';
import type { Family } from '../../core/net.js';
import type { ReceivedPacket, VrrpPort } from '../../core/ports.js';
import { InstanceCounters } from './counters.js';

export interface AdvertSink {
  readonly vrid: number;
  readonly counters: InstanceCounters;
  expectation(): ReceiveExpectation;
  onAdvert(result: Extract<DecodeResult, { ok: true }>, packet: ReceivedPacket): void;
  onDrop(result: Extract<DecodeResult, { ok: false }>, packet: ReceivedPacket): void;
}

export class Receiver {
  readonly routerCounters = new InstanceCounters();
  private readonly sinks = new Map<number, AdvertSink>();
  private readonly addressTexts = new AddressTexts();
  private current: VrrpPort | undefined;
  /** The IPv4 AH socket, when an instance here uses auth_type AH (receive only). */
  private ahSocket: VrrpPort | undefined;
  /** Kernel drops at the sockets closed so far (an interface re-created): a count that never goes back. */
  private closedSocketDrops = 0;

  constructor(
    readonly ifname: string,
    readonly family: Family,
    port?: VrrpPort,
    /** Hears of each advert for a VRID no instance here has (keepalived's log_unknown_vrids). */
    private readonly unknownVrid?: (vrid: number, src: string) => void,
  ) {
    if (port) this.bind(port);
  }

  /** The socket packets come from now (undefined while the interface is gone). */
  /** The AH socket (IPv4 `auth_type AH`), while bound. */
  get ahPort(): VrrpPort | undefined {
    return this.ahSocket;
  }

  get port(): VrrpPort | undefined {
    return this.current;
  }

  /** Takes packets from `port` (and `ah`) from now on, closing those before (an interface that was re-created). */
  bind(port: VrrpPort, ah?: VrrpPort): void {
    this.unbind();
    this.current = port;
    this.ahSocket = ah;
    for (const p of [port, ah]) {
      p?.onPacket((packet) => {
        if (this.current === port) this.receive(packet);
      });
    }
  }

  /** Packets the kernel dropped at this receiver's sockets since vipd opened them, their receive buffers full. */
  socketOverflow(): number {
    return this.closedSocketDrops + kernelDrops(this.current) + kernelDrops(this.ahSocket);
  }

  unbind(): void {
    this.closedSocketDrops += kernelDrops(this.current) + kernelDrops(this.ahSocket);
    this.current?.close();
    this.ahSocket?.close();
    this.current = undefined;
    this.ahSocket = undefined;
  }

  attach(sink: AdvertSink): void {
    if (this.sinks.has(sink.vrid)) {
      throw new VipdError(
        'VIPD_ERR_DUPLICATE_VRID',
        `VRID ${sink.vrid} is used twice on ${this.ifname} IPv${this.family}`,
      );
    }
    this.sinks.set(sink.vrid, sink);
  }

  detach(sink: AdvertSink): void {
    if (this.sinks.get(sink.vrid) === sink) this.sinks.delete(sink.vrid);
  }

  get empty(): boolean {
    return this.sinks.size === 0;
  }

  private receive(packet: ReceivedPacket): void {
    let message = packet.data;
    let rx: RxInfo = { family: packet.family, src: packet.src, dst: packet.dst, ttl: packet.ttl };
    if (packet.family === 4) {
      const ip = decodeIpv4Datagram(packet.data, this.addressTexts);
      if (!ip.ok) {
        this.routerCounters.drop(ip.reason);
        return;
      }
      message = ip.payload;
      rx = { family: 4, src: ip.src, dst: ip.dst, ttl: ip.ttl, ah: ip.ah };
    }
    const result = decodeAdvert(message, rx, (vrid) => this.sinks.get(vrid)?.expectation());
    const vrid = message.length > 1 ? message[1] : undefined;
    const sink = vrid === undefined ? undefined : this.sinks.get(vrid);
    if (result.ok) {
      sink?.onAdvert(result, packet);
      return;
    }
    if (sink) sink.onDrop(result, packet);
    else {
      this.routerCounters.drop(result.reason);
      if (result.reason === 'vrid' && vrid !== undefined) this.unknownVrid?.(vrid, rx.src);
    }
  }
}

/** A socket's kernel drops; a failed read (not expected on an open socket) counts none rather than fail a status. */
function kernelDrops(port: VrrpPort | undefined): number {
  try {
    return port?.kernelDrops() ?? 0;
  } catch {
    return 0;
  }
}
