/** FramePort on the addon's send-only AF_PACKET socket (gratuitous ARP, unsolicited NA). */
import type { FramePort } from '../core/ports.js';
import { native } from './native.js';

/** Opens a packet socket bound to the interface; send() takes whole Ethernet frames and throws on failure. */
export function openFrameSocket(ifindex: number): FramePort {
  const sock = new native.PacketSocket(ifindex);
  return {
    send: (frame) => {
      sock.send(frame);
    },
    close: () => sock.close(),
  };
}
