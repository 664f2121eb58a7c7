/** Prometheus text from a status report: keepalived-exporter's names and labels, vipd's drop reasons. */
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/daemon/observe/metrics.js';
import type { StatusReport } from '../../src/daemon/observe/status.js';

const report = (state: 'MASTER' | 'BACKUP', sent: number): StatusReport => ({
  vipd: { version: '0.1.0', pid: 1, started: new Date(0).toISOString() },
  instances: [
    {
      name: 'VI_1',
      state,
      priority: 150,
      effective_priority: 130,
      vrid: 51,
      interface: 'eth0',
      family: 4,
      version: 3,
      master_address: null,
      faults: [],
      last_transition: null,
      trackers: [{ name: 'chk', kind: 'script', weight: -20, reverse: false, up: false }],
      counters: {
        adverts_sent: sent,
        adverts_received: 3,
        transitions: 2,
        become_master: 1,
        release_master: 0,
        priority_zero_sent: 0,
        priority_zero_received: 0,
        garp_sent: 5,
        send_errors: 0,
        rx_dropped: { ip_ttl: 2, auth_failure: 1 },
        accepted_with_note: {},
        timer_late_max_ms: 0,
        timer_late_mean_ms: 0,
        timer_late_recent_max_ms: 0,
      },
    },
  ],
  interfaces: [{ interface: 'eth0', family: 4, rx_dropped: { checksum: 4, socket_overflow: 3 } }],
  sync_groups: [{ name: 'G', state, members: ['VI_1'] }],
  virtual_servers: [],
});

describe('metrics', () => {
  it('exposes the report with keepalived-exporter names, one state series per VIP, and every drop reason', async () => {
    let current = report('MASTER', 10);
    const registry = createMetrics(
      () => current,
      () => ['192.0.2.100', '192.0.2.101'],
    );
    const text = await registry.metrics();
    const l = 'iname="VI_1",intf="eth0",vrid="51"';
    expect(text).toContain(`keepalived_vrrp_state{${l},ip_address="192.0.2.100"} 2`);
    expect(text).toContain(`keepalived_vrrp_state{${l},ip_address="192.0.2.101"} 2`);
    expect(text).toContain(`keepalived_advertisements_sent_total{${l}} 10`);
    expect(text).toContain(`keepalived_authentication_failure_total{${l}} 1`);
    expect(text).toContain(`vipd_vrrp_rx_dropped_total{${l},reason="ip_ttl"} 2`);
    expect(text).toContain('vipd_vrrp_router_rx_dropped_total{intf="eth0",family="ipv4",reason="checksum"} 4');
    expect(text).toContain('vipd_vrrp_router_rx_dropped_total{intf="eth0",family="ipv4",reason="socket_overflow"} 3');
    expect(text).toContain(`vipd_vrrp_effective_priority{${l}} 130`);
    expect(text).toContain('vipd_tracker_up{iname="VI_1",tracker="chk",kind="script"} 0');
    expect(text).toContain('keepalived_up 1');
    expect(text).toContain('vipd_vrrp_sync_group_state{group="G"} 2');
    // Read again at the next scrape, not accumulated.
    current = report('BACKUP', 12);
    const again = await registry.metrics();
    expect(again).toContain(`keepalived_advertisements_sent_total{${l}} 12`);
    expect(again).toContain(`keepalived_vrrp_state{${l},ip_address="192.0.2.100"} 1`);
  });

  it('IPVS: node_exporter backend series, vipd per-service counters and checker states', async () => {
    const base = report('MASTER', 1);
    const counters = { connections: 7, packetsIn: 70, packetsOut: 60, bytesIn: 7000, bytesOut: 6000 };
    const withLb: StatusReport = {
      ...base,
      virtual_servers: [
        {
          name: '10.0.0.100 80',
          protocol: 'TCP',
          scheduler: 'rr',
          method: 'NAT',
          quorumUp: true,
          suspended: false,
          services: [
            {
              id: 'TCP 10.0.0.100:80',
              key: { family: 4, protocol: 'TCP', address: '10.0.0.100', port: 80 },
              counters,
              dests: [
                {
                  address: '10.0.0.11',
                  port: 80,
                  family: 4,
                  method: 'NAT',
                  weight: 3,
                  upperThreshold: 0,
                  lowerThreshold: 0,
                  counters: { ...counters, activeConnections: 2, inactiveConnections: 5 },
                },
              ],
            },
          ],
          realServers: [
            {
              address: '10.0.0.11',
              port: 80,
              alive: true,
              weight: 3,
              tableWeight: 3,
              checkers: [{ type: 'TCP_CHECK', up: true, reason: 'ok' }],
            },
            {
              address: '10.0.0.12',
              port: 80,
              alive: false,
              weight: 1,
              tableWeight: undefined,
              checkers: [{ type: 'HTTP_GET', up: false, reason: 'status 503' }],
            },
          ],
        },
      ],
    };
    const text = await createMetrics(
      () => withLb,
      () => [],
    ).metrics();
    const b =
      'local_address="10.0.0.100",local_port="80",local_mark="",proto="TCP",remote_address="10.0.0.11",remote_port="80"';
    expect(text).toContain(`node_ipvs_backend_connections_active{${b}} 2`);
    expect(text).toContain(`node_ipvs_backend_connections_inactive{${b}} 5`);
    expect(text).toContain(`node_ipvs_backend_weight{${b}} 3`);
    expect(text).toContain(
      'vipd_ipvs_service_connections_total{virtual_server="10.0.0.100 80",service="TCP 10.0.0.100:80"} 7',
    );
    expect(text).toContain(
      'vipd_ipvs_service_outgoing_bytes_total{virtual_server="10.0.0.100 80",service="TCP 10.0.0.100:80"} 6000',
    );
    expect(text).toContain('vipd_virtual_server_quorum_up{virtual_server="10.0.0.100 80"} 1');
    expect(text).toContain('vipd_real_server_up{virtual_server="10.0.0.100 80",real_server="10.0.0.12:80"} 0');
    expect(text).toContain(
      'vipd_checker_up{virtual_server="10.0.0.100 80",real_server="10.0.0.12:80",checker="HTTP_GET#1"} 0',
    );
  });
});
