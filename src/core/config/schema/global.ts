/** `global_defs`: its schema and the GlobalDefs it builds. */
import * as z from 'zod';
import { INSTANCE_TO_GLOBAL, NOT_USED_BY_VIPD, UNSUPPORTED_GLOBAL } from '../keywords.js';
import type { GlobalDefs } from '../model.js';
import { DEFAULTS } from './defaults.js';
import {
  command,
  flag,
  garpDelay,
  garpExtraIf,
  garpLowerRepeat,
  garpRefresh,
  garpRepeat,
  pacing,
  text,
  toMs,
  version,
  wholeNumber,
} from './fields.js';
import type { RawGlobal } from './instance.js';
import { isMap, parseSection, type Reporter } from './report.js';
import { buildLvsGlobals, lvsGlobalFields } from './virtual-server.js';

/** `PATH [USER [GROUP]]`: an absolute path, then the FIFO's owner. */
const fifoSpec = z
  .string({ error: 'must be PATH [USER [GROUP]]' })
  .regex(/^\/\S+(\s+[^\s:]+){0,2}$/, { error: 'must be an absolute PATH, optionally followed by USER and GROUP' })
  .transform((v) => {
    const [path = '', user, group] = v.trim().split(/\s+/);
    return { path, owner: user ? { user, group } : undefined };
  });

export const globalDefsSchema = z
  .object({
    router_id: text,
    vrrp_version: version,
    vrrp_garp_master_delay: garpDelay,
    vrrp_garp_master_repeat: garpRepeat,
    vrrp_garp_master_refresh: garpRefresh,
    vrrp_garp_master_refresh_repeat: garpRepeat,
    vrrp_garp_extra_if: garpExtraIf,
    vrrp_garp_lower_prio_delay: garpDelay,
    vrrp_garp_lower_prio_repeat: garpLowerRepeat,
    vrrp_lower_prio_no_advert: flag,
    vrrp_higher_prio_send_advert: flag,
    vrrp_check_unicast_src: flag,
    v3_checksum_as_v2: flag,
    vrrp_down_timer_adverts: wholeNumber(1, 100),
    script_user: z
      .string({ error: 'must be USER or USER:GROUP' })
      .regex(/^[^:\s]+(:[^:\s]+)?$/, { error: 'must be USER or USER:GROUP' }),
    enable_script_security: flag,
    vrrp_strict: flag,
    net_namespace: z
      .string({ error: 'must be the name of a network namespace (ip netns)' })
      .regex(/^[^/\s.][^/\s]*$/, { error: 'must be the name of a network namespace (ip netns), not a path' }),
    vrrp_garp_interval: pacing,
    vrrp_gna_interval: pacing,
    notify_fifo: fifoSpec,
    notify_fifo_script: command,
    vrrp_notify_fifo: fifoSpec,
    vrrp_notify_fifo_script: command,
    lvs_notify_fifo: fifoSpec,
    lvs_notify_fifo_script: command,
    ...lvsGlobalFields,
  })
  .partial();

export function buildGlobalDefs(node: unknown, report: Reporter): GlobalDefs {
  let g: RawGlobal = {};
  if (node !== undefined && node !== null) {
    if (!isMap(node)) report.error(['global_defs'], 'value', 'global_defs must be a map of keywords');
    else {
      const hints = Object.fromEntries(
        Object.entries(INSTANCE_TO_GLOBAL).map(([inst, glob]) => [inst, `the global_defs form is ${glob}`]),
      );
      g = parseSection(
        node,
        ['global_defs'],
        {
          schema: globalDefsSchema,
          where: 'global_defs',
          unsupported: UNSUPPORTED_GLOBAL,
          notUsed: NOT_USED_BY_VIPD.global_defs,
          hints,
        },
        report,
      ).data;
    }
  }
  const masterDelayMs = (g.vrrp_garp_master_delay ?? DEFAULTS.garpMasterDelaySeconds) * 1000;
  const masterRepeat = g.vrrp_garp_master_repeat ?? DEFAULTS.garpMasterRepeat;
  const [user, group] = g.script_user?.split(':') ?? [];
  return {
    routerId: g.router_id,
    vrrpVersion: g.vrrp_version ?? DEFAULTS.vrrpVersion,
    garp: {
      masterDelayMs,
      masterRepeat,
      masterRefreshMs: (g.vrrp_garp_master_refresh ?? DEFAULTS.garpMasterRefreshSeconds) * 1000,
      masterRefreshRepeat: g.vrrp_garp_master_refresh_repeat ?? DEFAULTS.garpMasterRefreshRepeat,
      // keepalived: the lower-priority values default to the *global* master values.
      lowerPrioDelayMs:
        g.vrrp_garp_lower_prio_delay !== undefined ? g.vrrp_garp_lower_prio_delay * 1000 : masterDelayMs,
      lowerPrioRepeat: g.vrrp_garp_lower_prio_repeat ?? masterRepeat,
    },
    downTimerAdverts: g.vrrp_down_timer_adverts ?? DEFAULTS.downTimerAdverts,
    lowerPrioNoAdvert: g.vrrp_lower_prio_no_advert ?? DEFAULTS.lowerPrioNoAdvert,
    higherPrioSendAdvert: g.vrrp_higher_prio_send_advert ?? DEFAULTS.higherPrioSendAdvert,
    checkUnicastSrc: g.vrrp_check_unicast_src ?? DEFAULTS.checkUnicastSrc,
    v3ChecksumAsV2: g.v3_checksum_as_v2 ?? DEFAULTS.v3ChecksumAsV2,
    scriptUser: user ? { user, group } : undefined,
    enableScriptSecurity: g.enable_script_security ?? false,
    garpIntervalMs: toMs(g.vrrp_garp_interval ?? 0),
    gnaIntervalMs: toMs(g.vrrp_gna_interval ?? 0),
    vrrpStrict: g.vrrp_strict ?? false,
    garpExtraIf: g.vrrp_garp_extra_if,
    netNamespace: g.net_namespace,
    notifyFifos: (['notify_fifo', 'vrrp_notify_fifo', 'lvs_notify_fifo'] as const).flatMap((keyword) => {
      const fifo = g[keyword];
      const script = g[`${keyword}_script`];
      return fifo ? [{ keyword, ...fifo, script }] : [];
    }),
    lvs: buildLvsGlobals(g, report),
  };
}
