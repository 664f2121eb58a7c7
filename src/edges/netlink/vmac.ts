/**
 * keepalived's `use_vmac` interface: a macvlan in private mode on the instance's interface, with the VRRP virtual
 * MAC (00:00:5e:00:01:VRID, IPv6 00:00:5e:00:02:VRID), no automatic IPv6 link-local address (RFC 5798 §7.4), up.
 * Made through rtnetlink (RTM_NEWLINK with IFLA_LINKINFO kind "macvlan"); the sysctls that make it work are the
 * sysctl edge's. A left-over of the same name (vipd or keepalived killed with -9) that is a macvlan on the same
 * interface is taken over and corrected; any other interface of that name is refused. keepalived's `use_ipvlan`
 * the same way: an ipvlan in L2 mode (the base's MAC) with its flags (bridge, private, vepa).
 */

import type { VmacSpec } from '../../core/net.js';
import type { VmacPort } from '../../core/ports.js';
import { AttrReader, attr, u32 } from './attributes.js';
import { AF_INET6, body, linkByName, type NetlinkOptions } from './messages.js';
import { FlagsNew, rt } from './package.js';
import { NetlinkError, RtRequester, toNetlinkError } from './transport.js';

const IFLA_INFO_KIND = 1;
const IFLA_INFO_DATA = 2;
const IFLA_MACVLAN_MODE = 1;
const MACVLAN_MODE_PRIVATE = 1;
const IFLA_IPVLAN_MODE = 1;
const IFLA_IPVLAN_FLAGS = 2;
const IPVLAN_MODE_L2 = 0;
const IPVLAN_FLAG_BITS = { bridge: 0, private: 1, vepa: 2 } as const;
const IFLA_INET6_ADDR_GEN_MODE = 8;
const IN6_ADDR_GEN_MODE_NONE = 1;

/** IFLA_LINKINFO for a private-mode macvlan. */
const MACVLAN_LINKINFO = Buffer.concat([
  attr(IFLA_INFO_KIND, Buffer.from('macvlan\0')),
  attr(IFLA_INFO_DATA, attr(IFLA_MACVLAN_MODE, u32(MACVLAN_MODE_PRIVATE))),
]);

/** IFLA_LINKINFO for an L2-mode ipvlan with keepalived's flags (bridge, private, vepa). */
function ipvlanLinkInfo(flags: keyof typeof IPVLAN_FLAG_BITS): Buffer {
  const u16 = (v: number) => {
    const b = Buffer.alloc(2);
    b.writeUInt16LE(v);
    return b;
  };
  const data = Buffer.concat([
    attr(IFLA_IPVLAN_MODE, u16(IPVLAN_MODE_L2)),
    attr(IFLA_IPVLAN_FLAGS, u16(IPVLAN_FLAG_BITS[flags])),
  ]);
  return Buffer.concat([attr(IFLA_INFO_KIND, Buffer.from('ipvlan\0')), attr(IFLA_INFO_DATA, data)]);
}

/** The kind and macvlan mode in a link's IFLA_LINKINFO. */
function readLinkInfo(info: Buffer | undefined): { kind?: string; mode?: number } {
  if (!info) return {};
  const linkInfo = new AttrReader().read(info);
  const mode = linkInfo.nested(IFLA_INFO_DATA, new AttrReader())?.u32(IFLA_MACVLAN_MODE);
  const kind = linkInfo.str(IFLA_INFO_KIND);
  return { ...(kind !== undefined && { kind }), ...(mode !== undefined && { mode }) };
}

export function createVmacPort(opts: NetlinkOptions = {}): VmacPort {
  const sock = new RtRequester(opts.timeoutMs);
  const find = async (name: string, what: string) => {
    try {
      return await linkByName(sock, name, what);
    } catch (err) {
      if (toNetlinkError(what, err).code === 'ENODEV') return undefined;
      throw err;
    }
  };
  const newLink = (data: rt.Link, attrs: object, flags: number, what: string) =>
    sock.request({ type: rt.MessageType.NEWLINK, body: body('link', data, attrs), flags, what });

  return {
    async create(spec: VmacSpec) {
      const what = `cannot make VMAC ${spec.name} on ${spec.base}`;
      const base = await linkByName(sock, spec.base, what);
      const baseIndex = base.data.index ?? 0;
      const existing = await find(spec.name, what);
      const kind = spec.ipvlan ? 'ipvlan' : 'macvlan';
      // An ipvlan has its base's MAC: no address of its own.
      const own = spec.ipvlan
        ? { linkinfo: ipvlanLinkInfo(spec.ipvlan) }
        : { address: spec.mac, linkinfo: MACVLAN_LINKINFO };
      let created = false;
      if (existing) {
        const info = readLinkInfo(existing.attrs.linkinfo);
        const on = existing.attrs.link?.readUInt32LE(0);
        if (info.kind !== kind || on !== baseIndex) {
          throw new NetlinkError(
            `${what}: an interface ${spec.name} exists and is not a ${kind} on ${spec.base}`,
            'EEXIST',
          );
        }
        // A left-over: the MAC and mode are put right rather than trusted.
        await newLink({ index: existing.data.index }, own, 0, what);
      } else {
        await newLink({}, { ifname: spec.name, link: u32(baseIndex), ...own }, FlagsNew.CREATE | FlagsNew.EXCL, what);
        created = true;
      }
      const link = await linkByName(sock, spec.name, what);
      const index = link.data.index ?? 0;
      // Not part of the creation: the kernel ignores IFLA_AF_SPEC there. Then up. (keepalived leaves an ipvlan's
      // IPv6 link-local to the kernel: an IPv6 instance there sends from it.)
      if (!spec.ipvlan) {
        const genMode = attr(IFLA_INET6_ADDR_GEN_MODE, Buffer.from([IN6_ADDR_GEN_MODE_NONE]));
        await newLink({ index }, { afSpec: new Map([[AF_INET6, genMode]]) }, 0, what);
      }
      await newLink({ index, flags: { up: true }, change: { up: true } }, {}, 0, what);
      return { index, created };
    },
    async remove(name: string) {
      const what = `cannot remove VMAC ${name}`;
      const link = await find(name, what);
      if (!link) return 'absent';
      const kind = readLinkInfo(link.attrs.linkinfo).kind;
      if (kind !== 'macvlan' && kind !== 'ipvlan') return 'absent'; // never anything else
      await sock.request({ type: rt.MessageType.DELLINK, body: body('link', { index: link.data.index }, {}), what });
      return 'removed';
    },
    close: () => sock.close(),
  };
}
