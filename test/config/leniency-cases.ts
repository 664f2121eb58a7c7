/**
 * keepalived 2.2.7's leniency, case by case: a configuration keepalived accepts although it is not quite right,
 * what keepalived says of it (its interpretation), and what vipd makes of it. leniency.test.ts holds vipd to the
 * interpretation; leniency.lab.test.ts runs keepalived on the same text and checks it still says so.
 */
import type { VipdConfig } from '../../src/core/config/model.js';

export interface LenientCase {
  name: string;
  /** A whole keepalived.conf. */
  text: string;
  /**
   * keepalived -t's message that shows its interpretation, where it prints one (keepalived accepts every case: no
   * exit 2, no error message).
   */
  keepalived?: RegExp;
  /** The line vipd's lenient warning is at, and a part of its text. */
  line: number;
  warning: RegExp;
  /** vipd's interpretation, on the model. */
  model: (c: VipdConfig) => unknown;
  expected: unknown;
}

const instance = (lines: string, vip = '    192.0.2.10/24') =>
  `vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51\n${lines}\n  virtual_ipaddress {\n${vip}\n  }\n}\n`;

const first = (c: VipdConfig) => c.instances[0];

export const LENIENT_CASES: LenientCase[] = [
  {
    name: 'a deprecated keyword is read under its current name (vmac_garp_intvl is garp_extra_if)',
    text: instance('  vmac_garp_intvl 10\n  priority 100'),
    keepalived: /Keyword "vmac_garp_intvl" is deprecated - please use "garp_extra_if"/,
    line: 4,
    warning: /vmac_garp_intvl is keepalived's deprecated name of garp_extra_if: read as garp_extra_if/,
    model: (c) => first(c)?.garpExtraIf,
    expected: { all: false, intervalMs: 10000 },
  },
  {
    name: 'vrf beside interface is ignored',
    text: instance('  vrf red\n  priority 100'),
    keepalived: /Cannot specify VRF interface and interface - ignoring/,
    line: 4,
    warning: /vrf beside interface is ignored: keepalived 2\.2\.7 takes a VRF only for an instance without interface/,
    model: (c) => first(c)?.interface,
    expected: 'eth0',
  },
  {
    name: 'state SLAVE is BACKUP',
    text: instance('  state SLAVE\n  priority 100'),
    keepalived: /unknown state 'SLAVE', defaulting to BACKUP/,
    line: 4,
    warning: /state SLAVE is not a state: keepalived 2\.2\.7 treats it as BACKUP/,
    model: (c) => first(c)?.state,
    expected: 'BACKUP',
  },
  {
    name: 'state MASTER priority 200 on one line: the priority is not set',
    // nopreempt shows the priority keepalived took: the owner's 255 (a MASTER without one), not 200.
    text: instance('  state MASTER priority 200\n  nopreempt'),
    keepalived: /nopreempt is incompatible with priority 255/,
    line: 4,
    warning: /state takes one word: keepalived 2\.2\.7 ignores "priority 200"/,
    model: (c) => [first(c)?.state, first(c)?.priority, first(c)?.preempt],
    expected: ['MASTER', 255, true],
  },
  {
    name: 'nopreempt with state MASTER is cleared',
    text: instance('  state MASTER\n  priority 150\n  nopreempt'),
    keepalived: /nopreempt will not work with initial state MASTER - clearing/,
    line: 6,
    warning: /nopreempt needs state BACKUP: with state MASTER keepalived 2\.2\.7 clears it/,
    model: (c) => first(c)?.preempt,
    expected: true,
  },
  {
    name: 'nopreempt 1 sets nopreempt (a flag reads no value)',
    // priority 255 shows that keepalived set it: it then resets it, as vipd does.
    text: instance('  state BACKUP\n  priority 255\n  nopreempt 1'),
    keepalived: /nopreempt is incompatible with priority 255/,
    line: 6,
    warning: /nopreempt takes no value: keepalived 2\.2\.7 ignores "1" and sets nopreempt/,
    model: (c) => first(c)?.preempt,
    expected: true,
  },
  {
    name: 'a vrrp_script defined twice: the first one is used',
    text: `vrrp_script chk {\n  script "/bin/true"\n  interval 1\n}\nvrrp_script chk {\n  script "/bin/false"\n  interval 3\n}\n${instance('  priority 100\n  track_script {\n    chk\n  }')}`,
    line: 5,
    warning: /vrrp_script chk is defined again: keepalived 2\.2\.7 uses the first one \(line 1\)/,
    model: (c) => c.scripts.map((s) => [s.name, s.command.join(' ')]),
    expected: [['chk', '/bin/true']],
  },
  {
    name: 'script_user USER GROUP',
    text: `global_defs {\n  script_user nobody nogroup\n}\n${instance('  priority 100')}`,
    line: 0,
    warning: /^$/,
    model: (c) => c.globalDefs.scriptUser,
    expected: { user: 'nobody', group: 'nogroup' },
  },
  {
    name: 'a track_script naming a vrrp_script further down: vipd tracks it, keepalived does not',
    text: `${instance('  priority 100\n  track_script {\n    later\n  }')}vrrp_script later {\n  script "/bin/true"\n}\n`,
    keepalived: /track script later not found, ignoring/,
    line: 6,
    warning: /vrrp_script later is defined further down \(line 12\); vipd tracks it, keepalived 2\.2\.7 does not/,
    model: (c) => first(c)?.trackScripts.map((t) => t.script),
    expected: ['later'],
  },
  {
    name: 'vrrp_garp_interval 0 is the default',
    text: `global_defs {\n  vrrp_garp_interval 0\n}\n${instance('  priority 100')}`,
    keepalived: /vrrp_garp_interval '0' is invalid/,
    line: 2,
    warning: /vrrp_garp_interval 0: keepalived 2\.2\.7 calls 0 invalid and ignores the line/,
    model: (c) => c.globalDefs.garpIntervalMs,
    expected: 0,
  },
  {
    name: 'nb_get_retry in TCP_CHECK is ignored',
    text: 'virtual_server 192.0.2.10 80 {\n  protocol TCP\n  lb_kind NAT\n  real_server 192.0.2.20 80 {\n    TCP_CHECK {\n      nb_get_retry 5\n    }\n  }\n}\n',
    keepalived: /Unknown keyword 'nb_get_retry'/,
    line: 6,
    warning: /nb_get_retry in TCP_CHECK is ignored by keepalived 2\.2\.7/,
    model: (c) => {
      const checker = c.virtualServers[0]?.realServers[0]?.checkers[0];
      return checker?.kind === 'probe' ? checker.spec.retry : checker;
    },
    expected: 1,
  },
  {
    name: 'an instance without virtual_ipaddress runs without an address (VRRPv2)',
    text: 'vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51\n  priority 100\n}\n',
    keepalived: /No VIP specified; at least one is sensible/,
    line: 1,
    warning: /has no virtual_ipaddress: it runs VRRP and its notify scripts without adding an address/,
    model: (c) => first(c)?.vips,
    expected: [],
  },
  {
    name: 'an empty virtual_ipaddress block is none: the instance runs without an address',
    text: instance('  priority 100', ''),
    keepalived: /No VIP specified; at least one is sensible/,
    line: 1,
    warning: /has no virtual_ipaddress: it runs VRRP and its notify scripts without adding an address/,
    model: (c) => first(c)?.vips,
    expected: [],
  },
  {
    name: 'unicast_src_ip without unicast_peer multicasts from that address',
    text: instance('  priority 100\n  unicast_src_ip 192.0.2.1'),
    keepalived: /A unicast keyword has been specified without any unicast peers\. Defaulting to multicast/,
    line: 5,
    warning: /unicast_src_ip without unicast_peer: keepalived 2\.2\.7 multicasts the adverts from this address/,
    model: (c) => [first(c)?.unicastSrcIp, first(c)?.unicastPeers],
    expected: ['192.0.2.1', []],
  },
  {
    name: 'garp_master_delay in global_defs is ignored (its global form is vrrp_garp_master_delay)',
    text: `global_defs {\n  garp_master_delay 1\n}\n${instance('  priority 100')}`,
    keepalived: /Unknown keyword 'garp_master_delay'/,
    line: 2,
    warning: /garp_master_delay is ignored in global_defs by keepalived 2\.2\.7, and by vipd/,
    model: (c) => c.globalDefs.garp.masterDelayMs,
    expected: 5000,
  },
];
