/**
 * The addon's raw socket with memory to receive into: each recvmmsg batch becomes one call per message, the
 * message a view into memory that the next batch reuses (listeners read it before they return), its addresses as
 * text from a cache (a daemon hears the same few peers). A received packet costs no copy and no new strings.
 */
import { AddressTexts } from '../core/codec/ip-address.js';
import { type NativeErrnoError, type NativeVrrpSocket, native } from './native.js';

/** Messages read by one recvmmsg, by default (a VRRP socket's: adverts arrive in bursts). */
const SLOTS = 32;
/** Room for one message: an advert with 255 IPv6 addresses, or an IPv4 one with its header and AH; larger arrive cut. */
const SLOT_BYTES = 4608;
const META_FIELDS = 4;
const ADDRESS_BYTES = 32;

/** `data` is valid only during the call; `arrivalMs` is the kernel's timestamp (monotonic), 0 when it gave none. */
export type RawMessageListener = (
  data: Buffer,
  src: string,
  dst: string,
  ttl: number,
  ifindex: number,
  arrivalMs: number,
) => void;

/**
 * Opens a raw socket of `protocol` (VRRP's 112 by default); throws the addon's errno-shaped errors. `slots`: messages
 * per recvmmsg (a PING_CHECK's short-lived socket needs few).
 */
export function openRawSocket(
  family: 4 | 6,
  onMessage: RawMessageListener,
  onError?: (err: NativeErrnoError) => void,
  protocol?: number,
  slots = SLOTS,
): NativeVrrpSocket {
  const received = {
    data: Buffer.allocUnsafeSlow(slots * SLOT_BYTES),
    meta: new Float64Array(slots * META_FIELDS),
    addresses: Buffer.alloc(slots * ADDRESS_BYTES),
  };
  const { data, meta, addresses } = received;
  const texts = new AddressTexts();
  const length = family === 4 ? 4 : 16;
  let open = true;
  const socket = new native.VrrpSocket(
    family,
    received,
    (count) => {
      // A listener may close the socket: what is left of the batch is not delivered (as no callback after close).
      // One that throws still surfaces as an uncaught exception, after the rest of the batch has been delivered.
      let thrown: { error: unknown } | undefined;
      for (let i = 0; i < count && open; i++) {
        const m = i * META_FIELDS;
        const start = i * SLOT_BYTES;
        const a = i * ADDRESS_BYTES;
        try {
          onMessage(
            data.subarray(start, start + (meta[m] as number)),
            texts.text(addresses, a, length),
            texts.text(addresses, a + 16, length),
            meta[m + 1] as number,
            meta[m + 2] as number,
            meta[m + 3] as number,
          );
        } catch (error) {
          thrown ??= { error };
        }
      }
      if (thrown) throw thrown.error;
    },
    onError,
    protocol,
  );
  return {
    bindDevice: (ifname) => socket.bindDevice(ifname),
    setMark: (mark) => socket.setMark(mark),
    includeHeader: () => socket.includeHeader(),
    joinGroup: (group, ifindex) => socket.joinGroup(group, ifindex),
    leaveGroup: (group, ifindex) => socket.leaveGroup(group, ifindex),
    setMulticastInterface: (ifindex) => socket.setMulticastInterface(ifindex),
    send: (message, dst, ifindex, src, ttl) => socket.send(message, dst, ifindex, src, ttl),
    queue: (message, dst, ifindex, src, ttl) => socket.queue(message, dst, ifindex, src, ttl),
    flush: () => socket.flush(),
    close: () => {
      open = false;
      socket.close();
    },
    ref: () => socket.ref(),
    unref: () => socket.unref(),
    drops: () => socket.drops(),
  };
}
