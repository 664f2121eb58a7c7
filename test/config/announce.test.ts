/**
 * vipd's `announce` block (issue 22) in keepalived.conf and in YAML: host routes only, each in one announce,
 * tracked virtual servers that exist (twins told apart by protocol), the instance's trackers each counting as
 * "must be up", the delays and the metric, and every mistake at its line.
 */
import { describe, expect, it } from 'vitest';
import { parseKeepalivedToConfig } from '../../src/core/config/keepalived/index.js';
import { parseYamlConfig } from '../../src/core/config/yaml.js';
import { fmt, memHost } from './keepalived/helpers.js';

const load = (text: string) => parseKeepalivedToConfig(text, '/k/k.conf', { host: memHost({}), configId: 'x' });
const errors = (text: string) => load(text).errors.map(fmt);

const VS = `virtual_server 192.0.2.10 80 {
  protocol TCP
  real_server 10.0.0.11 80 {
  }
}
virtual_server 192.0.2.10 53 {
  protocol UDP
  real_server 10.0.0.11 53 {
  }
}
virtual_server 192.0.2.10 53 {
  protocol TCP
  real_server 10.0.0.11 53 {
  }
}
vrrp_script chk_bgp {
  script "/bin/true"
  weight -20
}
`;

describe('announce (keepalived.conf)', () => {
  it("reads the issue's example: prefixes, tracked virtual server and trackers, delays, metric", () => {
    const r = load(`${VS}announce WEB {
  prefix 192.0.2.10/32
  prefix 2001:DB8::10 192.0.2.11
  track_virtual_server 192.0.2.10 80
  track_virtual_server 192.0.2.10 53 TCP
  track_script chk_bgp
  track_interface {
    eth1
  }
  announce_delay 2
  withdraw_delay 0.5
  metric 100
}
`);
    expect(r.errors.map(fmt)).toEqual([]);
    const [a] = r.config?.announces ?? [];
    expect(a).toMatchObject({
      name: 'WEB',
      prefixes: [
        { family: 4, address: '192.0.2.10' },
        { family: 6, address: '2001:db8::10' },
        { family: 4, address: '192.0.2.11' },
      ],
      trackVirtualServers: ['TCP 192.0.2.10 80', 'TCP 192.0.2.10 53'],
      announceDelayMs: 2000,
      withdrawDelayMs: 500,
      metric: 100,
      source: { file: '/k/k.conf', line: 20 },
    });
    // The vrrp_script's weight -20 means nothing here: down withdraws.
    expect(a?.trackers.trackScripts).toMatchObject([{ script: 'chk_bgp', weight: 0 }]);
    expect(a?.trackers.trackInterfaces).toMatchObject([{ interface: 'eth1', weight: 0 }]);
  });

  it('defaults: no delays, metric 4242; a file of announces alone is not "nothing to do"', () => {
    const r = load('announce A {\n  prefix 192.0.2.1\n}\n');
    expect(r.errors).toEqual([]);
    expect(r.warnings.map(fmt)).toEqual([]);
    expect(r.config?.announces[0]).toMatchObject({ announceDelayMs: 0, withdrawDelayMs: 0, metric: 4242 });
  });

  it('refuses what cannot be announced, each at its line', () => {
    expect(
      errors(`${VS}announce A {
  prefix 192.0.2.0/24
  prefix 2001:db8::/64 not-an-address 224.0.0.18
  track_virtual_server 192.0.2.10 53
  track_virtual_server 192.0.2.99 80
  track_script chk_bgp weight 10
  track_check nope
}
announce B {
  prefix 192.0.2.77/32
  prefix 192.0.2.77
}
announce C {
  metric -1
}
`),
    ).toEqual([
      '/k/k.conf:21:10: announce A: prefix 192.0.2.0/24 must be a host route (/32): an announce stands for addresses this host serves',
      '/k/k.conf:22:10: announce A: prefix 2001:db8::/64 must be a host route (/128): an announce stands for addresses this host serves',
      '/k/k.conf:22:10: announce A: prefix not-an-address is not an IPv4 or IPv6 address',
      '/k/k.conf:22:10: announce A: prefix 224.0.0.18 cannot be announced (multicast or unspecified)',
      '/k/k.conf:23:24: track_virtual_server 192.0.2.10 53: 2 virtual servers are 192.0.2.10 53: add the protocol (UDP or TCP)',
      '/k/k.conf:24:24: track_virtual_server 192.0.2.99 80: there is no such virtual_server (did you mean 192.0.2.10 80?)',
      '/k/k.conf:25:16: announce A: track_script takes no weight: an announce has no priority, it is announced while every tracker is up',
      '/k/k.conf:26:15: track_check nope: there is no vrrp_check nope',
      '/k/k.conf:30:10: announce B: prefix 192.0.2.77/32 is already announced by announce B (line 29)',
      '/k/k.conf:32:10: announce C has no prefix (the host routes it announces)',
      '/k/k.conf:33:10: metric must be a whole number from 0 to 4294967295, got -1',
    ]);
  });

  it('track_bfd: a session of FRR bfdd by label or peer address, must be up', () => {
    const r = load('announce A {\n  prefix 192.0.2.1\n  track_bfd up1\n  track_bfd 192.0.2.254\n}\n');
    expect(r.errors).toEqual([]);
    expect(r.config?.announces[0]?.trackers.trackBfds.map((t) => [t.session, t.weight])).toEqual([
      ['up1', 0],
      ['192.0.2.254', 0],
    ]);
  });
});

describe('announce (YAML)', () => {
  it('the same tree: prefix as one string or a list', () => {
    const r = parseYamlConfig(
      `vrrp_script:\n  chk: { script: /bin/true }\nannounce:\n  WEB:\n    prefix: 192.0.2.10/32\n    track_script: [chk]\n    announce_delay: 1\n  API:\n    prefix: [2001:db8::1, 2001:db8::2/128]\n`,
      'x.yaml',
    );
    expect(r.errors).toEqual([]);
    expect(r.config?.announces.map((a) => [a.name, a.prefixes.map((p) => p.address), a.announceDelayMs])).toEqual([
      ['WEB', ['192.0.2.10'], 1000],
      ['API', ['2001:db8::1', '2001:db8::2'], 0],
    ]);
  });
});
