import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseKeepalivedToConfig } from '../../src/core/config/keepalived/index.js';
import type { InstanceConfig, VipdConfig } from '../../src/core/config/model.js';
import { formatIssue } from '../../src/core/config/result.js';
import { parseYamlConfig } from '../../src/core/config/yaml.js';
import { DEFAULT_PROCESS_SETTINGS } from '../../src/core/process/priority.js';
import { loadConfigFile } from '../../src/edges/config-files.js';
import { memHost } from './keepalived/helpers.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../..');
const fixtures = path.join(here, '../fixtures/config');

const DEFAULT_GARP = {
  masterDelayMs: 5000,
  masterRepeat: 5,
  masterRefreshMs: 0,
  masterRefreshRepeat: 1,
  lowerPrioDelayMs: 5000,
  lowerPrioRepeat: 5,
};

/** The example of the brief, made coherent: VRRPv2, because PASS authentication exists only in v2. */
const BRIEF_V2 = `global_defs: { router_id: lb1 }
vrrp_instance:
  VI_1:
    state: BACKUP
    interface: eth0
    virtual_router_id: 51
    priority: 150
    advert_int: 1          # seconds; v3 allows 0.01 steps
    nopreempt: false
    unicast_src_ip: 10.0.0.2            # optional; with unicast_peer, no multicast
    unicast_peer: [10.0.0.3]
    authentication: { auth_type: PASS, auth_pass: secret }   # v2 only
    virtual_ipaddress: [ "10.0.0.100/24", "10.0.0.101/24 dev eth0 label eth0:1" ]
    notify_master: /etc/vipd/master.sh
    notify_backup: /etc/vipd/backup.sh
    notify_fault: /etc/vipd/fault.sh
    notify: /etc/vipd/any.sh           # called as: any.sh INSTANCE VI_1 MASTER 150
`;

function load(text: string, file = 'test.yaml') {
  return parseYamlConfig(text, file);
}

function loadOk(text: string): VipdConfig {
  const r = load(text);
  expect(r.errors.map(formatIssue)).toEqual([]);
  expect(r.config).toBeDefined();
  return r.config as VipdConfig;
}

function instance(text: string): InstanceConfig {
  return loadOk(text).instances[0] as InstanceConfig;
}

/** A minimal valid instance; `extra` lines (already indented by 4) start at line 6. */
const base = (extra = '', vips = '[10.0.0.100/24]') => `vrrp_instance:
  VI_1:
    interface: eth0
    virtual_router_id: 51
    virtual_ipaddress: ${vips}
${extra}`;

describe('YAML configuration: valid files', () => {
  it('loads the (coherent, VRRPv2) example to the expected model', () => {
    const r = load(BRIEF_V2, 'brief.yaml');
    expect(r.errors).toEqual([]);
    expect(r.warnings).toEqual([]);
    expect(r.config).toEqual({
      globalDefs: {
        routerId: 'lb1',
        vrrpVersion: 2,
        garp: DEFAULT_GARP,
        downTimerAdverts: 3,
        lowerPrioNoAdvert: false,
        higherPrioSendAdvert: false,
        checkUnicastSrc: true,
        ownerIgnoreAdverts: false,
        notifyPriorityChanges: false,
        logUnknownVrids: false,
        reloadRepeat: false,
        disableLocalIgmp: false,
        dynamicInterfaces: false,
        fifoWriteStatesOnReload: false,
        vmacPrefix: 'vrrp',
        addressVmacPrefix: 'vrrp',
        dumpFiles: {},
        mcastGroups: {},
        garpGroups: [],
        linkDelays: {},
        firewall: { table: 'vipd', priority: 0, counters: false },
        defaultInterface: undefined,
        startupDelayMs: 0,
        delayAfterBootMs: 0,
        skipCheckAdvAddr: false,
        v3ChecksumAsV2: false,
        enableScriptSecurity: false,
        garpIntervalMs: 0,
        gnaIntervalMs: 0,
        vrrpStrict: false,
        notifyFifos: [],
        lvs: {
          flushAtStart: false,
          rsInitNotifies: false,
          flushOnStop: false,
          timeouts: undefined,
          syncDaemon: undefined,
        },
        process: DEFAULT_PROCESS_SETTINGS,
      },
      trackGroups: {},
      instances: [
        {
          name: 'VI_1',
          state: 'BACKUP',
          interface: 'eth0',
          vrid: 51,
          priority: 150,
          advertIntervalMs: 1000,
          version: 2,
          family: 4,
          preempt: true,
          preemptDelayMs: 0,
          unicastSrcIp: '10.0.0.2',
          unicastPeers: ['10.0.0.3'],
          auth: { type: 'PASS', password: 'secret' },
          vips: [
            { family: 4, address: '10.0.0.100', prefix: 24, dev: 'eth0' },
            { family: 4, address: '10.0.0.101', prefix: 24, dev: 'eth0', label: 'eth0:1' },
          ],
          notify: {
            master: ['/etc/vipd/master.sh'],
            backup: ['/etc/vipd/backup.sh'],
            fault: ['/etc/vipd/fault.sh'],
            generic: ['/etc/vipd/any.sh'],
          },
          garp: DEFAULT_GARP,
          downTimerAdverts: 3,
          lowerPrioNoAdvert: false,
          higherPrioSendAdvert: false,
          v3ChecksumAsV2: false,
          checkUnicastSrc: true,
          ownerIgnoreAdverts: false,
          notifyPriorityChanges: false,
          noPeerFault: false,
          promoteSecondaries: false,
          trackSrcIp: false,
          skipCheckAdvAddr: false,
          accept: true,
          dontTrackPrimary: false,
          strictMode: false,
          trackInterfaces: [],
          trackScripts: [],
          trackFiles: [],
          trackChecks: [],
          trackProcesses: [],
          trackBfds: [],
          excludedVips: [],
          virtualRoutes: [],
          virtualRules: [],
          vmacXmitBase: false,
          addressVmacs: [],
          source: { file: 'brief.yaml', line: 3, col: 3 },
        },
      ],
      syncGroups: [],
      scripts: [],
      trackFiles: [],
      checks: [],
      trackProcesses: [],
      virtualServers: [],
      virtualServerGroups: [],
      staticAddresses: [],
      staticRoutes: [],
      staticRules: [],
      announces: [],
    } satisfies VipdConfig);
  });

  it('refuses the brief example as written: PASS authentication with version 3', () => {
    const text = BRIEF_V2.replace('    nopreempt: false\n', '    version: 3\n    nopreempt: false\n');
    const r = load(text);
    expect(r.config).toBeUndefined();
    expect(r.errors.map(formatIssue)).toEqual([
      'test.yaml:13:5: authentication is for VRRPv2 only; this instance is version 3',
    ]);
  });

  it('loads conf/vipd.example.yaml (two VIPs, VRRPv3) through loadConfigFile', async () => {
    const file = path.join(repo, 'conf/vipd.example.yaml');
    const r = await loadConfigFile(file);
    expect(r.errors).toEqual([]);
    expect(r.warnings).toEqual([]);
    const c = r.config?.instances[0];
    expect(c).toMatchObject({
      name: 'VI_1',
      version: 3,
      family: 4,
      advertIntervalMs: 500,
      priority: 150,
      vips: [
        { family: 4, address: '192.0.2.100', prefix: 24, dev: 'eth0' },
        { family: 4, address: '192.0.2.101', prefix: 24, dev: 'eth0', label: 'eth0:web' },
      ],
      notify: {
        master: ['/etc/vipd/master.sh'],
        fault: ['/etc/vipd/fault.sh', '--reason', 'link down'],
        generic: ['/etc/vipd/any.sh'],
      },
      source: { file, line: 12, col: 3 },
    });
  });

  it('reports a file that cannot be read', async () => {
    const r = await loadConfigFile('/nonexistent/vipd.yaml');
    expect(r.config).toBeUndefined();
    expect(r.errors.map(formatIssue)).toEqual(['/nonexistent/vipd.yaml:1:1: cannot read the file: ENOENT']);
  });

  it('keeps instances in file order and canonicalises addresses', () => {
    const c = loadOk(`vrrp_instance:
  VI_B:
    interface: eth0
    virtual_router_id: 2
    virtual_ipaddress: ["2001:DB8::100/64"]
    unicast_src_ip: "2001:DB8::2"
    unicast_peer: ["2001:db8:0::3"]
  VI_A:
    interface: eth0
    virtual_router_id: 1
    virtual_ipaddress: 10.0.0.1
`);
    expect(c.instances.map((i) => i.name)).toEqual(['VI_B', 'VI_A']);
    expect(c.instances[0]).toMatchObject({
      family: 6,
      version: 3,
      unicastSrcIp: '2001:db8::2',
      unicastPeers: ['2001:db8::3'],
      vips: [{ address: '2001:db8::100', prefix: 64 }],
    });
    expect(c.instances[1]?.vips).toEqual([{ family: 4, address: '10.0.0.1', prefix: 32, dev: 'eth0' }]);
  });

  it('accepts the same VRID on another interface or in the other family', () => {
    const c = loadOk(`vrrp_instance:
  A: { interface: eth0, virtual_router_id: 51, virtual_ipaddress: [10.0.0.1/24] }
  B: { interface: eth1, virtual_router_id: 51, virtual_ipaddress: [10.0.1.1/24] }
  C: { interface: eth0, virtual_router_id: 51, virtual_ipaddress: ["fe80::51/64", "2001:db8::51/64"] }
`);
    expect(c.instances.map((i) => `${i.interface}/${i.vrid}/${i.family}`)).toEqual([
      'eth0/51/4',
      'eth1/51/4',
      'eth0/51/6',
    ]);
  });

  it('lets an instance reuse another one with a YAML merge key; errors point where the value is written', () => {
    const text = `vrrp_instance:
  VI_1: &vi1
    interface: eth0
    virtual_router_id: 51
    priority: 150
    notify: /etc/vipd/any.sh
    virtual_ipaddress: [10.0.0.100/24]
  VI_2:
    <<: *vi1
    virtual_router_id: 52
    virtual_ipaddress: [10.0.0.200/24]
`;
    const c = loadOk(text);
    expect(c.instances[1]).toMatchObject({
      name: 'VI_2',
      vrid: 52,
      priority: 150,
      notify: { generic: ['/etc/vipd/any.sh'] },
      vips: [{ address: '10.0.0.200' }],
    });
    const dup = load(text.replace('    virtual_router_id: 52\n', ''));
    expect(dup.errors.map(formatIssue)).toEqual([
      'test.yaml:4:24: virtual_router_id 51 on eth0 (IPv4) is already used by vrrp_instance VI_1 (line 2)',
    ]);
  });

  it('splits notify commands like keepalived (quotes, escapes)', () => {
    const c = instance(
      base(`    notify_master: "/usr/local/bin/vrrp.mast arg1 arg2"
    notify_backup: "/usr/local/bin/vrrp.sh  BACKUP   VI_1"
    notify_stop: /bin/log 'two words' a\\ b "x\\"y"
`),
    );
    expect(c.notify).toEqual({
      master: ['/usr/local/bin/vrrp.mast', 'arg1', 'arg2'],
      backup: ['/usr/local/bin/vrrp.sh', 'BACKUP', 'VI_1'],
      stop: ['/bin/log', 'two words', 'a b', 'x"y'],
    });
  });
});

describe('YAML configuration: keepalived defaults', () => {
  it('version 2, unless global vrrp_version or the instance says 3', () => {
    expect(instance(base()).version).toBe(2);
    expect(instance(`global_defs: { vrrp_version: 3 }\n${base()}`).version).toBe(3);
    expect(instance(`global_defs: { vrrp_version: 3 }\n${base('    version: 2\n')}`).version).toBe(2);
    expect(instance(base('    version: 3\n')).version).toBe(3);
  });

  it('IPv6 addresses force version 3, even when global_defs says 2', () => {
    const c = instance(`global_defs: { vrrp_version: 2 }\n${base('', '["fe80::1/64", "2001:db8::1/64"]')}`);
    expect(c).toMatchObject({ version: 3, family: 6 });
  });

  it('priority 100; 255 when state MASTER is given without a priority', () => {
    expect(instance(base()).priority).toBe(100);
    expect(instance(base('    state: MASTER\n')).priority).toBe(255);
    expect(instance(base('    state: MASTER\n    priority: 150\n')).priority).toBe(150);
    expect(instance(base('    state: BACKUP\n')).priority).toBe(100);
  });

  it('state BACKUP', () => {
    expect(instance(base()).state).toBe('BACKUP');
  });

  it('advert_int 1 s; version 3 takes centisecond steps', () => {
    expect(instance(base()).advertIntervalMs).toBe(1000);
    expect(instance(base('    version: 3\n    advert_int: 0.01\n')).advertIntervalMs).toBe(10);
    expect(instance(base('    version: 3\n    advert_int: 0.35\n')).advertIntervalMs).toBe(350);
    expect(instance(base('    version: 3\n    advert_int: 40.95\n')).advertIntervalMs).toBe(40950);
    expect(instance(base('    advert_int: 255\n')).advertIntervalMs).toBe(255000);
  });

  it('preemption on; nopreempt (bare, true, yes) or preempt: false turns it off', () => {
    expect(instance(base()).preempt).toBe(true);
    expect(instance(base('    nopreempt:\n')).preempt).toBe(false);
    expect(instance(base('    nopreempt: true\n')).preempt).toBe(false);
    expect(instance(base('    nopreempt: yes\n')).preempt).toBe(false);
    expect(instance(base('    nopreempt: false\n')).preempt).toBe(true);
    expect(instance(base('    preempt: false\n')).preempt).toBe(false);
    expect(instance(base('    preempt: on\n')).preempt).toBe(true);
  });

  it('preempt_delay 0; seconds with millisecond precision', () => {
    expect(instance(base()).preemptDelayMs).toBe(0);
    expect(instance(base('    preempt_delay: 2.5\n')).preemptDelayMs).toBe(2500);
  });

  it('GARP: 5 at the transition, 5 more after 5 s, no refresh (1 per refresh)', () => {
    expect(instance(base()).garp).toEqual(DEFAULT_GARP);
    expect(loadOk(base()).globalDefs.garp).toEqual(DEFAULT_GARP);
  });

  it('GARP: the lower-priority values default to the global master values (as keepalived)', () => {
    const c = instance(`global_defs:
  vrrp_garp_master_delay: 10
  vrrp_garp_master_repeat: 3
${base('    garp_master_delay: 2\n    garp_master_repeat: 7\n')}`);
    expect(c.garp).toEqual({
      masterDelayMs: 2000,
      masterRepeat: 7,
      masterRefreshMs: 0,
      masterRefreshRepeat: 1,
      lowerPrioDelayMs: 10000,
      lowerPrioRepeat: 3,
    });
  });

  it('GARP: every global value is inherited and every instance keyword overrides it', () => {
    const text = `global_defs:
  vrrp_garp_master_refresh: 60
  vrrp_garp_master_refresh_repeat: 2
  vrrp_garp_lower_prio_delay: 1
  vrrp_garp_lower_prio_repeat: 0
${base()}`;
    expect(instance(text).garp).toEqual({
      masterDelayMs: 5000,
      masterRepeat: 5,
      masterRefreshMs: 60000,
      masterRefreshRepeat: 2,
      lowerPrioDelayMs: 1000,
      lowerPrioRepeat: 0,
    });
    const over = `${text}    garp_master_refresh: 0\n    garp_lower_prio_delay: 0\n    garp_lower_prio_repeat: 4\n    garp_master_refresh_repeat: 1\n`;
    expect(instance(over).garp).toMatchObject({
      masterRefreshMs: 0,
      masterRefreshRepeat: 1,
      lowerPrioDelayMs: 0,
      lowerPrioRepeat: 4,
    });
  });

  it('down_timer_adverts 3, from global_defs, overridden per instance', () => {
    expect(instance(base()).downTimerAdverts).toBe(3);
    expect(instance(`global_defs: { vrrp_down_timer_adverts: 5 }\n${base()}`).downTimerAdverts).toBe(5);
    expect(
      instance(`global_defs: { vrrp_down_timer_adverts: 5 }\n${base('    down_timer_adverts: 10\n')}`).downTimerAdverts,
    ).toBe(10);
  });

  it('interop flags default off (the unicast source check on: vipd is stricter than keepalived), inherit global_defs, and can be overridden per instance', () => {
    expect(instance(base())).toMatchObject({
      lowerPrioNoAdvert: false,
      higherPrioSendAdvert: false,
      checkUnicastSrc: true,
      v3ChecksumAsV2: false,
    });
    expect(instance(`global_defs: { vrrp_check_unicast_src: false }\n${base()}`).checkUnicastSrc).toBe(false);
    const g = `global_defs:
  vrrp_lower_prio_no_advert: true
  vrrp_higher_prio_send_advert: true
  vrrp_check_unicast_src: true
  v3_checksum_as_v2: true
`;
    expect(instance(g + base())).toMatchObject({
      lowerPrioNoAdvert: true,
      higherPrioSendAdvert: true,
      checkUnicastSrc: true,
      v3ChecksumAsV2: true,
    });
    const off =
      '    lower_prio_no_advert: false\n    higher_prio_send_advert: off\n    check_unicast_src: no\n    v3_checksum_as_v2: false\n';
    expect(instance(g + base(off))).toMatchObject({
      lowerPrioNoAdvert: false,
      higherPrioSendAdvert: false,
      checkUnicastSrc: false,
      v3ChecksumAsV2: false,
    });
  });

  it('multicast (no peers), no auth, no notify scripts', () => {
    expect(instance(base())).toMatchObject({ unicastPeers: [], auth: undefined, unicastSrcIp: undefined, notify: {} });
  });

  it('VIP prefix /32 (/128) and dev = the instance interface', () => {
    expect(instance(base('', '[10.0.0.1, "10.0.0.2 dev eth9"]')).vips).toEqual([
      { family: 4, address: '10.0.0.1', prefix: 32, dev: 'eth0' },
      { family: 4, address: '10.0.0.2', prefix: 32, dev: 'eth9' },
    ]);
    expect(instance(base('', '["fe80::1"]')).vips[0]).toEqual({
      family: 6,
      address: 'fe80::1',
      prefix: 128,
      dev: 'eth0',
    });
  });

  it('global_defs: router_id unset (the host name), script_user and enable_script_security parsed', () => {
    expect(loadOk(base()).globalDefs).toMatchObject({
      routerId: undefined,
      scriptUser: undefined,
      enableScriptSecurity: false,
    });
    const g = loadOk(`global_defs:\n  script_user: vipd:vipd\n  enable_script_security:\n${base()}`).globalDefs;
    expect(g).toMatchObject({ scriptUser: { user: 'vipd', group: 'vipd' }, enableScriptSecurity: true });
    expect(loadOk(`global_defs: { script_user: nobody }\n${base()}`).globalDefs.scriptUser).toEqual({ user: 'nobody' });
  });

  it('accept: true and vrrp_strict/strict_mode: false describe what vipd does, so they are accepted', () => {
    expect(() =>
      loadOk(`global_defs: { vrrp_strict: false }\n${base('    accept: true\n    strict_mode: false\n')}`),
    ).not.toThrow();
  });
});

describe('YAML configuration: warnings', () => {
  it('auth_pass longer than 8 characters is truncated, as keepalived does', () => {
    const r = load(base('    authentication: { auth_type: PASS, auth_pass: secret1234 }\n'));
    expect(r.errors).toEqual([]);
    expect(r.warnings.map(formatIssue)).toEqual([
      'test.yaml:6:51: auth_pass is longer than 8 bytes; only the first 8 ("secret12") are used, as keepalived does',
    ]);
    expect(r.config?.instances[0]?.auth).toEqual({ type: 'PASS', password: 'secret12' });
  });

  it('a multicast IPv6 instance whose first VIP is not link-local', () => {
    const r = load(base('', '["2001:db8::1/64"]'));
    expect(r.errors).toEqual([]);
    expect(r.warnings.map(formatIssue)).toEqual([
      'test.yaml:5:25: the first IPv6 virtual_ipaddress (2001:db8::1) should be link-local (RFC 5798 §5.2.9; keepalived warns too)',
    ]);
  });

  it('a label that is not an ifconfig-style DEV:NAME alias', () => {
    const r = load(base('', '["10.0.0.1/24 label vip"]'));
    expect(r.errors).toEqual([]);
    expect(r.warnings.map(formatIssue)).toEqual([
      'test.yaml:5:25: virtual_ipaddress "10.0.0.1/24 label vip": label "vip" should have the form "eth0:NAME" (ifconfig-style alias)',
    ]);
  });
});

/**
 * Broken files: [title, yaml, 'line:col: message'] — exactly one error each; or, for a keyword that is parsed
 * although not supported yet, its "not supported yet" refusal plus the error inside it, in file order.
 */
const BROKEN: [string, string, string | string[]][] = [
  [
    'VRID out of range',
    base().replace('virtual_router_id: 51', 'virtual_router_id: 256'),
    '4:24: virtual_router_id must be a whole number from 1 to 255, got 256',
  ],
  [
    'VRID zero',
    base().replace('virtual_router_id: 51', 'virtual_router_id: 0'),
    '4:24: virtual_router_id must be a whole number from 1 to 255, got 0',
  ],
  ['priority too high', base('    priority: 256\n'), '6:15: priority must be a whole number from 1 to 255, got 256'],
  ['priority as text', base('    priority: high\n'), '6:15: priority must be a whole number from 1 to 255, got "high"'],
  [
    'priority fractional',
    base('    priority: 99.5\n'),
    '6:15: priority must be a whole number from 1 to 255, got 99.5',
  ],
  ['state in lower case', base('    state: master\n'), '6:12: state must be MASTER or BACKUP, got "master"'],
  ['unknown keyword', base('    bogus_keyword: 1\n'), '6:5: unknown keyword bogus_keyword in vrrp_instance VI_1'],
  [
    'misspelt keyword',
    base('    advert_interval: 1\n'),
    '6:5: unknown keyword advert_interval in vrrp_instance VI_1 (did you mean advert_int?)',
  ],
  [
    'global keyword in an instance',
    base('    vrrp_garp_master_delay: 10\n'),
    '6:5: unknown keyword vrrp_garp_master_delay in vrrp_instance VI_1 (the vrrp_instance form is garp_master_delay)',
  ],
  [
    'instance keyword in global_defs',
    `global_defs:\n  garp_master_delay: 10\n${base()}`,
    '2:3: unknown keyword garp_master_delay in global_defs (the global_defs form is vrrp_garp_master_delay)',
  ],
  [
    'use_vmac naming the instance interface',
    base('    use_vmac: eth0\n'),
    "6:15: use_vmac eth0 is the instance's own interface: name another one",
  ],
  [
    'a sync group tracker with a bad weight',
    `${base()}vrrp_sync_group:\n  G1: { group: [VI_1], track_bfd: [p weight 300] }\n`,
    '7:36: track_bfd "p weight 300": weight must be a whole number from -253 to 253, not "300"',
  ],
  [
    'vrrp_strict with unicast peers',
    `global_defs:\n  vrrp_strict: true\n${base('    unicast_peer: [10.0.0.2]\n')}`,
    '8:5: unicast peers are not allowed in strict mode',
  ],
  [
    'unknown top-level keyword',
    `${base()}vrrp_instances: {}\n`,
    '6:1: unknown top-level keyword vrrp_instances (did you mean vrrp_instance?)',
  ],
  [
    'v3 advert_int not in centiseconds',
    base('    version: 3\n    advert_int: 0.005\n'),
    '7:17: advert_int 0.005 must be a multiple of 0.01 s (VRRPv3 counts centiseconds)',
  ],
  [
    'v3 advert_int too long',
    base('    version: 3\n    advert_int: 41\n'),
    '7:17: advert_int 41 is out of range for VRRPv3: 0.01–40.95 s',
  ],
  [
    'v2 advert_int fractional',
    base('    advert_int: 1.5\n'),
    '6:17: advert_int 1.5 must be whole seconds from 1 to 255 for VRRPv2 (version: 3 allows 0.01 s steps)',
  ],
  ['advert_int zero', base('    advert_int: 0\n'), '6:17: advert_int must be a positive number of seconds, got 0'],
  [
    'authentication with v3',
    base('    version: 3\n    authentication: { auth_type: PASS, auth_pass: secret }\n'),
    '7:5: authentication is for VRRPv2 only; this instance is version 3',
  ],
  [
    'authentication with IPv6',
    base('    authentication: { auth_type: PASS, auth_pass: secret }\n', '["fe80::1/64"]'),
    '6:5: authentication is for VRRPv2 only; this instance is version 3 (IPv6 instances are always version 3)',
  ],
  [
    'auth_pass read as a number',
    base('    authentication: { auth_type: PASS, auth_pass: 1111 }\n'),
    '6:51: auth_pass must be text (put numbers in quotes), got 1111',
  ],
  [
    'authentication without auth_pass',
    base('    authentication: { auth_type: PASS }\n'),
    '6:5: authentication needs auth_pass',
  ],
  [
    'unknown keyword in authentication',
    base('    authentication: { auth_type: PASS, auth_pass: x, pass: y }\n'),
    '6:54: unknown keyword pass in authentication of vrrp_instance VI_1',
  ],
  [
    'unicast_src_ip without peers',
    base('    unicast_src_ip: 10.0.0.2\n'),
    '6:5: unicast_src_ip needs unicast_peer (in multicast mode, mcast_src_ip sets the source address of the adverts)',
  ],
  [
    'empty unicast_peer',
    base('    unicast_peer: []\n'),
    '6:19: unicast_peer is empty: list the peers, remove unicast_peer for multicast, or set unicast_fault_no_peer (vipd never falls back silently)',
  ],
  [
    'bad unicast peer',
    base('    unicast_peer: [10.0.0.3, 10.0.0.300]\n'),
    '6:30: unicast_peer entry 2 must be an IPv4 or IPv6 address, got "10.0.0.300"',
  ],
  [
    'unicast peer of the other family',
    base('    unicast_peer: ["2001:db8::2"]\n'),
    "6:20: unicast_peer 2001:db8::2 is not IPv4 like the instance's addresses",
  ],
  [
    'duplicate unicast peer',
    base('    unicast_peer: [10.0.0.3, 10.0.0.3]\n'),
    '6:30: unicast_peer 10.0.0.3 is listed twice',
  ],
  [
    'mixed VIP families',
    base('', '[10.0.0.100/24, "2001:db8::1/64"]'),
    "5:40: virtual_ipaddress 2001:db8::1 is IPv6 but the instance's first address 10.0.0.100 is IPv4: all addresses of an instance must be one family (use one instance per family)",
  ],
  [
    'unknown VIP option',
    base('', '["10.0.0.100/24 dev eth0 bogus"]'),
    '5:25: unknown option "bogus" in virtual_ipaddress "10.0.0.100/24 dev eth0 bogus"',
  ],
  [
    'VIP prefix too long',
    base('', '[10.0.0.100/33]'),
    '5:25: virtual_ipaddress "10.0.0.100/33": prefix length "/33" must be 1–32',
  ],
  [
    'empty virtual_ipaddress',
    base('', '[]'),
    '2:3: vrrp_instance VI_1 has no virtual_ipaddress (no_virtual_ipaddress: true runs it without one)',
  ],
  [
    'version 2 with IPv6',
    base('    version: 2\n', '["fe80::1/64"]'),
    '6:14: version 2 cannot carry IPv6 addresses: VRRP over IPv6 is version 3',
  ],
  ['version 4', base('    version: 4\n'), '6:14: version must be 2 or 3, got 4'],
  [
    'nopreempt with state MASTER',
    base('    state: MASTER\n    priority: 150\n    nopreempt: true\n'),
    '8:5: nopreempt needs state BACKUP: with state MASTER it has no effect (keepalived clears it)',
  ],
  [
    'nopreempt with priority 255',
    base('    priority: 255\n    nopreempt:\n'),
    '7:5: nopreempt cannot be used with priority 255: the address owner always preempts',
  ],
  [
    'preempt contradicts nopreempt',
    base('    nopreempt: true\n    preempt: true\n'),
    '7:5: preempt: true contradicts nopreempt: true',
  ],
  [
    'preempt_delay with nopreempt',
    base('    nopreempt: true\n    preempt_delay: 10\n'),
    '7:5: preempt_delay has no effect with nopreempt',
  ],
  [
    'preempt_delay out of range',
    base('    preempt_delay: 1001\n'),
    '6:20: preempt_delay must be a number of seconds from 0 to 1000, got 1001',
  ],
  ['flag that is not a boolean', base('    nopreempt: maybe\n'), '6:16: nopreempt must be true or false, got "maybe"'],
  [
    'garp_master_repeat zero',
    base('    garp_master_repeat: 0\n'),
    '6:25: garp_master_repeat must be a whole number from 1 to 100, got 0',
  ],
  [
    'down_timer_adverts too big',
    base('    down_timer_adverts: 101\n'),
    '6:25: down_timer_adverts must be a whole number from 1 to 100, got 101',
  ],
  [
    'interface name too long',
    base().replace('interface: eth0', 'interface: eth0123456789abcd'),
    '3:16: interface must be an interface name (1–15 characters, no spaces, "/" or ":"), got "eth0123456789abcd"',
  ],
  ['missing interface', base().replace('    interface: eth0\n', ''), '2:3: vrrp_instance VI_1 has no interface'],
  [
    'missing virtual_router_id',
    base().replace('    virtual_router_id: 51\n', ''),
    '2:3: vrrp_instance VI_1 has no virtual_router_id (1–255)',
  ],
  [
    'missing virtual_ipaddress',
    'vrrp_instance:\n  VI_1:\n    interface: eth0\n    virtual_router_id: 51\n',
    '2:3: vrrp_instance VI_1 has no virtual_ipaddress (no_virtual_ipaddress: true runs it without one)',
  ],
  [
    'notify with an unterminated quote',
    base(`    notify_master: "/bin/x 'oops"\n`),
    "6:20: notify_master: missing terminating ' quote in: /bin/x 'oops",
  ],
  [
    'notify that is a list',
    base('    notify: [/bin/a, /bin/b]\n'),
    '6:13: notify must be a command line, or { command: CMD, user: USER [GROUP] }, got a list',
  ],
  [
    'script_user with two colons',
    `global_defs: { script_user: "a:b:c" }\n${base()}`,
    '1:29: script_user must be USER, USER GROUP or USER:GROUP, got "a:b:c"',
  ],
  [
    'duplicate VRID on one interface',
    `${base()}  VI_2:\n    interface: eth0\n    virtual_router_id: 51\n    virtual_ipaddress: [10.0.0.101/24]\n`,
    '8:24: virtual_router_id 51 on eth0 (IPv4) is already used by vrrp_instance VI_1 (line 2)',
  ],
  [
    'instance name with a space',
    'vrrp_instance:\n  "VI 1": {}\n',
    '2:3: vrrp_instance name "VI 1" must be one word (no spaces)',
  ],
  [
    'instance that is not a map',
    'vrrp_instance:\n  VI_1: eth0\n',
    '2:3: vrrp_instance VI_1 must be a map of keywords (interface, virtual_router_id, ...)',
  ],
  ['empty file', '', '1:1: the configuration is empty: it needs at least one vrrp_instance'],
  // --- issue 3 keywords: parsed, checked, then refused as not supported yet ---
  [
    'track_interface weight out of range',
    base('    track_interface: ["eth1 weight 254"]\n'),
    ['6:23: track_interface "eth1 weight 254": weight must be a whole number from -253 to 253, not "254"'],
  ],
  [
    'track_interface with a bad interface name',
    base('    track_interface: [eth0, "eth/1"]\n'),
    ['6:29: track_interface "eth/1": "eth/1" is not an interface name'],
  ],
  [
    'track_interface unknown option',
    base('    track_interface: ["eth1 wieght 2"]\n'),
    ['6:23: unknown option "wieght" in track_interface "eth1 wieght 2"'],
  ],
  [
    'track_interface listed twice',
    base('    track_interface: [eth1, "eth1 weight 2"]\n'),
    ['6:29: track_interface eth1 is listed twice'],
  ],
  [
    'track_script naming no vrrp_script',
    `${base('    track_script: [chk_haproxx]\n')}vrrp_script:\n  chk_haproxy: { script: /bin/true }\n`,
    ['6:20: track_script chk_haproxx: there is no vrrp_script chk_haproxx (did you mean chk_haproxy?)'],
  ],
  [
    'track_script noreverse and weight',
    `${base('    track_script: ["chk weight -254 noreverse"]\n')}vrrp_script:\n  chk: { script: /bin/true }\n`,
    ['6:20: track_script "chk weight -254 noreverse": weight must be a whole number from -253 to 253, not "-254"'],
  ],
  [
    'track_file naming no track_file',
    `${base('    track_file: [tf_2]\n')}track_file:\n  tf_1: { file: /run/tf_1 }\n`,
    ['6:18: track_file tf_2: there is no track_file tf_2 (did you mean tf_1?)'],
  ],
  [
    'track_file weight 255',
    `${base('    track_file: ["tf_1 weight 255"]\n')}track_file:\n  tf_1: { file: /run/tf_1 }\n`,
    ['6:18: track_file "tf_1 weight 255": weight must be a whole number from -254 to 254, not "255"'],
  ],
  [
    'vrrp_script weight out of range',
    `${base()}vrrp_script:\n  chk: { script: /bin/true, weight: 300 }\n`,
    ['7:37: weight must be a whole number from -253 to 253, optionally followed by reverse, got 300'],
  ],
  [
    'vrrp_script weight with a bad option',
    `${base()}vrrp_script:\n  chk: { script: /bin/true, weight: "-2 backwards" }\n`,
    ['7:37: weight must be a whole number from -253 to 253, optionally followed by reverse, got "-2 backwards"'],
  ],
  [
    'vrrp_script without script',
    `${base()}vrrp_script:\n  chk: { interval: 2 }\n`,
    ['7:3: vrrp_script chk has no script'],
  ],
  [
    'vrrp_script interval zero',
    `${base()}vrrp_script:\n  chk: { script: /bin/true, interval: 0 }\n`,
    ['7:39: interval must be a number of seconds from 0.001 to 4294, got 0'],
  ],
  [
    'vrrp_script fall zero',
    `${base()}vrrp_script:\n  chk: { script: /bin/true, fall: 0 }\n`,
    ['7:35: fall must be a whole number from 1 to 2147483647, got 0'],
  ],
  [
    'vrrp_script unknown keyword',
    `${base()}vrrp_script:\n  chk: { script: /bin/true, intervall: 2 }\n`,
    ['7:29: unknown keyword intervall in vrrp_script chk (did you mean interval?)'],
  ],
  [
    'vrrp_script with an unterminated quote',
    `${base()}vrrp_script:\n  chk: { script: "/bin/x 'a" }\n`,
    ["7:18: script: missing terminating ' quote in: /bin/x 'a"],
  ],
  [
    'track_file block without file',
    `${base()}vrrp_track_file:\n  tf: { weight: 2 }\n`,
    ['7:3: vrrp_track_file tf has no file'],
  ],
  [
    'track_file defined twice (track_file and vrrp_track_file)',
    `${base()}track_file:\n  tf: { file: /a }\nvrrp_track_file:\n  tf: { file: /b }\n`,
    ['9:3: vrrp_track_file tf is already defined as track_file tf (line 7)'],
  ],
  [
    'track_file init_file with a bad option',
    `${base()}track_file:\n  tf: { file: /a, init_file: "5 always" }\n`,
    ['7:30: init_file must be true, a whole number, or "N overwrite", got "5 always"'],
  ],
  [
    'sync group member that is not an instance',
    `${base()}vrrp_sync_group:\n  G1: { group: [VI_1, VI_9] }\n`,
    ['7:23: vrrp_sync_group G1: there is no vrrp_instance VI_9 (did you mean VI_1?)'],
  ],
  [
    'instance in two sync groups',
    `${base()}vrrp_sync_group:\n  G1: { group: [VI_1] }\n  G2: { group: [VI_1] }\n`,
    [
      '8:17: vrrp_sync_group G2: vrrp_instance VI_1 is already in vrrp_sync_group G1 (line 7); an instance can be in one group only',
    ],
  ],
  [
    'sync group without group',
    `${base()}vrrp_sync_group:\n  G1: { notify: /bin/n }\n`,
    ['7:3: vrrp_sync_group G1 has no group (its vrrp_instance names)'],
  ],
  [
    'sync group tracker naming no vrrp_script',
    `${base()}vrrp_sync_group:\n  G1: { group: [VI_1], track_script: [chk] }\n`,
    ['7:39: track_script chk: there is no vrrp_script chk'],
  ],
  [
    'virtual_ipaddress_excluded bad address',
    base('    virtual_ipaddress_excluded: ["10.0.0.300/24"]\n'),
    ['6:34: virtual_ipaddress_excluded "10.0.0.300/24": "10.0.0.300" is not an IPv4 or IPv6 address'],
  ],
  [
    'virtual_ipaddress_excluded also a VIP',
    base('    virtual_ipaddress_excluded: [10.0.0.100/32]\n'),
    ['6:34: virtual_ipaddress_excluded 10.0.0.100 is also in virtual_ipaddress'],
  ],
  [
    'virtual_routes not a list of text',
    base('    virtual_routes: { to: 10.0.0.0/8 }\n'),
    '6:21: virtual_routes must be a list of lines',
  ],
  [
    'use_vmac with a MAC address',
    base('    use_vmac: "vrrp51 00:00:5e:00:01:33"\n'),
    "6:15: use_vmac: 00:00:5e:00:01:33 is RFC 5798's own VMAC range: leave the MAC out to use it",
  ],
  [
    'no_accept contradicts accept',
    base('    accept: true\n    no_accept: true\n'),
    '7:5: no_accept contradicts accept: true',
  ],
  [
    'vrrp_gna_interval out of range',
    `global_defs:\n  vrrp_gna_interval: -1\n${base()}`,
    '2:22: vrrp_gna_interval must be a number of seconds from 0 to 4294, got -1',
  ],
  [
    'vrrp_script name with a space',
    `${base()}vrrp_script:\n  "chk 1": { script: /bin/true }\n`,
    ['7:3: vrrp_script name "chk 1" must be one word (no spaces)'],
  ],
  ['YAML: duplicate key', base('    interface: eth1\n'), '6:5: YAML: Map keys must be unique'],
  [
    'YAML: unclosed flow sequence',
    'vrrp_instance:\n  VI_1:\n    interface: eth0\n    virtual_ipaddress: [10.0.0.100/24\n',
    '5:1: YAML: Flow sequence in block collection must be sufficiently indented and end with a ]',
  ],
  ['YAML: tab indentation', 'vrrp_instance:\n\tVI_1: {}\n', '2:1: YAML: Tabs are not allowed as indentation'],
];

describe('YAML configuration: broken files (one error each, with its position)', () => {
  it(`has at least 25 cases (${BROKEN.length})`, () => {
    expect(BROKEN.length).toBeGreaterThanOrEqual(25);
  });

  it.each(BROKEN)('%s', (_title, text, expected) => {
    const r = load(text);
    expect(r.config).toBeUndefined();
    expect(r.errors.map((e) => `${e.line}:${e.col}: ${e.message}`)).toEqual(
      typeof expected === 'string' ? [expected] : expected,
    );
    expect(r.errors.every((e) => e.file === 'test.yaml')).toBe(true);
  });
});

describe('YAML configuration: all errors at once', () => {
  it('reports every problem of a file, in file order', async () => {
    const file = path.join(fixtures, 'many-errors.yaml');
    const r = await loadConfigFile(file);
    expect(r.config).toBeUndefined();
    expect(r.errors.map((e) => `${e.line}:${e.col}: ${e.message}`)).toEqual([
      '2:3: unknown keyword routerid in global_defs (did you mean router_id?)',
      '3:28: vrrp_garp_master_repeat must be a whole number from 1 to 100, got 0',
      '6:12: state must be MASTER or BACKUP, got "ACTIVE"',
      '8:24: virtual_router_id must be a whole number from 1 to 255, got 300',
      '9:17: advert_int 0.5 must be whole seconds from 1 to 255 for VRRPv2 (version: 3 allows 0.01 s steps)',
      '13:9: virtual_ipaddress "10.0.0.101/24 label": label needs a value',
      "14:9: virtual_ipaddress 2001:db8::1 is IPv6 but the instance's first address 10.0.0.100 is IPv4: all addresses of an instance must be one family (use one instance per family)",
      '15:5: unicast_src_ip needs unicast_peer (in multicast mode, mcast_src_ip sets the source address of the adverts)',
      '16:3: vrrp_instance VI_2 has no interface',
      '19:5: authentication is for VRRPv2 only; this instance is version 3',
    ]);
    expect(formatIssue(r.errors[0]!)).toBe(
      `${file}:2:3: unknown keyword routerid in global_defs (did you mean router_id?)`,
    );
  });

  it('does not cascade: checks that depend on a value in error are skipped', () => {
    const r = load(base('    version: 4\n    advert_int: 0.5\n    unicast_peer: ["2001:db8::2"]\n', '["10.0.0.1/99"]'));
    expect(r.errors.map((e) => `${e.line}:${e.col}: ${e.message}`)).toEqual([
      '5:25: virtual_ipaddress "10.0.0.1/99": prefix length "/99" must be 1–32',
      '6:14: version must be 2 or 3, got 4',
    ]);
  });

  it('the fixture file is what the expectations above describe', () => {
    const text = readFileSync(path.join(fixtures, 'many-errors.yaml'), 'utf8').split('\n');
    expect(text[1]).toBe('  routerid: lb1');
    expect(text[20]).toBe('vrrp_script:');
  });
});

describe('formatIssue', () => {
  it('renders file:line:col: message', () => {
    expect(formatIssue({ file: '/etc/vipd/vipd.yaml', line: 12, col: 5, message: 'boom' })).toBe(
      '/etc/vipd/vipd.yaml:12:5: boom',
    );
  });
});

describe('YAML configuration: accepted with a warning (as keepalived accepts them)', () => {
  it('a VIP listed twice: the repeat is ignored, with its position', () => {
    const r = parseYamlConfig(base('', '[10.0.0.100/24, 10.0.0.100/32]'), 'test.yaml');
    expect(r.errors).toEqual([]);
    expect(r.config?.instances[0]?.vips.map((v) => `${v.address}/${v.prefix}`)).toEqual(['10.0.0.100/24']);
    expect(r.warnings.map((w) => `${w.line}:${w.col}: ${w.message}`)).toContain(
      '5:40: virtual_ipaddress 10.0.0.100 is listed twice (entries 1 and 2); the repeat is ignored',
    );
  });

  it('no vrrp_instance (a checker-only keepalived file): nothing to do, said as a warning', () => {
    const r = parseYamlConfig('global_defs:\n  router_id: lb1\n', 'test.yaml');
    expect(r.errors).toEqual([]);
    expect(r.warnings.map((w) => `${w.line}:${w.col}: ${w.message}`)).toEqual([
      '1:1: no vrrp_instance is configured: vipd has nothing to do',
    ]);
  });

  it("keepalived's non-VRRP keywords (LVS, SMTP) are skipped with the same warning as in keepalived.conf", () => {
    const r = parseYamlConfig(
      `global_defs:\n  smtp_server: 127.0.0.1\n  enable_snmp_checker: true\nnet_namespace_ipvs: ns1\n${base('    smtp_alert: true\n')}`,
      'test.yaml',
    );
    expect(r.errors).toEqual([]);
    expect(r.warnings.map((w) => `${w.line}:${w.col}: ${w.message}`)).toEqual([
      '2:3: keyword smtp_server is not used by vipd (SMTP)',
      '4:1: keyword net_namespace_ipvs is not used by vipd (LVS)',
      '10:5: keyword smtp_alert is not used by vipd (SMTP)',
    ]);
  });
});

describe('notify FIFOs (global_defs)', () => {
  it('notify_fifo PATH USER GROUP and its script, in both formats, to the same model', async () => {
    const instanceYaml =
      'vrrp_instance:\n  VI_1: { interface: eth0, virtual_router_id: 1, virtual_ipaddress: [192.0.2.1] }\n';
    const fromYaml = loadOk(
      `global_defs:\n  notify_fifo: /run/k.fifo root root\n  notify_fifo_script: "/usr/bin/reader -v"\n  vrrp_notify_fifo: /run/v.fifo\n${instanceYaml}`,
    );
    const conf = parseKeepalivedToConfig(
      'global_defs {\n  notify_fifo /run/k.fifo root root\n  notify_fifo_script "/usr/bin/reader -v"\n  vrrp_notify_fifo /run/v.fifo\n}\nvrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 1\n  virtual_ipaddress {\n    192.0.2.1\n  }\n}\n',
      '/etc/keepalived/keepalived.conf',
      { host: memHost({}) },
    );
    expect(conf.errors.map(formatIssue)).toEqual([]);
    const fromConf = conf.config as VipdConfig;
    const expected = [
      {
        keyword: 'notify_fifo',
        path: '/run/k.fifo',
        owner: { user: 'root', group: 'root' },
        script: ['/usr/bin/reader', '-v'],
      },
      { keyword: 'vrrp_notify_fifo', path: '/run/v.fifo', owner: undefined, script: undefined },
    ];
    expect(fromYaml.globalDefs.notifyFifos).toEqual(expected);
    expect(fromConf.globalDefs.notifyFifos).toEqual(expected);
  });

  it('a relative path is refused with its location', () => {
    const r = load('global_defs:\n  notify_fifo: run/k.fifo\n', 'f.yaml');
    expect(r.errors.map((e) => `${e.line}:${e.message}`).join('\n')).toMatch(/^2:.*absolute PATH/m);
  });
});
