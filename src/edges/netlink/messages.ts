/**
 * What the address and link parts of the rtnetlink edge share: address families, scopes, device names, message
 * bodies through the `netlink` package's codecs, the ifindex of a name, and addresses as the kernel lists them.
 */

import { formatAddress } from '../../core/codec/ip-address.js';
import type { AddressSpec, Family } from '../../core/net.js';
import type { KernelAddress } from '../../core/ports.js';
import { AttrStream, rt } from './package.js';
import { errnoError, type RtRequester } from './transport.js';

export const AF_INET = 2;
export const AF_INET6 = 10;
export const IFNAMSIZ = 16;

export type ScopeName = NonNullable<AddressSpec['scope']>;

/** RT_SCOPE_* values (rtnetlink.h). */
export const SCOPES: Readonly<Record<ScopeName, number>> = {
  global: 0,
  site: 200,
  link: 253,
  host: 254,
  nowhere: 255,
};

export function scopeName(value: number | undefined): ScopeName | number {
  const v = value ?? 0;
  const found = (Object.keys(SCOPES) as ScopeName[]).find((k) => SCOPES[k] === v);
  return found ?? v;
}

export function afOf(family: Family): number {
  return family === 4 ? AF_INET : AF_INET6;
}

export function validName(name: string): boolean {
  return name.length > 0 && name.length < IFNAMSIZ && !/[/\s:]/.test(name);
}

export function body(kind: 'address' | 'link', data: rt.Address | rt.Link, attrs: object): Uint8Array[] {
  const out = new AttrStream();
  if (kind === 'address')
    rt.formatAddressMessage({ kind, data: data as rt.Address, attrs: attrs as rt.AddressAttrs }, out);
  else rt.formatLinkMessage({ kind, data: data as rt.Link, attrs }, out);
  return out.bufs;
}

/** Resolves a device name to its ifindex (RTM_GETLINK by IFLA_IFNAME). ENODEV when it does not exist. */
export async function linkByName(sock: RtRequester, name: string, what: string): Promise<rt.LinkMessage> {
  if (!validName(name)) throw errnoError(what, 19 /* ENODEV */);
  const replies = await sock.request({ type: rt.MessageType.GETLINK, body: body('link', {}, { ifname: name }), what });
  const link = replies.map((r) => r.message).find((m): m is rt.LinkMessage => m.kind === 'link');
  if (!link?.data.index) throw errnoError(what, 19);
  return link;
}

/** An address as listed from the kernel. */
export interface ListedAddress extends KernelAddress {
  /** RT_SCOPE_* by name ('global', 'link', …), or the number when it has none. */
  scope: ScopeName | number;
  /** IFA_LABEL (IPv4 only). */
  label?: string;
  secondary: boolean;
  tentative: boolean;
  dadfailed: boolean;
  deprecated: boolean;
}

export interface NetlinkOptions {
  /** Per-request timeout (default 5000 ms); a timed-out request rejects with code ETIMEDOUT. */
  timeoutMs?: number;
}

export async function listAddresses(
  sock: RtRequester,
  index: number,
  family: Family,
  what: string,
): Promise<ListedAddress[]> {
  const replies = await sock.dump({
    type: rt.MessageType.GETADDR,
    body: body('address', { family: afOf(family) }, {}),
    what,
  });
  const out: ListedAddress[] = [];
  for (const { message: m } of replies) {
    if (m.kind !== 'address' || m.data.index !== index || m.data.family !== afOf(family)) continue;
    const listed = toListed(m);
    if (listed) out.push(listed);
  }
  return out;
}

export function toListed(m: rt.AddressMessage): ListedAddress | undefined {
  const raw = m.attrs.local ?? m.attrs.address;
  if (!raw || (raw.length !== 4 && raw.length !== 16)) return undefined;
  // IFA_FLAGS (u32) supersedes the u8 ifa_flags when present.
  const flags = m.attrs.flags ?? m.data.flags ?? {};
  const out: ListedAddress = {
    address: formatAddress(raw),
    prefix: m.data.prefixlen ?? 0,
    scope: scopeName(m.data.scope),
    secondary: flags.secondary === true,
    tentative: flags.tentative === true,
    dadfailed: flags.dadfailed === true,
    deprecated: flags.deprecated === true,
  };
  if (m.attrs.label !== undefined) out.label = m.attrs.label;
  return out;
}
