/**
 * VRRPv2 simple-password authentication (RFC 2338 type 1, "reserved" in RFC 3768 but still sent by
 * keepalived `auth_type PASS`): eight bytes of cleartext after the addresses.
 */
import { V2_AUTH_DATA_LENGTH } from './vrrp-wire.js';

export const AUTH_NONE = 0;
export const AUTH_PASS = 1;
/** IPsec AH (RFC 2338): the VRRP message sits behind an AH header (ah.ts). */
export const AUTH_AH = 2;

/** The 8 auth bytes for a password: its UTF-8 bytes, NUL-padded, cut at 8 (as keepalived does). */
export function passwordBytes(password: string | undefined): Buffer {
  const out = Buffer.alloc(V2_AUTH_DATA_LENGTH);
  if (password) Buffer.from(password, 'utf8').copy(out, 0, 0, V2_AUTH_DATA_LENGTH);
  return out;
}

/** The password text carried in auth bytes: everything before the first NUL. */
export function passwordText(authData: Buffer): string {
  const end = authData.indexOf(0);
  return authData.subarray(0, end < 0 ? authData.length : end).toString('utf8');
}

/** Compares without an early exit, so the time taken does not reveal how many leading bytes matched. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}
