/**
 * One keepalived `virtual_ipaddress` line → AddressSpec:
 *
 *   IP[/prefix] [brd|broadcast IP|+|-] [dev IF] [scope global|site|link|host|nowhere] [label LABEL] [no_track]
 *
 * `no_track`: deleted behind vipd's back, the address is not put back (until the next takeover). `use_vmac`: on a
 * VMAC of its own on its interface (address-vmacs.ts).
 *
 *   ... [peer IP[/prefix]] [home] [-nodad] [mngtmpaddr] [noprefixroute] [autojoin] [preferred_lft N|forever] [use_vmac]
 *
 * Defaults as keepalived: prefix /32 (IPv4) or /128 (IPv6); dev = the instance interface. `-nodad` is what vipd
 * does for every IPv6 VIP anyway (a moving address must not wait for DAD). `track_group NAME` is for static
 * addresses (`staticAddress`) only, `use_vmac` for an instance's; anything else is an unknown option. keepalived merely logs and ignores a broadcast, scope or label on
 * an IPv6 address; vipd refuses them, as it refuses every setting it would otherwise drop.
 */
import { addressFamily, canonicalAddress, isMulticast } from '../codec/ip-address.js';
import type { AddressSpec } from '../net.js';

export type VipParseResult =
  | { ok: true; spec: AddressSpec; warnings: string[]; useVmac: boolean }
  | { ok: false; error: string };

export const VIP_SCOPES = ['global', 'site', 'link', 'host', 'nowhere'] as const;

/** Options without a value: the kernel's address flags (home and mngtmpaddr are IPv6's). */
const FLAG_OPTIONS: Readonly<Record<string, { flag?: keyof NonNullable<AddressSpec['flags']>; v6Only: boolean }>> = {
  home: { flag: 'home', v6Only: true },
  mngtmpaddr: { flag: 'manageTempAddr', v6Only: true },
  noprefixroute: { flag: 'noPrefixRoute', v6Only: false },
  autojoin: { flag: 'autoJoin', v6Only: false },
  '-nodad': { v6Only: true },
};

/** Linux interface names: 1..15 bytes, no whitespace, '/' or ':' (':' is allowed in labels only). */
const IFNAME = /^[^\s/:]{1,15}$/;
const LABEL = /^[^\s/]{1,15}$/;

/** One address on one device: how the ledger, a reload and the loader tell addresses apart. */
export function addressKey(spec: AddressSpec): string {
  return `${spec.dev}/${canonicalAddress(spec.address)}/${spec.prefix}`;
}

export function isValidIfName(name: string): boolean {
  return IFNAME.test(name) && name !== '.' && name !== '..';
}

/**
 * Parses one line. `defaultDev` is the instance interface. Errors name the offending word and the line's
 * address, e.g. `unknown option "bogus" in virtual_ipaddress "10.0.0.1/24 bogus"`.
 */
export function parseVip(line: string, defaultDev: string, staticAddress = false): VipParseResult {
  const words = line.trim().split(/\s+/).filter(Boolean);
  const quoted = `"${line.trim()}"`;
  const fail = (error: string): VipParseResult => ({ ok: false, error });
  const first = words[0];
  if (first === undefined) return fail('empty virtual_ipaddress entry');

  const slash = first.indexOf('/');
  const addrText = slash < 0 ? first : first.slice(0, slash);
  if (addrText.includes('%')) return fail(`virtual_ipaddress ${quoted}: an address zone (%...) is not allowed`);
  const family = addressFamily(addrText);
  if (!family) return fail(`virtual_ipaddress ${quoted}: "${addrText}" is not an IPv4 or IPv6 address`);
  const maxPrefix = family === 4 ? 32 : 128;
  let prefix = maxPrefix;
  if (slash >= 0) {
    const p = first.slice(slash + 1);
    if (!/^\d{1,3}$/.test(p) || Number(p) < 1 || Number(p) > maxPrefix) {
      return fail(`virtual_ipaddress ${quoted}: prefix length "/${p}" must be 1–${maxPrefix}`);
    }
    prefix = Number(p);
  }
  const address = canonicalAddress(addrText);
  if (isMulticast(address) && !words.includes('autojoin')) {
    return fail(`virtual_ipaddress ${quoted}: ${address} is a multicast address (autojoin joins its group)`);
  }
  if (address === '0.0.0.0' || address === '::') {
    return fail(`virtual_ipaddress ${quoted}: ${address} is the unspecified address`);
  }

  const spec: AddressSpec = { family, address, prefix, dev: defaultDev };
  let ipv4Lifetime = false;
  let useVmac = false;
  const seen = new Set<string>();
  for (let i = 1; i < words.length; i++) {
    const opt = words[i] as string;
    const name = opt === 'broadcast' ? 'brd' : opt;
    if (opt === 'use_vmac') {
      if (staticAddress) return fail(`virtual_ipaddress ${quoted}: use_vmac applies to an instance's addresses only`);
      useVmac = true;
      continue;
    }
    if (opt === 'no_track') {
      spec.noTrack = true;
      continue;
    }
    const flagOption = FLAG_OPTIONS[opt];
    if (flagOption) {
      if (flagOption.v6Only && family === 4) {
        return fail(`virtual_ipaddress ${quoted}: ${opt} applies to IPv6 addresses only`);
      }
      if (flagOption.flag) spec.flags = { ...spec.flags, [flagOption.flag]: true };
      continue;
    }
    if (name === 'track_group' && !staticAddress) {
      return fail(`virtual_ipaddress ${quoted}: track_group applies to static addresses only`);
    }
    if (!['brd', 'dev', 'scope', 'label', 'peer', 'preferred_lft', 'track_group'].includes(name)) {
      return fail(`unknown option "${opt}" in virtual_ipaddress ${quoted}`);
    }
    if (seen.has(name)) return fail(`virtual_ipaddress ${quoted}: ${opt} is given twice`);
    seen.add(name);
    const value = words[i + 1];
    if (value === undefined) return fail(`virtual_ipaddress ${quoted}: ${opt} needs a value`);
    i++;
    switch (name) {
      case 'dev':
        if (!isValidIfName(value)) return fail(`virtual_ipaddress ${quoted}: "${value}" is not an interface name`);
        spec.dev = value;
        break;
      case 'scope':
        if (family === 6) return fail(`virtual_ipaddress ${quoted}: scope applies to IPv4 addresses only`);
        if (!(VIP_SCOPES as readonly string[]).includes(value)) {
          return fail(`virtual_ipaddress ${quoted}: scope must be one of ${VIP_SCOPES.join(', ')}, not "${value}"`);
        }
        spec.scope = value as AddressSpec['scope'];
        break;
      case 'label':
        if (family === 6) return fail(`virtual_ipaddress ${quoted}: label applies to IPv4 addresses only`);
        if (!LABEL.test(value)) return fail(`virtual_ipaddress ${quoted}: label "${value}" must be 1–15 characters`);
        spec.label = value;
        break;
      case 'track_group':
        spec.trackGroup = value;
        break;
      case 'peer':
        // keepalived: a peer address without prefix, and the address itself without one (a host route).
        if (addressFamily(value) !== family || value.includes('%')) {
          return fail(`virtual_ipaddress ${quoted}: peer "${value}" is not an IPv${family} address (without /prefix)`);
        }
        if (prefix !== maxPrefix) {
          return fail(`virtual_ipaddress ${quoted}: an address with a peer takes no /prefix (it is /${maxPrefix})`);
        }
        spec.peer = { address: canonicalAddress(value) };
        break;
      case 'preferred_lft':
        if (value !== 'forever' && (!/^\d+$/.test(value) || Number(value) > 0xfffffffe)) {
          return fail(`virtual_ipaddress ${quoted}: preferred_lft must be seconds or forever, not "${value}"`);
        }
        // keepalived sets it on IPv6 addresses only (0: deprecated, never a source address).
        if (family === 6 && value !== 'forever') spec.preferredLifetimeS = Number(value);
        if (family === 4) ipv4Lifetime = true;
        break;
      case 'brd': {
        if (family === 6) return fail(`virtual_ipaddress ${quoted}: IPv6 addresses have no broadcast address`);
        const b = broadcastOf(address, prefix, value);
        if (typeof b !== 'string') return fail(`virtual_ipaddress ${quoted}: ${b.error}`);
        spec.broadcast = b;
        break;
      }
    }
  }
  const warnings: string[] = [];
  if (ipv4Lifetime) {
    warnings.push(
      `virtual_ipaddress ${quoted}: preferred_lft applies to IPv6 addresses: keepalived 2.2.7 ignores it here, and so does vipd`,
    );
  }
  if (spec.label !== undefined && spec.dev && !spec.label.startsWith(`${spec.dev}:`) && spec.label !== spec.dev) {
    warnings.push(
      `virtual_ipaddress ${quoted}: label "${spec.label}" should have the form "${spec.dev}:NAME" (ifconfig-style alias)`,
    );
  }
  return { ok: true, spec, warnings, useVmac };
}

/** `brd IP`, or `+` / `-` (host bits set / cleared, as keepalived and ip(8); only for prefixes up to /30). */
function broadcastOf(address: string, prefix: number, value: string): string | { error: string } {
  if (value === '+' || value === '-') {
    if (prefix > 30) return { error: `brd ${value} needs a prefix of /30 or shorter, not /${prefix}` };
    const a = address.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
    const hostMask = 2 ** (32 - prefix) - 1;
    const net = a - (a % (hostMask + 1));
    const b = value === '+' ? net + hostMask : net;
    return [24, 16, 8, 0].map((s) => Math.floor(b / 2 ** s) % 256).join('.');
  }
  if (addressFamily(value) !== 4 || value.includes('%')) return { error: `brd "${value}" is not an IPv4 address` };
  return canonicalAddress(value);
}
