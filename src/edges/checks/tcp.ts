/**
 * TCP_CHECK: a TCP connect to connect_ip:connect_port (IPv4 or IPv6), from bindto / bind_port / bind_if and with
 * fwmark when given, succeeds within connect_timeout. The socket is always destroyed, whatever the outcome.
 */
import type { ResolvedTcpCheck } from '../../core/checks/spec.js';
import type { CheckResult } from '../../core/tracking/types.js';
import { badEndpoint, netReason, since } from './reasons.js';
import { connectTcp } from './socket.js';

export type TcpProbeOptions = Pick<
  ResolvedTcpCheck,
  'connectIp' | 'connectPort' | 'bindto' | 'bindPort' | 'bindIf' | 'fwmark' | 'connectTimeoutMs'
>;

/** Resolves (never rejects) once connected, failed, timed out or aborted; the socket is gone by then. */
export function tcpProbe(o: TcpProbeOptions, signal?: AbortSignal): Promise<CheckResult> {
  const start = performance.now();
  return new Promise<CheckResult>((resolve) => {
    if (signal?.aborted) {
      resolve({ ok: false, reason: 'aborted', latencyMs: 0 });
      return;
    }
    const bad = badEndpoint(o);
    if (bad) {
      resolve({ ok: false, reason: bad, latencyMs: 0 });
      return;
    }
    const bound = o.bindto !== undefined || o.bindPort !== undefined;
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    let sock: ReturnType<typeof connectTcp> | undefined;
    const finish = (ok: boolean, reason: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      sock?.destroy();
      resolve({ ok, reason, latencyMs: since(start) });
    };
    const onAbort = () => finish(false, 'aborted');
    signal?.addEventListener('abort', onAbort, { once: true });
    timer = setTimeout(() => finish(false, 'timeout'), o.connectTimeoutMs);
    try {
      sock = connectTcp(o, { noDelay: true });
      sock.on('error', (err) => finish(false, netReason(err, bound)));
      sock.once('connect', () => finish(true, 'ok'));
    } catch (err) {
      // Synchronous throws: an invalid port or address (ERR_SOCKET_BAD_PORT, ...), the addon's setsockopt or bind.
      finish(false, netReason(err, bound));
    }
  });
}
