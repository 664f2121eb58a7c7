/**
 * Prometheus metrics, computed at scrape time from the same report `vipd status` gives (nothing is counted twice).
 * keepalived-exporter's names and labels where the meaning matches (`keepalived_vrrp_state{iname,intf,vrid,
 * ip_address}` one series per VIP, `keepalived_advertisements_sent_total`, ...), so existing dashboards keep
 * working; `vipd_*` for the rest: every drop by its reason, effective priority, trackers, build info.
 * The exposition format is prom-client's.
 */
import { Counter, Gauge, Registry } from 'prom-client';
import { DROP_REASONS, type DropReason } from '../../core/codec/reasons.js';
import type { VrrpState } from '../../core/vrrp/types.js';
import type { VirtualServerReport } from '../ipvs/load-balancer.js';
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
  gaugeFrom(
    registry,
    'vipd_vrrp_sync_group_state',
    'vrrp_sync_group state: 0 INIT/STOP, 1 BACKUP, 2 MASTER, 3 FAULT (the instance codes).',
    ['group'],
    () =>
      (current().sync_groups ?? []).map((g) => ({
        labels: { group: g.name },
        value: g.state === 'STOP' ? 0 : STATE_CODE[g.state],
      })),
  );
  gaugeFrom(
    registry,
    'vipd_announce_up',
    'Whether an announce block announces its prefix now (1), or not (0: withdrawn, waiting, draining).',
    ['name', 'prefix'],
    () =>
      (current().announces ?? []).flatMap((a) =>
        a.prefixes.map((prefix) => ({ labels: { name: a.name, prefix }, value: a.state === 'announced' ? 1 : 0 })),
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
    'Packets dropped before any instance could be blamed (IP header, checksum, version, unknown VRID...), and socket_overflow: dropped by the kernel at a full receive buffer.',
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
  addLoadBalancerMetrics(registry, () => current().virtual_servers ?? []);
  gaugeFrom(registry, 'vipd_build_info', 'vipd version and Node.js version.', ['version', 'node'], () => [
    { labels: { version: current().vipd.version, node: process.version }, value: 1 },
  ]);
  return registry;
}

const BACKEND_LABELS = ['local_address', 'local_port', 'local_mark', 'proto', 'remote_address', 'remote_port'] as const;

/**
 * IPVS: node_exporter's names for what it also has (node_ipvs_backend_connections_active / _inactive /
 * node_ipvs_backend_weight, same labels), vipd_* per service and for the checkers. Counters are the kernel's as
 * of the load balancer's last re-check of the table (at most 5 s old).
 */
function addLoadBalancerMetrics(registry: Registry, servers: () => VirtualServerReport[]): void {
  const services = () => servers().flatMap((vs) => vs.services.map((s) => ({ vs, s })));
  const local = (k: VirtualServerReport['services'][number]['key']) => ({
    local_address: k.address ?? '',
    local_port: String(k.port ?? 0),
    local_mark: k.fwmark !== undefined ? String(k.fwmark) : '',
    proto: k.protocol ?? '',
  });
  const backends = () =>
    services().flatMap(({ s }) =>
      s.dests.map((d) => ({ labels: { ...local(s.key), remote_address: d.address, remote_port: String(d.port) }, d })),
    );
  gaugeFrom(
    registry,
    'node_ipvs_backend_connections_active',
    'Active connections per backend (node_exporter).',
    BACKEND_LABELS,
    () => backends().map(({ labels, d }) => ({ labels, value: d.counters?.activeConnections ?? 0 })),
  );
  gaugeFrom(
    registry,
    'node_ipvs_backend_connections_inactive',
    'Inactive connections per backend (node_exporter).',
    BACKEND_LABELS,
    () => backends().map(({ labels, d }) => ({ labels, value: d.counters?.inactiveConnections ?? 0 })),
  );
  gaugeFrom(
    registry,
    'node_ipvs_backend_weight',
    'Weight per backend in the table (node_exporter).',
    BACKEND_LABELS,
    () => backends().map(({ labels, d }) => ({ labels, value: d.weight })),
  );
  const SERVICE = ['virtual_server', 'service'] as const;
  type Totals = 'connections' | 'packetsIn' | 'packetsOut' | 'bytesIn' | 'bytesOut';
  const perService: [string, string, Totals][] = [
    ['vipd_ipvs_service_connections_total', 'Connections scheduled by the service.', 'connections'],
    ['vipd_ipvs_service_incoming_packets_total', 'Packets in.', 'packetsIn'],
    ['vipd_ipvs_service_outgoing_packets_total', 'Packets out.', 'packetsOut'],
    ['vipd_ipvs_service_incoming_bytes_total', 'Bytes in.', 'bytesIn'],
    ['vipd_ipvs_service_outgoing_bytes_total', 'Bytes out.', 'bytesOut'],
  ];
  for (const [name, help, field] of perService) {
    counterFrom(registry, name, help, SERVICE, () =>
      services().map(({ vs, s }) => ({
        labels: { virtual_server: vs.name, service: s.id },
        value: s.counters?.[field] ?? 0,
      })),
    );
  }
  gaugeFrom(
    registry,
    'vipd_virtual_server_quorum_up',
    'Whether the virtual server has its quorum (1) or not (0).',
    ['virtual_server'],
    () => servers().map((vs) => ({ labels: { virtual_server: vs.name }, value: vs.quorumUp ? 1 : 0 })),
  );
  const RS = ['virtual_server', 'real_server'] as const;
  gaugeFrom(
    registry,
    'vipd_real_server_up',
    'Whether every checker of the real server passes (1) or not (0).',
    RS,
    () =>
      servers().flatMap((vs) =>
        vs.realServers.map((r) => ({
          labels: { virtual_server: vs.name, real_server: `${r.address}:${r.port}` },
          value: r.alive ? 1 : 0,
        })),
      ),
  );
  gaugeFrom(registry, 'vipd_checker_up', 'Checker state per real server: 1 up, 0 down.', [...RS, 'checker'], () =>
    servers().flatMap((vs) =>
      vs.realServers.flatMap((r) =>
        r.checkers.map((c, i) => ({
          labels: { virtual_server: vs.name, real_server: `${r.address}:${r.port}`, checker: `${c.type}#${i + 1}` },
          value: c.up ? 1 : 0,
        })),
      ),
    ),
  );
}
