/**
 * `vrrp_instance`: its schema and the InstanceConfig it builds (VIPs, authentication, unicast, advert interval,
 * trackers).
 */
import * as z from 'zod';
import { addressFamily, isLinkLocal6 } from '../../codec/ip-address.js';
import { VRRP_MULTICAST_GROUP } from '../../codec/vrrp-wire.js';
import type { AddressSpec, Family } from '../../net.js';
import type { GarpParams } from '../../vrrp/types.js';
import { ownVmacKey, placeAddress, type VmacPlacementInstance } from '../address-vmacs.js';
import { INSTANCE_TO_GLOBAL, NOT_USED_BY_VIPD, UNSUPPORTED_INSTANCE } from '../keywords.js';
import type { AddressVmac, InstanceConfig, IpvlanConfig, NotifyScripts } from '../model.js';
import { parseVip } from '../vip.js';
import type { Context } from './context.js';
import { DEFAULTS } from './defaults.js';
import {
  address,
  flag,
  garpDelay,
  garpExtraIf,
  garpLowerRepeat,
  garpRefresh,
  garpRepeat,
  ifName,
  ipvlanSpec,
  listOf,
  multicastAddress,
  notifyCommand,
  notifyDeleted,
  notifyScripts,
  seconds,
  text,
  trackEntries,
  version,
  vmacSpec,
  wholeNumber,
} from './fields.js';
import { isMap, type PathSegment, parseSection, type Reporter } from './report.js';
import { buildRoutes, buildRules } from './routing.js';
import { applyStrictMode } from './strict.js';
import { buildTrackerLists } from './trackers.js';

export const authenticationSchema = z
  .object({
    auth_type: z.enum(['PASS', 'AH'], { error: 'must be PASS or AH' }),
    auth_pass: text,
  })
  .partial();

export const instanceSchema = z
  .object({
    // Any word: keepalived 2.2.7 takes what is not MASTER or BACKUP as BACKUP (stateOf).
    state: z.string({ error: 'must be MASTER or BACKUP' }).or(z.number().transform(String)),
    interface: ifName,
    virtual_router_id: wholeNumber(1, 255),
    priority: wholeNumber(1, 255),
    // The range and step depend on the version: checked once the version is known (checkAdvertInt).
    advert_int: z
      .number({ error: 'must be a number of seconds' })
      .gt(0, { error: 'must be a positive number of seconds' })
      .max(255, { error: 'must be at most 255 seconds' }),
    version,
    nopreempt: flag,
    preempt: flag,
    preempt_delay: seconds(0, 1000),
    unicast_src_ip: address,
    // keepalived: the same setting as unicast_src_ip (the source address of the adverts), by its older name.
    mcast_src_ip: address,
    mcast_dst_ip: multicastAddress,
    no_virtual_ipaddress: flag,
    unicast_peer: listOf(address, 'addresses'),
    unicast_ttl: wholeNumber(1, 255),
    unicast_fault_no_peer: flag,
    authentication: z.unknown(), // a nested section, checked with authenticationSchema
    virtual_ipaddress: listOf(z.string({ error: 'must be text like "10.0.0.1/24 dev eth0"' }), 'addresses'),
    notify_master: notifyCommand,
    notify_backup: notifyCommand,
    notify_fault: notifyCommand,
    notify_stop: notifyCommand,
    notify: notifyCommand,
    notify_master_rx_lower_pri: notifyCommand,
    notify_deleted: notifyDeleted,
    notify_priority_changes: flag,
    garp_master_delay: garpDelay,
    garp_master_repeat: garpRepeat,
    garp_master_refresh: garpRefresh,
    garp_master_refresh_repeat: garpRepeat,
    garp_extra_if: garpExtraIf,
    garp_lower_prio_delay: garpDelay,
    garp_lower_prio_repeat: garpLowerRepeat,
    down_timer_adverts: wholeNumber(1, 100),
    lower_prio_no_advert: flag,
    higher_prio_send_advert: flag,
    check_unicast_src: flag,
    owner_ignore_adverts: flag,
    skip_check_adv_addr: flag,
    v3_checksum_as_v2: flag,
    accept: flag,
    no_accept: flag,
    strict_mode: flag,
    dont_track_primary: flag,
    promote_secondaries: flag,
    track_src_ip: flag,
    // Bare: always (and auto-detected, as by default); `never`: no auto-detection either.
    old_unicast_checksum: z.union([z.literal(true).transform(() => 'always' as const), z.literal('never')], {
      error: 'must be nothing or never',
    }),
    track_interface: trackEntries,
    track_script: trackEntries,
    track_file: trackEntries,
    track_check: trackEntries,
    track_process: trackEntries,
    track_bfd: trackEntries,
    virtual_ipaddress_excluded: listOf(z.string({ error: 'must be text like "10.0.0.1/24 dev eth0"' }), 'addresses'),
    virtual_routes: z.unknown(),
    virtual_rules: z.unknown(),
    use_vmac: vmacSpec,
    use_ipvlan: ipvlanSpec,
    use_vmac_addr: flag,
    vmac_xmit_base: flag,
    lvs_sync_daemon_interface: ifName,
    vrf: ifName,
  })
  .partial();

type RawInstance = z.output<typeof instanceSchema>;

export function buildInstance(name: string, body: unknown, ctx: Context, report: Reporter): InstanceConfig | undefined {
  const g = ctx.globalDefs;
  const base = ['vrrp_instance', name] as const;
  const where = `vrrp_instance ${name}`;
  if (!/^\S+$/.test(name)) {
    report.error(base, 'key', `vrrp_instance name ${JSON.stringify(name)} must be one word (no spaces)`);
    return undefined;
  }
  if (!isMap(body)) {
    report.error(base, 'key', `${where} must be a map of keywords (interface, virtual_router_id, ...)`);
    return undefined;
  }
  const hints = Object.fromEntries(
    Object.entries(INSTANCE_TO_GLOBAL).map(([inst, glob]) => [glob, `the vrrp_instance form is ${inst}`]),
  );
  const { data: r, invalid } = parseSection(
    body,
    base,
    {
      schema: instanceSchema,
      where,
      unsupported: UNSUPPORTED_INSTANCE,
      notUsed: NOT_USED_BY_VIPD.vrrp_instance,
      hints,
    },
    report,
  );
  const errorsBefore = report.realErrors;
  const p = (key: string) => [...base, key];
  const has = (key: string) => Object.hasOwn(body, key);

  // Required keywords (unless present but already reported as invalid). keepalived 2.2.7 refuses an instance
  // without interface even with unicast peers ("Unknown interface!": its check runs before it knows of them).
  if (!has('interface')) report.error(base, 'key', `${where} has no interface`);
  // vrf: keepalived 2.2.7 takes one only for an instance without interface, which it refuses; beside an interface
  // it ignores it ("Cannot specify VRF interface and interface - ignoring").
  if (has('vrf') && has('interface')) {
    report.compat(
      p('vrf'),
      'key',
      'vrf beside interface is ignored: keepalived 2.2.7 takes a VRF only for an instance without interface ' +
        '("Cannot specify VRF interface and interface - ignoring"), and so does vipd',
      'vrf cannot be used with interface (keepalived 2.2.7 ignores it there): bind the instance to an interface',
    );
  }
  if (!has('virtual_router_id')) report.error(base, 'key', `${where} has no virtual_router_id (1–255)`);
  if (r.no_virtual_ipaddress === true && has('virtual_ipaddress')) {
    report.error(p('no_virtual_ipaddress'), 'key', 'no_virtual_ipaddress contradicts the virtual_ipaddress block');
  }
  if (r.mcast_src_ip !== undefined && r.unicast_src_ip !== undefined) {
    report.error(p('mcast_src_ip'), 'key', 'mcast_src_ip and unicast_src_ip are one setting: write one of them');
  }
  const srcIp = r.unicast_src_ip ?? r.mcast_src_ip;
  if (r.accept === true && r.no_accept === true)
    report.error(p('no_accept'), 'key', 'no_accept contradicts accept: true');

  const ifname = r.interface ?? '';
  // Addresses without a dev are on the instance's interface; placeAddresses puts them on the VMACs.
  const lines = buildVips(r, ifname, base, report);
  const vips = lines.map((l) => l.spec);
  const ipvlanAddress = r.use_ipvlan ? r.use_ipvlan.address : undefined;
  const familyFrom = srcIp ?? ipvlanAddress?.address;
  const family: Family = vips[0]?.family ?? (familyFrom ? (addressFamily(familyFrom) as Family) : 4);
  if (r.use_vmac && r.use_ipvlan) {
    report.error(
      p('use_ipvlan'),
      'key',
      'use_vmac and use_ipvlan each give the instance an interface of its own: choose one',
    );
  }
  const own = r.use_vmac || r.use_ipvlan;
  // Unnamed: named once every instance is known (nameVmacs), as keepalived names it.
  const vmacName = own ? (own.name ?? ownVmacKey(r.virtual_router_id ?? 0, family)) : undefined;
  // Checks that depend on a value in error are skipped: one mistake, one message.
  const familyKnown = vips.length > 0 || srcIp !== undefined || !has('virtual_ipaddress');
  const versionKnown = !invalid.has('version');

  // Version: the instance's, else global_defs vrrp_version; IPv6 needs (and forces) VRRPv3.
  let version = r.version ?? g.vrrpVersion;
  if (family === 6 && version === 2) {
    if (r.version === 2) {
      report.error(p('version'), 'value', 'version 2 cannot carry IPv6 addresses: VRRP over IPv6 is version 3');
    }
    version = 3;
  }

  // Cloud failover: no address, the notify scripts move one through the provider's API. keepalived 2.2.7 runs a
  // VRRPv2 instance so ("No VIP specified; at least one is sensible") and refuses a VRRPv3 or strict one.
  const strict = r.strict_mode ?? g.vrrpStrict;
  // An empty virtual_ipaddress block is no block to keepalived (the same "No VIP specified").
  const noVips = !has('virtual_ipaddress') || r.virtual_ipaddress?.length === 0;
  if (noVips && (r.no_virtual_ipaddress !== true || strict)) {
    if (r.no_virtual_ipaddress === true) {
      report.error(
        p('no_virtual_ipaddress'),
        'key',
        'no_virtual_ipaddress cannot be used in strict mode (RFC 9568 needs an address)',
      );
    } else if (version === 3 || strict) {
      report.error(
        base,
        'key',
        `${where} has no virtual_ipaddress: write no_virtual_ipaddress to run VRRP${version === 3 ? 'v3' : ' in strict mode'} ` +
          'without an address (keepalived 2.2.7 refuses it: "No VIP specified; at least one is required")',
      );
    } else {
      report.compat(
        base,
        'key',
        `${where} has no virtual_ipaddress: it runs VRRP and its notify scripts without adding an address, as ` +
          'keepalived 2.2.7 does ("No VIP specified; at least one is sensible"); write no_virtual_ipaddress to say so',
        `${where} has no virtual_ipaddress (no_virtual_ipaddress: true runs it without one)`,
      );
    }
  }
  const advertIntervalMs = checkAdvertInt(
    r.advert_int,
    version,
    invalid.has('advert_int') || !versionKnown,
    p('advert_int'),
    report,
  );
  const state = stateOf(r.state, p('state'), report);
  const priority = r.priority ?? (state === 'MASTER' ? DEFAULTS.ownerPriority : DEFAULTS.priority);

  // Preemption: on unless nopreempt (or preempt: false).
  let preempt: boolean = DEFAULTS.preempt;
  let preemptKey: string | undefined;
  if (r.nopreempt !== undefined) {
    preempt = !r.nopreempt;
    preemptKey = 'nopreempt';
  }
  if (r.preempt !== undefined) {
    if (preemptKey && r.preempt !== preempt) {
      report.error(p('preempt'), 'key', `preempt: ${r.preempt} contradicts nopreempt: ${r.nopreempt}`);
    }
    preempt = r.preempt;
    preemptKey = 'preempt';
  }
  // keepalived 2.2.7 clears nopreempt where it cannot work, and says so; vipd does the same.
  if (!preempt && preemptKey) {
    if (state === 'MASTER') {
      preempt = true;
      report.compat(
        p(preemptKey),
        'key',
        'nopreempt needs state BACKUP: with state MASTER keepalived 2.2.7 clears it, and so does vipd (this ' +
          'instance preempts)',
        'nopreempt needs state BACKUP: with state MASTER it has no effect (keepalived clears it)',
      );
    } else if (priority === 255) {
      preempt = true;
      report.compat(
        p(preemptKey),
        'key',
        'nopreempt cannot work with priority 255 (the address owner always preempts): keepalived 2.2.7 clears ' +
          'it, and so does vipd',
        'nopreempt cannot be used with priority 255: the address owner always preempts',
      );
    }
  }
  let preemptDelayMs = Math.round((r.preempt_delay ?? DEFAULTS.preemptDelaySeconds) * 1e6) / 1e3;
  if (preemptDelayMs > 0 && (!preempt || state === 'MASTER')) {
    preemptDelayMs = 0;
    const why = !preempt ? 'with nopreempt' : 'with state MASTER';
    report.compat(
      p('preempt_delay'),
      'key',
      `preempt_delay has no effect ${why}: keepalived 2.2.7 ignores it, and so does vipd`,
      `preempt_delay has no effect ${why}${state === 'MASTER' && preempt ? ' (keepalived clears it)' : ''}`,
    );
  }

  const unicastPeers = checkUnicast(r, familyKnown ? family : undefined, base, report);
  const auth = buildAuth(
    body.authentication,
    has('authentication'),
    versionKnown ? version : undefined,
    family,
    name,
    base,
    report,
  );
  // The multicast group: mcast_dst_ip, else global_defs vrrp_mcast_group4/6 (the VRRP group: undefined).
  let mcastGroup = r.mcast_dst_ip ?? g.mcastGroups[family];
  if (r.mcast_dst_ip !== undefined && familyKnown && addressFamily(r.mcast_dst_ip) !== family) {
    report.error(p('mcast_dst_ip'), 'value', `mcast_dst_ip ${r.mcast_dst_ip} is not IPv${family} like the instance`);
  }
  if (mcastGroup === VRRP_MULTICAST_GROUP[family] || unicastPeers.length > 0) mcastGroup = undefined;
  const notify: NotifyScripts = notifyScripts(r);
  const garp: GarpParams = {
    masterDelayMs: r.garp_master_delay !== undefined ? r.garp_master_delay * 1000 : g.garp.masterDelayMs,
    masterRepeat: r.garp_master_repeat ?? g.garp.masterRepeat,
    masterRefreshMs: r.garp_master_refresh !== undefined ? r.garp_master_refresh * 1000 : g.garp.masterRefreshMs,
    masterRefreshRepeat: r.garp_master_refresh_repeat ?? g.garp.masterRefreshRepeat,
    lowerPrioDelayMs: r.garp_lower_prio_delay !== undefined ? r.garp_lower_prio_delay * 1000 : g.garp.lowerPrioDelayMs,
    lowerPrioRepeat: r.garp_lower_prio_repeat ?? g.garp.lowerPrioRepeat,
  };
  const garpExtra = r.garp_extra_if ?? g.garpExtraIf;

  const trackers = buildTrackerLists(r, base, ctx, report);
  const excludedLines = buildExcludedVips(r.virtual_ipaddress_excluded, vips, ifname, base, report);
  const ownKey = r.use_ipvlan ? 'use_ipvlan' : 'use_vmac';
  if (vmacName !== undefined && vmacName === ifname) {
    report.error(p(ownKey), 'value', `${ownKey} ${vmacName} is the instance's own interface: name another one`);
  }
  const ipvlan = r.use_ipvlan ? ipvlanOf(r.use_ipvlan, family, p('use_ipvlan'), report) : undefined;
  if (r.vmac_xmit_base && !vmacName)
    report.warn(p('vmac_xmit_base'), 'key', 'vmac_xmit_base has no effect without use_vmac');

  if (invalid.size > 0 || report.realErrors > errorsBefore) return undefined;
  if (!trackers) return undefined;
  const vrid = r.virtual_router_id as number;
  const placing: VmacPlacementInstance = {
    interface: ifname,
    family,
    vrid,
    vmacName: r.use_vmac ? vmacName : undefined, // keepalived puts VIPs on a VMAC, not on an ipvlan
    vmacMac: vmacMac(r.use_vmac, vrid),
    useVmacAddr: r.use_vmac_addr ?? false,
  };
  const addressVmacs = new Map<string, AddressVmac>();
  const place = (placed: readonly AddressLine[]) =>
    placed.map(({ spec, useVmac, at }) => {
      const where = placeAddress(placing, { family: spec.family, dev: spec.dev, useVmac });
      if (where.redundant)
        report.lenient(at, 'value', `use_vmac on ${spec.address} changes nothing: ${where.redundant}`);
      if (where.vmac) addressVmacs.set(where.vmac.name, where.vmac);
      return { ...spec, dev: where.dev };
    });
  const placedVips = place(lines);
  const excludedVips = place(excludedLines);
  const written = {
    state: r.state !== undefined,
    accept: r.accept !== undefined || r.no_accept !== undefined,
    garpLowerPrio: r.garp_lower_prio_repeat !== undefined || r.garp_lower_prio_delay !== undefined,
    lowerPrioNoAdvert: r.lower_prio_no_advert !== undefined,
    higherPrioSendAdvert: r.higher_prio_send_advert !== undefined,
  };
  const built: InstanceConfig = {
    name,
    state,
    interface: ifname,
    vrid,
    priority,
    advertIntervalMs,
    version,
    family,
    preempt,
    preemptDelayMs,
    unicastSrcIp: srcIp ?? (ipvlan?.address?.family === family ? ipvlan.address.address : undefined),
    unicastTtl: r.unicast_ttl,
    mcastGroup,
    noPeerFault:
      r.unicast_fault_no_peer === true &&
      unicastPeers.length === 0 &&
      (r.unicast_peer !== undefined || r.unicast_src_ip !== undefined),
    unicastPeers,
    auth,
    vips: placedVips,
    notify,
    garp,
    downTimerAdverts: r.down_timer_adverts ?? g.downTimerAdverts,
    lowerPrioNoAdvert: r.lower_prio_no_advert ?? g.lowerPrioNoAdvert,
    higherPrioSendAdvert: r.higher_prio_send_advert ?? g.higherPrioSendAdvert,
    v3ChecksumAsV2: r.v3_checksum_as_v2 ?? g.v3ChecksumAsV2,
    checkUnicastSrc: r.check_unicast_src ?? g.checkUnicastSrc,
    notifyPriorityChanges: r.notify_priority_changes,
    ownerIgnoreAdverts: r.owner_ignore_adverts ?? g.ownerIgnoreAdverts,
    skipCheckAdvAddr: r.skip_check_adv_addr ?? g.skipCheckAdvAddr,
    accept: r.no_accept === true ? false : (r.accept ?? DEFAULTS.accept), // the default settles in applyStrictMode
    dontTrackPrimary: r.dont_track_primary ?? false,
    promoteSecondaries: r.promote_secondaries ?? false,
    trackSrcIp: r.track_src_ip ?? false,
    oldUnicastChecksum: r.old_unicast_checksum,
    strictMode: r.strict_mode ?? g.vrrpStrict,
    ...trackers,
    excludedVips,
    virtualRoutes: buildRoutes(r.virtual_routes, [...base, 'virtual_routes'], 'virtual_routes', report),
    virtualRules: buildRules(r.virtual_rules, [...base, 'virtual_rules'], 'virtual_rules', ctx.rulePreferences, report),
    useVmac:
      vmacName === undefined
        ? undefined
        : ipvlan
          ? { ifname: vmacName, ipvlan }
          : { ifname: vmacName, mac: vmacMac(r.use_vmac, r.virtual_router_id) },
    vmacXmitBase: r.vmac_xmit_base ?? false,
    addressVmacs: [...addressVmacs.values()],
    garpExtraIf: garpExtra && garpExtra.intervalMs > 0 ? garpExtra : undefined,
    lvsSyncDaemonInterface: r.lvs_sync_daemon_interface,
    source: report.at(base, 'key'),
  };
  const errorsBeforeStrict = report.realErrors;
  const adjusted = applyStrictMode(built, written, base, report);
  return report.realErrors > errorsBeforeStrict ? undefined : adjusted;
}

/**
 * `state`: MASTER or BACKUP. keepalived 2.2.7 reads only the first word (`state MASTER priority 200` leaves the
 * priority unset) and takes any other word (SLAVE, PEER, master) as BACKUP, with a warning; so does vipd.
 */
function stateOf(written: string | undefined, at: readonly PathSegment[], report: Reporter): 'MASTER' | 'BACKUP' {
  if (written === undefined) return 'BACKUP';
  const [word = '', ...rest] = written.split(' ');
  const wrong = `state must be MASTER or BACKUP, got ${JSON.stringify(written)}`;
  if (rest.length > 0) {
    report.compat(
      at,
      'value',
      `state takes one word: keepalived 2.2.7 ignores "${rest.join(' ')}" after it (a keyword on the same line is ` +
        'not set), and so does vipd',
      wrong,
    );
  }
  if (word === 'MASTER' || word === 'BACKUP') return word;
  report.compat(
    at,
    'value',
    `state ${word} is not a state: keepalived 2.2.7 treats it as BACKUP, and so does vipd`,
    wrong,
  );
  return 'BACKUP';
}

/** virtual_ipaddress_excluded: VIP line syntax, any family, never also a VIP. */
function buildExcludedVips(
  lines: string[] | undefined,
  vips: AddressSpec[],
  ifname: string,
  base: readonly PathSegment[],
  report: Reporter,
): AddressLine[] {
  const out: AddressLine[] = [];
  const key = [...base, 'virtual_ipaddress_excluded'];
  const seen = new Map<string, number>();
  const asVip = new Set(vips.map((v) => v.address));
  (lines ?? []).forEach((line, i) => {
    const res = parseVip(line, ifname);
    if (!res.ok) {
      report.error([...key, i], 'value', res.error.replace(/virtual_ipaddress\b/, 'virtual_ipaddress_excluded'));
      return;
    }
    for (const w of res.warnings)
      report.warn([...key, i], 'value', w.replace(/virtual_ipaddress\b/, 'virtual_ipaddress_excluded'));
    const v = res.spec;
    const dup = seen.get(v.address);
    if (dup !== undefined) {
      report.error(
        [...key, i],
        'value',
        `virtual_ipaddress_excluded ${v.address} is listed twice (entries ${dup + 1} and ${i + 1})`,
      );
      return;
    }
    if (asVip.has(v.address)) {
      report.error([...key, i], 'value', `virtual_ipaddress_excluded ${v.address} is also in virtual_ipaddress`);
      return;
    }
    seen.set(v.address, i);
    out.push({ spec: v, useVmac: res.useVmac, at: [...key, i] });
  });
  return out;
}

/** One (e)VIP line read: the address (on the instance's interface if it names no dev), its use_vmac, where. */
interface AddressLine {
  spec: AddressSpec;
  useVmac: boolean;
  at: readonly PathSegment[];
}

function buildVips(r: RawInstance, ifname: string, base: readonly PathSegment[], report: Reporter): AddressLine[] {
  const lines = r.virtual_ipaddress;
  if (lines === undefined) return [];
  const key = [...base, 'virtual_ipaddress'];
  if (lines.length === 0) return []; // no address: said where the instance is checked
  if (lines.length > 255)
    report.error(key, 'key', `virtual_ipaddress has ${lines.length} entries; at most 255 fit in an advert`);
  const vips: AddressLine[] = [];
  const seen = new Map<string, number>();
  lines.forEach((line, i) => {
    const res = parseVip(line, ifname);
    if (!res.ok) {
      report.error([...key, i], 'value', res.error);
      return;
    }
    for (const w of res.warnings) report.warn([...key, i], 'value', w);
    const v = res.spec;
    const first = vips[0]?.spec;
    if (first && v.family !== first.family) {
      report.error(
        [...key, i],
        'value',
        `virtual_ipaddress ${v.address} is IPv${v.family} but the instance's first address ${first.address} is IPv${first.family}: ` +
          'all addresses of an instance must be one family (use one instance per family)',
      );
      return;
    }
    const dup = seen.get(v.address);
    if (dup !== undefined) {
      // keepalived keeps the first and ignores the repeat (its own sample keepalived.conf.vrrp has one).
      report.warn(
        [...key, i],
        'value',
        `virtual_ipaddress ${v.address} is listed twice (entries ${dup + 1} and ${i + 1}); the repeat is ignored`,
      );
      return;
    }
    seen.set(v.address, i);
    vips.push({ spec: v, useVmac: res.useVmac, at: [...key, i] });
  });
  const first = vips[0]?.spec;
  if (first?.family === 6 && r.unicast_peer === undefined && !isLinkLocal6(first.address)) {
    report.warn(
      [...key, 0],
      'value',
      `the first IPv6 virtual_ipaddress (${first.address}) should be link-local (RFC 5798 §5.2.9; keepalived warns too)`,
    );
  }
  return vips;
}

function checkAdvertInt(
  value: number | undefined,
  version: 2 | 3,
  invalid: boolean,
  path: readonly PathSegment[],
  report: Reporter,
): number {
  if (invalid) return DEFAULTS.advertIntSeconds * 1000;
  const s = value ?? DEFAULTS.advertIntSeconds;
  if (version === 3) {
    const cs = Math.round(s * 100);
    if (Math.abs(s * 100 - cs) > 1e-6) {
      report.error(path, 'value', `advert_int ${s} must be a multiple of 0.01 s (VRRPv3 counts centiseconds)`);
    } else if (cs < 1 || cs > 4095) {
      report.error(path, 'value', `advert_int ${s} is out of range for VRRPv3: 0.01–40.95 s`);
    }
    return cs * 10;
  }
  if (!Number.isInteger(s) || s < 1 || s > 255) {
    report.error(
      path,
      'value',
      `advert_int ${s} must be whole seconds from 1 to 255 for VRRPv2 (version: 3 allows 0.01 s steps)`,
    );
  }
  return Math.round(s) * 1000;
}

/** `family` is undefined when no VIP parsed (the family checks are then skipped). */
function checkUnicast(
  r: RawInstance,
  family: Family | undefined,
  base: readonly PathSegment[],
  report: Reporter,
): string[] {
  const srcKey = r.unicast_src_ip !== undefined ? 'unicast_src_ip' : 'mcast_src_ip';
  const src = r.unicast_src_ip ?? r.mcast_src_ip;
  const peers = r.unicast_peer;
  if (src !== undefined) {
    if (family && addressFamily(src) !== family) {
      report.error([...base, srcKey], 'value', `${srcKey} ${src} is not IPv${family} like the instance's addresses`);
    }
    if (peers === undefined && srcKey === 'unicast_src_ip' && !r.unicast_fault_no_peer) {
      report.compat(
        [...base, srcKey],
        'key',
        'unicast_src_ip without unicast_peer: keepalived 2.2.7 multicasts the adverts from this address ' +
          '(mcast_src_ip), and so does vipd',
        'unicast_src_ip needs unicast_peer (in multicast mode, mcast_src_ip sets the source address of the adverts)',
      );
    }
  }
  if (peers === undefined) return [];
  if (peers.length === 0) {
    // unicast_fault_no_peer: FAULT until a reload brings peers (noPeerFault).
    if (!r.unicast_fault_no_peer) {
      report.compat(
        [...base, 'unicast_peer'],
        'value',
        'unicast_peer is empty: keepalived 2.2.7 multicasts instead ("deprecated"), and so does vipd; write ' +
          'unicast_fault_no_peer to be in FAULT without peers',
        'unicast_peer is empty: list the peers, remove unicast_peer for multicast, or set unicast_fault_no_peer ' +
          '(vipd never falls back silently)',
      );
    }
    return [];
  }
  const seen = new Set<string>();
  peers.forEach((peer, i) => {
    const at = [...base, 'unicast_peer', i];
    if (family && addressFamily(peer) !== family)
      report.error(at, 'value', `unicast_peer ${peer} is not IPv${family} like the instance's addresses`);
    else if (peer === src) report.error(at, 'value', `unicast_peer ${peer} is this router's own ${srcKey}`);
    else if (seen.has(peer)) report.error(at, 'value', `unicast_peer ${peer} is listed twice`);
    seen.add(peer);
  });
  return peers;
}

function buildAuth(
  node: unknown,
  present: boolean,
  version: 2 | 3 | undefined,
  family: Family,
  name: string,
  base: readonly PathSegment[],
  report: Reporter,
): InstanceConfig['auth'] {
  if (!present) return undefined;
  const path = [...base, 'authentication'];
  if (!isMap(node)) {
    report.error(path, 'value', 'authentication must be a map: { auth_type: PASS, auth_pass: SECRET }');
    return undefined;
  }
  const { data, invalid } = parseSection(
    node,
    path,
    {
      schema: authenticationSchema,
      where: `authentication of vrrp_instance ${name}`,
      unsupported: new Set(),
    },
    report,
  );
  if (version === 3) {
    const why = family === 6 ? ' (IPv6 instances are always version 3)' : '';
    report.error(path, 'key', `authentication is for VRRPv2 only; this instance is version 3${why}`);
    return undefined;
  }
  for (const k of ['auth_type', 'auth_pass'] as const) {
    if (!Object.hasOwn(node, k)) report.error(path, 'key', `authentication needs ${k}`);
  }
  if (invalid.size > 0 || data.auth_type === undefined || data.auth_pass === undefined) return undefined;
  let password = data.auth_pass;
  if (new TextEncoder().encode(password).length > 8) {
    password = truncateUtf8(password, 8);
    report.warn(
      [...path, 'auth_pass'],
      'value',
      `auth_pass is longer than 8 bytes; only the first 8 ("${password}") are used, as keepalived does`,
    );
  }
  if (data.auth_type === 'AH' && family === 6) {
    report.error([...path, 'auth_type'], 'value', 'auth_type AH is for IPv4 (keepalived has no IPv6 AH either)');
    return undefined;
  }
  return { type: data.auth_type, password };
}

function truncateUtf8(s: string, bytes: number): string {
  let out = '';
  for (const ch of s) {
    if (new TextEncoder().encode(out + ch).length > bytes) break;
    out += ch;
  }
  return out;
}

/** keepalived requires a VRID to be unique per interface and family (multicast group). */
export function checkUnique(instances: InstanceConfig[], report: Reporter): void {
  const seen = new Map<string, InstanceConfig>();
  const vmacs = new Map<string, InstanceConfig>();
  for (const c of instances) {
    const vmac = c.useVmac?.ifname;
    const other = vmac === undefined ? undefined : vmacs.get(vmac);
    if (vmac !== undefined && other) {
      report.error(
        ['vrrp_instance', c.name, 'use_vmac'],
        'value',
        `use_vmac ${vmac} is already the VMAC of vrrp_instance ${other.name} (line ${other.source.line})`,
      );
    } else if (vmac !== undefined) vmacs.set(vmac, c);
    if (vmac !== undefined && instances.some((o) => o.interface === vmac)) {
      report.error(['vrrp_instance', c.name, 'use_vmac'], 'value', `use_vmac ${vmac} is another instance's interface`);
    }
    const key = `${c.interface}/${c.vrid}/${c.family}`;
    const prev = seen.get(key);
    if (prev) {
      report.error(
        ['vrrp_instance', c.name, 'virtual_router_id'],
        'value',
        `virtual_router_id ${c.vrid} on ${c.interface} (IPv${c.family}) is already used by vrrp_instance ${prev.name} ` +
          `(line ${prev.source.line})`,
      );
    } else seen.set(key, c);
  }
}

/**
 * use_ipvlan's settings (bridge unless said). keepalived 2.2.7 keeps an IPv4 instance whose ipvlan has no address, or
 * one of the other family, in FAULT ("IPv4 ipvlan requires a source ip address"): so does vipd (configFaults).
 */
function ipvlanOf(
  written: { address?: { address: string; prefix: number }; flags?: IpvlanConfig['flags'] },
  family: Family,
  at: readonly PathSegment[],
  report: Reporter,
): IpvlanConfig {
  const a = written.address;
  const address = a && { family: addressFamily(a.address) as Family, ...a };
  if (family === 4 && !address) {
    report.compat(
      at,
      'value',
      'use_ipvlan without an address: keepalived 2.2.7 keeps an IPv4 instance so in FAULT ("IPv4 ipvlan requires a ' +
        'source ip address"), and so does vipd',
      'use_ipvlan needs an ADDRESS/PREFIX for an IPv4 instance (its advert source)',
    );
  } else if (address && address.family !== family) {
    report.compat(
      at,
      'value',
      `use_ipvlan ${address.address} is not IPv${family} like the instance: keepalived 2.2.7 keeps it in FAULT, and so does vipd`,
      `use_ipvlan ${address.address} is not IPv${family} like the instance`,
    );
  }
  return { flags: written.flags ?? 'bridge', address };
}

/** use_vmac's MAC address, if given: five octets take the VRID as the sixth (keepalived). */
function vmacMac(spec: { mac?: number[] } | false | undefined, vrid: number | undefined): Buffer | undefined {
  const mac = spec ? spec.mac : undefined;
  if (!mac) return undefined;
  return Buffer.from(mac.length === 5 ? [...mac, (vrid ?? 0) & 0xff] : mac);
}
