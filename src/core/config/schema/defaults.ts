/**
 * vipd's configuration defaults: keepalived's, unless a line says why not. The checkers' defaults are the one
 * table in core/checks/spec.ts (CHECKER_DEFAULTS).
 */
/** keepalived's defaults (keepalived.md §0, §1a–1b), in the model's units. */
export const DEFAULTS = {
  vrrpVersion: 2,
  priority: 100,
  ownerPriority: 255,
  advertIntSeconds: 1,
  preempt: true,
  preemptDelaySeconds: 0,
  garpMasterDelaySeconds: 5,
  garpMasterRepeat: 5,
  garpMasterRefreshSeconds: 0,
  garpMasterRefreshRepeat: 1,
  downTimerAdverts: 3,
  lowerPrioNoAdvert: false,
  higherPrioSendAdvert: false,
  // vipd beats keepalived here: unicast adverts count only from the listed peers (keepalived: check_unicast_src).
  checkUnicastSrc: true,
  v3ChecksumAsV2: false,
  accept: true,
  scriptIntervalSeconds: 1,
  scriptWeight: 0,
  scriptRise: 1,
  scriptFall: 1,
  trackFileWeight: 1,
  // vrrp_check (vipd): keepalived's checker defaults (CHECKER_DEFAULTS, the one table the engine uses too), except
  // delay_loop (CHECKER_DEFAULTS.vrrpCheckDelayLoopMs) and warmup (random up to delay_loop there): a VRRP tracker
  // wants a verdict in seconds. connect_ip: a vrrp_check has no real server to inherit one from.
  checkWeight: 0,
  checkRise: 1,
  checkFall: 1,
  checkWarmupSeconds: 0,
  checkConnectIp: '127.0.0.1',
} as const;
