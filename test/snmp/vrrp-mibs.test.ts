/**
 * The VRRP MIBs built from a view (the objects a walk returns), on rows whose values keepalived 2.2.7 fixes: which
 * instances each MIB lists, the address table's order and flags, how a notify command is printed, and the order of
 * the whole. The lab test (test/integration/snmp.test.ts) compares a whole walk with keepalived's.
 */
import { describe, expect, it } from 'vitest';
import { parseKeepalivedToConfig } from '../../src/core/config/keepalived/index.js';
import { compareOids, TYPE, type VarBind } from '../../src/core/snmp/agentx.js';
import {
  dropNotifications,
  type SnmpInstance,
  type SnmpView,
  stateChangeNotifications,
  vrrpMibObjects,
} from '../../src/core/snmp/vrrp-mibs.js';
import { memHost } from '../config/keepalived/helpers.js';

const TEXT = `static_ipaddress {
  198.51.100.1/24 dev eth0
}
vrrp_instance V2 {
  interface eth0
  virtual_router_id 1
  priority 150
  notify_master "/usr/bin/logger became master"
  virtual_ipaddress {
    192.0.2.1/24
  }
  virtual_ipaddress_excluded {
    192.0.2.2/24
  }
}
vrrp_instance V3 {
  interface eth0
  version 3
  virtual_router_id 2
  unicast_peer {
    192.0.2.12
  }
  virtual_ipaddress {
    192.0.2.3/24
  }
}
`;

function view(): SnmpView {
  const r = parseKeepalivedToConfig(TEXT, '/k.conf', { host: memHost({ '/k.conf': TEXT }) });
  const config = r.config;
  if (!config) throw new Error(r.errors.map((e) => e.message).join('\n'));
  const counters = {
    becomeMaster: 1,
    advertsReceived: 0,
    intervalErrors: 0,
    ttlErrors: 0,
    priorityZeroReceived: 0,
    priorityZeroSent: 0,
    invalidType: 0,
    addressListErrors: 0,
    lengthErrors: 0,
    authFailures: 0,
    authTypeInvalid: 0,
    authTypeMismatch: 0,
  };
  const instance = (i: number, state: SnmpInstance['state']): SnmpInstance => ({
    config: config.instances[i] as SnmpInstance['config'],
    state,
    effectivePriority: config.instances[i]?.priority ?? 0,
    masterAddress: state === 'MASTER' ? undefined : '192.0.2.12',
    primaryAddress: '192.0.2.11',
    ifindex: 3,
    mac: Buffer.from([2, 0, 0, 0, 0, 3]),
    vipsSet: state === 'MASTER',
    upTicks: 100,
    newMasterReason: state === 'MASTER' ? 'masterNoResponse' : 'notMaster',
    counters,
  });
  return {
    version: 'vipd test',
    globals: { lvsFlush: false, lvsFlushOnStop: false, dynamicInterfaces: false },
    routerId: 'r1',
    instances: [instance(0, 'MASTER'), instance(1, 'BACKUP')],
    staticAddresses: config.staticAddresses,
    syncGroups: [],
    traps: true,
    ifindexOf: () => 3,
    routerDrops: { checksum: 1, version: 2, vrid: 3 },
  };
}

const find = (all: VarBind[], o: string) => all.find((v) => v.oid.join('.') === o);
const text = (v: VarBind | undefined) => (v?.type === TYPE.octetString ? Buffer.from(v.value).toString() : v?.value);

describe('the VRRP MIBs', () => {
  const all = vrrpMibObjects(view(), { keepalived: true, checker: false, rfcv2: true, rfcv3: true });

  it('are in OID order, with no OID twice', () => {
    for (let i = 1; i < all.length; i++) {
      expect(compareOids((all[i - 1] as VarBind).oid, (all[i] as VarBind).oid)).toBeLessThan(0);
    }
  });

  it('KEEPALIVED-MIB: states, a notify command as keepalived prints it, multicast columns only without peers', () => {
    const row = '1.3.6.1.4.1.9586.100.5.2.3.1';
    expect([find(all, `${row}.4.1`)?.value, find(all, `${row}.4.2`)?.value]).toEqual([2, 1]);
    expect(text(find(all, `${row}.22.1`))).toBe("'/usr/bin/logger' 'became' 'master'");
    expect(find(all, `${row}.34.1`)?.value).toBe(1);
    expect(find(all, `${row}.34.2`)).toBeUndefined();
  });

  it('the address table: static addresses as instance 0, then VIPs (advertised) and excluded ones (not)', () => {
    const t = '1.3.6.1.4.1.9586.100.5.2.6.1';
    const address = (i: string) => [...((find(all, `${t}.3.${i}`)?.value as Uint8Array) ?? [])].join('.');
    expect([address('0.1'), address('1.1'), address('1.2'), address('2.1')]).toEqual([
      '198.51.100.1',
      '192.0.2.1',
      '192.0.2.2',
      '192.0.2.3',
    ]);
    expect(['1.1', '1.2', '2.1'].map((i) => find(all, `${t}.11.${i}`)?.value)).toEqual([1, 2, 1]);
    expect(['0.1', '1.1', '2.1'].map((i) => find(all, `${t}.10.${i}`)?.value)).toEqual([1, 1, 2]);
  });

  it('RFC 2787 lists the VRRPv2 instance only; RFC 6527 both, with the master address each one knows', () => {
    expect(all.some((v) => v.oid.join('.').startsWith('1.3.6.1.2.1.68.1.3.1.3.3.2'))).toBe(false);
    expect(find(all, '1.3.6.1.2.1.68.1.3.1.3.3.1')?.value).toBe(3);
    const master = (vrid: number) =>
      [...((find(all, `1.3.6.1.2.1.207.1.1.1.1.3.3.${vrid}.1`)?.value as Uint8Array) ?? [])].join('.');
    expect([master(1), master(2)]).toEqual(['192.0.2.11', '192.0.2.12']);
    expect(find(all, '1.3.6.1.2.1.207.1.2.2.0')).toEqual({
      oid: [1, 3, 6, 1, 2, 1, 207, 1, 2, 2, 0],
      type: TYPE.counter64,
      value: 2n,
    });
  });

  it('only the MIBs enabled', () => {
    const rfc = vrrpMibObjects(view(), { keepalived: false, checker: false, rfcv2: false, rfcv3: true });
    expect(rfc.every((v) => v.oid.join('.').startsWith('1.3.6.1.2.1.207.'))).toBe(true);
  });

  it("notifications: keepalived's state change on every change; the RFCs' new master on becoming master", () => {
    const v = view();
    const parts = { keepalived: true, checker: false, rfcv2: true, rfcv3: true };
    const names = (x: SnmpInstance) =>
      stateChangeNotifications(v, x, parts).map((n) => (n[0]?.type === TYPE.oid ? n[0].value.join('.') : ''));
    expect(names(v.instances[0] as SnmpInstance)).toEqual([
      '1.3.6.1.4.1.9586.100.5.2.10.0.2',
      '1.3.6.1.2.1.68.0.1',
      '1.3.6.1.2.1.207.0.1',
    ]);
    expect(names(v.instances[1] as SnmpInstance)).toEqual(['1.3.6.1.4.1.9586.100.5.2.10.0.2']);
    const [k] = stateChangeNotifications(v, v.instances[0] as SnmpInstance, parts);
    // keepalived names the objects by column, without the row's index.
    expect(k?.slice(1).map((vb) => `${vb.oid.join('.')}=${text(vb)}`)).toEqual([
      '1.3.6.1.4.1.9586.100.5.2.3.1.2=V2',
      '1.3.6.1.4.1.9586.100.5.2.3.1.4=2',
      '1.3.6.1.4.1.9586.100.5.2.3.1.5=1',
      '1.3.6.1.4.1.9586.100.5.1.2.0=r1',
    ]);
  });

  it('notifications of a dropped advert: an authentication error (VRRPv2), a protocol error; nothing else', () => {
    const v = view();
    const parts = { keepalived: true, checker: false, rfcv2: true, rfcv3: true };
    const [v2, v3] = v.instances as [SnmpInstance, SnmpInstance];
    const flat = (n: VarBind[][]) =>
      n.map((vbs) =>
        vbs.map(
          (vb) =>
            `${vb.oid.join('.')}=${vb.type === TYPE.oid ? vb.value.join('.') : [...(vb.type === TYPE.ipAddress ? vb.value : [vb.value])].join('.')}`,
        ),
      );
    expect(flat(dropNotifications(v2, 'auth_type_mismatch', '192.0.2.12', parts))).toEqual([
      ['1.3.6.1.6.3.1.1.4.1.0=1.3.6.1.2.1.68.0.2', '1.3.6.1.2.1.68.1.5.3.1=192.0.2.12', '1.3.6.1.2.1.68.1.6.3.1=2'],
    ]);
    expect(dropNotifications(v3, 'auth_failure', '192.0.2.12', parts)).toEqual([]); // VRRPv3 has no authentication
    expect(flat(dropNotifications(v3, 'ip_ttl', '192.0.2.12', parts))).toEqual([
      ['1.3.6.1.6.3.1.1.4.1.0=1.3.6.1.2.1.207.0.2', '1.3.6.1.2.1.207.1.2.5.1.6.3.2.1=1'],
    ]);
    expect(dropNotifications(v3, 'interval', '192.0.2.12', parts)).toEqual([]);
    const withError = vrrpMibObjects({ ...v, instances: [{ ...v3, lastProtocolError: 'ip_ttl' }] }, parts);
    expect(find(withError, '1.3.6.1.2.1.207.1.2.5.1.6.3.2.1')?.value).toBe(1);
  });
});
