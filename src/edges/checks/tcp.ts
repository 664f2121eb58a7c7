/**
 * TCP_CHECK: a TCP connect to connect_ip:connect_port (IPv4 or IPv6), from bindto / bind_port / bind_if and with
 * fwmark when given, succeeds within connect_timeout, counted from the connect() call. The addon's probe engine
 * makes the socket, connects it and closes it, whatever the outcome.
 */
import type { ResolvedTcpCheck } from '../../core/checks/spec.js';
import type { CheckResult } from '../../core/tracking/types.js';
import { errnoError, PROBE_EVENT, probeEngine } from './probe-engine.js';
import { badEndpoint, netReason } from './reasons.js';

export type TcpProbeOptions = Pick<
  ResolvedTcpCheck,
  'connectIp' | 'connectPort' | 'bindto' | 'bindPort' | 'bindIf' | 'fwmark' | 'connectTimeoutMs'
>;

/** Resolves (never rejects) once connected, failed, timed out or aborted; the socket is gone by then. */
export function tcpProbe(o: TcpProbeOptions, signal?: AbortSignal): Promise<CheckResult> {
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
    const engine = probeEngine();
    let id = 0;
    // The latency is the engine's, on its loop's clock: no clock read per probe here.
    const finish = (ok: boolean, reason: string, latencyMs: number) => {
      signal?.removeEventListener('abort', onAbort);
      resolve({ ok, reason, latencyMs });
    };
    const onAbort = () => {
      engine.close(id);
      finish(false, 'aborted', 0);
    };
    try {
      id = engine.start(o, o.connectTimeoutMs, null, (event, value, elapsedMs) => {
        if (event === PROBE_EVENT.connected) finish(true, 'ok', elapsedMs);
        else if (event === PROBE_EVENT.timeout) finish(false, 'timeout', elapsedMs);
        else finish(false, netReason(errnoError(value), false), elapsedMs);
      });
    } catch (err) {
      // Synchronous: the socket could not be made, set up (bind_if, fwmark), bound, or connect failed at once.
      finish(false, netReason(err, o.bindto !== undefined || o.bindPort !== undefined), 0);
      return;
    }
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
