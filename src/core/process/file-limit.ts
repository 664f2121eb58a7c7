/**
 * The open-file limit a configuration needs, as keepalived sizes its checker process (set_checker_max_fds: its own
 * descriptors, one per socket checker, and spare): without it, thousands of checkers run out of descriptors
 * (EMFILE) and healthy real servers fail their checks. vipd's own descriptors (Node, netlink, VRRP sockets, the
 * check thread) take more than keepalived's 27, hence a larger base.
 */
import type { VipdConfig } from '../config/model.js';

const OWN_DESCRIPTORS = 256;

/** Checkers that hold a socket while they run: every type but MISC_CHECK (a process) and FILE_CHECK. */
function socketCheckers(c: VipdConfig): number {
  let n = c.checks.filter((k) => k.spec.type !== 'MISC_CHECK').length;
  for (const vs of c.virtualServers) {
    for (const rs of vs.realServers) {
      for (const k of rs.checkers) if (k.kind === 'probe' && k.spec.type !== 'MISC_CHECK') n++;
    }
  }
  return n;
}

export function fileLimitFor(c: VipdConfig): number {
  return OWN_DESCRIPTORS + socketCheckers(c);
}
