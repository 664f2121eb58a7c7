/**
 * The configuration validator: one tree (from YAML or keepalived.conf) checked by zod, section by section, into
 * the VipdConfig model, every problem reported at once with its location. The sections live beside this file:
 * global.ts, instance.ts, trackers.ts, checkers.ts, sync-group.ts; fields.ts holds the value schemas they share.
 */

import { nameVmacs } from '../address-vmacs.js';
import {
  NOT_USED_BY_VIPD,
  notUsedMessage,
  REPLACED_TOP_LEVEL,
  suggest,
  TOP_LEVEL_BLOCKS,
  UNSUPPORTED_TOP_LEVEL,
} from '../keywords.js';
import type {
  AnnounceConfig,
  CheckConfig,
  ConfigIssue,
  InstanceConfig,
  SyncGroupConfig,
  TrackFileConfig,
  TrackProcessConfig,
  VipdConfig,
  VirtualServerConfig,
  VirtualServerGroupConfig,
  VrrpScriptConfig,
} from '../model.js';
import { buildAnnounce, type PrefixOwners } from './announce.js';
import { buildCheck, buildClientTls } from './checkers.js';
import type { Context } from './context.js';
import { buildGlobalDefs } from './global.js';
import { buildInstance, checkUnique } from './instance.js';
import { buildGarpGroups, buildLinkDelays, buildTrackGroups } from './interfaces.js';
import { type Issues, isMap, type Locator, Reporter, type ValidationResult } from './report.js';
import { buildRoutes, buildRules, RulePreferences } from './routing.js';
import { buildStaticAddresses } from './static.js';
import { buildSyncGroup, joinSyncGroup } from './sync-group.js';
import { buildScript, buildTrackFile, buildTrackProcess } from './trackers.js';
import { buildVirtualServer, buildVirtualServerGroup, checkUniqueServices } from './virtual-server.js';

export interface ValidateOptions {
  /** The tree was read from keepalived.conf: keepalived's own leniency applies (flags given a value). */
  keepalived?: boolean | undefined;
}

/** Validates the whole configuration tree (plain data, see the contract at the top of this file). */
export function validateConfig(
  root: unknown,
  file: string,
  locate: Locator,
  options: ValidateOptions = {},
): ValidationResult {
  const report = new Reporter(file, locate, options.keepalived === true);
  const result = (config?: VipdConfig): ValidationResult => {
    const byPos = (a: ConfigIssue, b: ConfigIssue) =>
      (a.file === b.file ? 0 : a.file === file ? -1 : b.file === file ? 1 : a.file < b.file ? -1 : 1) ||
      a.line - b.line ||
      a.col - b.col;
    const issues: Issues = { errors: report.errors.sort(byPos), warnings: report.warnings.sort(byPos) };
    return {
      config: issues.errors.length === 0 ? config : undefined,
      model: report.realErrors === 0 ? config : undefined,
      ...issues,
    };
  };

  if (root === null || root === undefined) {
    report.error([], 'value', 'the configuration is empty: it needs at least one vrrp_instance');
    return result();
  }
  if (!isMap(root)) {
    report.error([], 'value', 'the configuration must be a map with global_defs and vrrp_instance');
    return result();
  }

  const modelled = new Set<string>(TOP_LEVEL_BLOCKS);
  for (const key of Object.keys(root)) {
    if (key === 'global_defs' || key === 'vrrp_instance') continue;
    const notUsed = NOT_USED_BY_VIPD.top.get(key);
    const replaced = REPLACED_TOP_LEVEL.get(key);
    if (notUsed) report.warn([key], 'key', notUsedMessage(key, notUsed));
    else if (replaced) report.error([key], 'key', replaced);
    else if (UNSUPPORTED_TOP_LEVEL.has(key)) {
      if (modelled.has(key)) report.unsupported([key], 'key', `${key} is not supported yet`);
      else report.error([key], 'key', `${key} is not supported yet`);
    } else if (!modelled.has(key)) {
      const close = suggest(key, ['global_defs', 'vrrp_instance', ...TOP_LEVEL_BLOCKS]);
      const tail = close ? ` (did you mean ${close}?)` : '';
      report.error([key], 'key', `unknown top-level keyword ${key}${tail}`);
    }
  }

  const globalDefs = buildGlobalDefs(root.global_defs, report);
  const clientTls = buildClientTls(root.SSL, report);
  globalDefs.garpGroups = buildGarpGroups(root.garp_group, report);
  globalDefs.linkDelays = buildLinkDelays(root.interface_up_down_delays, report);
  // keepalived also takes net_namespace at the top level (its sample keepalived.conf.conditional_conf does).
  if (root.net_namespace !== undefined) {
    if (globalDefs.netNamespace !== undefined) {
      report.error(['net_namespace'], 'key', 'net_namespace is given both here and in global_defs');
    } else if (typeof root.net_namespace !== 'string' || !/^[^/\s.][^/\s]*$/.test(root.net_namespace)) {
      report.error(['net_namespace'], 'value', 'net_namespace must be the name of a network namespace (ip netns)');
    } else globalDefs.netNamespace = root.net_namespace;
  }
  const scriptBlocks = namedBlocks(root, 'vrrp_script', report);
  const scripts = new Map<string, VrrpScriptConfig>();
  for (const [name, body] of scriptBlocks) {
    const sc = buildScript(name, body, report);
    if (sc) scripts.set(name, sc);
  }
  const trackFileNames = new Map<string, string>(); // name → the block kind it was defined in
  const trackFiles = new Map<string, TrackFileConfig>();
  for (const kind of ['track_file', 'vrrp_track_file'] as const) {
    for (const [name, body] of namedBlocks(root, kind, report)) {
      const prev = trackFileNames.get(name);
      if (prev !== undefined) {
        report.error(
          [kind, name],
          'key',
          `${kind} ${name} is already defined as ${prev} ${name} (line ${report.at([prev, name], 'key').line})`,
        );
        continue;
      }
      trackFileNames.set(name, kind);
      const tf = buildTrackFile(kind, name, body, report);
      if (tf) trackFiles.set(name, tf);
    }
  }
  const checkBlocks = namedBlocks(root, 'vrrp_check', report);
  const checks = new Map<string, CheckConfig>();
  for (const [name, body] of checkBlocks) {
    const c = buildCheck(name, body, report, clientTls);
    if (c) checks.set(name, c);
  }
  const processBlocks = namedBlocks(root, 'vrrp_track_process', report);
  const processes = new Map<string, TrackProcessConfig>();
  for (const [name, body] of processBlocks) {
    const tp = buildTrackProcess(name, body, report);
    if (tp) processes.set(name, tp);
  }
  const ctx: Context = {
    globalDefs,
    scriptNames: new Set(scriptBlocks.keys()),
    scripts,
    trackFileNames: new Set(trackFileNames.keys()),
    trackFiles,
    implicitFiles: new Map(),
    checkNames: new Set(checkBlocks.keys()),
    checks,
    processNames: new Set(processBlocks.keys()),
    processes,
    rulePreferences: new RulePreferences(),
  };

  // Static rules first: keepalived's sample files write them first, and rules without a preference count down.
  const trackGroupNames = new Set(isMap(root.track_group) ? Object.keys(root.track_group) : []);
  const staticRoutes = buildRoutes(root.static_routes, ['static_routes'], 'static_routes', report, trackGroupNames);
  const staticRules = buildRules(
    root.static_rules,
    ['static_rules'],
    'static_rules',
    ctx.rulePreferences,
    report,
    trackGroupNames,
  );

  const groups = new Map<string, VirtualServerGroupConfig>();
  const groupNode = root.virtual_server_group;
  if (groupNode !== undefined && !isMap(groupNode)) {
    report.error(['virtual_server_group'], 'value', 'virtual_server_group must be a map of names to their lines');
  } else if (groupNode) {
    for (const [name, body] of Object.entries(groupNode)) {
      const g = buildVirtualServerGroup(name, body, report);
      if (g) groups.set(name, g);
    }
  }
  const lvsCtx = {
    groups,
    trackFiles,
    trackFileNames: new Set(trackFileNames.keys()),
    checkerLogAllFailures: globalDefs.lvs.checkerLogAllFailures,
    clientTls,
  };
  const virtualServers: VirtualServerConfig[] = [];
  for (const [key, body] of namedBlocks(root, 'virtual_server', report, /* multi-word names */ true)) {
    const vs = buildVirtualServer(key, body, lvsCtx, report);
    if (vs) virtualServers.push(vs);
  }
  checkUniqueServices(virtualServers, report);

  const instancesNode = root.vrrp_instance;
  const instances: InstanceConfig[] = [];
  let instanceNames: string[] = [];
  if (instancesNode === undefined) {
    // keepalived runs checker-only files (a director with IPVS and no VRRP): fine when there is LVS work.
    if (virtualServers.length === 0 && root.announce === undefined)
      report.warn([], 'value', 'no vrrp_instance is configured: vipd has nothing to do');
  } else if (!isMap(instancesNode) || Object.keys(instancesNode).length === 0) {
    report.error(['vrrp_instance'], 'value', 'vrrp_instance must be a map of instance names to their settings');
  } else {
    instanceNames = Object.keys(instancesNode);
    for (const [name, body] of Object.entries(instancesNode)) {
      const inst = buildInstance(name, body, ctx, report);
      if (inst) instances.push(inst);
    }
    instances.splice(0, instances.length, ...nameVmacs(instances, globalDefs));
    checkUnique(instances, report);
  }

  const trackGroups = buildTrackGroups(root, new Set(instanceNames), report);
  const syncGroups: SyncGroupConfig[] = [];
  const memberOf = new Map<string, { group: string; line: number }>();
  for (const [name, body] of namedBlocks(root, 'vrrp_sync_group', report)) {
    const sg = buildSyncGroup(name, body, new Set(instanceNames), memberOf, ctx, report);
    if (sg) syncGroups.push(sg);
  }
  for (const sg of syncGroups) {
    for (const name of sg.instances) {
      const i = instances.findIndex((c) => c.name === name);
      if (i >= 0) instances[i] = joinSyncGroup(instances[i] as InstanceConfig, sg, report);
    }
  }
  // notify_priority_changes: the instance's, else its sync group's (joinSyncGroup), else global_defs'.
  for (const [i, inst] of instances.entries()) {
    instances[i] = { ...inst, notifyPriorityChanges: inst.notifyPriorityChanges ?? globalDefs.notifyPriorityChanges };
  }
  const legacySync = instances.find((i) => i.lvsSyncDaemonInterface !== undefined);
  if (legacySync && !globalDefs.lvs.syncDaemon) {
    globalDefs.lvs.syncDaemon = {
      interface: legacySync.lvsSyncDaemonInterface as string,
      instance: legacySync.name,
      syncId: 0,
      source: legacySync.source,
    };
  }
  const sync = globalDefs.lvs.syncDaemon;
  if (sync?.instance !== undefined && !instanceNames.includes(sync.instance)) {
    report.error(
      ['global_defs', 'lvs_sync_daemon'],
      'value',
      `lvs_sync_daemon: no vrrp_instance ${sync.instance} is defined`,
    );
  }
  const announces: AnnounceConfig[] = [];
  const prefixOwners: PrefixOwners = new Map();
  for (const [name, body] of namedBlocks(root, 'announce', report)) {
    const a = buildAnnounce(name, body, virtualServers, prefixOwners, ctx, report);
    if (a) announces.push(a);
  }
  return result({
    globalDefs,
    instances,
    syncGroups,
    scripts: [...scripts.values()],
    trackFiles: [...trackFiles.values(), ...ctx.implicitFiles.values()],
    checks: [...checks.values()],
    trackProcesses: [...processes.values()],
    virtualServers,
    virtualServerGroups: [...groups.values()],
    staticAddresses: buildStaticAddresses(
      root.static_ipaddress,
      instances,
      globalDefs.defaultInterface,
      trackGroups,
      report,
    ),
    trackGroups,
    staticRoutes,
    staticRules,
    announces,
  });
}

/**
 * The NAME → body entries of a named-block kind (`vrrp_script: { chk: {...} }`), after checking the shape and
 * the names. Bodies that are not maps are reported here and left out.
 */
function namedBlocks(
  root: Record<string, unknown>,
  kind: string,
  report: Reporter,
  multiWord = false,
): Map<string, Record<string, unknown>> {
  const out = new Map<string, Record<string, unknown>>();
  const node = root[kind];
  if (node === undefined) return out;
  if (!isMap(node)) {
    report.error([kind], 'value', `${kind} must be a map of names to their settings`);
    return out;
  }
  for (const [name, body] of Object.entries(node)) {
    if (!multiWord && !/^\S+$/.test(name)) {
      report.error([kind, name], 'key', `${kind} name ${JSON.stringify(name)} must be one word (no spaces)`);
    } else if (!isMap(body)) {
      report.error([kind, name], 'key', `${kind} ${name} must be a map of keywords`);
    } else out.set(name, body);
  }
  return out;
}

export { DEFAULTS } from './defaults.js';
export type { Locator, PathSegment, ValidationResult } from './report.js';
