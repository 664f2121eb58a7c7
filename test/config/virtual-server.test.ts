import { describe, expect, it } from 'vitest';
import { parseKeepalivedToConfig } from '../../src/core/config/keepalived/index.js';
import type { VipdConfig } from '../../src/core/config/model.js';
import { formatIssue } from '../../src/core/config/result.js';
import { parseAddressRange } from '../../src/core/config/schema/virtual-server.js';
import { parseYamlConfig } from '../../src/core/config/yaml.js';
import { SERVICE_FLAGS } from '../../src/core/ipvs/table.js';
import { fifoTakes } from '../../src/daemon/observe/notify.js';
import { memHost } from './keepalived/helpers.js';

const conf = (text: string) => parseKeepalivedToConfig(text, '/etc/keepalived/keepalived.conf', { host: memHost({}) });
const noSource = (v: unknown) => JSON.parse(JSON.stringify(v, (k, x) => (k === 'source' ? undefined : x)));

const DIRECTOR = `global_defs {
  lvs_flush
  lvs_flush_onstop VS
  lvs_timeouts tcp 900 tcpfin 30 udp 300
  lvs_sync_daemon eth0 VI_1 id 7 maxlen 1400 port 8848 ttl 2 group 239.1.2.3
}
vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 51
  virtual_ipaddress {
    10.0.0.100/24
  }
}
virtual_server 10.0.0.100 80 {
  protocol TCP
  delay_loop 3
  lb_algo sh
  sh-port
  sh-fallback
  lb_kind DR
  persistence_timeout
  persistence_granularity 255.255.255.0
  connect_timeout 2
  inhibit_on_failure
  quorum 2
  hysteresis 1
  quorum_up "/bin/echo up"
  sorry_server 10.0.0.200 8080
  sorry_server_lvs_method NAT
  real_server 10.0.0.11 80 {
    weight 3
    uthreshold 100
    notify_down "/bin/echo down"
    TCP_CHECK {
      retry 2
    }
    HTTP_GET {
      url {
        path /health
        status_code 200
      }
      delay_before_retry 1
    }
  }
  real_server 10.0.0.12 81 {
    lvs_method TUN type gue port 6080 csum
    inhibit_on_failure off
    alpha
    MISC_CHECK {
      misc_path "/bin/true x"
      misc_dynamic
    }
  }
}
`;

const DIRECTOR_YAML = `global_defs:
  lvs_flush: true
  lvs_flush_onstop: VS
  lvs_timeouts: tcp 900 tcpfin 30 udp 300
  lvs_sync_daemon: eth0 VI_1 id 7 maxlen 1400 port 8848 ttl 2 group 239.1.2.3
vrrp_instance:
  VI_1:
    interface: eth0
    virtual_router_id: 51
    virtual_ipaddress: [10.0.0.100/24]
virtual_server:
  10.0.0.100 80:
    protocol: TCP
    delay_loop: 3
    lb_algo: sh
    sh-port: true
    sh-fallback: true
    lb_kind: DR
    persistence_timeout:
    persistence_granularity: 255.255.255.0
    connect_timeout: 2
    inhibit_on_failure: true
    quorum: 2
    hysteresis: 1
    quorum_up: /bin/echo up
    sorry_server: 10.0.0.200 8080
    sorry_server_lvs_method: NAT
    real_server:
      10.0.0.11 80:
        weight: 3
        uthreshold: 100
        notify_down: /bin/echo down
        TCP_CHECK: { retry: 2 }
        HTTP_GET:
          url: [{ path: /health, status_code: 200 }]
          delay_before_retry: 1
      10.0.0.12 81:
        lvs_method: TUN type gue port 6080 csum
        inhibit_on_failure: off
        alpha: true
        MISC_CHECK: { misc_path: /bin/true x, misc_dynamic: true }
`;

describe('virtual_server: keepalived.conf and YAML to one model', () => {
  it('reads a director configuration with the cascade of defaults', () => {
    const r = conf(DIRECTOR);
    expect(r.errors.map(formatIssue)).toEqual([]);
    expect(r.warnings.map(formatIssue)).toEqual([]);
    const c = r.config as VipdConfig;
    expect(noSource(c.globalDefs.lvs)).toEqual({
      flushAtStart: true,
      rsInitNotifies: false,
      flushOnStop: 'vs',
      timeouts: { tcp: 900, tcpFin: 30, udp: 300 },
      syncDaemon: {
        interface: 'eth0',
        instance: 'VI_1',
        syncId: 7,
        maxlen: 1400,
        port: 8848,
        ttl: 2,
        group: '239.1.2.3',
      },
    });
    const [vs] = c.virtualServers;
    expect(vs).toMatchObject({
      name: '10.0.0.100 80',
      target: { kind: 'address', address: '10.0.0.100', port: 80 },
      family: 4,
      protocol: 'TCP',
      scheduler: 'sh',
      flags: SERVICE_FLAGS.persistent | SERVICE_FLAGS.sched1 | SERVICE_FLAGS.sched2,
      method: { method: 'DR' },
      persistenceTimeoutS: 360,
      persistenceGranularity: 0xffffff00,
      quorum: 2,
      hysteresis: 1,
      quorumUp: ['/bin/echo', 'up'],
      sorryServer: { address: '10.0.0.200', port: 8080, method: { method: 'NAT' }, inhibit: false },
      timing: { delayLoopMs: 3000, connectTimeoutMs: 2000 },
    });
    const [rs1, rs2] = vs?.realServers ?? [];
    expect(rs1).toMatchObject({ weight: 3, upperThreshold: 100, inhibitOnFailure: true, alpha: false });
    expect(rs1?.notifyDown).toEqual(['/bin/echo', 'down']);
    // connect_timeout and delay_loop from the virtual server; retry from the checker; endpoint from the real server.
    expect(rs1?.checkers.map((k) => k.kind === 'probe' && k.spec)).toMatchObject([
      {
        type: 'TCP_CHECK',
        connectIp: '10.0.0.11',
        connectPort: 80,
        connectTimeoutMs: 2000,
        delayLoopMs: 3000,
        retry: 2,
        warmupMs: 3000,
      },
      {
        type: 'HTTP_GET',
        connectIp: '10.0.0.11',
        connectPort: 80,
        connectTimeoutMs: 2000,
        retry: 1,
        delayBeforeRetryMs: 1000,
      },
    ]);
    expect(rs2).toMatchObject({
      port: 81,
      weight: 1,
      method: { method: 'TUN', tunnel: { type: 'gue', port: 6080, csum: 'csum' } },
      inhibitOnFailure: false,
      alpha: true,
    });
    expect(rs2?.checkers[0]).toMatchObject({
      kind: 'probe',
      alpha: true,
      spec: { type: 'MISC_CHECK', miscDynamic: true, retry: 0 },
    });
  });

  it('the YAML form gives the same model', () => {
    const y = parseYamlConfig(DIRECTOR_YAML, 'vipd.yaml');
    expect(y.errors.map(formatIssue)).toEqual([]);
    expect(noSource(y.config?.virtualServers)).toEqual(noSource(conf(DIRECTOR).config?.virtualServers));
    expect(noSource(y.config?.globalDefs.lvs)).toEqual(noSource(conf(DIRECTOR).config?.globalDefs.lvs));
  });

  it('fwmark and group services, group ranges, a real server without a port, several checkers of one type', () => {
    const r = conf(`virtual_server_group G {
  10.0.0.1 8080
  192.168.200.3-10 80
  10.1.0.8/30
  fwmark 2 inet6
}
virtual_server fwmark 1 {
  persistence_timeout 900
  real_server 192.168.201.100 {
    TCP_CHECK {
      connect_port 80
    }
    TCP_CHECK {
      connect_port 443
    }
  }
}
virtual_server group G {
  protocol UDP
  real_server 10.0.0.9 53 {
    DNS_CHECK {
      type A
      name example.org
    }
    UDP_CHECK {
      payload 0102 a
      require_reply 01x2
    }
  }
}
`);
    expect(r.errors.map(formatIssue)).toEqual([]);
    const [fw, grp] = r.config?.virtualServers ?? [];
    expect(fw?.target).toEqual({ kind: 'fwmark', fwmark: 1 });
    expect(fw?.realServers[0]?.port).toBe(0);
    expect(
      fw?.realServers[0]?.checkers.map((k) => k.kind === 'probe' && 'connectPort' in k.spec && k.spec.connectPort),
    ).toEqual([80, 443]);
    expect(grp).toMatchObject({ target: { kind: 'group', group: 'G' }, protocol: 'UDP', family: 4 });
    expect(grp?.realServers[0]?.checkers.map((k) => k.kind === 'probe' && k.spec)).toMatchObject([
      { type: 'DNS_CHECK', queryType: 'A', name: 'example.org', retry: 3, delayBeforeRetryMs: 60000 },
      {
        type: 'UDP_CHECK',
        payload: Uint8Array.from([0x01, 0x02, 0x0a]),
        requireReply: true,
        replyPattern: [0, 1, null, 2],
      },
    ]);
    expect(noSource(r.config?.virtualServerGroups[0]?.entries)).toEqual([
      { kind: 'range', first: '10.0.0.1', last: '10.0.0.1', port: 8080 },
      { kind: 'range', first: '192.168.200.3', last: '192.168.200.10', port: 80 },
      { kind: 'range', first: '10.1.0.8', last: '10.1.0.11', port: 0 },
      { kind: 'fwmark', fwmark: 2, family: 6 },
    ]);
  });

  it('SMTP_CHECK host blocks: one check per host', () => {
    const r = conf(`virtual_server 192.168.200.100 25 {
  real_server 172.16.1.11 25 {
    SMTP_CHECK {
      helo_name foo.bar.com
      host {
        connect_ip 172.16.1.11
      }
      host {
        connect_ip 192.168.155.10
        connect_port 2525
      }
    }
  }
}
`);
    expect(r.errors.map(formatIssue)).toEqual([]);
    expect(
      r.config?.virtualServers[0]?.realServers[0]?.checkers.map((k) => k.kind === 'probe' && k.spec),
    ).toMatchObject([
      { type: 'SMTP_CHECK', connectIp: '172.16.1.11', connectPort: 25, heloName: 'foo.bar.com' },
      { type: 'SMTP_CHECK', connectIp: '192.168.155.10', connectPort: 2525, heloName: 'foo.bar.com' },
    ]);
  });

  it('lvs_sync_daemon_interface (deprecated, in an instance) is lvs_sync_daemon IF INSTANCE', () => {
    const r = conf(`vrrp_instance VI_1 {
  interface eth0
  lvs_sync_daemon_interface eth1
  virtual_router_id 51
  virtual_ipaddress {
    10.0.0.100
  }
}
`);
    expect(r.errors.map(formatIssue)).toEqual([]);
    expect(noSource(r.config?.globalDefs.lvs.syncDaemon)).toEqual({ interface: 'eth1', instance: 'VI_1', syncId: 0 });
  });

  it('every mistake at its file:line:col, all at once', () => {
    const r = conf(`global_defs {
  lvs_sync_daemon eth0 VI_9 id 300
  lvs_timeouts tcp -1
}
virtual_server 10.0.0.100 {
  lb_algo roundrobin
  lb_kind TUN type gue
  real_server 10.0.0.11 80 {
    weight -1
  }
  real_server 2001:db8::1 80 {
  }
  real_server 10.0.0.12 80 {
    FILE_CHECK {
      track_file nope
    }
    TCP_CHECK {
      connect_ip fe80::1
    }
  }
}
virtual_server group NOPE {
}
virtual_server 10.0.0.100 80 {
  persistence_granularity 255.0.255.0
}
`);
    expect(r.errors.map(formatIssue)).toEqual([
      '/etc/keepalived/keepalived.conf:2:19: lvs_sync_daemon: id must be a whole number from 0 to 255 (write INTERFACE [inst] VRRP_INSTANCE [id N] [maxlen N] [port N] [ttl N] [group ADDR])',
      '/etc/keepalived/keepalived.conf:3:16: lvs_timeouts must be [tcp SECS] [tcpfin SECS] [udp SECS], got "tcp -1"',
      '/etc/keepalived/keepalived.conf:6:11: lb_algo must be one of rr wrr lc wlc lblc lblcr dh sh sed nq fo ovf mh twos, got "roundrobin"',
      '/etc/keepalived/keepalived.conf:7:11: lb_kind: TUN type gue needs a port',
      '/etc/keepalived/keepalived.conf:9:12: weight must be a whole number from 0 to 2147483647, got -1',
      '/etc/keepalived/keepalived.conf:11:3: real_server 2001:db8::1 is not of the family of virtual_server 10.0.0.100 (only TUN real servers may differ)',
      '/etc/keepalived/keepalived.conf:15:18: FILE_CHECK of real_server 10.0.0.12 80 of virtual_server 10.0.0.100: no track_file nope is defined',
      '/etc/keepalived/keepalived.conf:17:5: TCP_CHECK of real_server 10.0.0.12 80 of virtual_server 10.0.0.100: the link-local connect_ip fe80::1 needs a bind_if',
      '/etc/keepalived/keepalived.conf:22:1: virtual_server group NOPE: no virtual_server_group NOPE is defined',
      '/etc/keepalived/keepalived.conf:25:27: persistence_granularity 255.0.255.0 is not a contiguous netmask',
    ]);
  });

  it("keepalived 2.2.7's repairs, as warnings: no protocol is UDP, a port-less service is made persistent", () => {
    const r = conf('virtual_server 10.0.0.100 {\n}\n');
    expect(r.warnings.map(formatIssue)).toEqual([
      '/etc/keepalived/keepalived.conf:1:1: virtual_server 10.0.0.100 has no lb_kind: NAT is used, as keepalived 2.2.7 does (write lb_kind NAT)',
      '/etc/keepalived/keepalived.conf:1:1: virtual_server 10.0.0.100: a virtual server without a port must be persistent: persistence_timeout 360 is used',
      '/etc/keepalived/keepalived.conf:1:1: virtual_server 10.0.0.100 has no protocol: UDP is used, as keepalived does (write protocol TCP for TCP)',
    ]);
    expect(r.config?.virtualServers[0]).toMatchObject({
      protocol: 'UDP',
      persistenceTimeoutS: 360,
      flags: SERVICE_FLAGS.persistent,
    });
    expect(conf('virtual_server fwmark 1 {\n}\n').warnings.map((w) => w.message)).toEqual([
      'virtual_server fwmark 1 has no lb_kind: NAT is used, as keepalived 2.2.7 does (write lb_kind NAT)',
    ]);
    expect(conf('virtual_server fwmark 1 {\n  lb_kind NAT\n  smtp_alert\n}\n').warnings.map((w) => w.message)).toEqual([
      'keyword smtp_alert is not used by vipd (SMTP)',
    ]);
  });

  it('lvs_notify_fifo and its script are read like notify_fifo; the daemon routes each kind of line', () => {
    const r = conf(
      'global_defs {\n  lvs_notify_fifo /run/lvs.fifo root\n  lvs_notify_fifo_script "/usr/bin/reader -v"\n}\n',
    );
    expect(r.errors.map(formatIssue)).toEqual([]);
    expect(r.config?.globalDefs.notifyFifos).toEqual([
      {
        keyword: 'lvs_notify_fifo',
        path: '/run/lvs.fifo',
        owner: { user: 'root', group: undefined },
        script: ['/usr/bin/reader', '-v'],
      },
    ]);
    expect(['notify_fifo', 'vrrp_notify_fifo', 'lvs_notify_fifo'].map((k) => fifoTakes(k as never, 'lvs'))).toEqual([
      true,
      false,
      true,
    ]);
    expect(['notify_fifo', 'vrrp_notify_fifo', 'lvs_notify_fifo'].map((k) => fifoTakes(k as never, 'vrrp'))).toEqual([
      true,
      true,
      false,
    ]);
  });

  it("checkers' bind_if and fwmark reach the probe; a link-local bindto is scoped by bind_if", () => {
    const r = conf(
      'virtual_server 10.0.0.100 80 {\n  lb_kind NAT\n  real_server 10.0.0.11 80 {\n    TCP_CHECK {\n' +
        '      bind_if eth1\n      fwmark 7\n    }\n    PING_CHECK {\n      connect_ip fe80::9\n      bindto fe80::1\n' +
        '      bind_if eth1\n    }\n  }\n}\n',
    );
    expect(r.errors).toEqual([]);
    const specs = r.config?.virtualServers[0]?.realServers[0]?.checkers.map((c) => (c.kind === 'probe' ? c.spec : c));
    expect(specs?.[0]).toMatchObject({ type: 'TCP_CHECK', bindIf: 'eth1', fwmark: 7 });
    expect(specs?.[1]).toMatchObject({ type: 'PING_CHECK', connectIp: 'fe80::9', bindto: 'fe80::1', bindIf: 'eth1' });
  });

  it('the same service twice is refused (keepalived would run both on one service)', () => {
    const twice = 'virtual_server 10.0.0.100 80 {\n}\nvirtual_server 10.0.0.100 80 {\n}\n';
    expect(conf(twice).errors.map(formatIssue)).toEqual([
      '/etc/keepalived/keepalived.conf:3:1: virtual_server 10.0.0.100 80 UDP is the same service as the one at line 1',
    ]);
    const y = parseYamlConfig('virtual_server:\n  10.0.0.100 80: {}\n  10.0.0.100  80: {}\n', 'vipd.yaml');
    expect(y.errors.map(formatIssue)).toEqual([
      'vipd.yaml:3:3: virtual_server 10.0.0.100  80 (UDP) is the same service as the one at line 2',
    ]);
  });

  it('twins of one address and port told apart by protocol, as keepalived runs them (DNS over UDP and TCP)', () => {
    const twins = (second: string) =>
      `virtual_server 10.0.0.53 53 {\n protocol UDP\n real_server 10.0.0.11 53 {\n }\n}\nvirtual_server 10.0.0.53 53 {\n${second}\n real_server 10.0.0.11 53 {\n }\n}\n`;
    const r = conf(twins(' protocol TCP'));
    expect(r.errors.map(formatIssue)).toEqual([]);
    expect(r.config?.virtualServers.map((v) => [v.name, v.protocol, v.target])).toEqual([
      ['10.0.0.53 53', 'UDP', { kind: 'address', address: '10.0.0.53', port: 53 }],
      ['10.0.0.53 53 TCP', 'TCP', { kind: 'address', address: '10.0.0.53', port: 53 }],
    ]);
    // The same in YAML, the protocol in the name; a name and a protocol that disagree are refused.
    const y = parseYamlConfig(
      "virtual_server:\n  10.0.0.53 53:\n    protocol: UDP\n  '10.0.0.53 53 tcp':\n    lb_kind: NAT\n",
      'vipd.yaml',
    );
    expect(y.config?.virtualServers.map((v) => v.protocol)).toEqual(['UDP', 'TCP']);
    const bad = parseYamlConfig("virtual_server:\n  '10.0.0.53 53 tcp':\n    protocol: UDP\n", 'vipd.yaml');
    expect(bad.errors.map(formatIssue)).toEqual([
      'vipd.yaml:3:15: virtual_server 10.0.0.53 53 tcp is named TCP but says protocol UDP',
    ]);
  });

  it('real servers written alike are checked once, each still told its own issues at its own line', () => {
    const server = (port: number, weight: string) =>
      ` real_server 10.0.0.11 ${port} {\n  weight ${weight}\n  TCP_CHECK {\n   connect_timeout x\n  }\n }\n`;
    const text = `virtual_server 10.0.0.100 80 {\n protocol TCP\n${server(81, '1')}${server(82, '1')}${server(83, '2')}}\n`;
    const r = conf(text);
    // Three servers, two bodies: every server's issue at its own line (6 lines a server, from line 3).
    expect(r.errors.map(formatIssue)).toEqual(
      [3, 9, 15].map(
        (line) =>
          `/etc/keepalived/keepalived.conf:${line + 3}:20: connect_timeout must be a number of seconds from 0.001 to 4294, got "x"`,
      ),
    );
    // The model: each server its own values and location.
    const ok = conf(text.replaceAll('connect_timeout x', 'connect_timeout 3'));
    const reals = ok.config?.virtualServers[0]?.realServers ?? [];
    expect(reals.map((rs) => [rs.port, rs.weight, rs.source.line])).toEqual([
      [81, 1, 3],
      [82, 1, 9],
      [83, 2, 15],
    ]);
  });
});

describe('static_ipaddress', () => {
  it('lines as virtual_ipaddress, dev required, never also a VIP; YAML the same', () => {
    const r = conf(`static_ipaddress {
  192.168.200.16/24 dev eth0 scope link
  192.168.200.17
  10.0.0.100/24 dev eth0
}
vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 51
  virtual_ipaddress {
    10.0.0.100/24
  }
}
`);
    expect(r.errors.map(formatIssue)).toEqual([
      '/etc/keepalived/keepalived.conf:4:3: static_ipaddress 10.0.0.100 is also a virtual_ipaddress of VI_1',
    ]);
    const y = parseYamlConfig('static_ipaddress:\n  - 192.168.200.16/24 dev eth0 scope link\n', 'vipd.yaml');
    expect(y.errors).toEqual([]);
    expect(y.config?.staticAddresses).toEqual([
      { family: 4, address: '192.168.200.16', prefix: 24, dev: 'eth0', scope: 'link' },
    ]);
  });
});

describe('address ranges of virtual_server_group', () => {
  it.each([
    ['192.168.200.3-10', '192.168.200.3', '192.168.200.10'],
    ['192.168.200.250-192.168.201.10', '192.168.200.250', '192.168.201.10'],
    ['192.168.202.8/29', '192.168.202.8', '192.168.202.15'],
    ['2001:db8::1-a', '2001:db8::1', '2001:db8::a'],
    ['10.0.0.1', '10.0.0.1', '10.0.0.1'],
  ])('%s', (text, first, last) => expect(parseAddressRange(text)).toEqual({ first, last }));

  it('refuses a range that ends before it starts', () => {
    expect(parseAddressRange('10.0.0.9-3')).toBe('the range ends before it starts');
  });
});

describe('BFD_CHECK: a session of FRR bfdd (issue 22)', () => {
  const vs = (reals: string) => conf(`virtual_server 10.0.0.100 80 {\n  protocol TCP\n${reals}}\n`);
  it('names the session by label or peer address; alpha from the checker or the real server', () => {
    const r = vs(`  real_server 10.0.0.11 80 {
    BFD_CHECK {
      name 2001:DB8::11
    }
  }
  real_server 10.0.0.12 80 {
    alpha
    BFD_CHECK {
      name rs2
    }
  }
`);
    expect(r.errors.map(formatIssue)).toEqual([]);
    expect(r.config?.virtualServers[0]?.realServers.map((rs) => noSource(rs.checkers))).toEqual([
      [{ kind: 'bfd', session: '2001:db8::11', alpha: false }],
      [{ kind: 'bfd', session: 'rs2', alpha: true }],
    ]);
  });

  it('without a name: an error at the checker', () => {
    expect(vs('  real_server 10.0.0.13 80 {\n    BFD_CHECK {\n    }\n  }\n').errors.map(formatIssue)).toEqual([
      "/etc/keepalived/keepalived.conf:4:5: BFD_CHECK of real_server 10.0.0.13 80 of virtual_server 10.0.0.100 80 has no name (a session of FRR's bfdd: its label or peer address)",
    ]);
  });
});
