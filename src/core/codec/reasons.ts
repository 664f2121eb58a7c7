/**
 * The closed vocabularies of the receive path. A drop reason is both the value a decoder returns and the
 * label of the drop counter (names follow keepalived's stats and RFC 8347 where they exist), so the list is
 * fixed here and nowhere else.
 */

/** Why a received packet was discarded, in the order the receive checks run (standards table R1–R15). */
export const DROP_REASONS = [
  'ip_header',
  'ip_ttl',
  'packet_length',
  'version',
  'invalid_type',
  'checksum',
  'vrid',
  'owner',
  'auth_unsupported',
  'auth_type_mismatch',
  'auth_failure',
  'interval',
  'interval_zero',
  'address_count_zero',
  'address_family',
  'unicast_src',
] as const;
export type DropReason = (typeof DROP_REASONS)[number];

/** Deviations that do not drop the advert but are worth counting and logging. */
export const ACCEPT_NOTES = [
  'checksum_message_only',
  'checksum_old_unicast',
  'interval_mismatch',
  'address_list',
  'first_address_not_link_local',
] as const;
export type AcceptNote = (typeof ACCEPT_NOTES)[number];

export interface Drop {
  ok: false;
  reason: DropReason;
  /** Human-readable specifics for the log line (never parsed). */
  detail: string;
}

export function drop(reason: DropReason, detail: string): Drop {
  return { ok: false, reason, detail };
}
