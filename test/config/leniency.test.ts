/**
 * keepalived's leniency as warnings (issue 20): each case of leniency-cases.ts loads with keepalived's
 * interpretation and a lenient warning at its line; `check-config --strict` refuses it; vipd's own YAML keeps
 * vipd's rules.
 */
import { describe, expect, it } from 'vitest';
import { parseKeepalivedToConfig } from '../../src/core/config/keepalived/index.js';
import { parseYamlConfig } from '../../src/core/config/yaml.js';
import { memHost } from './keepalived/helpers.js';
import { LENIENT_CASES } from './leniency-cases.js';

const F = '/etc/keepalived/keepalived.conf';
const load = (text: string) => parseKeepalivedToConfig(text, F, { host: memHost({ [F]: text }), configId: 'x' });

describe("keepalived 2.2.7's leniency, with keepalived's interpretation", () => {
  it.each(LENIENT_CASES)('$name', (c) => {
    const r = load(c.text);
    expect(r.errors).toEqual([]);
    if (!r.config) throw new Error('no configuration');
    expect(c.model(r.config)).toEqual(c.expected);
    const lenient = r.warnings.filter((w) => w.lenient);
    if (c.line === 0) expect(lenient).toEqual([]);
    else expect(lenient.filter((w) => w.line === c.line && c.warning.test(w.message))).toHaveLength(1);
  });

  it('VRRPv3 (or strict mode) without an address is refused, as keepalived refuses it; no_virtual_ipaddress runs it', () => {
    const v3 = 'vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51\n  version 3\n}\n';
    expect(load(v3).errors.map((e) => e.message)).toEqual([
      'vrrp_instance VI_1 has no virtual_ipaddress: write no_virtual_ipaddress to run VRRPv3 without an address ' +
        '(keepalived 2.2.7 refuses it: "No VIP specified; at least one is required")',
    ]);
    const allowed = load(v3.replace('version 3', 'version 3\n  no_virtual_ipaddress'));
    expect(allowed.errors).toEqual([]);
    expect(allowed.warnings).toEqual([]);
    expect(allowed.config?.instances[0]?.vips).toEqual([]);
    const strict = load(v3.replace('version 3', 'strict_mode\n  no_virtual_ipaddress'));
    expect(strict.errors.map((e) => e.message)).toEqual([
      'no_virtual_ipaddress cannot be used in strict mode (RFC 9568 needs an address)',
    ]);
  });

  it('mcast_src_ip is the source of multicast adverts (one setting with unicast_src_ip)', () => {
    const r = load(
      'vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51\n  mcast_src_ip 192.0.2.1\n  virtual_ipaddress {\n    192.0.2.10\n  }\n}\n',
    );
    expect(r.errors).toEqual([]);
    expect(r.warnings).toEqual([]);
    expect(r.config?.instances[0]).toMatchObject({ unicastSrcIp: '192.0.2.1', unicastPeers: [] });
  });

  it('a keyword given no value says it needs one', () => {
    const r = load('vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id\n}\n');
    expect(r.errors.map((e) => e.message)).toContain(
      'virtual_router_id needs a value: it must be a whole number from 1 to 255',
    );
  });

  it("vipd's YAML keeps vipd's rules: the same cases are errors there", () => {
    const yaml = (body: string) =>
      parseYamlConfig(`vrrp_instance:\n  VI_1:\n    interface: eth0\n    virtual_router_id: 51\n${body}`, 'v.yaml');
    expect(yaml('    state: SLAVE\n    virtual_ipaddress: [192.0.2.10/24]\n').errors.map((e) => e.message)).toEqual([
      'state must be MASTER or BACKUP, got "SLAVE"',
    ]);
    expect(
      yaml('    state: MASTER\n    nopreempt: true\n    virtual_ipaddress: [192.0.2.10/24]\n').errors,
    ).toHaveLength(1);
    expect(yaml('    priority: 100\n').errors.map((e) => e.message)).toEqual([
      'vrrp_instance VI_1 has no virtual_ipaddress (no_virtual_ipaddress: true runs it without one)',
    ]);
    expect(yaml('    no_virtual_ipaddress: true\n').errors).toEqual([]);
  });
});
