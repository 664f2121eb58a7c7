/**
 * The daemon's side of vrrp_sync_group: hears what members do (from the daemon's event queue, never inside a
 * member's own actions), asks the pure rule (core/vrrp/sync-group.ts) what that forces on the others, delivers
 * it, and announces each change of a group's state (notify scripts with `GROUP <name> <STATE> 0`, FIFO line
 * `GROUP "<name>" <STATE> 0`), as keepalived does.
 */
import type { SyncGroupConfig } from '../../core/config/model.js';
import type { Logger } from '../../core/log.js';
import { type NotifyRun, notifyRuns } from '../../core/vrrp/notify.js';
import {
  SYNC_GROUP_FAULT,
  type SyncChange,
  type SyncGroupState,
  type SyncMember,
  syncGroupRule,
  syncGroupState,
} from '../../core/vrrp/sync-group.js';
import type { InstanceRunner } from './instance.js';

export interface SyncGroupEdges {
  /** The running instance of that name, if any. */
  member(name: string): InstanceRunner | undefined;
  runScript(run: NotifyRun, state: string): Promise<void>;
  writeFifo(line: string): void;
  /** A group entered a state (after its scripts and FIFO line are on their way). */
  entered?(group: string, state: SyncGroupState): void;
}

interface Group {
  config: SyncGroupConfig;
  /** The state last announced (undefined before the first). */
  state: SyncGroupState | undefined;
}

export class SyncGroups {
  private groups = new Map<string, Group>();
  /** Group of each member instance. */
  private groupOf = new Map<string, Group>();

  constructor(
    configs: readonly SyncGroupConfig[],
    private readonly edges: SyncGroupEdges,
    private readonly log: Logger,
  ) {
    this.reconfigure(configs);
  }

  /** A reload: groups of the same name keep their announced state; every member is then re-checked. */
  reconfigure(configs: readonly SyncGroupConfig[]): void {
    const before = this.groups;
    this.groups = new Map(configs.map((c) => [c.name, { config: c, state: before.get(c.name)?.state }]));
    this.groupOf = new Map();
    for (const g of this.groups.values()) for (const m of g.config.instances) this.groupOf.set(m, g);
  }

  /** Brings every group in line after a reload moved members in or out (a member that left keeps no group fault). */
  recheckAll(): void {
    for (const g of this.groups.values()) {
      const first = g.config.instances[0];
      if (first !== undefined) this.changed({ type: 'faults', member: first });
    }
  }

  /** A member did something: the events its group forces on the members, then the group's state announced. */
  changed(change: SyncChange): void {
    const group = this.groupOf.get(change.member);
    if (!group) return;
    const runners = this.runnersOf(group);
    const forced = syncGroupRule(runners.map(view), change);
    for (const { member, event } of forced) {
      const runner = runners.find((r) => r.config.name === member);
      if (!runner) continue;
      if (event.type === 'fault') {
        const reason = `a member of vrrp_sync_group ${group.config.name} is in FAULT`;
        runner.setFault(SYNC_GROUP_FAULT, event.on, reason);
      } else runner.dispatch(event, `vrrp_sync_group ${group.config.name}`);
    }
    this.announce(group, runners);
  }

  /** vipd stops: each group that announced a state announces STOP (after its members stopped). */
  stopped(): void {
    for (const g of this.groups.values()) if (g.state !== undefined) this.enter(g, 'STOP');
  }

  /** Status: each group, its state and members. */
  report(): { name: string; state: SyncGroupState | 'INIT'; members: string[] }[] {
    return [...this.groups.values()].map((g) => ({
      name: g.config.name,
      state: g.state ?? 'INIT',
      members: [...g.config.instances],
    }));
  }

  private runnersOf(group: Group): InstanceRunner[] {
    return group.config.instances.flatMap((m) => this.edges.member(m) ?? []);
  }

  private announce(group: Group, runners: readonly InstanceRunner[]): void {
    const state = syncGroupState(runners.map((r) => ({ state: r.machine.state })));
    if (state === undefined || state === group.state) return;
    this.enter(group, state);
  }

  private enter(group: Group, state: SyncGroupState): void {
    const { name, notify } = group.config;
    this.log.info({ syncGroup: name, from: group.state ?? 'INIT', to: state }, 'sync group state');
    group.state = state;
    for (const run of notifyRuns(notify, name, state, 0, 'GROUP')) void this.edges.runScript(run, state);
    this.edges.writeFifo(`GROUP "${name}" ${state} 0\n`);
    this.edges.entered?.(name, state);
  }
}

function view(r: InstanceRunner): SyncMember {
  const s = r.machine.snapshot();
  return { name: r.config.name, state: s.state, wantsMaster: s.wantsMaster, faults: s.faults };
}
