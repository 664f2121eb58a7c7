/**
 * Addresses through rtnetlink: idempotent add/remove of VIPs (EEXIST → 'present', EADDRNOTAVAIL → 'absent'),
 * list, coded errors naming the address and the device; and the VRRP advert source of a device.
 */

import { addressFamily, parseAddress } from '../../core/codec/ip-address.js';
import type { AddressSpec, Family } from '../../core/net.js';
import type { AddressPort } from '../../core/ports.js';
import { pickSourceAddress } from '../../core/vrrp/source-address.js';
import {
  afOf,
  body,
  IFNAMSIZ,
  type ListedAddress,
  linkByName,
  listAddresses,
  type NetlinkOptions,
  SCOPES,
  toListed,
  validName,
} from './messages.js';
import { FlagsNew, rt } from './package.js';
import { NetlinkError, RtRequester, toNetlinkError } from './transport.js';

function describe(spec: Pick<AddressSpec, 'address' | 'prefix'>): string {
  return `${spec.address}/${spec.prefix}`;
}

function invalid(what: string, why: string): NetlinkError {
  return new NetlinkError(`${what}: ${why}`, 'EINVAL');
}

/** Checks a spec before anything reaches the kernel; returns the address bytes. */
function checkSpec(spec: AddressSpec, what: string): Buffer {
  if (spec.family !== 4 && spec.family !== 6) throw invalid(what, `family must be 4 or 6, got ${String(spec.family)}`);
  if (addressFamily(spec.address) !== spec.family) throw invalid(what, `not an IPv${spec.family} address`);
  const max = spec.family === 4 ? 32 : 128;
  if (!Number.isInteger(spec.prefix) || spec.prefix < 0 || spec.prefix > max) {
    throw invalid(what, `prefix must be an integer 0..${max}`);
  }
  if (!validName(spec.dev)) throw invalid(what, `invalid device name ${JSON.stringify(spec.dev)}`);
  if (spec.family === 4 && spec.label !== undefined && (spec.label.length === 0 || spec.label.length >= IFNAMSIZ)) {
    throw invalid(what, `label must be 1..${IFNAMSIZ - 1} characters`);
  }
  if (spec.scope !== undefined && !(spec.scope in SCOPES)) throw invalid(what, `unknown scope ${spec.scope}`);
  if (spec.family === 4 && spec.broadcast !== undefined && spec.broadcast !== '+') {
    if (addressFamily(spec.broadcast) !== 4) throw invalid(what, `broadcast ${spec.broadcast} is not IPv4`);
  }
  return parseAddress(spec.address);
}

/** The IPv4 broadcast of address/prefix (all host bits set), for `broadcast: '+'` as in `ip addr add … brd +`. */
function hostBitsSet(addr: Buffer, prefix: number): Buffer {
  const value = addr.readUInt32BE(0);
  const mask = prefix === 0 ? 0 : (0xffff_ffff << (32 - prefix)) >>> 0;
  const out = Buffer.alloc(4);
  out.writeUInt32BE((value | ~mask) >>> 0, 0);
  return out;
}

/** Rounds of the start-up warm-up: enough for V8 to optimise the add path (a few ms, once). */
const WARM_UP_ROUNDS = 16;

/** An RTM_NEWADDR for `spec`, waiting only for its interface index. */
function newAddressMessage(spec: AddressSpec, what: string): (index: number) => Uint8Array[] {
  const bytes = checkSpec(spec, what);
  const v4 = spec.family === 4;
  const attrs: rt.AddressAttrs = { local: bytes, address: spec.peer ? parseAddress(spec.peer.address) : bytes };
  const f = spec.flags;
  // IFA_FLAGS (u32): the flags beyond the u8 header field (mngtmpaddr, noprefixroute, autojoin).
  const flags: rt.AddressFlags = {
    ...(v4 ? {} : { nodad: true }),
    ...(f?.home ? { homeaddress: true } : {}),
    ...(f?.manageTempAddr ? { managetempaddr: true } : {}),
    ...(f?.noPrefixRoute ? { noprefixroute: true } : {}),
    ...(f?.autoJoin ? { mcautojoin: true } : {}),
  };
  if (f) attrs.flags = flags;
  if (spec.preferredLifetimeS !== undefined) {
    attrs.cacheInfo = { ifaPrefered: spec.preferredLifetimeS, ifaValid: 0xffffffff, cstamp: 0, tstamp: 0 };
  }
  if (v4 && spec.label !== undefined) attrs.label = spec.label;
  if (v4 && spec.broadcast !== undefined) {
    attrs.broadcast = spec.broadcast === '+' ? hostBitsSet(bytes, spec.prefix) : parseAddress(spec.broadcast);
  }
  return (index) =>
    body(
      'address',
      {
        family: afOf(spec.family),
        prefixlen: spec.prefix,
        scope: v4 ? SCOPES[spec.scope ?? 'global'] : 0,
        index,
        ...(v4 ? {} : { flags: { nodad: true } }),
      },
      attrs,
    );
}

/**
 * RTM_NEWADDR with NLM_F_CREATE|NLM_F_EXCL; sent before this returns (the kernel applies it inside sendmsg).
 * EEXIST resolves 'present'.
 */
async function requestNewAddress(
  sock: RtRequester,
  message: (index: number) => Uint8Array[],
  index: number,
  what: string,
): Promise<'added' | 'present'> {
  try {
    await sock.request({
      type: rt.MessageType.NEWADDR,
      body: message(index),
      flags: FlagsNew.CREATE | FlagsNew.EXCL,
      what,
    });
    return 'added';
  } catch (err) {
    const e = toNetlinkError(what, err);
    if (e.code === 'EEXIST') return 'present';
    throw e;
  }
}

export interface NetlinkAddressPort extends AddressPort {
  list(dev: string, family: Family): Promise<ListedAddress[]>;
}

/**
 * Adds and removes addresses over one rtnetlink socket. The socket holds the event loop only while a
 * request is outstanding; close() rejects pending requests (code ECANCELED) and releases it.
 */
export function createAddressPort(opts: NetlinkOptions = {}): NetlinkAddressPort {
  const sock = new RtRequester(opts.timeoutMs);
  // ifindex by device name. With the index known, add() sends RTM_NEWADDR before it returns, and the kernel
  // applies it inside that sendmsg: a GARP sent right after add() already finds the VIP in place.
  // A device that was deleted and recreated gets a new index: ENODEV drops the entry and the call retries.
  const indexes = new Map<string, number>();
  const indexOf = (dev: string, what: string): number | Promise<number> =>
    indexes.get(dev) ??
    linkByName(sock, dev, what).then((link) => {
      const index = link.data.index ?? 0;
      indexes.set(dev, index);
      return index;
    });
  // With the index cached, op runs (and sends) before withIndex returns; only a retry after ENODEV waits.
  const withIndex = <T>(dev: string, what: string, op: (index: number) => Promise<T>): Promise<T> => {
    const cached = indexes.get(dev);
    const first = cached !== undefined ? op(cached) : Promise.resolve(indexOf(dev, what)).then(op);
    return first.catch((err: unknown) => {
      if (cached === undefined || toNetlinkError(what, err).code !== 'ENODEV') throw err;
      indexes.delete(dev);
      return Promise.resolve(indexOf(dev, what)).then(op);
    });
  };
  return {
    /**
     * RTM_NEWADDR with NLM_F_CREATE|NLM_F_EXCL. IPv4: IFA_LOCAL and IFA_ADDRESS, IFA_LABEL, IFA_BROADCAST
     * ('+' = host bits set), scope. IPv6: IFA_F_NODAD; the kernel derives the scope from the address and
     * ignores label and broadcast. EEXIST resolves 'present' (this call did not add it: do not remove it
     * later). IPv4 "exists" means same address and prefix; IPv6 means same address, whatever the prefix.
     */
    add(spec) {
      const what = `cannot add ${describe(spec)} to ${spec.dev}`;
      try {
        const message = newAddressMessage(spec, what);
        return withIndex(spec.dev, what, (index) => requestNewAddress(sock, message, index, what));
      } catch (err) {
        return Promise.reject(err);
      }
    },

    /**
     * Runs the whole add path once against ifindex 0, which the kernel refuses with ENODEV before it looks at
     * anything else: nothing changes, and the first real add on a takeover then runs compiled code.
     */
    async warmUp() {
      // Measured: the first handful of adds cost 0.2-0.3 ms each in JavaScript, later ones 0.06-0.08 ms.
      for (let round = 0; round < WARM_UP_ROUNDS; round++) {
        for (const [family, address] of [
          [4, '192.0.2.1'],
          [6, '2001:db8::1'],
        ] as const) {
          const spec: AddressSpec = { family, address, prefix: family === 4 ? 32 : 128, dev: 'lo' };
          const what = 'warm-up add on ifindex 0';
          await requestNewAddress(sock, newAddressMessage(spec, what), 0, what).catch(() => undefined);
        }
      }
    },

    /**
     * RTM_DELADDR matching address and prefix on the device. 'absent' when the kernel has no such address
     * (EADDRNOTAVAIL) or the device itself is gone (ENODEV): either way the address is not there.
     */
    async remove(spec) {
      const what = `cannot remove ${describe(spec)} from ${spec.dev}`;
      const bytes = checkSpec(spec, what);
      const removeAt = async (index: number): Promise<'removed' | 'absent'> => {
        await sock.request({
          type: rt.MessageType.DELADDR,
          body: body(
            'address',
            { family: afOf(spec.family), prefixlen: spec.prefix, index },
            { local: bytes, address: bytes },
          ),
          what,
        });
        return 'removed';
      };
      try {
        return await withIndex(spec.dev, what, removeAt);
      } catch (err) {
        const e = toNetlinkError(what, err);
        if (e.code === 'EADDRNOTAVAIL' || e.code === 'ENOENT' || e.code === 'ESRCH' || e.code === 'ENODEV') {
          return 'absent';
        }
        throw e;
      }
    },

    /** Addresses of one family on a device, in kernel order (for IPv4: primaries before secondaries). */
    async list(dev, family) {
      const what = `cannot list IPv${family} addresses of ${dev}`;
      // Also primes the ifindex cache, so later adds on this device go out synchronously.
      const link = await linkByName(sock, dev, what);
      indexes.set(dev, link.data.index ?? 0);
      return listAddresses(sock, link.data.index ?? 0, family, what);
    },

    async listAll(family) {
      const what = `cannot list IPv${family} addresses`;
      const links = await sock.dump({ type: rt.MessageType.GETLINK, body: body('link', {}, {}), what });
      const names = new Map<number, string>();
      for (const { message: m } of links) {
        if (m.kind === 'link' && m.attrs.ifname !== undefined) names.set(m.data.index ?? 0, m.attrs.ifname);
      }
      const replies = await sock.dump({
        type: rt.MessageType.GETADDR,
        body: body('address', { family: afOf(family) }, {}),
        what,
      });
      return replies.flatMap(({ message: m }) => {
        if (m.kind !== 'address' || m.data.family !== afOf(family)) return [];
        const listed = toListed(m);
        const index = m.data.index ?? 0;
        return listed ? [{ dev: names.get(index) ?? `#${index}`, address: listed.address }] : [];
      });
    },

    close() {
      sock.close();
    },
  };
}

/**
 * The address VRRP adverts are sent from: IPv4, the first non-secondary address of the device; IPv6, its
 * fe80::/10 link-local address that has passed DAD (undefined while it is still tentative). Undefined
 * when there is none; rejects with code ENODEV when the device does not exist.
 */
export async function primaryAddress(
  ifname: string,
  family: Family,
  opts: NetlinkOptions = {},
): Promise<string | undefined> {
  const sock = new RtRequester(opts.timeoutMs);
  try {
    const what = `cannot read the primary IPv${family} address of ${ifname}`;
    const link = await linkByName(sock, ifname, what);
    return pickSourceAddress(await listAddresses(sock, link.data.index ?? 0, family, what), family);
  } finally {
    sock.close();
  }
}
