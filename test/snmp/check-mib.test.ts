/**
 * KEEPALIVED-MIB's checker part built from a view, on rows whose values keepalived 2.2.7 fixes: the type and
 * address columns of each kind of virtual server, the sorry server's row first, the granularity of a group,
 * commands quoted, and the notifications. The lab test (test/ipvs-lab/snmp-checker.test.ts) compares whole walks
 * and notifications with keepalived's.
 */
import { describe, expect, it } from 'vitest';
import { parseKeepalivedToConfig } from '../../src/core/config/keepalived/index.js';
import type { VipdConfig } from '../../src/core/config/model.js';
import { compareOids, TYPE, type VarBind } from '../../src/core/snmp/agentx.js';
import { type CheckView, checkMibObjects, checkNotification } from '../../src/core/snmp/check-mib.js';
import { memHost } from '../config/keepalived/helpers.js';

const TEXT = `virtual_server_group G1 {
  10.0.0.101 80
  10.0.0.102-103 80
  fwmark 7
}
virtual_server 10.0.0.100 80 {
  lb_algo wrr
  lb_kind NAT
  protocol TCP
  weight 4
  snmp_name web
  quorum_up "/usr/bin/logger up"
  sorry_server 10.0.0.13 80
  real_server 10.0.0.11 80 {
    uthreshold 100
    TCP_CHECK {
      connect_timeout 1
    }
  }
}
virtual_server group G1 {
  lb_algo rr
  lb_kind DR
  protocol TCP
  real_server 10.0.0.11 80 {
    weight 2
    TCP_CHECK {
    }
  }
}
`;

function view(): CheckView {
  const r = parseKeepalivedToConfig(TEXT, '/k.conf', { host: memHost({ '/k.conf': TEXT }) });
  expect(r.errors).toEqual([]);
  const c = r.config as VipdConfig;
  return {
    routerId: 'd1',
    groups: c.virtualServerGroups,
    virtualServers: c.virtualServers.map((vs, i) => ({
      config: vs,
      inTable: true,
      quorumUp: i === 0,
      reals: [
        ...(vs.sorryServer ? [{ sorry: vs.sorryServer, alive: false, weight: 0, failedChecks: 0 }] : []),
        ...vs.realServers.map((rs) => ({
          config: rs,
          alive: i === 0,
          weight: rs.weight,
          failedChecks: i === 0 ? 0 : 1,
        })),
      ],
    })),
  };
}

const text = (b: VarBind) => {
  const v = 'value' in b ? b.value : undefined;
  // Below KEEPALIVED-MIB's check subtree (routerId, of the global part, as 2.0).
  return `${b.oid.slice(10).join('.')}=${v instanceof Uint8Array ? Buffer.from(v).toString('hex') : String(v)}`;
};

describe('KEEPALIVED-MIB checker part', () => {
  it('lists the objects in OID order, a walk away from keepalived', () => {
    const objects = checkMibObjects(view());
    for (let i = 1; i < objects.length; i++) {
      expect(compareOids((objects[i - 1] as VarBind).oid, (objects[i] as VarBind).oid)).toBeLessThan(0);
    }
    const at = (prefix: string) => objects.filter((b) => b.oid.slice(10).join('.').startsWith(prefix)).map(text);
    // The group: its fwmark first, then an address and a range.
    expect(at('1.1.2.')).toEqual(['1.1.2.1=4731']);
    expect(at('2.1.2.')).toEqual(['2.1.2.1.1=1', '2.1.2.1.2=2', '2.1.2.1.3=3']);
    expect(at('2.1.6.')).toEqual(['2.1.6.1.3=0a000066']);
    // Types (address, group), the address only for the first, the group's name only for the second.
    expect(at('3.1.2.')).toEqual(['3.1.2.1=2', '3.1.2.2=3']);
    expect(at('3.1.3.')).toEqual(['3.1.3.2=4731']);
    expect(at('3.1.6.')).toEqual(['3.1.6.1=0a000064']);
    // Granularity: all ones; an address family's own column only, both for a group.
    expect(at('3.1.15.')).toEqual(['3.1.15.1=ffffffff', '3.1.15.2=ffffffff']);
    expect(at('3.1.51.')).toEqual(['3.1.51.2=4294967295']);
    expect(at('3.1.24.')).toEqual([`3.1.24.1=${Buffer.from("'/usr/bin/logger' 'up'").toString('hex')}`]);
    expect(at('3.1.60.')).toEqual(['3.1.60.1=4', '3.1.60.2=1']);
    expect(at('3.1.71.')).toEqual([`3.1.71.1=${Buffer.from('web').toString('hex')}`]);
    // Real servers: the sorry server is row 1 (type false(2)), without status, weight or limits.
    expect(at('4.1.2.1.')).toEqual(['4.1.2.1.1=2', '4.1.2.1.2=1']);
    expect(at('4.1.6.')).toEqual(['4.1.6.1.2=1', '4.1.6.2.1=2']);
    expect(at('4.1.7.')).toEqual(['4.1.7.1.2=4', '4.1.7.2.1=2']); // the virtual server's weight, else its own
    expect(at('4.1.8.')).toEqual(['4.1.8.1.2=100']);
    expect(at('4.1.13.')).toEqual(['4.1.13.1.2=0', '4.1.13.2.1=1']);
    expect(at('4.1.47.')).toEqual(['4.1.47.1.1=2', '4.1.47.1.2=1', '4.1.47.2.1=1']);
  });

  it("notifications: a real server's (its row's objects) and a quorum's, without row indexes", () => {
    const v = view();
    const [first, second] = v.virtualServers;
    const rs = checkNotification(v, first as CheckView['virtualServers'][number], first?.reals[1]);
    expect(rs[0]).toEqual({
      oid: [1, 3, 6, 1, 6, 3, 1, 1, 4, 1, 0],
      type: TYPE.oid,
      value: [1, 3, 6, 1, 4, 1, 9586, 100, 5, 3, 5, 0, 1],
    });
    expect(rs.slice(1).map(text)).toEqual([
      '4.1.3=1',
      '4.1.4=0a00000b',
      '4.1.5=80',
      '4.1.6=1',
      '3.1.2=2',
      '3.1.5=1',
      '3.1.6=0a000064',
      '3.1.7=80',
      '3.1.8=1',
      '3.1.21=1',
      '3.1.20=1',
      `2.0=${Buffer.from('d1').toString('hex')}`,
    ]);
    const quorum = checkNotification(v, second as CheckView['virtualServers'][number]);
    expect(quorum.slice(1).map(text)).toEqual([
      '3.1.2=3',
      `3.1.3=${Buffer.from('G1').toString('hex')}`,
      '3.1.8=1',
      '3.1.23=2',
      '3.1.22=1',
      '3.1.21=0',
      '3.1.20=1',
      `2.0=${Buffer.from('d1').toString('hex')}`,
    ]);
  });
});
