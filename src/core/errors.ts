/**
 * vipd's own errors carry a stable code, as undici's do, so that callers and logs can tell them apart without
 * matching messages. System errors keep their errno code (EPERM, ENODEV, ...).
 */
export type VipdErrorCode =
  /** The daemon cannot start: a missing interface, no advert source, a tracker that cannot run. */
  | 'VIPD_ERR_STARTUP'
  /** A tracker cannot be set up (unknown script user, insecure script). */
  | 'VIPD_ERR_TRACKER'
  /** Two instances with one VRID on the same interface and family. */
  | 'VIPD_ERR_DUPLICATE_VRID'
  /** A reload that cannot be applied (a new instance's interface or address is missing): nothing changed. */
  | 'VIPD_ERR_RELOAD';

export class VipdError extends Error {
  constructor(
    readonly code: VipdErrorCode,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}
