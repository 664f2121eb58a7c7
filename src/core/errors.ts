/**
 * vipd's own errors carry a stable code, as undici's do, so that callers and logs can tell them apart without
 * matching messages. System errors keep their errno code (EPERM, ENODEV, ...). Every error vipd raises itself is a
 * VipdError with one of these codes.
 */
export type VipdErrorCode =
  /** The daemon cannot start: a missing interface, no advert source, a tracker that cannot run. */
  | 'VIPD_ERR_STARTUP'
  /** A tracker cannot be set up (unknown script user, insecure script). */
  | 'VIPD_ERR_TRACKER'
  /** Two instances with one VRID on the same interface and family. */
  | 'VIPD_ERR_DUPLICATE_VRID'
  /** A reload that cannot be applied (a new instance's interface or address is missing): nothing changed. */
  | 'VIPD_ERR_RELOAD'
  /** Another vipd runs with this pid file. */
  | 'VIPD_ERR_RUNNING'
  /** The pid file cannot be created. */
  | 'VIPD_ERR_PID_FILE'
  /** A command line that cannot be split into words (an unterminated quote, a trailing backslash). */
  | 'VIPD_ERR_COMMAND_SYNTAX'
  /** The edges given to the daemon lack the port a feature needs (IPVS, sysctl, nftables). */
  | 'VIPD_ERR_MISSING_PORT'
  /** A kernel parameter vipd needs is not there. */
  | 'VIPD_ERR_NO_KERNEL_PARAMETER'
  /** A VMAC interface cannot be made. */
  | 'VIPD_ERR_VMAC'
  /** An interface has no VRRP socket of the family an instance needs. */
  | 'VIPD_ERR_NO_SOCKET'
  /** A notify FIFO's path holds something else. */
  | 'VIPD_ERR_NOT_A_FIFO'
  /** A timer used after it was closed. */
  | 'VIPD_ERR_TIMER_CLOSED'
  /** A module started the wrong way (the check worker outside a worker thread). */
  | 'VIPD_ERR_MISUSE'
  /** The crash injected for tests (VIPD_INJECT_CRASH_AFTER_MS). */
  | 'VIPD_ERR_INJECTED_CRASH';

export class VipdError extends Error {
  constructor(
    readonly code: VipdErrorCode,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The daemon cannot start (nothing was left behind). */
export class StartupError extends VipdError {
  constructor(message: string) {
    super('VIPD_ERR_STARTUP', message);
  }
}

/** A tracker cannot be set up. */
export class TrackerError extends VipdError {
  constructor(message: string) {
    super('VIPD_ERR_TRACKER', message);
  }
}
