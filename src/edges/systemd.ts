/**
 * sd_notify(3) for `Type=notify` units: READY=1 once vipd's sockets are open and its configuration applied,
 * RELOADING=1 / READY=1 around a reload, STOPPING=1 when it stops. A no-op outside systemd ($NOTIFY_SOCKET unset);
 * a failure is reported to the caller's log, never thrown (systemd's bookkeeping must not stop the daemon).
 */
import { native } from './native.js';

export function sdNotify(state: string, onError?: (err: unknown) => void): boolean {
  const socketPath = process.env.NOTIFY_SOCKET;
  if (!socketPath) return false;
  try {
    native.sendUnixDatagram(socketPath, Buffer.from(state));
    return true;
  } catch (err) {
    onError?.(err);
    return false;
  }
}
