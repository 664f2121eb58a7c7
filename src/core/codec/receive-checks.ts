/**
 * The receive checks of RFC 9568 §7.1 and RFC 3768 §7.1, in the order of the standards table (R1–R15),
 * because the first failing check decides which counter a bad packet increments. Every outcome is a value:
 * nothing here throws, whatever the bytes.
 */
import type { Family } from '../net.js';
import type { Advert, DecodeResult, ReceiveExpectation, RxInfo } from './advert-types.js';
import { verifyAh } from './ah.js';
import { vrrpChecksum } from './checksum.js';
import { addressFamily, canonicalAddress, formatAddress, isLinkLocal6, isMulticast } from './ip-address.js';
import { type AcceptNote, type Drop, drop } from './reasons.js';
import { AUTH_AH, AUTH_NONE, AUTH_PASS, constantTimeEqual, passwordBytes, passwordText } from './v2-auth.js';
import {
  addressSize,
  intervalFromWire,
  intervalToWire,
  messageLength,
  readWireHeader,
  V2_AUTH_DATA_LENGTH,
  VRRP_HEADER_LENGTH,
  VRRP_MULTICAST_GROUP,
  VRRP_TTL,
  VRRP_TYPE_ADVERTISEMENT,
  type WireHeader,
} from './vrrp-wire.js';

/** Senders pad frames below the Ethernet minimum (64 bytes with an 802.1Q tag); some count it in the IP length. */
const ETHERNET_HEADER = 14;
const MIN_TAGGED_FRAME = 64;
const IP_HEADER = { 4: 20, 6: 40 } as const;

/** Everything the later checks may look at, once the message is known to be complete. */
interface Received {
  /** Exactly the message its count announces (Ethernet padding cut off). */
  message: Buffer;
  rx: RxInfo;
  header: WireHeader;
  version: 2 | 3;
  addresses: string[];
  expectation: ReceiveExpectation | undefined;
  notes: AcceptNote[];
}

export function decodeAdvert(
  message: Buffer,
  rx: RxInfo,
  lookup: (vrid: number) => ReceiveExpectation | undefined,
): DecodeResult {
  const ipProblem = checkRxInfo(rx);
  if (ipProblem) return ipProblem;
  // The VRID is needed early (unicast TTL bounds, configured version) but an unknown one is only
  // reported at R7, so that malformed packets count as malformed rather than as foreign.
  const expectation = message.length >= 2 ? lookup(message.readUInt8(1)) : undefined;

  const early = checkTtl(rx, expectation) ?? checkMinimumLength(message);
  if (early) return early;
  const header = readWireHeader(message);
  const version = checkVersion(header, expectation);
  if (typeof version !== 'number') return version;
  const complete = checkType(header) ?? checkCompleteLength(message, header, version, rx.family);
  if (!Buffer.isBuffer(complete)) return complete;

  const r: Received = {
    message: complete,
    rx,
    header,
    version,
    addresses: readAddresses(complete, header.count, rx.family),
    expectation,
    notes: [],
  };
  const failure =
    checkChecksum(r) ??
    checkVrid(r) ??
    checkOwner(r) ??
    checkV2Auth(r) ??
    checkInterval(r) ??
    checkIntervalNotZero(r) ??
    checkAddressCount(r) ??
    checkAddressList(r) ??
    checkAddressFamily(r) ??
    checkUnicastSource(r);
  if (failure) return failure;
  return { ok: true, advert: toAdvert(r), notes: r.notes };
}

/** The kernel's view of the packet must itself be well-formed before anything is compared with it. */
function checkRxInfo(rx: RxInfo): Drop | undefined {
  if (rx.family !== 4 && rx.family !== 6) return drop('ip_header', `unknown address family ${String(rx.family)}`);
  if (addressFamily(rx.src) !== rx.family || addressFamily(rx.dst) !== rx.family) {
    return drop('ip_header', `source/destination ${rx.src} -> ${rx.dst} are not IPv${rx.family}`);
  }
  return undefined;
}

/**
 * R1 (RFC 9568 §7.1, RFC 5082 GTSM): a multicast advert must arrive with TTL / hop limit 255. Unicast
 * adverts are checked only against the instance's min_ttl/max_ttl, as keepalived does (IPv6 unicast
 * leaves with the kernel's default hop limit).
 */
function checkTtl(rx: RxInfo, e: ReceiveExpectation | undefined): Drop | undefined {
  if (isMulticast(rx.dst)) {
    return rx.ttl === VRRP_TTL ? undefined : drop('ip_ttl', `TTL ${rx.ttl} on multicast, expected ${VRRP_TTL}`);
  }
  if (e?.minTtl !== undefined && rx.ttl < e.minTtl) return drop('ip_ttl', `TTL ${rx.ttl} below min_ttl ${e.minTtl}`);
  if (e?.maxTtl !== undefined && rx.ttl > e.maxTtl) return drop('ip_ttl', `TTL ${rx.ttl} above max_ttl ${e.maxTtl}`);
  return undefined;
}

/** R2: at least the fixed header. */
function checkMinimumLength(message: Buffer): Drop | undefined {
  if (message.length >= VRRP_HEADER_LENGTH) return undefined;
  return drop('packet_length', `${message.length} bytes, shorter than the ${VRRP_HEADER_LENGTH}-byte header`);
}

/** R3: a version this codec knows, and the one the instance runs (v2 and v3 never mix in one instance). */
function checkVersion(h: WireHeader, e: ReceiveExpectation | undefined): 2 | 3 | Drop {
  if (h.version !== 2 && h.version !== 3) return drop('version', `version ${h.version} is neither 2 nor 3`);
  if (e && e.version !== h.version) return drop('version', `version ${h.version}, instance runs v${e.version}`);
  return h.version;
}

/** R4: only advertisements (type 1) exist. */
function checkType(header: WireHeader): Drop | undefined {
  const t = header.type;
  return t === VRRP_TYPE_ADVERTISEMENT ? undefined : drop('invalid_type', `type ${t}, expected 1`);
}

/**
 * R5: the whole message as its count announces it. More bytes than that are tolerated only as Ethernet
 * padding of a minimum-size frame (keepalived's rule), which some stacks include in the IP length.
 * A CARP packet (same protocol, version 2, byte 3 = auth length 7, 36 bytes) fails here.
 */
function checkCompleteLength(message: Buffer, header: WireHeader, version: 2 | 3, family: Family): Buffer | Drop {
  const expected = messageLength(version, family, header.count);
  const padded = Math.max(expected, MIN_TAGGED_FRAME - ETHERNET_HEADER - IP_HEADER[family]);
  if (message.length < expected) {
    return drop('packet_length', `${message.length} bytes, ${header.count} addresses need ${expected}`);
  }
  if (message.length > padded) {
    return drop('packet_length', `${message.length} bytes, ${header.count} addresses need only ${expected}`);
  }
  return message.subarray(0, expected);
}

/**
 * R6: v2 over the message; v3 over IPv6 with the pseudo-header; v3 over IPv4 in either form, because
 * keepalived and FRR include the pseudo-header (RFC 5798) while RFC 9568 and most vendors do not.
 */
function checkChecksum(r: Received): Drop | undefined {
  const { message, version, rx, header } = r;
  if (vrrpChecksum(message, version, rx, 'pseudo-header') === header.checksum) return undefined;
  if (version === 3 && rx.family === 4 && vrrpChecksum(message, 3, rx, 'message-only') === header.checksum) {
    r.notes.push('checksum_message_only');
    return undefined;
  }
  // keepalived before 1.3.6 took a unicast advert's checksum over the multicast group; 2.2.7 accepts it (and
  // answers in kind) unless told `old_unicast_checksum never`.
  const old = { ...rx, dst: VRRP_MULTICAST_GROUP[4] };
  if (
    version === 3 &&
    rx.family === 4 &&
    !isMulticast(rx.dst) &&
    r.expectation?.oldUnicastChecksum !== 'never' &&
    vrrpChecksum(message, 3, old, 'pseudo-header') === header.checksum
  ) {
    r.notes.push('checksum_old_unicast');
    return undefined;
  }
  const hex = header.checksum.toString(16).padStart(4, '0');
  return drop('checksum', `checksum 0x${hex} does not match the message`);
}

/** R7 (RFC 9568 erratum 8298): the VRID must be configured on the receiving interface. */
function checkVrid(r: Received): Drop | undefined {
  return r.expectation ? undefined : drop('vrid', `VRID ${r.header.vrid} is not configured here`);
}

/** R8: an address owner ignores adverts, when keepalived's `vrrp_owner_ignore_adverts` asks for it. */
function checkOwner(r: Received): Drop | undefined {
  const e = r.expectation;
  if (e?.priority === 255 && e.ownerIgnoreAdverts) return drop('owner', 'this router owns the addresses');
  return undefined;
}

/**
 * R9 (RFC 3768 §7.1 / RFC 2338): v2 auth type must be known and ours, a PASS password must match, and an AH
 * instance's adverts must come behind an AH header whose ICV and SPI check out (its sequence number is the
 * instance's to check: it holds the counter).
 */
function checkV2Auth(r: Received): Drop | undefined {
  const { version, header, expectation: e, message, rx } = r;
  if (!e) return undefined;
  if (version !== 2) return rx.ah ? drop('auth_type_mismatch', 'a VRRPv3 advert behind an AH header') : undefined;
  const t = header.authType;
  if (t !== AUTH_NONE && t !== AUTH_PASS && t !== AUTH_AH) return drop('auth_unsupported', `unknown auth type ${t}`);
  if (t !== e.authType) return drop('auth_type_mismatch', `auth type ${t}, instance uses ${e.authType}`);
  if ((t === AUTH_AH) !== (rx.ah !== undefined)) {
    return drop('auth_type_mismatch', rx.ah ? 'an AH header on a non-AH advert' : 'auth type AH without an AH header');
  }
  if (t === AUTH_PASS && !constantTimeEqual(authData(message), passwordBytes(e.authPassword))) {
    return drop('auth_failure', 'password does not match');
  }
  if (rx.ah) return verifyAh(rx.ah, rx.src, e.authPassword, (e.unicastPeers?.length ?? 0) > 0);
  return undefined;
}

/**
 * R10: v2 drops an interval that differs from ours (RFC 3768 §7.1; keepalived: "to prevent concurrent
 * VRID running"). v3 only notes it: a backup adopts the master's interval (RFC 9568 §6.4.2).
 */
function checkInterval(r: Received): Drop | undefined {
  const { version, header, expectation: e } = r;
  if (!e) return undefined;
  const ours = intervalToWire(version, e.advertIntervalMs);
  if (header.intervalField === ours) return undefined;
  if (version === 2) return drop('interval', `advert interval ${header.intervalField} s, ours ${ours} s`);
  r.notes.push('interval_mismatch');
  return undefined;
}

/** R11 (RFC 9568 erratum 8301): a zero Max Adver Int would make every timer fire at once. */
function checkIntervalNotZero(r: Received): Drop | undefined {
  if (r.version === 3 && r.header.intervalField === 0) return drop('interval_zero', 'Max Adver Int is 0');
  return undefined;
}

/**
 * R12 (RFC 9568 erratum 8299): an advert without addresses is ignored. Exception: an instance that itself
 * has none (keepalived `no_virtual_ipaddress`) accepts its peers' empty adverts, as keepalived does.
 */
function checkAddressCount(r: Received): Drop | undefined {
  if (r.header.count > 0 || r.expectation?.addresses.length === 0) return undefined;
  return drop('address_count_zero', 'advert carries no addresses');
}

/**
 * R13: an address list that differs from ours is counted and the advert accepted (keepalived ≥ 2.4, for v2
 * too). RFC 3768 §7.1 would drop it unless the sender is the owner; keepalived ≤ 2.3 did, and dual masters
 * followed whenever peers were reloaded at different times.
 */
function checkAddressList(r: Received): Drop | undefined {
  if (r.expectation?.skipCheckAdvAddr) return undefined;
  const ours = r.expectation ? factsOf(r.expectation).addresses : new Set<string>();
  const theirs = r.addresses;
  const same = theirs.length === ours.size && theirs.every((a) => ours.has(a));
  if (!same) r.notes.push('address_list');
  return undefined;
}

/**
 * R14: the instance's addresses are of the packet's family (v2 is IPv4 only), and for IPv6 the first
 * address is link-local (RFC 9568 §5.2.9). keepalived checks neither on receipt and 2.2.7 sends a global
 * first address, so that part drops only when `requireLinkLocalFirst` is set.
 */
function checkAddressFamily(r: Received): Drop | undefined {
  const { rx, version, expectation: e } = r;
  if (version === 2 && rx.family === 6) return drop('address_family', 'VRRPv2 over IPv6');
  const foreign = e && factsOf(e).notOf[rx.family];
  if (foreign !== undefined) return drop('address_family', `instance address ${foreign} is not IPv${rx.family}`);
  const first = r.addresses[0];
  if (rx.family === 6 && first !== undefined && !isLinkLocal6(first)) {
    if (e?.requireLinkLocalFirst) return drop('address_family', `first address ${first} is not link-local`);
    r.notes.push('first_address_not_link_local');
  }
  return undefined;
}

/** keepalived `check_unicast_src`: in unicast mode, only configured peers may advertise. */
function checkUnicastSource(r: Received): Drop | undefined {
  const peers = r.expectation?.unicastPeers ?? [];
  if (!r.expectation?.checkUnicastSrc || peers.length === 0) return undefined;
  const src = canonicalOrSelf(r.rx.src);
  return factsOf(r.expectation).peers.has(src) ? undefined : drop('unicast_src', `${src} is not a unicast peer`);
}

/**
 * What the checks read from an expectation, worked out once per expectation (an instance builds one per
 * configuration), not for every advert: its addresses and peers in canonical form, and its first address of each
 * family's opposite.
 */
interface ExpectationFacts {
  addresses: ReadonlySet<string>;
  peers: ReadonlySet<string>;
  /** The first configured address that is not IPv4 (4) / not IPv6 (6). */
  notOf: Readonly<Record<4 | 6, string | undefined>>;
}

const facts = new WeakMap<ReceiveExpectation, ExpectationFacts>();

function factsOf(e: ReceiveExpectation): ExpectationFacts {
  let f = facts.get(e);
  if (!f) {
    f = {
      addresses: new Set(e.addresses.map(canonicalOrSelf)),
      peers: new Set((e.unicastPeers ?? []).map(canonicalOrSelf)),
      notOf: {
        4: e.addresses.find((a) => addressFamily(a) !== 4),
        6: e.addresses.find((a) => addressFamily(a) !== 6),
      },
    };
    facts.set(e, f);
  }
  return f;
}

function toAdvert(r: Received): Advert {
  const { header, version, rx, message } = r;
  const advert: Advert = {
    version,
    vrid: header.vrid,
    priority: header.priority,
    maxAdverIntervalMs: intervalFromWire(version, header.intervalField),
    addresses: r.addresses,
    family: rx.family,
    checksum: header.checksum,
  };
  if (version === 2) {
    const data = Buffer.from(authData(message));
    advert.authType = header.authType as 0 | 1 | 2;
    advert.authData = data;
    if (header.authType === AUTH_PASS) advert.authPassword = passwordText(data);
    if (rx.ah) advert.ahSeq = rx.ah.seq;
  }
  return advert;
}

function readAddresses(message: Buffer, count: number, family: Family): string[] {
  const size = addressSize(family);
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const at = VRRP_HEADER_LENGTH + i * size;
    out.push(formatAddress(message.subarray(at, at + size)));
  }
  return out;
}

/** v2's authentication bytes: the last 8 of the (already trimmed) message. */
function authData(message: Buffer): Buffer {
  return message.subarray(message.length - V2_AUTH_DATA_LENGTH);
}

/** Canonical text for comparison; configuration text that is not an address compares as itself. */
function canonicalOrSelf(text: string): string {
  return addressFamily(text) === undefined ? text : canonicalAddress(text);
}
