/**
 * keepalived instance and global options on the fake kernel: dont_track_primary, unicast_ttl,
 * unicast_fault_no_peer, vrrp_startup_delay / vrrp_delay_after_boot, default_interface, log_unknown_vrids.
 */
import { describe, expect, it } from 'vitest';
import { parseKeepalivedToConfig } from '../../src/core/config/keepalived/index.js';
import { memHost } from '../config/keepalived/helpers.js';
import { configOf, instanceYaml, world } from '../helpers/fake-daemon.js';

describe('instance options on the fake kernel', () => {
  it('dont_track_primary: the interface going down is no fault; without it, it is', async () => {
    for (const [extra, expected] of [
      ['    dont_track_primary: true\n', 'MASTER'],
      ['', 'FAULT'],
    ] as const) {
      const w = world(extra);
      await w.daemon.start();
      await w.advance(400);
      w.kernel.setUp('eth0', false);
      await w.settle();
      expect(w.state()).toBe(expected);
    }
  });

  it('unicast_ttl: unicast adverts leave with that TTL; multicast ones keep 255', async () => {
    const w = world('    unicast_peer: [192.0.2.12]\n    unicast_ttl: 7\n');
    await w.daemon.start();
    await w.advance(400);
    const adverts = w.wire.filter((x) => x.kind === 'advert');
    expect(adverts.length).toBeGreaterThan(0);
    expect(new Set(adverts.map((a) => `${a.dst} ttl ${a.ttl}`))).toEqual(new Set(['192.0.2.12 ttl 7']));
    const m = world('    unicast_ttl: 7\n');
    await m.daemon.start();
    await m.advance(400);
    expect(new Set(m.wire.filter((x) => x.kind === 'advert').map((a) => `${a.dst} ttl ${a.ttl}`))).toEqual(
      new Set(['224.0.0.18 ttl undefined']),
    );
  });

  it('unicast_fault_no_peer with an empty unicast_peer: FAULT, nothing sent; without it keepalived multicasts', async () => {
    const w = world('    unicast_peer: []\n    unicast_fault_no_peer: true\n');
    await w.daemon.start();
    await w.advance(2000);
    expect(w.state()).toBe('FAULT');
    expect(w.wire.filter((x) => x.kind === 'advert')).toEqual([]);
    const text =
      'vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51\n  unicast_peer {\n  }\n  virtual_ipaddress {\n    192.0.2.100/24\n  }\n}\n';
    const r = parseKeepalivedToConfig(text, '/k.conf', { host: memHost({ '/k.conf': text }) });
    expect(r.errors).toEqual([]);
    expect(r.config?.instances[0]?.unicastPeers).toEqual([]);
    expect(r.warnings.filter((x) => x.lenient).map((x) => x.line)).toEqual([4]);
  });

  it('vrrp_startup_delay and vrrp_delay_after_boot: the longer delay, then the instances start', async () => {
    const delays: number[] = [];
    const start = async (globals: string, uptime: number) => {
      const w = world('', `global_defs:\n${globals}`);
      w.daemon['edges'].sleep = async (ms: number) => {
        delays.push(ms);
      };
      w.daemon['edges'].uptimeSeconds = () => uptime;
      await w.daemon.start();
      return w.state();
    };
    expect(await start('  vrrp_startup_delay: 5.5\n', 1000)).toBe('BACKUP');
    expect(await start('  vrrp_startup_delay: 2\n  vrrp_delay_after_boot: 30\n', 20)).toBe('BACKUP');
    expect(await start('  vrrp_delay_after_boot: 30\n', 100)).toBe('BACKUP');
    expect(delays).toEqual([5500, 10_000]);
  });

  it('default_interface: static addresses without dev go there; keepalived.conf without it uses eth0 (warned)', () => {
    const cfg = configOf(
      `global_defs:\n  default_interface: eth1\nstatic_ipaddress: ["198.51.100.1/24"]\nvrrp_instance:\n${instanceYaml('VI_1', 51)}`,
    );
    expect(cfg.staticAddresses.map((a) => `${a.address} ${a.dev}`)).toEqual(['198.51.100.1 eth1']);
    const text = `static_ipaddress {\n  198.51.100.1/24\n}\n`;
    const r = parseKeepalivedToConfig(text, '/k.conf', { host: memHost({ '/k.conf': text }) });
    expect(r.errors).toEqual([]);
    expect(r.config?.staticAddresses.map((a) => a.dev)).toEqual(['eth0']);
    expect(r.warnings.filter((w) => w.lenient).map((w) => w.message)).toEqual([
      `static_ipaddress "198.51.100.1/24" has no dev: keepalived 2.2.7 puts it on eth0 (default_interface's default), and so does vipd`,
    ]);
  });
});

describe('process-wide global_defs', () => {
  const load = (globals: string) => {
    const text = `global_defs {\n${globals}\n}\nvrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51\n  virtual_ipaddress {\n    192.0.2.1\n  }\n}\n`;
    return parseKeepalivedToConfig(text, '/k.conf', { host: memHost({ '/k.conf': text }) });
  };

  it('umask as keepalived writes it: octal, hex, decimal, or bits', () => {
    expect(load('  umask 022').config?.globalDefs.umask).toBe(0o22);
    expect(load('  umask 0x12').config?.globalDefs.umask).toBe(0o22);
    expect(load('  umask 18').config?.globalDefs.umask).toBe(0o22);
    expect(load('  umask IWGRP|IWOTH').config?.globalDefs.umask).toBe(0o22);
    expect(load('  umask IWGRP|IWORLD').errors.map((e) => e.message)).toEqual([
      'umask: IWORLD is not one of IRUSR IWUSR IXUSR IRGRP IWGRP IXGRP IROTH IWOTH IXOTH',
    ]);
  });

  it('vrrp_min_garp: one GARP, no second block, unless the file sets them', () => {
    expect(load('  vrrp_min_garp').config?.globalDefs.garp).toMatchObject({ masterDelayMs: 0, masterRepeat: 1 });
    expect(load('  vrrp_min_garp true\n  vrrp_garp_master_repeat 3').config?.globalDefs.garp).toMatchObject({
      masterDelayMs: 0,
      masterRepeat: 3,
    });
    expect(load('  vrrp_min_garp false').config?.globalDefs.garp).toMatchObject({
      masterDelayMs: 5000,
      masterRepeat: 5,
    });
  });

  it('log_unknown_vrids: an advert for another VRID is logged', async () => {
    const w = world('', 'global_defs:\n  log_unknown_vrids: true\n');
    await w.daemon.start();
    w.inject(77, 100);
    await w.settle();
    expect(
      w.lines.filter((l) => l.msg === 'advert received for a VRID not configured on this interface'),
    ).toMatchObject([{ interface: 'eth0', vrid: 77, src: '192.0.2.12' }]);
    const quiet = world();
    await quiet.daemon.start();
    quiet.inject(77, 100);
    await quiet.settle();
    expect(quiet.lines.some((l) => l.msg === 'advert received for a VRID not configured on this interface')).toBe(
      false,
    );
  });
});

describe('startup_script and shutdown_script', () => {
  it('run once, before anything starts and after everything stopped, with their timeouts', async () => {
    const w = world(
      '    notify_master: /bin/on-master\n',
      'global_defs:\n  startup_script: "/usr/local/bin/up arg"\n  startup_script_timeout: 3\n  shutdown_script: /usr/local/bin/down\n',
    );
    const timeouts: number[] = [];
    const run = w.daemon['edges'].runScript;
    w.daemon['edges'].runScript = (argv, opts) => {
      timeouts.push(opts.timeoutMs);
      return run(argv, opts);
    };
    await w.daemon.start();
    expect(w.scripts).toEqual(['/usr/local/bin/up arg']);
    await w.advance(400);
    await w.daemon.stop();
    expect(w.scripts).toEqual(['/usr/local/bin/up arg', '/bin/on-master', '/usr/local/bin/down']);
    expect([timeouts[0], timeouts.at(-1)]).toEqual([3000, 10_000]);
  });
});

describe('multicast groups (vrrp_mcast_group4/6, mcast_dst_ip)', () => {
  const load = (globals: string, inst: string, vip = '192.0.2.1') => {
    const text = `global_defs {\n${globals}\n}\nvrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51\n${inst}\n  virtual_ipaddress {\n    ${vip}\n  }\n}\n`;
    return parseKeepalivedToConfig(text, '/k.conf', { host: memHost({ '/k.conf': text }) });
  };

  it("the instance's, else the family's global one; the VRRP group is no setting", () => {
    expect(load('  vrrp_mcast_group4 224.0.0.19', '').config?.instances[0]?.mcastGroup).toBe('224.0.0.19');
    expect(load('  vrrp_mcast_group4 224.0.0.19', '  mcast_dst_ip 224.0.0.20').config?.instances[0]?.mcastGroup).toBe(
      '224.0.0.20',
    );
    expect(load('  vrrp_mcast_group6 ff02::13', '  version 3', 'fe80::1').config?.instances[0]?.mcastGroup).toBe(
      'ff02::13',
    );
    expect(load('  vrrp_mcast_group4 224.0.0.18', '').config?.instances[0]?.mcastGroup).toBeUndefined();
    expect(
      load('', '  unicast_peer {\n    192.0.2.2\n  }\n  mcast_dst_ip 224.0.0.20').config?.instances[0]?.mcastGroup,
    ).toBeUndefined();
  });

  it('refuses what is not a multicast group of the right family; AH goes to another group too', () => {
    expect(load('  vrrp_mcast_group4 192.0.2.5', '').errors.map((e) => e.message)).toEqual([
      'vrrp_mcast_group4 must be a multicast address (224.0.0.0/4, ff00::/8), got "192.0.2.5"',
    ]);
    expect(load('  vrrp_mcast_group4 ff02::13', '').errors.map((e) => e.message)).toEqual([
      'vrrp_mcast_group4 must be an IPv4 multicast address, got ff02::13',
    ]);
    expect(load('', '  mcast_dst_ip ff02::13').errors.map((e) => e.message)).toEqual([
      'mcast_dst_ip ff02::13 is not IPv4 like the instance',
    ]);
    expect(
      load('', '  mcast_dst_ip 224.0.0.19\n  authentication {\n    auth_type AH\n    auth_pass x\n  }').errors.map(
        (e) => e.message,
      ),
    ).toEqual([]);
  });

  it('the daemon sends to the group', async () => {
    const w = world('    mcast_dst_ip: 224.0.0.19\n');
    await w.daemon.start();
    await w.advance(400);
    expect(new Set(w.wire.filter((x) => x.kind === 'advert').map((x) => x.dst))).toEqual(new Set(['224.0.0.19']));
  });
});

describe('promote_secondaries', () => {
  it('is set while the instance runs, again on a re-created interface, and put back at stop', async () => {
    const w = world('    promote_secondaries: true\n');
    const key = 'net/ipv4/conf/eth0/promote_secondaries';
    await w.daemon.start();
    expect(w.kernel.sysctls.get(key)).toBe('1');
    w.kernel.deleteLink('eth0');
    await w.settle();
    w.kernel.addLink('eth0');
    await w.settle();
    w.kernel.addAddress('eth0', '192.0.2.11', 24);
    await w.settle();
    expect(w.kernel.sysctls.get(key)).toBe('1');
    await w.daemon.stop();
    expect(w.kernel.sysctls.get(key)).toBe('0');
  });
});

describe('vmac_prefix', () => {
  it('names the VMAC of a use_vmac without a name', () => {
    const text =
      'global_defs {\n  vmac_prefix kvm\n}\nvrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51\n  use_vmac\n  virtual_ipaddress {\n    192.0.2.1\n  }\n}\n';
    const r = parseKeepalivedToConfig(text, '/k.conf', { host: memHost({ '/k.conf': text }) });
    expect(r.errors).toEqual([]);
    expect(r.config?.instances[0]?.useVmac).toEqual({ ifname: 'kvm.51' });
  });
});

describe('vrrp_check: log_all_failures and nb_get_retry as keepalived reads them', () => {
  const check = (checker: string) => {
    const text = `vrrp_check web {\n  ${checker}\n}\n`;
    return parseKeepalivedToConfig(text, '/k.conf', { host: memHost({ '/k.conf': text }) });
  };
  it('log_all_failures; nb_get_retry is retry in HTTP_GET, ignored in TCP_CHECK (a lenient warning)', () => {
    const tcp = check('TCP_CHECK {\n    connect_port 80\n    log_all_failures\n    nb_get_retry 7\n  }');
    expect(tcp.errors).toEqual([]);
    expect(tcp.config?.checks[0]).toMatchObject({ logAllFailures: true, spec: { retry: 1 } });
    expect(tcp.warnings.filter((w) => w.lenient).map((w) => w.line)).toEqual([5]);
    const http = check('HTTP_GET {\n    connect_port 80\n    nb_get_retry 7\n    url {\n      path /\n    }\n  }');
    expect(http.errors).toEqual([]);
    expect(http.config?.checks[0]?.spec).toMatchObject({ retry: 7 });
    expect(http.warnings.map((w) => w.message)).toContain('nb_get_retry is the old name of retry: write retry');
  });
});

describe('track_src_ip', () => {
  it('FAULT while the configured source is not on the interface: at start, when it comes, when it goes', async () => {
    const w = world('    unicast_src_ip: 192.0.2.50\n    unicast_peer: [192.0.2.12]\n    track_src_ip: true\n');
    await w.daemon.start();
    await w.settle();
    expect(w.state()).toBe('FAULT');
    w.kernel.addAddress('eth0', '192.0.2.50', 24);
    await w.settle();
    expect(w.state()).toBe('BACKUP');
    w.kernel.removeAddress('eth0', '192.0.2.50');
    await w.settle();
    expect(w.state()).toBe('FAULT');
    const untracked = world('    unicast_src_ip: 192.0.2.50\n    unicast_peer: [192.0.2.12]\n');
    await untracked.daemon.start();
    await untracked.settle();
    expect(untracked.state()).toBe('BACKUP');
  });
});

describe('dynamic_interfaces', () => {
  it('an instance whose interface does not exist waits in FAULT, and runs once the interface appears', async () => {
    const w = world('', 'global_defs:\n  dynamic_interfaces: true\n', instanceYaml('VI_1', 51).replace('eth0', 'eth9'));
    await w.daemon.start();
    await w.settle();
    expect(w.state()).toBe('FAULT');
    w.kernel.addLink('eth9');
    w.kernel.addAddress('eth9', '192.0.2.90', 24);
    await w.settle();
    expect(w.state()).toBe('BACKUP');
    await w.advance(400);
    expect(w.state()).toBe('MASTER');
    expect(w.kernel.has('eth9', '192.0.2.100')).toBe(true);
    const strict = world('', '', instanceYaml('VI_1', 51).replace('eth0', 'eth9'));
    await expect(strict.daemon.start()).rejects.toThrow('instance VI_1: interface eth9 does not exist');
  });
});

describe('disable_local_igmp, and keywords vipd reads past with a reason', () => {
  it('igmp_link_local_mcast_reports 0 while vipd runs, put back at stop', async () => {
    const w = world('', 'global_defs:\n  disable_local_igmp: true\n');
    const key = 'net/ipv4/igmp_link_local_mcast_reports';
    w.kernel.sysctls.set(key, '1');
    await w.daemon.start();
    expect(w.kernel.sysctls.get(key)).toBe('0');
    await w.daemon.stop();
    expect(w.kernel.sysctls.get(key)).toBe('1');
  });

  it("linkbeat, receive buffers, reload_check_config, native_ipv6, debug: accepted, each with vipd's reason", () => {
    const text =
      'global_defs {\n  linkbeat_use_polling\n  vrrp_rx_bufs_policy MTU\n  reload_check_config\n}\nvrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51\n  native_ipv6\n  debug 2\n  virtual_ipaddress {\n    192.0.2.1\n  }\n}\n';
    const r = parseKeepalivedToConfig(text, '/k.conf', { host: memHost({ '/k.conf': text }) });
    expect(r.errors).toEqual([]);
    expect(r.warnings.map((w) => w.message.replace(/ \(.*/, ''))).toEqual([
      'keyword linkbeat_use_polling is not used by vipd',
      'keyword vrrp_rx_bufs_policy is not used by vipd',
      'keyword reload_check_config is not used by vipd',
      'keyword native_ipv6 is not used by vipd',
      'keyword debug is not used by vipd',
    ]);
  });
});

describe('garp_group', () => {
  it('keepalived.conf blocks to the model, one pace across the interfaces of a group', async () => {
    const text =
      'garp_group {\n  garp_interval 0.5\n  interfaces {\n    eth0\n    eth1\n  }\n}\ngarp_group {\n  gna_interval 0.1\n  interface eth2\n}\nvrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51\n  virtual_ipaddress {\n    192.0.2.100/24\n    192.0.2.101/24\n  }\n}\n';
    const r = parseKeepalivedToConfig(text, '/k.conf', { host: memHost({ '/k.conf': text }) });
    expect(r.errors).toEqual([]);
    expect(r.config?.globalDefs.garpGroups).toEqual([
      { interfaces: ['eth0', 'eth1'], garpIntervalMs: 500, gnaIntervalMs: undefined },
      { interfaces: ['eth2'], garpIntervalMs: undefined, gnaIntervalMs: 100 },
    ]);
    const w = world('', 'garp_group: [{ garp_interval: 0.5, interfaces: [eth0] }]\n');
    await w.daemon.start();
    await w.advance(400);
    // Becoming master: the GARPs leave 0.5 s apart.
    const garps = () => w.wire.filter((x) => x.kind === 'garp').map((x) => x.at);
    expect(garps()).toHaveLength(1);
    await w.advance(1000);
    const at = garps();
    expect(at.slice(1).map((t, i) => Math.round((t as number) - (at[i] as number)))).toEqual([500, 500]);
  });
});

describe('the SSL { } block', () => {
  it("gives SSL_GET checkers (real servers' and vrrp_check's) the client certificate and CA files", () => {
    const text =
      'SSL {\n  password secret\n  ca /etc/ssl/ca.pem\n  certificate /etc/ssl/client.pem\n  key /etc/ssl/client.key\n}\nvrrp_check web {\n  SSL_GET {\n    connect_port 443\n    url {\n      path /\n    }\n  }\n}\nvirtual_server 10.0.0.100 443 {\n  protocol TCP\n  lb_kind NAT\n  real_server 10.0.0.11 443 {\n    SSL_GET {\n      url {\n        path /\n      }\n    }\n  }\n}\n';
    const r = parseKeepalivedToConfig(text, '/k.conf', { host: memHost({ '/k.conf': text }) });
    expect(r.errors).toEqual([]);
    const tls = {
      caFile: '/etc/ssl/ca.pem',
      certFile: '/etc/ssl/client.pem',
      keyFile: '/etc/ssl/client.key',
      password: 'secret',
    };
    expect(r.config?.checks[0]?.spec).toMatchObject({ clientTls: tls });
    const checker = r.config?.virtualServers[0]?.realServers[0]?.checkers[0];
    expect(checker?.kind === 'probe' ? checker.spec : undefined).toMatchObject({ clientTls: tls });
  });
});

describe('interface_up_down_delays', () => {
  it('a bounce shorter than the delay changes nothing; a longer one is acted on after the delay', async () => {
    const w = world('', 'interface_up_down_delays: ["eth0 0.5 0.3"]\n');
    await w.daemon.start();
    await w.advance(400);
    expect(w.state()).toBe('MASTER');
    w.kernel.setUp('eth0', false);
    await w.settle();
    await w.advance(200);
    w.kernel.setUp('eth0', true);
    await w.settle();
    await w.advance(1000);
    expect(w.state()).toBe('MASTER');
    w.kernel.setUp('eth0', false);
    await w.settle();
    await w.advance(499);
    expect(w.state()).toBe('MASTER');
    await w.advance(2);
    expect(w.state()).toBe('FAULT');
    w.kernel.setUp('eth0', true);
    await w.settle();
    await w.advance(299);
    expect(w.state()).toBe('FAULT');
    await w.advance(2);
    expect(w.state()).toBe('BACKUP');
  });

  it('keepalived.conf syntax; UP defaults to DOWN', () => {
    const text = 'interface_up_down_delays {\n  eth0 1.5\n  eth1 0 2\n}\n';
    const r = parseKeepalivedToConfig(text, '/k.conf', { host: memHost({ '/k.conf': text }) });
    expect(r.errors).toEqual([]);
    expect(r.config?.globalDefs.linkDelays).toEqual({
      eth0: { downMs: 1500, upMs: 1500 },
      eth1: { downMs: 0, upMs: 2000 },
    });
  });
});

/** Master with eth1 beside eth0; eth1 deleted (the instance goes to FAULT), then created again. */
async function eth1DeletedAndBack(w: ReturnType<typeof world>): Promise<void> {
  w.kernel.addLink('eth1');
  await w.daemon.start();
  await w.advance(400);
  expect(w.state()).toBe('MASTER');
  w.kernel.deleteLink('eth1');
  await w.settle();
  expect(w.state()).toBe('FAULT');
  w.kernel.addLink('eth1');
  await w.settle();
}

describe('track_group', () => {
  it("a static address that cannot be put back faults its group's instances until it is back", async () => {
    const w = world(
      '',
      'track_group:\n  G: { group: [VI_1] }\nstatic_ipaddress: ["198.51.100.1/24 dev eth1 track_group G"]\n',
    );
    await eth1DeletedAndBack(w);
    await w.settle();
    expect(w.kernel.has('eth1', '198.51.100.1')).toBe(true);
    expect(w.state()).toBe('BACKUP');
  });

  it("a static route's group tracks its dev: down is FAULT and takes the route; up puts it back", async () => {
    for (const group of [' track_group G', '']) {
      const w = world(
        '',
        `track_group:\n  G: { group: [VI_1] }\nstatic_routes: ["198.51.100.0/24 dev eth1${group}"]\n`,
      );
      w.kernel.addLink('eth1');
      await w.daemon.start();
      await w.advance(400);
      expect(w.state()).toBe('MASTER');
      expect(w.kernel.routes.size).toBe(1);
      w.kernel.setUp('eth1', false);
      await w.settle();
      expect(w.kernel.routes.size).toBe(0);
      expect(w.state()).toBe(group ? 'FAULT' : 'MASTER');
      w.kernel.setUp('eth1', true);
      await w.settle();
      expect(w.kernel.routes.size).toBe(1);
      expect(w.state()).toBe(group ? 'BACKUP' : 'MASTER');
    }
  });

  it('a static rule of a group: its iif deleted is FAULT, created again is not', async () => {
    const w = world(
      '',
      'track_group:\n  G: { group: [VI_1] }\nstatic_rules: ["from 198.51.100.0/24 iif eth1 table 100 track_group G"]\n',
    );
    await eth1DeletedAndBack(w);
    await w.settle();
    expect(w.kernel.rules.size).toBe(1);
    expect(w.state()).toBe('BACKUP');
  });

  it('a static route of a group that the kernel refuses is FAULT from the start, until it is put back', async () => {
    const w = world(
      '',
      'track_group:\n  G: { group: [VI_1] }\nstatic_routes: ["198.51.100.0/24 dev eth1 track_group G"]\n',
    );
    w.kernel.addLink('eth1');
    w.kernel.routeError = 'EINVAL';
    await w.daemon.start();
    await w.advance(400);
    expect(w.state()).toBe('FAULT');
    w.kernel.routeError = undefined;
    w.kernel.setUp('eth1', true); // any link coming up puts routes back
    await w.settle();
    expect(w.kernel.routes.size).toBe(1);
    await w.advance(400);
    expect(w.state()).not.toBe('FAULT');
    // Without a group, a route the kernel refuses is logged and faults nothing.
    const plain = world('', 'static_routes: ["198.51.100.0/24 dev eth1"]\n');
    plain.kernel.addLink('eth1');
    plain.kernel.routeError = 'EINVAL';
    await plain.daemon.start();
    await plain.advance(400);
    expect(plain.state()).toBe('MASTER');
  });

  it('keepalived.conf: track_group on static routes and rules; not on virtual ones, not without dev', () => {
    const head = 'track_group G {\n  group {\n    VI_1\n  }\n}\n';
    const inst =
      'vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51\n  virtual_ipaddress {\n    192.0.2.1\n  }\n  virtual_routes {\n    198.51.100.0/24 dev eth0 track_group G\n  }\n}\n';
    const statics =
      'static_routes {\n  203.0.113.0/24 dev eth1 track_group G\n  203.0.114.0/24 via 192.0.2.9 track_group G\n  203.0.115.0/24 dev eth1 track_group NOPE\n  203.0.116.0/24 dev eth1 no_track track_group G\n}\nstatic_rules {\n  from 203.0.113.0/24 iif eth1 table 100 track_group G\n}\n';
    const text = head + statics + inst;
    const r = parseKeepalivedToConfig(text, '/k.conf', { host: memHost({ '/k.conf': text }) });
    expect(r.errors.map((e) => `${e.line}: ${e.message}`)).toEqual([
      '8: static_routes: a route with track_group needs dev IF (the interface its group tracks)',
      '9: static_routes: there is no track_group NOPE',
      '22: virtual_routes: track_group applies to static routes and rules only',
    ]);
    expect(r.warnings.map((e) => `${e.line}: ${e.message}`)).toContain(
      '10: static_routes: track_group with no_track is not tracked (as keepalived 2.2.7)',
    );
  });

  it('keepalived.conf: the group and the address option; a VIP cannot name one', () => {
    const text =
      'track_group G {\n  group {\n    VI_1\n  }\n}\nstatic_ipaddress {\n  198.51.100.1/24 dev eth1 track_group G\n}\nvrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51\n  virtual_ipaddress {\n    192.0.2.1 track_group G\n  }\n}\n';
    const r = parseKeepalivedToConfig(text, '/k.conf', { host: memHost({ '/k.conf': text }) });
    expect(r.errors.map((e) => e.message)).toEqual([
      'virtual_ipaddress "192.0.2.1 track_group G": track_group applies to static addresses only',
    ]);
    const ok = parseKeepalivedToConfig(text.replace(' track_group G\n  }\n}\n', '\n  }\n}\n'), '/k.conf', {
      host: memHost({ '/k.conf': text }),
    });
    expect(ok.errors).toEqual([]);
    expect(ok.config?.trackGroups).toEqual({ G: ['VI_1'] });
    expect(ok.config?.staticAddresses[0]?.trackGroup).toBe('G');
  });
});

describe('a tracked interface deleted and created again', () => {
  it('is down while gone and up again once back, with or without interface_up_down_delays', async () => {
    for (const top of ['', 'interface_up_down_delays: ["eth1 0.2"]\n']) {
      const w = world('    track_interface: [eth1]\n', top);
      await eth1DeletedAndBack(w);
      await w.advance(300);
      expect(w.state()).not.toBe('FAULT');
    }
  });
});
