/**
 * Prometheus metrics, computed at scrape time from the same report `vipd status` gives (nothing is counted twice).
 * keepalived-exporter's names and labels where the meaning matches (`keepalived_vrrp_state{iname,intf,vrid,
 * ip_address}` one series per VIP, `keepalived_advertisements_sent_total`, ...), so existing dashboards keep
 * working; `vipd_*` for the rest: every drop by its reason, effective priority, trackers, build info.
 * The exposition format is prom-client's.
 */
import { Counter, Gauge, Registry } from 'prom-client';
import { DROP_REASONS, type DropReason } from '../core/codec/reasons.js';
import type { VrrpState } from '../core/vrrp/types.js';
import type { InstanceStatus, StatusReport } from './status.js';

/** keepalived's state codes. */
const STATE_CODE: Record<VrrpState, number> = { INIT: 0, BACKUP: 1, MASTER: 2, FAULT: 3 };

/** keepalived-exporter's per-reason counters, from vipd's drop reasons. */
const KEEPALIVED_DROP_COUNTERS: Partial<Record<DropReason, string>> = {
  ip_ttl: 'keepalived_ip_ttl_errors_total',
  packet_length: 'keepalived_packet_length_errors_total',
  invalid_type: 'keepalived_invalid_type_received_total',
  interval: 'keepalived_advertisements_interval_errors_total',
  auth_type_mismatch: 'keepalived_authentication_mismatch_total',
  auth_failure: 'keepalived_authentication_failure_total',
  auth_unsupported: 'keepalived_authentication_invalid_total',
};

const INSTANCE_LABELS = ['iname', 'intf', 'vrid'] as const;

type Labels = Record<(typeof INSTANCE_LABELS)[number], string>;

const labelsOf = (i: InstanceStatus): Labels => ({ iname: i.name, intf: i.interface, vrid: String(i.vrid) });

type Series<L extends string> = () => { labels: Record<L, string>; value: number }[];

/**
 * A metric whose values are read from the report at scrape time: reset, then set to the daemon's own figures
 * (for a counter, its count so far).
 */
function metricFrom<L extends string>(
  registry: Registry,
  kind: 'counter' | 'gauge',
  name: string,
  help: string,
  labelNames: readonly L[],
  values: Series<L>,
): void {
  const options = { name, help, labelNames, registers: [registry] };
  if (kind === 'counter') {
    new Counter({
      ...options,
      collect() {
        this.reset();
        for (const v of values()) if (v.value > 0) this.inc(v.labels, v.value);
      },
    });
  } else {
    new Gauge({
      ...options,
      collect() {
        this.reset();
        for (const v of values()) this.set(v.labels, v.value);
      },
    });
  }
}

const counterFrom = <L extends string>(r: Registry, name: string, help: string, labels: readonly L[], v: Series<L>) =>
  metricFrom(r, 'counter', name, help, labels, v);
const gaugeFrom = <L extends string>(r: Registry, name: string, help: string, labels: readonly L[], v: Series<L>) =>
  metricFrom(r, 'gauge', name, help, labels, v);

/**
 * The registry for one daemon. `report` is called once per scrape (every collector reads the same snapshot).
 * `vips` gives an instance's VIPs (for keepalived_vrrp_state, one series per VIP).
 */
export function createMetrics(report: () => StatusReport, vips: (instance: string) => string[]): Registry {
  const registry = new Registry();
  let snapshot: StatusReport | undefined;
  // One status report per scrape: the first collector takes it, the scrape ends before the next one does.
  const current = (): StatusReport => {
    if (!snapshot) {
      snapshot = report();
      queueMicrotask(() => {
        snapshot = undefined;
      });
    }
    return snapshot;
  };
  const perInstance = (value: (i: InstanceStatus) => number) => () =>
    current().instances.map((i) => ({ labels: labelsOf(i), value: value(i) }));

  gaugeFrom(registry, 'keepalived_up', 'Whether vipd is up (keepalived-exporter: the daemon answers).', [], () => [
    { labels: {}, value: 1 },
  ]);
  gaugeFrom(
    registry,
    'keepalived_vrrp_state',
    'VRRP state: 0 INIT, 1 BACKUP, 2 MASTER, 3 FAULT; one series per VIP (keepalived-exporter).',
    [...INSTANCE_LABELS, 'ip_address'],
    () =>
      current().instances.flatMap((i) =>
        vips(i.name).map((ip) => ({ labels: { ...labelsOf(i), ip_address: ip }, value: STATE_CODE[i.state] })),
      ),
  );
  const counters: [string, string, (i: InstanceStatus) => number][] = [
    ['keepalived_advertisements_sent_total', 'Adverts sent.', (i) => i.counters.adverts_sent],
    ['keepalived_advertisements_received_total', 'Adverts received and accepted.', (i) => i.counters.adverts_received],
    ['keepalived_become_master_total', 'Transitions to MASTER.', (i) => i.counters.become_master],
    ['keepalived_release_master_total', 'Transitions away from MASTER.', (i) => i.counters.release_master],
    ['keepalived_priority_zero_sent_total', 'Priority-0 adverts sent.', (i) => i.counters.priority_zero_sent],
    [
      'keepalived_priority_zero_received_total',
      'Priority-0 adverts received.',
      (i) => i.counters.priority_zero_received,
    ],
    ['vipd_vrrp_transitions_total', 'State transitions.', (i) => i.counters.transitions],
    ['vipd_garp_sent_total', 'Gratuitous ARPs and unsolicited NAs sent.', (i) => i.counters.garp_sent],
    ['vipd_vrrp_send_errors_total', 'Adverts and frames that could not be sent.', (i) => i.counters.send_errors],
  ];
  for (const [name, help, value] of counters) counterFrom(registry, name, help, INSTANCE_LABELS, perInstance(value));
  for (const [reason, name] of Object.entries(KEEPALIVED_DROP_COUNTERS)) {
    counterFrom(
      registry,
      name,
      `Adverts dropped: ${reason} (keepalived-exporter).`,
      INSTANCE_LABELS,
      perInstance((i) => i.counters.rx_dropped[reason as DropReason] ?? 0),
    );
  }
  counterFrom(
    registry,
    'vipd_vrrp_rx_dropped_total',
    `Adverts dropped by an instance, by reason (${DROP_REASONS.join(', ')}).`,
    [...INSTANCE_LABELS, 'reason'],
    () =>
      current().instances.flatMap((i) =>
        Object.entries(i.counters.rx_dropped).map(([reason, value]) => ({
          labels: { ...labelsOf(i), reason },
          value: value ?? 0,
        })),
      ),
  );
  counterFrom(
    registry,
    'vipd_vrrp_router_rx_dropped_total',
    'Packets dropped before any instance could be blamed (IP header, checksum, version, unknown VRID...).',
    ['intf', 'family', 'reason'],
    () =>
      current().interfaces.flatMap((d) =>
        Object.entries(d.rx_dropped).map(([reason, value]) => ({
          labels: { intf: d.interface, family: `ipv${d.family}`, reason },
          value: value ?? 0,
        })),
      ),
  );
  gaugeFrom(
    registry,
    'vipd_vrrp_effective_priority',
    'The priority advertised, after trackers.',
    INSTANCE_LABELS,
    perInstance((i) => i.effective_priority),
  );
  gaugeFrom(
    registry,
    'vipd_tracker_up',
    'Tracker state per instance: 1 up, 0 down (a track_file counts as up).',
    ['iname', 'tracker', 'kind'],
    () =>
      current().instances.flatMap((i) =>
        i.trackers.map((t) => ({ labels: { iname: i.name, tracker: t.name, kind: t.kind }, value: t.up ? 1 : 0 })),
      ),
  );
  gaugeFrom(registry, 'vipd_build_info', 'vipd version and Node.js version.', ['version', 'node'], () => [
    { labels: { version: current().vipd.version, node: process.version }, value: 1 },
  ]);
  return registry;
}
