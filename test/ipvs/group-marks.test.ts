/** nftables_ipvs: marks per group and protocol, the services a marked group is, and what nftables marks. */
import { describe, expect, it } from 'vitest';
import { parseKeepalivedToConfig } from '../../src/core/config/keepalived/index.js';
import type { VipdConfig, VirtualServerConfig } from '../../src/core/config/model.js';
import { formatIssue } from '../../src/core/config/result.js';
import { assignGroupMarks, markElements, NO_GROUP_MARKS } from '../../src/core/ipvs/group-marks.js';
import { desiredServices, initialState, serviceKeys } from '../../src/core/ipvs/virtual-server.js';
import { memHost } from '../config/keepalived/helpers.js';

function load(text: string): { config: VipdConfig; warnings: string[] } {
  const r = parseKeepalivedToConfig(text, 'k.conf', { host: memHost({}) });
  expect(r.errors.map(formatIssue)).toEqual([]);
  return { config: r.config as VipdConfig, warnings: r.warnings.map(formatIssue) };
}

const GROUPS = `virtual_server_group WEB {
  10.0.0.100-103 80
  10.0.0.110 443
  2001:db8::10 80
}
virtual_server_group DNS {
  10.0.0.53 53
}
virtual_server_group MIXED {
  10.0.0.120 80
  fwmark 9
}
`;
const server = (group: string, protocol: string, method = 'DR') =>
  `virtual_server group ${group} {\n protocol ${protocol}\n lb_kind ${method}\n real_server 10.0.0.11 8080 {\n }\n}\n`;

function marked(globals: string, servers: string) {
  const { config, warnings } = load(`global_defs {\n${globals}\n}\n${GROUPS}${servers}`);
  const groups = new Map(config.virtualServerGroups.map((g) => [g.name, g]));
  const marks = assignGroupMarks(config.virtualServers, groups, config.globalDefs.lvs.groupMarking);
  return { config, groups, marks, warnings };
}

describe('marks per group and protocol', () => {
  it('handed out from nftables_ipvs_start_fwmark in the order of the virtual servers; a group with a fwmark is left as it is', () => {
    const { marks } = marked(
      ' nftables_ipvs\n nftables_ipvs_start_fwmark 2000',
      server('DNS', 'UDP') + server('WEB', 'TCP') + server('WEB', 'UDP') + server('MIXED', 'TCP'),
    );
    expect([...marks.byGroup]).toEqual([
      ['DNS UDP', 2000],
      ['WEB TCP', 2001],
      ['WEB UDP', 2002],
    ]);
    expect(marks.next).toBe(2003);
  });

  it("keepalived's defaults: table keepalived_ipvs, priority -1, marks from 1000; counters from nftables_counters", () => {
    const { config, marks } = marked(' nftables_ipvs\n nftables_counters', server('WEB', 'TCP'));
    expect(config.globalDefs.lvs.groupMarking).toEqual({
      table: 'keepalived_ipvs',
      priority: -1,
      startFwmark: 1000,
      counters: true,
    });
    expect(marks.byGroup.get('WEB TCP')).toBe(1000);
  });

  it('without nftables_ipvs nothing is marked and a group is a service per address', () => {
    const { config, groups, marks } = marked(' nftables_ipvs_priority 5', server('WEB', 'TCP'));
    expect(marks).toBe(NO_GROUP_MARKS);
    expect(serviceKeys(config.virtualServers[0] as VirtualServerConfig, groups, marks)).toHaveLength(6);
  });

  it('a reload keeps the marks given out and hands out new ones after the highest', () => {
    const first = marked(' nftables_ipvs', server('WEB', 'TCP') + server('DNS', 'UDP'));
    const again = marked(' nftables_ipvs', server('DNS', 'UDP') + server('WEB', 'SCTP'));
    const next = assignGroupMarks(
      again.config.virtualServers,
      again.groups,
      again.config.globalDefs.lvs.groupMarking,
      first.marks,
    );
    expect([...next.byGroup]).toEqual([
      ['DNS UDP', 1001],
      ['WEB SCTP', 1002],
    ]);
  });

  it('nftables_ipvs_priority and _start_fwmark above nftables_ipvs are set back by it, as in keepalived, with a warning', () => {
    const { config, warnings } = marked(
      ' nftables_ipvs_priority 7\n nftables_ipvs_start_fwmark 5\n nftables_ipvs mine\n',
      server('WEB', 'TCP'),
    );
    expect(config.globalDefs.lvs.groupMarking).toMatchObject({ table: 'mine', priority: -1, startFwmark: 1000 });
    expect(warnings).toEqual([
      expect.stringMatching(/k\.conf:2:2: nftables_ipvs_priority above nftables_ipvs has no effect/),
      expect.stringMatching(/k\.conf:3:2: nftables_ipvs_start_fwmark above nftables_ipvs has no effect/),
    ]);
    const below = marked(' nftables_ipvs mine\n nftables_ipvs_priority 7', server('WEB', 'TCP'));
    expect(below.config.globalDefs.lvs.groupMarking).toMatchObject({ priority: 7 });
    expect(below.warnings).toEqual([]);
  });
});

describe('a marked group as IPVS and nftables see it', () => {
  it('one fwmark service per family of its ranges; DR destinations without a port, as keepalived sends them', () => {
    const { config, groups, marks } = marked(' nftables_ipvs', server('WEB', 'TCP') + server('DNS', 'UDP', 'NAT'));
    const [web, dns] = config.virtualServers as [VirtualServerConfig, VirtualServerConfig];
    const webServices = desiredServices(web, initialState(web), groups, marks);
    expect(webServices.map((s) => [s.key, s.netmask, s.dests.map((d) => `${d.address}:${d.port}`)])).toEqual([
      [{ family: 4, fwmark: 1000 }, 0xffffffff, ['10.0.0.11:0']],
      [{ family: 6, fwmark: 1000 }, 128, ['10.0.0.11:0']],
    ]);
    // NAT keeps the real server's port.
    const dnsServices = desiredServices(dns, initialState(dns), groups, marks);
    expect(dnsServices.map((s) => [s.key, s.dests.map((d) => `${d.address}:${d.port}`)])).toEqual([
      [{ family: 4, fwmark: 1001 }, ['10.0.0.11:8080']],
    ]);
  });

  it("what nftables marks: each range of each marked group under its mark, in its family's map", () => {
    const { groups, marks } = marked(' nftables_ipvs', server('WEB', 'TCP') + server('WEB', 'UDP'));
    expect(markElements(groups, marks)).toEqual([
      { family: 4, protocol: 'TCP', first: '10.0.0.100', last: '10.0.0.103', port: 80, mark: 1000 },
      { family: 4, protocol: 'TCP', first: '10.0.0.110', last: '10.0.0.110', port: 443, mark: 1000 },
      { family: 6, protocol: 'TCP', first: '2001:db8::10', last: '2001:db8::10', port: 80, mark: 1000 },
      { family: 4, protocol: 'UDP', first: '10.0.0.100', last: '10.0.0.103', port: 80, mark: 1001 },
      { family: 4, protocol: 'UDP', first: '10.0.0.110', last: '10.0.0.110', port: 443, mark: 1001 },
      { family: 6, protocol: 'UDP', first: '2001:db8::10', last: '2001:db8::10', port: 80, mark: 1001 },
    ]);
  });
});
