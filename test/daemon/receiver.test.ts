/** The receiver's count of what the kernel dropped at its full sockets, across an interface re-created. */
import { describe, expect, it } from 'vitest';
import type { VrrpPort } from '../../src/core/ports.js';
import { interfaceDrops } from '../../src/daemon/observe/status.js';
import { Receiver } from '../../src/daemon/vrrp/receiver.js';

function port(drops: { n: number; closed: boolean }): VrrpPort {
  return {
    send: () => undefined,
    onPacket: () => undefined,
    kernelDrops: () => (drops.closed ? 0 : drops.n),
    close: () => {
      drops.closed = true;
    },
  };
}

describe('Receiver socket_overflow', () => {
  it("adds the kernel's drops of every socket it had: a closed one's count is kept, a new one's added", () => {
    const first = { n: 0, closed: false };
    const r = new Receiver('eth0', 4, port(first));
    expect(interfaceDrops(r).rx_dropped).toEqual({ socket_overflow: 0 });
    first.n = 3;
    expect(r.socketOverflow()).toBe(3);
    const second = { n: 0, closed: false };
    r.bind(port(second)); // the interface was created again: new sockets
    expect(first.closed).toBe(true);
    second.n = 2;
    expect(r.socketOverflow()).toBe(5);
    r.unbind();
    expect(interfaceDrops(r).rx_dropped).toEqual({ socket_overflow: 5 });
  });

  it('an AH socket beside the VRRP one counts too, and a failed read counts none', () => {
    const vrrp = { n: 4, closed: false };
    const ah = { n: 1, closed: false };
    const r = new Receiver('eth0', 4);
    r.bind(port(vrrp), port(ah));
    expect(r.socketOverflow()).toBe(5);
    const broken: VrrpPort = {
      ...port({ n: 0, closed: false }),
      kernelDrops: () => {
        throw new Error('EBADF');
      },
    };
    r.bind(broken);
    expect(r.socketOverflow()).toBe(5);
  });
});
