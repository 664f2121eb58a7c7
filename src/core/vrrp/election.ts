/**
 * How a received advert compares with us while we are master (RFC 9568 §6.4.3, RFC 3768 §6.4.3):
 * higher priority wins; at equal priority the greater primary address wins, compared as unsigned
 * integers in network byte order.
 */
import { compareAddresses } from '../codec/ip-address.js';

export type AdvertRank =
  | 'higher-priority'
  | 'equal-priority-higher-address'
  | 'lower-priority'
  | 'equal-priority-lower-address'
  /** Equal priority from our own address: a looped-back or spoofed advert; keepalived only warns. */
  | 'own-address';

export function rankAdvert(advertPriority: number, src: string, ourPriority: number, ourAddress: string): AdvertRank {
  if (advertPriority > ourPriority) return 'higher-priority';
  if (advertPriority < ourPriority) return 'lower-priority';
  const cmp = compareAddresses(src, ourAddress);
  if (cmp > 0) return 'equal-priority-higher-address';
  return cmp < 0 ? 'equal-priority-lower-address' : 'own-address';
}

export function advertWins(rank: AdvertRank): rank is 'higher-priority' | 'equal-priority-higher-address' {
  return rank === 'higher-priority' || rank === 'equal-priority-higher-address';
}
