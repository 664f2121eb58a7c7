import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { splitCommand } from '../../src/core/config/command.js';
import { convertTreeToYaml, joinCommand, toYaml } from '../../src/core/config/convert.js';
import type { VipdConfig } from '../../src/core/config/model.js';
import { formatIssue, type ParseResult } from '../../src/core/config/result.js';
import { parseYamlConfig } from '../../src/core/config/yaml.js';
import { withoutSources as strip } from '../helpers/model.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../..');
const fixtures = path.join(here, '../fixtures/config');

/** The model of a file whose only errors are "not supported yet" refusals. */
function model(text: string): { r: ParseResult; m: VipdConfig } {
  const r = parseYamlConfig(text, 'test.yaml');
  expect(r.model, r.errors.map(formatIssue).join('\n')).toBeDefined();
  expect(r.errors.every((e) => e.message.includes('is not supported yet'))).toBe(true);
  return { r, m: r.model as VipdConfig };
}

function roundTrip(m: VipdConfig): void {
  const yaml = toYaml(m);
  const back = parseYamlConfig(yaml, 'converted.yaml');
  expect(back.model, `${yaml}\n${back.errors.map(formatIssue).join('\n')}`).toBeDefined();
  expect(strip(back.model)).toEqual(strip(m));
}

const inst = (extra = '') => `vrrp_instance:
  VI_1:
    interface: eth0
    virtual_router_id: 51
    virtual_ipaddress: [10.0.0.100/24]
${extra}`;

describe('vrrp_script, track_file and sync groups: defaults and resolution', () => {
  it('vrrp_script defaults: interval 1 s, timeout = interval, weight 0, rise 1, fall 1, no init_fail', () => {
    const { m } = model(
      `${inst('    track_script: [chk]\n')}vrrp_script:\n  chk: { script: "/bin/check 'a b'" }\n  slow: { script: /bin/s, interval: 2.5 }\n`,
    );
    expect(m.scripts[0]).toMatchObject({
      name: 'chk',
      command: ['/bin/check', 'a b'],
      intervalMs: 1000,
      timeoutMs: 1000,
      weight: 0,
      reverse: false,
      rise: 1,
      fall: 1,
      user: undefined,
      initFail: false,
    });
    expect(m.scripts[1]).toMatchObject({ intervalMs: 2500, timeoutMs: 2500 });
    expect(m.instances[0]?.trackScripts).toEqual([
      { script: 'chk', weight: 0, reverse: false, source: { file: 'test.yaml', line: 6, col: 20 } },
    ]);
  });

  it('vrrp_script fields: weight with reverse, user, init_fail; the track_script line overrides', () => {
    const { m } = model(`${inst('    track_script: [a, "a2 weight 5", "a3 noreverse", "b reverse"]\n')}vrrp_script:
  a: { script: /a, weight: "-20 reverse", user: "nobody nogroup", init_fail: true, rise: 2, fall: 3, timeout: 4 }
  a2: { script: /a, weight: "-20 reverse" }
  a3: { script: /a, weight: "-20 reverse" }
  b: { script: /b, weight: 253, user: "u:g" }
`);
    expect(m.scripts[0]).toMatchObject({
      weight: -20,
      reverse: true,
      user: { user: 'nobody', group: 'nogroup' },
      initFail: true,
      rise: 2,
      fall: 3,
      timeoutMs: 4000,
    });
    expect(m.scripts[3]?.user).toEqual({ user: 'u', group: 'g' });
    expect(m.instances[0]?.trackScripts.map((t) => [t.script, t.weight, t.reverse])).toEqual([
      ['a', -20, true],
      ['a2', 5, false],
      ['a3', -20, false],
      ['b', 253, true],
    ]);
  });

  it('track_interface weights: bare = 0 (fault), ±253, reverse', () => {
    const { m } = model(
      inst('    track_interface: [eth1, "eth2 weight -253", "eth3 weight 253 reverse", "eth4 reverse"]\n'),
    );
    expect(m.instances[0]?.trackInterfaces.map((t) => [t.interface, t.weight, t.reverse])).toEqual([
      ['eth1', 0, false],
      ['eth2', -253, false],
      ['eth3', 253, true],
      ['eth4', 0, true],
    ]);
  });

  it('track_file: weight 1 by default, ±254, init_file, the deprecated vrrp_track_file name', () => {
    const { m } = model(`${inst('    track_file: [tf1, "tf2 weight -254 reverse", tf3]\n')}track_file:
  tf1: { file: /run/tf1 }
  tf2: { file: /run/tf2, weight: "3 reverse", init_file: }
vrrp_track_file:
  tf3: { file: /run/tf3, weight: 254, init_file: "7 overwrite" }
`);
    expect(m.trackFiles.map((t) => [t.name, t.path, t.weight, t.reverse, t.initFile])).toEqual([
      ['tf1', '/run/tf1', 1, false, undefined],
      ['tf2', '/run/tf2', 3, true, { value: 0, overwrite: false }],
      ['tf3', '/run/tf3', 254, false, { value: 7, overwrite: true }],
    ]);
    expect(m.instances[0]?.trackFiles.map((t) => [t.file, t.weight, t.reverse])).toEqual([
      ['tf1', 1, false],
      ['tf2', -254, true],
      ['tf3', 254, false],
    ]);
  });

  it('sync groups: members (several per line), notifies; errors at the group and the instance keywords', () => {
    const { r, m } =
      model(`${inst()}  VI_2: { interface: eth1, virtual_router_id: 52, virtual_ipaddress: [10.0.1.1/24] }
vrrp_sync_group:
  G1:
    group: [VI_1 VI_2]
    notify: "/bin/n x"
`);
    expect(m.syncGroups).toEqual([
      {
        name: 'G1',
        instances: ['VI_1', 'VI_2'],
        notify: { generic: ['/bin/n', 'x'] },
        trackingWeight: false,
        trackers: {
          trackInterfaces: [],
          trackScripts: [],
          trackFiles: [],
          trackChecks: [],
          trackProcesses: [],
          trackBfds: [],
        },
        source: { file: 'test.yaml', line: 8, col: 3 },
      },
    ]);
    expect(r.errors).toEqual([]);
    expect(m.instances.map((i) => i.syncGroup)).toEqual(['G1', 'G1']);
  });

  it('instance additions: excluded VIPs (any family), routes and rules as lines, use_vmac, flags', () => {
    const { r, m } = model(
      inst(`    virtual_ipaddress_excluded: ["2001:db8::1/64", "10.0.9.1/24 dev eth9"]
    virtual_routes: ["10.1.0.0/16   via 10.0.0.254  table 100", "blackhole 10.9.0.0/16"]
    virtual_rules: ["from 10.0.0.0/24 table 100 preference 10"]
    use_vmac:
    vmac_xmit_base: true
    dont_track_primary: false
    accept: true
`),
    );
    const i = m.instances[0];
    expect(i).toMatchObject({
      excludedVips: [
        // use_vmac takes the instance's family only; another stays on the interface (keepalived 2.2.7)
        { family: 6, address: '2001:db8::1', prefix: 64, dev: 'eth0' },
        { family: 4, address: '10.0.9.1', prefix: 24, dev: 'eth9' },
      ],
      virtualRoutes: [
        { dst: '10.1.0.0', prefix: 16, via: '10.0.0.254', table: 100 },
        { type: 'blackhole', dst: '10.9.0.0', prefix: 16 },
      ],
      virtualRules: [{ from: { address: '10.0.0.0', prefix: 24 }, table: 100, priority: 10 }],
      useVmac: { ifname: 'vrrp.51' },
      vmacXmitBase: true,
      dontTrackPrimary: false,
      accept: true,
    });
    expect(r.errors.map((e) => e.message)).toEqual([]);
  });

  it('flags set to false describe what vipd does and are accepted', () => {
    const r = parseYamlConfig(
      `global_defs: { vrrp_strict: off }\n${inst('    use_vmac: false\n    vmac_xmit_base: no\n    dont_track_primary: false\n    no_accept: false\n')}`,
      'test.yaml',
    );
    expect(r.errors).toEqual([]);
    expect(r.config?.instances[0]).toMatchObject({ useVmac: undefined, accept: true, strictMode: false });
  });

  it('no model when something is refused that the model cannot hold (auth_hmac) or a real error', () => {
    expect(parseYamlConfig(inst('    auth_hmac: {}\n'), 't').model).toBeUndefined();
    expect(parseYamlConfig(inst('    track_script: [nope]\n'), 't').model).toBeUndefined();
  });

  it('the locator may place an issue in another file (include)', async () => {
    const { validateConfig } = await import('../../src/core/config/schema/index.js');
    const r = validateConfig({ vrrp_instance: { VI_1: { interface: 'eth0' } } }, 'main.conf', (p) =>
      p.length > 1 ? { file: 'inc.conf', line: 3, col: 1 } : { line: 1, col: 1 },
    );
    expect(r.errors.map(formatIssue)).toEqual([
      'inc.conf:3:1: vrrp_instance VI_1 has no virtual_router_id (1–255)',
      'inc.conf:3:1: vrrp_instance VI_1 has no virtual_ipaddress (no_virtual_ipaddress: true runs it without one)',
    ]);
  });
});

describe('convert: toYaml round-trips the model', () => {
  it('conf/vipd.example.yaml', () => {
    const r = parseYamlConfig(readFileSync(path.join(repo, 'conf/vipd.example.yaml'), 'utf8'), 'example.yaml');
    expect(r.config).toBeDefined();
    roundTrip(r.config as VipdConfig);
  });

  it('a rich supported configuration (globals, GARP inheritance, v2 auth, unicast, IPv6, notifies)', () => {
    const text = `global_defs:
  router_id: lb1
  vrrp_version: 3
  vrrp_garp_master_delay: 10
  vrrp_garp_lower_prio_repeat: 2
  vrrp_garp_master_refresh: 60
  vrrp_down_timer_adverts: 4
  vrrp_check_unicast_src: true
  v3_checksum_as_v2: true
  script_user: vipd:vipd
  enable_script_security:
  enable_snmp_keepalived:
  enable_snmp_rfc:
  enable_traps:
  snmp_socket: tcp:localhost:705
vrrp_instance:
  VI_1:
    state: MASTER
    interface: eth0
    virtual_router_id: 51
    version: 2
    advert_int: 2
    authentication: { auth_type: PASS, auth_pass: "1111" }
    unicast_src_ip: 10.0.0.2
    unicast_peer: [10.0.0.3, 10.0.0.4]
    virtual_ipaddress: ["10.0.0.100/24 brd + dev eth0 scope link label eth0:vip", 10.0.0.101]
    notify_master: "/bin/m 'two words' \\"q\\\\\\"x\\""
    notify: /bin/any
    garp_master_delay: 0
    garp_lower_prio_delay: 3
    check_unicast_src: false
  VI_6:
    interface: eth1
    virtual_router_id: 61
    priority: 90
    advert_int: 0.35
    nopreempt:
    virtual_ipaddress: ["fe80::1/64", "2001:db8::1/64 dev eth2"]
    lower_prio_no_advert: true
    down_timer_adverts: 3
  VI_7:
    interface: eth1
    virtual_router_id: 71
    preempt_delay: 2.5
    virtual_ipaddress: [192.0.2.1/32]
`;
    const r = parseYamlConfig(text, 'rich.yaml');
    expect(r.errors.map(formatIssue)).toEqual([]);
    roundTrip(r.config as VipdConfig);
  });

  it('a configuration with every not-supported-yet feature the model holds', () => {
    const text = readFileSync(path.join(fixtures, 'trackers.yaml'), 'utf8');
    const { m } = model(text);
    expect(m.instances).toHaveLength(2);
    roundTrip(m);
  });

  it('the YAML uses keepalived keywords and leaves out what the defaults give', () => {
    const r = parseYamlConfig(inst('    track_interface: [eth1]\n'), 't');
    expect(toYaml(r.model as VipdConfig)).toBe(`vrrp_instance:
  VI_1:
    state: BACKUP
    interface: eth0
    virtual_router_id: 51
    priority: 100
    virtual_ipaddress:
      - 10.0.0.100/24
    track_interface:
      - eth1
`);
  });
});

describe('convert: trees and commands', () => {
  it('convertTreeToYaml prints any tree as written, errors and unknown keywords included', () => {
    const tree = {
      global_defs: { router_id: 'lb1', vrrp_strict: true },
      vrrp_instance: {
        VI_1: { interface: 'eth0', bogus: 1, auth_pass: '1111', nopreempt: true, track_script: ['chk weight 2'] },
      },
    };
    const yaml = convertTreeToYaml(tree);
    expect(yaml).toContain('auth_pass: "1111"');
    const back = parseYamlConfig(yaml, 't');
    expect(back.errors.map((e) => e.message)).toContain('unknown keyword bogus in vrrp_instance VI_1');
  });

  it.each([
    [['/bin/x']],
    [['/bin/x', 'two words', 'a"b', "it's", 'back\\slash', '']],
    [['/bin/x', 'tab\there', 'nl\nx', '\x01', 'ünï', '$HOME', '*']],
  ])('joinCommand is the inverse of keepalived splitting: %j', (argv) => {
    expect(splitCommand(joinCommand(argv))).toEqual(argv);
  });
});
