import net from 'node:net';

/** Short failure reasons from socket errors, shared by the TCP and HTTP/SSL probes. */

const NET_REASONS: Record<string, string> = {
  ECONNREFUSED: 'refused',
  ETIMEDOUT: 'timeout',
  EHOSTUNREACH: 'unreachable',
  ENETUNREACH: 'unreachable',
  EHOSTDOWN: 'unreachable',
  ENETDOWN: 'unreachable',
  ECONNRESET: 'reset',
  EPIPE: 'reset',
};

/** 'refused', 'timeout', 'unreachable', 'reset', or 'bind: EADDRINUSE' / 'bind_if: ENODEV' / 'error: EINVAL' and the like. */
export function netReason(err: unknown, bound: boolean): string {
  const code = errCode(err);
  const known = NET_REASONS[code];
  if (known) return known;
  const syscall = (err as { syscall?: unknown } | undefined)?.syscall;
  if (syscall === 'setsockopt SO_BINDTODEVICE') return `bind_if: ${code}`;
  if (syscall === 'setsockopt SO_MARK') return `fwmark: ${code}`;
  if (syscall === 'bind') return `bind: ${code}`;
  if (bound && (code === 'EADDRINUSE' || code === 'EADDRNOTAVAIL' || code === 'EINVAL' || code === 'EACCES'))
    return `bind: ${code}`;
  return `error: ${code}`;
}

export function errCode(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown } | undefined;
  if (e && typeof e.code === 'string' && e.code !== '') return e.code;
  if (e && typeof e.message === 'string' && e.message !== '') return e.message;
  return String(err);
}

/** Elapsed milliseconds since `start` (a performance.now() value), rounded to µs. */
export function since(start: number): number {
  return Math.round((performance.now() - start) * 1000) / 1000;
}

/** Checks connect_ip / bindto are IP literals (no DNS) and the ports are in range; returns a reason or undefined. */
/** Families of the addresses seen, by text: a probe's address is checked once, not at every probe. */
const families = new Map<string, 0 | 4 | 6>();

/** net.isIP of `address`, remembered (the checks' addresses are a configuration's, and few). */
export function ipFamily(address: string): 0 | 4 | 6 {
  let family = families.get(address);
  if (family === undefined) {
    if (families.size >= 10_000) families.clear();
    family = net.isIP(address) as 0 | 4 | 6;
    families.set(address, family);
  }
  return family;
}

export function badEndpoint(o: {
  connectIp: string;
  connectPort: number;
  bindto?: string | undefined;
  bindPort?: number | undefined;
}): string | undefined {
  if (ipFamily(o.connectIp) === 0) return `bad address: ${o.connectIp}`;
  if (!Number.isInteger(o.connectPort) || o.connectPort < 1 || o.connectPort > 65535)
    return `bad port: ${o.connectPort}`;
  if (o.bindto !== undefined && ipFamily(o.bindto) === 0) return `bad address: ${o.bindto}`;
  if (o.bindPort !== undefined && (!Number.isInteger(o.bindPort) || o.bindPort < 0 || o.bindPort > 65535))
    return `bad port: ${o.bindPort}`;
  return undefined;
}
