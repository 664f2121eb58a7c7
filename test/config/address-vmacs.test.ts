import { describe, expect, it } from 'vitest';
import { placeAddress, vmacNameCandidates } from '../../src/core/config/address-vmacs.js';
import { toYaml } from '../../src/core/config/convert.js';
import { parseKeepalivedToConfig } from '../../src/core/config/keepalived/index.js';
import type { VipdConfig } from '../../src/core/config/model.js';
import { parseYamlConfig } from '../../src/core/config/yaml.js';
import { memHost } from './keepalived/helpers.js';

const instance = { interface: 'eth0', family: 4 as const, vrid: 51, useVmacAddr: false };

function load(text: string) {
  const r = parseKeepalivedToConfig(text, '/k.conf', { host: memHost({ '/k.conf': text }) });
  expect(r.errors).toEqual([]);
  const vmacs = (name: string) =>
    r.config?.instances
      .find((i) => i.name === name)
      ?.addressVmacs.map((a) => `${a.name} ${a.base} ipv${a.family} ${a.mac.toString('hex')}`);
  const devs = (name: string) => {
    const i = r.config?.instances.find((x) => x.name === name);
    return Object.fromEntries([...(i?.vips ?? []), ...(i?.excludedVips ?? [])].map((v) => [v.address, v.dev]));
  };
  return { r, vmacs, devs };
}

describe('address VMACs: which addresses (keepalived 2.2.7 vrrp_complete_instance)', () => {
  it('the instance family on its interface: on its VMAC if it has one, else on the interface', () => {
    expect(placeAddress({ ...instance, vmacName: 'vrrp.51' }, { family: 4, dev: 'eth0', useVmac: false })).toEqual({
      dev: 'vrrp.51',
    });
    expect(placeAddress(instance, { family: 4, dev: 'eth0', useVmac: false })).toEqual({ dev: 'eth0' });
    // use_vmac_addr is for the other family and other interfaces only
    expect(placeAddress({ ...instance, useVmacAddr: true }, { family: 4, dev: 'eth0', useVmac: false })).toEqual({
      dev: 'eth0',
    });
  });

  it('use_vmac on an address gives it a VMAC of its own, with the virtual MAC of its family', () => {
    const p = placeAddress(instance, { family: 6, dev: 'eth0', useVmac: true });
    expect(p.vmac).toMatchObject({ base: 'eth0', family: 6 });
    expect(p.vmac?.mac.toString('hex')).toBe('00005e000233');
    expect(p.dev).toBe(p.vmac?.name);
  });

  it('use_vmac_addr: the other family, and every other interface', () => {
    const i = { ...instance, useVmacAddr: true };
    expect(placeAddress(i, { family: 6, dev: 'eth0', useVmac: false }).vmac?.base).toBe('eth0');
    expect(placeAddress(i, { family: 4, dev: 'eth1', useVmac: false }).vmac?.mac.toString('hex')).toBe('00005e000133');
  });

  it("use_vmac NAME MAC: the addresses' VMACs get the instance's MAC", () => {
    const mac = Buffer.from('0200000000ff', 'hex');
    const p = placeAddress({ ...instance, vmacName: 'v', vmacMac: mac }, { family: 4, dev: 'eth1', useVmac: true });
    expect(p.vmac?.mac).toEqual(mac);
  });

  it('says when an address use_vmac changes nothing', () => {
    expect(
      placeAddress({ ...instance, vmacName: 'vrrp.51' }, { family: 4, dev: 'eth0', useVmac: true }).redundant,
    ).toBe("the instance's use_vmac already puts it on vrrp.51");
    const both = placeAddress({ ...instance, useVmacAddr: true }, { family: 4, dev: 'eth1', useVmac: true });
    expect(both.redundant).toBe("the instance's use_vmac_addr already gives it a VMAC");
    expect(both.vmac).toBeDefined();
  });
});

describe('address VMACs: names (keepalived 2.2.7 create_vmac_name)', () => {
  it('PREFIX.VRID, then numbered; IPv6 tries 6 first; long prefixes are cut to fit 15 characters', () => {
    const first = (prefix: string, vrid: number, family: 4 | 6, n: number) =>
      [...vmacNameCandidates(prefix, vrid, family)].slice(0, n);
    expect(first('vrrp', 51, 4, 3)).toEqual(['vrrp.51', 'vrrp1.51', 'vrrp2.51']);
    expect(first('vrrp', 51, 6, 4)).toEqual(['vrrp.51', 'vrrp6.51', 'vrrp1.51', 'vrrp2.51']);
    expect(first('abcdefghijk', 255, 4, 2)).toEqual(['abcdefghijk.255', 'abcdefghij1.255']);
    expect(first('vrrp', 51, 6, 8).at(-1)).toBe('vrrp7.51'); // 5 is followed by 7
  });

  it("names after every instance's own VMAC, shares one per base, family and MAC, follows vmac_addr_prefix", () => {
    const { vmacs, devs } = load(`
global_defs { vmac_addr_prefix va }
vrrp_instance A {
  interface eth0
  virtual_router_id 51
  use_vmac
  use_vmac_addr
  virtual_ipaddress { 10.0.0.10/24
    10.0.1.10/24 dev eth1 }
  virtual_ipaddress_excluded { fd00::10/64
    10.0.2.10/24 dev eth1 }
}
vrrp_instance B {
  interface eth1
  virtual_router_id 51
  use_vmac va.51
  virtual_ipaddress { 10.0.1.20/24
    10.0.0.20/24 dev eth0 use_vmac }
}`);
    // va.51 is B's own VMAC, named further down: the address VMACs pass over it
    expect(vmacs('A')).toEqual(['va1.51 eth1 ipv4 00005e000133', 'va6.51 eth0 ipv6 00005e000233']);
    expect(devs('A')).toEqual({
      '10.0.0.10': 'vrrp.51',
      '10.0.1.10': 'va1.51',
      'fd00::10': 'va6.51',
      '10.0.2.10': 'va1.51',
    });
    expect(vmacs('B')).toEqual(['va2.51 eth0 ipv4 00005e000133']);
    expect(devs('B')).toEqual({ '10.0.1.20': 'va.51', '10.0.0.20': 'va2.51' });
  });

  it('converts to YAML and back to the same placement', () => {
    const { r } = load(`
vrrp_instance A {
  interface eth0
  virtual_router_id 51
  use_vmac
  use_vmac_addr
  virtual_ipaddress { 10.0.0.10/24
    10.0.1.10/24 dev eth1 }
}`);
    const config = r.config as VipdConfig;
    const yaml = toYaml(config);
    expect(yaml).toContain('10.0.1.10/24 dev eth1 use_vmac');
    const again = parseYamlConfig(yaml, 'vipd.yaml');
    expect(again.errors).toEqual([]);
    const placed = (c: VipdConfig | undefined) =>
      c?.instances.map((i) => ({ vips: i.vips.map((v) => v.dev), vmacs: i.addressVmacs.map((a) => a.name) }));
    expect(placed(again.config)).toEqual(placed(config));
    expect(placed(config)).toEqual([{ vips: ['vrrp.51', 'vrrp1.51'], vmacs: ['vrrp1.51'] }]);
  });
});

describe("an instance's own VMAC without a name, and use_ipvlan", () => {
  it('two instances of one VRID: vrrp.VRID, then the IPv6 one vrrp6.VRID (keepalived passes over a name held)', () => {
    const { r } = load(`
vrrp_instance A {
  interface eth0
  virtual_router_id 51
  use_vmac
  virtual_ipaddress { 10.0.0.10/24 }
}
vrrp_instance B {
  interface eth0
  virtual_router_id 51
  use_vmac
  virtual_ipaddress { fe80::10/64 }
}`);
    expect(r.config?.instances.map((i) => [i.useVmac?.ifname, i.vips.map((v) => v.dev)])).toEqual([
      ['vrrp.51', ['vrrp.51']],
      ['vrrp6.51', ['vrrp6.51']],
    ]);
  });

  it('use_ipvlan NAME ADDRESS FLAGS in any order: the ipvlan, its address the advert source, the VIPs on the interface', () => {
    const { r } = load(`
vrrp_instance A {
  interface eth0
  virtual_router_id 51
  use_ipvlan vepa 10.0.0.5/24 ipv51
  virtual_ipaddress { 10.0.0.10/24 }
}`);
    const i = r.config?.instances[0];
    expect(i?.useVmac).toEqual({
      ifname: 'ipv51',
      ipvlan: { flags: 'vepa', address: { family: 4, address: '10.0.0.5', prefix: 24 } },
    });
    expect(i?.unicastSrcIp).toBe('10.0.0.5');
    expect(i?.vips.map((v) => v.dev)).toEqual(['eth0']);
  });

  it('use_ipvlan without a name is named as a VMAC is; its words are checked', () => {
    const { r } = load(`
vrrp_instance A {
  interface eth0
  virtual_router_id 7
  use_ipvlan 10.0.0.5/24
  virtual_ipaddress { 10.0.0.10/24 }
}`);
    expect(r.config?.instances[0]?.useVmac).toMatchObject({ ifname: 'vrrp.7', ipvlan: { flags: 'bridge' } });
    const bad = (line: string) => {
      const text = `vrrp_instance A {\n  interface eth0\n  virtual_router_id 7\n  ${line}\n  virtual_ipaddress {\n    10.0.0.10/24\n  }\n}\n`;
      return parseKeepalivedToConfig(text, '/k.conf', { host: memHost({ '/k.conf': text }) }).errors.map(
        (e) => e.message,
      );
    };
    expect(bad('use_ipvlan 10.0.0.5/24 bridge private')).toEqual([
      'use_ipvlan: the ipvlan type is given twice (bridge, private)',
    ]);
    expect(bad('use_ipvlan 10.0.0.5/24 use_vmac')).toHaveLength(0); // use_vmac as a name, as keepalived reads it
    expect(bad('use_vmac\n  use_ipvlan 10.0.0.5/24')).toEqual([
      'use_vmac and use_ipvlan each give the instance an interface of its own: choose one',
    ]);
  });
});
