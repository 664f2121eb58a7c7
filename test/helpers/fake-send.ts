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
