/**
 * The addon's probe engine (native/probe_engine.cc), one per thread: TCP_CHECK's connect and plain HTTP_GET's
 * exchange without Node's net, whose sockets cost several times the kernel's own work per probe. The engine
 * reports each probe's events to the handler its start() gave; what the bytes mean stays in the probes.
 */

import { errnoName } from '../errno.js';
import { type NativeProbeEngine, native, PROBE_EVENT } from '../native.js';
import { ipFamily } from './reasons.js';
import type { CheckEndpoint } from './socket.js';

export { PROBE_EVENT };

/**
 * A probe's events: `value` is the byte count for data (in `engine.buffer`), the errno for error; `elapsedMs`
 * since its connect() on the loop's clock (whole ms, with no clock read of its own).
 */
export type ProbeHandler = (event: number, value: number, elapsedMs: number) => void;

/** An errno as the error Node would give (code 'ECONNREFUSED'), for the probes' reasons. */
export function errnoError(errno: number): { code: string } {
  return { code: errnoName(errno) };
}

class ProbeEngine {
  private readonly engine: NativeProbeEngine;
  private readonly handlers = new Map<number, ProbeHandler>();
  private nextId = 1;

  constructor() {
    this.engine = new native.ProbeEngine((id, event, value, elapsedMs) => {
      const handler = this.handlers.get(id);
      if (event !== PROBE_EVENT.data) this.handlers.delete(id);
      handler?.(event, value, elapsedMs);
    });
  }

  /** The bytes of the data event being handled. */
  get buffer(): Buffer {
    return this.engine.buffer;
  }

  /** Starts a probe; its id, for close(). Throws as the socket calls do (errno errors with their syscall). */
  start(o: CheckEndpoint, timeoutMs: number, request: Buffer | null, handler: ProbeHandler): number {
    const id = this.nextId;
    this.nextId = this.nextId >= 0xffffffff ? 1 : this.nextId + 1;
    this.engine.start(
      id,
      ipFamily(o.connectIp) === 6 ? 6 : 4,
      o.connectIp,
      o.connectPort,
      o.bindIf ?? null,
      o.fwmark ?? null,
      o.bindto ?? null,
      o.bindPort ?? 0,
      Math.min(Math.max(0, Math.round(timeoutMs)), 0x7fffffff),
      request,
    );
    this.handlers.set(id, handler);
    return id;
  }

  /** Ends a probe without an event (verdict reached, or aborted). */
  close(id: number): void {
    this.handlers.delete(id);
    this.engine.close(id);
  }

  get active(): number {
    return this.engine.active;
  }
}

let engine: ProbeEngine | undefined;

/** This thread's engine, made when first needed. */
export function probeEngine(): ProbeEngine {
  engine ??= new ProbeEngine();
  return engine;
}
