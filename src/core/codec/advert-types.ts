/**
 * The shapes of a VRRP advertisement as vipd sees it, shared by the encoder and the receive checks.
 * Intervals are milliseconds here; only the codec converts to the wire units.
 */
import type { Family } from '../net.js';
import type { AhHeader } from './ah.js';
import type { AcceptNote, Drop } from './reasons.js';

export interface AdvertFields {
  version: 2 | 3;
  vrid: number;
  priority: number;
  /** v3: encoded as centiseconds (12 bits); v2: as whole seconds (8 bits). */
  maxAdverIntervalMs: number;
  /** All of one family, the family of the IP packet that carries them. */
  addresses: string[];
  /** v2 only; default 0 (none), 1 PASS, 2 IPsec AH (the message then travels behind an AH header, ah.ts). */
  authType?: 0 | 1 | 2;
  /** v2 PASS: up to 8 bytes, NUL-padded. */
  authPassword?: string;
}

export interface Advert extends AdvertFields {
  family: Family;
  /** The checksum field as received. */
  checksum: number;
  /** v2: the 8 authentication bytes as received. */
  authData?: Buffer;
  /** v2 AH: the AH sequence number (the receiving instance checks it against replay). */
  ahSeq?: number;
}

/** What the kernel told us about the packet that carried the message. */
export interface RxInfo {
  family: Family;
  src: string;
  dst: string;
  /** IPv4 TTL or IPv6 hop limit. */
  ttl: number;
  /** IPv4: the AH header the message came behind (`auth_type AH`). */
  ah?: AhHeader | undefined;
}

/**
 * What the receiving instance is configured with: built once per configuration and never changed (the checks keep
 * what they derive from it, keyed by the object).
 */
export interface ReceiveExpectation {
  version: 2 | 3;
  priority: number;
  advertIntervalMs: number;
  addresses: readonly string[];
  authType: 0 | 1 | 2;
  /** PASS: the password; AH: the HMAC key (both as keepalived's auth_pass, first 8 bytes). */
  authPassword?: string | undefined;
  /** keepalived `vrrp_owner_ignore_adverts`: an owner (priority 255) drops every advert as 'owner'. */
  ownerIgnoreAdverts?: boolean | undefined;
  unicastPeers?: readonly string[] | undefined;
  /**
   * keepalived `old_unicast_checksum`: 'never' refuses a VRRPv3 unicast advert whose checksum was taken over the
   * multicast group (keepalived before 1.3.6); otherwise it is accepted, noted 'checksum_old_unicast'.
   */
  oldUnicastChecksum?: 'always' | 'never' | undefined;
  /** keepalived `skip_check_adv_addr`: the address list is not compared (no 'address_list' note). */
  skipCheckAdvAddr?: boolean | undefined;
  /** keepalived `check_unicast_src`: in unicast mode, drop adverts whose source is not a peer. */
  checkUnicastSrc?: boolean | undefined;
  /** keepalived unicast_peer `min_ttl` / `max_ttl`: the only TTL check on unicast adverts. */
  minTtl?: number | undefined;
  maxTtl?: number | undefined;
  /**
   * RFC 9568 §5.2.9/§7.1: the first IPv6 address must be the link-local one. keepalived never checks this
   * (2.2.7 itself sends a global first address), so by default a violation is only noted.
   */
  requireLinkLocalFirst?: boolean | undefined;
}

export type DecodeResult = { ok: true; advert: Advert; notes: AcceptNote[] } | Drop;
