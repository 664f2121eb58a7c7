/** Netlink attributes written by hand, where the `netlink` package has no codec (IPVS, macvlan link info, nexthops). */

/** One attribute: length, type, the payload, padded to 4 bytes. */
export function attr(type: number, payload: Uint8Array): Buffer {
  const len = 4 + payload.length;
  const out = Buffer.alloc((len + 3) & ~3);
  out.writeUInt16LE(len, 0);
  out.writeUInt16LE(type, 2);
  out.set(payload, 4);
  return out;
}

/** A u32 in host (little-endian) order, as netlink carries numbers. */
export function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
}
