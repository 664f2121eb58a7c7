/** A fake VrrpPort's send under the port contract: with `done` the outcome goes there (never thrown), else it throws. */
import type { VrrpSendOptions } from '../../src/core/ports.js';

export function settleSend(opts: VrrpSendOptions | undefined, send: () => void): void {
  if (!opts?.done) {
    send();
    return;
  }
  let failed: unknown;
  try {
    send();
  } catch (err) {
    failed = err;
  }
  opts.done(failed);
}

/** What the addon refuses before any syscall, as it refuses it: a TTL / hop limit out of 1..255 (else undefined). */
export function advertRefusal(opts: VrrpSendOptions | undefined): RangeError | undefined {
  const ttl = opts?.ttl ?? 255;
  return ttl < 1 || ttl > 255 ? new RangeError(`ttl must be 1..255, not ${ttl}`) : undefined;
}

/** The addon's refusal of a frame shorter than an Ethernet header (else undefined). */
export function frameRefusal(frame: Buffer): RangeError | undefined {
  return frame.length < 14 ? new RangeError('frame shorter than an Ethernet header') : undefined;
}
