/**
 * One network interface as vipd uses it, followed by name: its current index and MAC, the raw VRRP socket of each
 * family with its Receiver, and the frame socket for gratuitous ARP / NA. Sockets are bound to an interface
 * index, so when the interface is deleted they are closed (`detach`), and when one of the same name appears they
 * are opened again on the new index (`attach`): bound, joined to the multicast group, with the new MAC.
 * Instances send through it rather than through the receiver, so sending follows the interface, not a socket.
 */
import { VRRP_MULTICAST_GROUP } from '../../core/codec/vrrp-wire.js';
import { VipdError } from '../../core/errors.js';
import type { Family } from '../../core/net.js';
import type { FramePort, LinkInfo, SocketEdges, VrrpSendOptions } from '../../core/ports.js';
import { Receiver } from './receiver.js';

/** What an instance sends through. Throws an errno-style error (ENODEV while the interface is gone). */
export interface Sender {
  /** Throws InterfaceGoneError without a socket, whatever the options (a `done` then is not called). */
  sendAdvert(message: Buffer, dst: string, opts: VrrpSendOptions & { src: string }): void;
  sendFrame(frame: Buffer): void;
  /** A whole AH-sealed IPv4 datagram to a unicast peer, routed by the kernel (which finds the peer's MAC). */
  sendAhDatagram(datagram: Buffer, dst: string): void;
}

export class InterfaceGoneError extends Error {
  readonly code = 'ENODEV';
  constructor(ifname: string) {
    super(`interface ${ifname} does not exist`);
  }
}

/** What one family's sockets on an interface do: join multicast groups (which), receive AH. */
export interface FamilySockets {
  multicast: boolean;
  /** The groups joined when multicast (default: the VRRP group). */
  groups?: readonly string[];
  ah?: boolean;
}

export class BoundInterface {
  private link: LinkInfo | undefined;
  private frames: FramePort | undefined;
  readonly receivers = new Map<Family, Receiver>();

  /**
   * `families`: the families used on this interface, whether any instance of that family multicasts, and whether
   * any uses VRRPv2 AH authentication (IPv4: a second socket, for protocol 51).
   */
  constructor(
    readonly name: string,
    private readonly families: Map<Family, FamilySockets>,
    private readonly edges: SocketEdges,
    private readonly unknownVrid?: (ifname: string, vrid: number, src: string) => void,
  ) {
    for (const family of families.keys()) this.receivers.set(family, this.receiver(family));
  }

  private receiver(family: Family): Receiver {
    const unknown = this.unknownVrid;
    return new Receiver(this.name, family, undefined, unknown && ((vrid, src) => unknown(this.name, vrid, src)));
  }

  /** The kernel's index while the interface exists, undefined while it does not. */
  get index(): number | undefined {
    return this.link?.index;
  }

  get mac(): Buffer {
    return this.link?.mac ?? Buffer.alloc(6);
  }

  get up(): boolean {
    return this.link?.up ?? false;
  }

  /** Opens every socket on `link` (throws, leaving the interface detached, when one cannot be opened). */
  attach(link: LinkInfo): void {
    this.detach();
    try {
      for (const [family, sockets] of this.families) this.openFamily(family, link.index, sockets);
      this.frames = this.edges.openFrameSocket(link.index);
    } catch (err) {
      this.detach();
      throw err;
    }
    this.link = link;
  }

  /**
   * A reload added an instance of `family` here, or the first multicast one of that family: its socket is opened
   * (or opened again, joined to the group) without touching the other family's.
   */
  ensureFamily(family: Family, multicast: boolean, ah = false, group = VRRP_MULTICAST_GROUP[family] as string): void {
    const had = this.families.get(family);
    const groups = had?.groups ?? (had?.multicast ? [VRRP_MULTICAST_GROUP[family]] : []);
    const newGroup = multicast && !groups.includes(group);
    if (had && (had.multicast || !multicast) && (had.ah || !ah) && !newGroup) return;
    const wanted: FamilySockets = {
      multicast: multicast || (had?.multicast ?? false),
      ah: ah || (had?.ah ?? false),
      groups: newGroup ? [...groups, group] : had?.groups,
    };
    this.families.set(family, wanted);
    if (!this.receivers.has(family)) this.receivers.set(family, this.receiver(family));
    if (this.link) this.openFamily(family, this.link.index, wanted);
  }

  private openFamily(family: Family, ifindex: number, { multicast, groups, ah }: FamilySockets): void {
    const open = (withAh: boolean) =>
      this.edges.openVrrpSocket({
        family,
        ifname: this.name,
        ifindex,
        multicast,
        ...(groups ? { groups } : {}),
        ...(withAh ? { ah: true } : {}),
      });
    const port = open(false);
    let ahPort: ReturnType<typeof open> | undefined;
    try {
      ahPort = ah && family === 4 ? open(true) : undefined;
    } catch (err) {
      port.close();
      throw err;
    }
    this.receivers.get(family)?.bind(port, ahPort);
  }

  /** The same interface changed (up/down, MAC, MTU): only what is known of it changes. */
  update(link: LinkInfo): void {
    if (link.index === this.link?.index) this.link = link;
  }

  /** Closes the sockets; the receivers keep their instances for the next attach. */
  detach(): void {
    for (const r of this.receivers.values()) r.unbind();
    this.frames?.close();
    this.frames = undefined;
    this.link = undefined;
  }

  sender(family: Family): Sender {
    const receiver = this.receivers.get(family);
    if (!receiver) throw new VipdError('VIPD_ERR_NO_SOCKET', `interface ${this.name} has no IPv${family} socket`);
    return {
      sendAdvert: (message, dst, opts) => {
        const port = receiver.port;
        if (!port) throw new InterfaceGoneError(this.name);
        port.send(message, dst, opts);
      },
      sendFrame: (frame) => {
        if (!this.frames) throw new InterfaceGoneError(this.name);
        this.frames.send(frame);
      },
      sendAhDatagram: (datagram, dst) => {
        const port = receiver.ahPort;
        if (!port) throw new InterfaceGoneError(this.name);
        port.send(datagram, dst);
      },
    };
  }
}
