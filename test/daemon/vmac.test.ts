/**
 * use_vmac on the daemon and a fake kernel: the VMAC is made before the instance starts, with keepalived's kernel
 * parameters and vipd's arp_announce on the base; the VIPs go on it; deleted behind vipd's back it is made again
 * and its master puts the VIP back; a VMAC that was there (a left-over) is taken over; stop removes it and gives
 * the base its parameters back; a foreign interface with the VMAC's name stops the start with the reason.
 */
import { describe, expect, it } from 'vitest';
import { configFaults } from '../../src/core/config/faults.js';
import { parseKeepalivedToConfig } from '../../src/core/config/keepalived/index.js';
import { memHost } from '../config/keepalived/helpers.js';
import { configOf, instanceYaml, VIP, world } from '../helpers/fake-daemon.js';

const BASE_KEYS = ['arp_ignore', 'arp_filter', 'arp_announce'].map((k) => `net/ipv4/conf/eth0/${k}`);

describe('use_vmac on the daemon', () => {
  it('made with its parameters, holds the VIP, made again when deleted, removed at stop', async () => {
    const w = world('    use_vmac: true\n');
    await w.daemon.start();
    expect(w.kernel.macvlans.has('vrrp.51')).toBe(true);
    expect(w.kernel.links.get('vrrp.51')?.mac.toString('hex')).toBe('00005e000133');
    expect(BASE_KEYS.map((k) => w.kernel.sysctls.get(k))).toEqual(['1', '1', '2']);
    expect(w.kernel.sysctls.get('net/ipv4/conf/vrrp.51/accept_local')).toBe('1');
    await w.advance(400);
    expect(w.state()).toBe('MASTER');
    expect(w.kernel.has('vrrp.51', VIP)).toBe(true);
    const vmacIndex = () => w.kernel.links.get('vrrp.51')?.index;
    // Adverts and GARPs leave by the VMAC, with its MAC.
    expect(w.wire.filter((x) => x.ifindex === vmacIndex() && x.kind === 'advert').length).toBeGreaterThan(0);
    expect(w.wire.filter((x) => x.kind === 'garp').every((g) => g.mac === '00:00:5e:00:01:33')).toBe(true);

    w.kernel.deleteLink('vrrp.51');
    await w.settle();
    expect(w.kernel.macvlans.has('vrrp.51')).toBe(true);
    expect(w.kernel.has('vrrp.51', VIP)).toBe(true);
    expect(w.state()).toBe('MASTER');
    w.wire.length = 0;
    await w.advance(200);
    expect(w.wire.filter((x) => x.ifindex === vmacIndex() && x.kind === 'advert').length).toBe(2);

    await w.daemon.stop();
    expect(w.kernel.links.has('vrrp.51')).toBe(false);
    expect(BASE_KEYS.map((k) => w.kernel.sysctls.get(k))).toEqual(['0', '0', '0']);
  });

  it('use_vmac NAME MAC: the VMAC has that MAC (five octets and the VRID), and its GARPs carry it', async () => {
    const w = world('    use_vmac: "vip51 02:aa:bb:cc:dd"\n');
    await w.daemon.start();
    expect(w.kernel.links.get('vip51')?.mac.toString('hex')).toBe('02aabbccdd33');
    await w.advance(400);
    expect(w.state()).toBe('MASTER');
    const garps = w.wire.filter((x) => x.kind === 'garp');
    expect(garps.length).toBeGreaterThan(0);
    expect(garps.every((g) => g.mac === '02:aa:bb:cc:dd:33')).toBe(true);
    const text =
      'vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51\n  use_vmac 02:00:00:00:00:01 vip51\n  virtual_ipaddress {\n    192.0.2.1\n  }\n}\n';
    const r = parseKeepalivedToConfig(text, '/k.conf', { host: memHost({ '/k.conf': text }) });
    expect(r.config?.instances[0]?.useVmac).toEqual({ ifname: 'vip51', mac: Buffer.from('020000000001', 'hex') });
    const multicast = text.replace('02:00:00:00:00:01', '01:00:00:00:00:01');
    expect(
      parseKeepalivedToConfig(multicast, '/k.conf', { host: memHost({ '/k.conf': multicast }) }).errors.map(
        (e) => e.message,
      ),
    ).toEqual(['use_vmac: 01:00:00:00:00:01 is a multicast MAC address']);
  });

  it('a foreign interface with the name stops the start; a left-over macvlan is taken over and removed at stop', async () => {
    const foreign = world('    use_vmac: true\n');
    foreign.kernel.addLink('vrrp.51');
    await expect(foreign.daemon.start()).rejects.toThrow(/cannot make the VMAC interface vrrp.51 on eth0/);
    const w = world('    use_vmac: true\n');
    w.kernel.addLink('vrrp.51');
    w.kernel.macvlans.add('vrrp.51');
    await w.daemon.start();
    await w.advance(400);
    expect(w.kernel.has('vrrp.51', VIP)).toBe(true);
    await w.daemon.stop();
    expect(w.kernel.links.has('vrrp.51')).toBe(false);
  });
});

describe('use_vmac across a reload', () => {
  it('an unchanged instance keeps its VMAC; turning use_vmac off removes it, on makes it', async () => {
    const w = world('    use_vmac: true\n');
    await w.daemon.start();
    await w.advance(400);
    const index = w.kernel.links.get('vrrp.51')?.index;
    const same = configOf(`vrrp_instance:\n${instanceYaml('VI_1', 51)}    use_vmac: true\n`);
    const plan = await w.daemon.reload(same);
    expect(plan.unchanged).toEqual(['VI_1']);
    expect(w.kernel.links.get('vrrp.51')?.index).toBe(index);
    expect(w.state()).toBe('MASTER');

    await w.daemon.reload(configOf(`vrrp_instance:\n${instanceYaml('VI_1', 51)}`));
    await w.settle();
    expect(w.kernel.links.has('vrrp.51')).toBe(false);
    expect(BASE_KEYS.map((k) => w.kernel.sysctls.get(k))).toEqual(['0', '0', '0']);
    await w.advance(400);
    expect(w.kernel.has('eth0', VIP)).toBe(true);

    await w.daemon.reload(configOf(`vrrp_instance:\n${instanceYaml('VI_1', 51)}    use_vmac: vrrp51\n`));
    await w.advance(400);
    expect(w.kernel.macvlans.has('vrrp51')).toBe(true);
    expect(w.kernel.has('vrrp51', VIP)).toBe(true);
    expect(w.kernel.has('eth0', VIP)).toBe(false);
  });
});

describe('IPv6 use_vmac on the daemon', () => {
  it("the advert source is put on the VMAC, and put back when deleted behind vipd's back", async () => {
    const w = world('', '', `${instanceYaml('VI_1', 51, { vips: ['2001:db8::100/64'] })}    use_vmac: true\n`);
    w.kernel.addAddress('eth0', 'fe80::11', 64);
    await w.daemon.start();
    expect(w.kernel.has('vrrp.51', 'fe80::11')).toBe(true);
    await w.advance(400);
    expect(w.state()).toBe('MASTER');
    expect(w.kernel.has('vrrp.51', '2001:db8::100')).toBe(true);
    w.kernel.removeAddress('vrrp.51', 'fe80::11');
    await w.settle();
    expect(w.kernel.has('vrrp.51', 'fe80::11')).toBe(true);
    expect(w.kernel.has('eth0', 'fe80::11')).toBe(true); // the base keeps its own
    await w.daemon.stop();
  });
});

describe('VMACs for addresses on the daemon (use_vmac_addr, an address line use_vmac)', () => {
  const ETH1_VIP = '198.51.100.7';
  const vmacAddr = '    use_vmac_addr: true\n    virtual_ipaddress_excluded: ["198.51.100.7/24 dev eth1"]\n';

  it('made on the address interface with the virtual MAC, holds the address, followed as the kernel changes', async () => {
    const w = world(vmacAddr);
    w.kernel.addLink('eth1');
    await w.daemon.start();
    expect(w.kernel.macvlans.has('vrrp.51')).toBe(true);
    expect(w.kernel.macvlanBases.get('vrrp.51')).toBe('eth1');
    expect(w.kernel.links.get('vrrp.51')?.mac.toString('hex')).toBe('00005e000133');
    expect(w.kernel.sysctls.get('net/ipv4/conf/eth1/arp_ignore')).toBe('1');
    expect(w.kernel.sysctls.get('net/ipv4/conf/eth0/arp_ignore')).toBe('0'); // the instance has no VMAC of its own
    await w.advance(400);
    expect(w.state()).toBe('MASTER');
    expect(w.kernel.has('eth0', VIP)).toBe(true); // the instance's family on its interface: stays there
    expect(w.kernel.has('vrrp.51', ETH1_VIP)).toBe(true);
    const onVmac = () => w.wire.filter((x) => x.kind === 'garp' && x.ifindex === w.kernel.links.get('vrrp.51')?.index);
    expect(onVmac().length).toBeGreaterThan(0);
    expect(onVmac().every((g) => g.mac === '00:00:5e:00:01:33')).toBe(true);

    // Deleted behind vipd's back: made again, the address put back.
    w.kernel.deleteLink('vrrp.51');
    await w.settle();
    expect(w.kernel.has('vrrp.51', ETH1_VIP)).toBe(true);
    expect(w.state()).toBe('MASTER');

    // Its base gone: the instance cannot hold the address (keepalived's TRACK_ADDR) and is in FAULT until it is back.
    w.kernel.deleteLink('eth1');
    await w.settle();
    expect(w.state()).toBe('FAULT');
    w.kernel.addLink('eth1');
    await w.settle();
    await w.advance(4000);
    expect(w.state()).toBe('MASTER');
    expect(w.kernel.macvlanBases.get('vrrp.51')).toBe('eth1');
    expect(w.kernel.has('vrrp.51', ETH1_VIP)).toBe(true);

    await w.daemon.stop();
    expect(w.kernel.links.has('vrrp.51')).toBe(false);
    expect(w.kernel.sysctls.get('net/ipv4/conf/eth1/arp_ignore')).toBe('0');
  });

  it('the address VMAC goes when a reload drops use_vmac_addr; an address use_vmac makes it again', async () => {
    const w = world(vmacAddr);
    w.kernel.addLink('eth1');
    await w.daemon.start();
    await w.advance(400);
    const plain = '    virtual_ipaddress_excluded: ["198.51.100.7/24 dev eth1"]\n';
    await w.daemon.reload(configOf(`vrrp_instance:\n${instanceYaml('VI_1', 51)}${plain}`));
    await w.advance(4000);
    expect(w.kernel.links.has('vrrp.51')).toBe(false);
    expect(w.kernel.has('eth1', ETH1_VIP)).toBe(true);
    const own = '    virtual_ipaddress_excluded: ["198.51.100.7/24 dev eth1 use_vmac"]\n';
    await w.daemon.reload(configOf(`vrrp_instance:\n${instanceYaml('VI_1', 51)}${own}`));
    await w.advance(4000);
    expect(w.kernel.has('vrrp.51', ETH1_VIP)).toBe(true);
    expect(w.kernel.has('eth1', ETH1_VIP)).toBe(false);
    await w.daemon.stop();
  });
});

describe('use_ipvlan on the daemon', () => {
  it('an L2 ipvlan with its flags and address, the advert source; VIPs stay on the interface; made again when deleted', async () => {
    const w = world('    use_ipvlan: "ipv51 192.0.2.50/24 private"\n');
    await w.daemon.start();
    expect(w.kernel.ipvlans.get('ipv51')).toBe('private');
    expect(w.kernel.macvlanBases.get('ipv51')).toBe('eth0');
    expect(w.kernel.links.get('ipv51')?.mac).toEqual(w.kernel.links.get('eth0')?.mac);
    expect(w.kernel.has('ipv51', '192.0.2.50')).toBe(true);
    expect(w.kernel.sysctls.get('net/ipv6/conf/ipv51/disable_ipv6')).toBe('1'); // IPv4 only, as keepalived
    expect(w.kernel.sysctls.get('net/ipv4/conf/eth0/arp_ignore')).toBe('0'); // the base's MAC: no ARP settings
    await w.advance(400);
    expect(w.state()).toBe('MASTER');
    const ipvlanIndex = () => w.kernel.links.get('ipv51')?.index;
    const adverts = w.wire.filter((x) => x.kind === 'advert');
    expect(adverts.length).toBeGreaterThan(0);
    expect(adverts.every((a) => a.ifindex === ipvlanIndex() && a.src === '192.0.2.50')).toBe(true);
    // keepalived puts the VIPs of an ipvlan instance on its interface, not on the ipvlan.
    expect(w.kernel.has('eth0', VIP)).toBe(true);

    w.kernel.deleteLink('ipv51');
    await w.settle();
    expect(w.kernel.has('ipv51', '192.0.2.50')).toBe(true);
    w.wire.length = 0;
    await w.advance(200);
    expect(w.wire.filter((x) => x.kind === 'advert' && x.ifindex === ipvlanIndex()).length).toBe(2);
    expect(w.state()).toBe('MASTER');
    await w.daemon.stop();
    expect(w.kernel.links.has('ipv51')).toBe(false);
  });

  it('an IPv4 ipvlan without an address: FAULT in keepalived.conf, as keepalived keeps it; refused in YAML', () => {
    expect(() => world('    use_ipvlan: true\n')).toThrow(/use_ipvlan needs an ADDRESS\/PREFIX for an IPv4 instance/);
    const text =
      'vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51\n  use_ipvlan\n  virtual_ipaddress {\n    192.0.2.1\n  }\n}\n';
    const r = parseKeepalivedToConfig(text, '/k.conf', { host: memHost({ '/k.conf': text }) });
    expect(r.warnings.map((w) => `${w.line}: ${w.message}`)).toEqual([
      '4: use_ipvlan without an address: keepalived 2.2.7 keeps an IPv4 instance so in FAULT ("IPv4 ipvlan requires a source ip address"), and so does vipd',
    ]);
    const c = r.config?.instances[0];
    expect(c && configFaults(c)).toEqual(['use_ipvlan: an IPv4 ipvlan needs an address']);
  });
});
