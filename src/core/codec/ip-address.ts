/**
 * IP address text <-> bytes, with the comparisons VRRP needs (tie-break by primary address,
 * multicast and link-local tests). Pure.
 */
import type { Family } from '../net.js';

/** The family of a textual address, or undefined when it is not one. */
export function addressFamily(text: string): Family | undefined {
  return familyOf(stripZone(text));
}

const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

/**
 * What node:net's isIP accepts, without its IPv6 expression: V8 compiles that one on first use, about 6 ms of
 * start-up (issue 11). The property tests hold the two equal.
 */
function familyOf(text: string): Family | undefined {
  if (IPV4.test(text)) return 4;
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = halves.map((h) => (h === '' ? [] : h.split(':')));
  const all = groups.flat();
  // An IPv4 tail (::ffff:192.0.2.1) stands for the last two groups.
  const last = groups.at(-1)?.at(-1); // of the part after '::', when there is one
  const v4Tail = last?.includes('.') === true;
  if (v4Tail && !IPV4.test(last as string)) return undefined;
  const hex = v4Tail ? all.slice(0, -1) : all;
  if (!hex.every((g) => HEX_GROUP.test(g))) return undefined;
  const count = hex.length + (v4Tail ? 2 : 0);
  return (halves.length === 2 ? count <= 7 : count === 8) ? 6 : undefined;
}

function stripZone(text: string): string {
  const i = text.indexOf('%');
  return i < 0 ? text : text.slice(0, i);
}

/** Parses an IPv4 or IPv6 address (an IPv6 zone suffix is ignored). Throws on invalid input. */
export function parseAddress(text: string): Buffer {
  const t = stripZone(text);
  const fam = familyOf(t);
  if (fam === 4) return Buffer.from(t.split('.').map(Number));
  if (fam !== 6) throw new TypeError(`not an IP address: ${text}`);
  let s = t;
  const out = Buffer.alloc(16);
  // Embedded IPv4 tail (::ffff:1.2.3.4).
  const lastColon = s.lastIndexOf(':');
  if (s.includes('.', lastColon)) {
    const v4 = parseAddress(s.slice(lastColon + 1));
    s = `${s.slice(0, lastColon + 1)}${v4.readUInt16BE(0).toString(16)}:${v4.readUInt16BE(2).toString(16)}`;
  }
  const [head, tail] = s.includes('::') ? (s.split('::') as [string, string]) : [s, undefined];
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  headGroups.forEach((g, i) => {
    out.writeUInt16BE(Number.parseInt(g, 16), i * 2);
  });
  tailGroups.forEach((g, i) => {
    out.writeUInt16BE(Number.parseInt(g, 16), 16 - (tailGroups.length - i) * 2);
  });
  return out;
}

/** Formats 4 or 16 bytes as canonical text (RFC 5952 for IPv6). */
export function formatAddress(bytes: Uint8Array): string {
  if (bytes.length === 4) return Array.from(bytes).join('.');
  if (bytes.length !== 16) throw new TypeError(`address must be 4 or 16 bytes, got ${bytes.length}`);
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0));
  // Longest run of zero groups (length >= 2) becomes '::'.
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  const left = hex.slice(0, bestStart).join(':');
  const right = hex.slice(bestStart + bestLen).join(':');
  return `${left}::${right}`;
}

/** Canonical text of an address given as text (so '2001:DB8:0::1' equals '2001:db8::1'). */
export function canonicalAddress(text: string): string {
  return formatAddress(parseAddress(text));
}

/** Compares two addresses as unsigned integers in network byte order (RFC 9568 §6.4.3 tie-break). */
export function compareAddresses(a: string, b: string): number {
  return Buffer.compare(parseAddress(a), parseAddress(b));
}

export function isMulticast(text: string): boolean {
  const b = parseAddress(text);
  return b.length === 4 ? ((b[0] ?? 0) & 0xf0) === 0xe0 : b[0] === 0xff;
}

/** IPv6 fe80::/10. */
export function isLinkLocal6(text: string): boolean {
  const b = parseAddress(text);
  return b.length === 16 && b[0] === 0xfe && ((b[1] ?? 0) & 0xc0) === 0x80;
}

/**
 * Address bytes to text, remembered: the receive path meets the same few peers over and over, and formatting each
 * packet's addresses anew would make two strings per packet. Bounded: when full it starts again.
 */
export class AddressTexts {
  private readonly known = new Map<number, { bytes: Uint8Array; text: string }>();

  constructor(private readonly limit = 256) {}

  /** The text of the 4 or 16 bytes at `offset` (formatAddress's). */
  text(buffer: Uint8Array, offset: number, length: 4 | 16): string {
    let hash = 0x811c9dc5; // FNV-1a
    for (let i = 0; i < length; i++) hash = Math.imul(hash ^ (buffer[offset + i] ?? 0), 0x01000193);
    const entry = this.known.get(hash);
    if (entry && entry.bytes.length === length && sameBytes(entry.bytes, buffer, offset)) return entry.text;
    const bytes = buffer.slice(offset, offset + length);
    const text = formatAddress(bytes);
    if (this.known.size >= this.limit) this.known.clear();
    this.known.set(hash, { bytes, text });
    return text;
  }
}

function sameBytes(bytes: Uint8Array, buffer: Uint8Array, offset: number): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== buffer[offset + i]) return false;
  return true;
}
