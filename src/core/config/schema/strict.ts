/**
 * `vrrp_strict` / `strict_mode`: keepalived's RFC-strict mode (vrrp.c vrrp_complete_instance at v2.2.7). keepalived
 * refuses two things (unicast peers, an IPv6 instance whose first VIP is not link-local) and resets the rest with a
 * message; vipd does the same, each reset a warning at the keyword that asked for it:
 *
 * state MASTER only for the address owner; no authentication; no preempt_delay; down_timer_adverts 3; accept only
 * for the owner unless written (and never for a non-owner under VRRPv2); no GARP repeat on a lower priority;
 * lower_prio_no_advert on; higher_prio_send_advert off; no vmac_xmit_base.
 */
import { isLinkLocal6 } from '../../codec/ip-address.js';
import type { InstanceConfig } from '../model.js';
import type { PathSegment, Reporter } from './report.js';

/** What the instance block wrote itself (a default from global_defs is not "asked for"). */
export interface Written {
  state: boolean;
  accept: boolean;
  garpLowerPrio: boolean;
  lowerPrioNoAdvert: boolean;
  higherPrioSendAdvert: boolean;
}

export function applyStrictMode(
  c: InstanceConfig,
  written: Written,
  base: readonly PathSegment[],
  report: Pick<Reporter, 'warn' | 'error'>,
): InstanceConfig {
  const owner = c.priority === 255;
  const accept = written.accept ? c.accept : owner || !c.strictMode;
  if (!c.strictMode) return { ...c, accept };
  const at = (k: string) => [...base, k];
  const reset = (key: string, what: string) =>
    report.warn(at(key), 'key', `${what} in strict mode: reset (keepalived)`);
  if (c.unicastPeers.length > 0)
    report.error(at('unicast_peer'), 'key', 'unicast peers are not allowed in strict mode');
  const first = c.vips[0];
  if (first?.family === 6 && !isLinkLocal6(first.address)) {
    report.error(at('virtual_ipaddress'), 'value', 'strict mode needs the first IPv6 VIP to be link-local');
  }
  const out: InstanceConfig = { ...c, accept };
  const wantsMaster = owner ? 'MASTER' : 'BACKUP';
  if (written.state && c.state !== wantsMaster) {
    reset('state', `state ${c.state} with priority ${c.priority} (MASTER is for the address owner only)`);
  }
  out.state = wantsMaster;
  if (c.auth) {
    reset('authentication', 'authentication is not allowed');
    out.auth = undefined;
  }
  if (c.preemptDelayMs > 0) {
    reset('preempt_delay', 'preempt_delay is not allowed');
    out.preemptDelayMs = 0;
  }
  if (c.downTimerAdverts !== 3) {
    reset('down_timer_adverts', 'down_timer_adverts other than 3 is not allowed');
    out.downTimerAdverts = 3;
  }
  if (out.accept && !owner && c.version === 2) {
    if (written.accept) reset('accept', 'accept for a VRRPv2 non-owner does not comply with RFC 3768');
    out.accept = false;
  }
  if (written.garpLowerPrio && (c.garp.lowerPrioRepeat > 0 || c.garp.lowerPrioDelayMs > 0)) {
    reset('garp_lower_prio_repeat', 'GARP repeats on a lower priority are not allowed');
  }
  out.garp = { ...c.garp, lowerPrioRepeat: 0, lowerPrioDelayMs: 0 };
  if (written.lowerPrioNoAdvert && !c.lowerPrioNoAdvert)
    reset('lower_prio_no_advert', 'lower_prio_no_advert off is not allowed');
  out.lowerPrioNoAdvert = true;
  if (written.higherPrioSendAdvert && c.higherPrioSendAdvert) {
    reset('higher_prio_send_advert', 'higher_prio_send_advert is not allowed');
  }
  out.higherPrioSendAdvert = false;
  if (c.vmacXmitBase) {
    reset('vmac_xmit_base', 'vmac_xmit_base is not allowed');
    out.vmacXmitBase = false;
  }
  return out;
}
