/** vrrp_strict / strict_mode as keepalived applies it: two refusals, the rest reset with a warning at the keyword. */
import { describe, expect, it } from 'vitest';
import { formatIssue } from '../../src/core/config/result.js';
import { parseYamlConfig } from '../../src/core/config/yaml.js';

const inst = (extra = '', top = 'global_defs:\n  vrrp_strict: true\n') =>
  `${top}vrrp_instance:\n  VI_1:\n    interface: eth0\n    virtual_router_id: 51\n    priority: 100\n    virtual_ipaddress: [10.0.0.1/24]\n${extra}`;

describe('strict mode', () => {
  it('resets what keepalived resets, each with a warning; no_accept is the default for a non-owner', () => {
    const r = parseYamlConfig(
      inst(
        '    state: MASTER\n    authentication: { auth_type: PASS, auth_pass: x }\n    lower_prio_no_advert: false\n    higher_prio_send_advert: true\n',
      ),
      'k.yaml',
    );
    expect(r.errors).toEqual([]);
    expect(r.config?.instances[0]).toMatchObject({
      state: 'BACKUP',
      auth: undefined,
      preemptDelayMs: 0,
      accept: false,
      lowerPrioNoAdvert: true,
      higherPrioSendAdvert: false,
      garp: { lowerPrioRepeat: 0, lowerPrioDelayMs: 0 },
    });
    expect(r.warnings.map((w) => w.message)).toEqual([
      'state MASTER with priority 100 (MASTER is for the address owner only) in strict mode: reset (keepalived)',
      'authentication is not allowed in strict mode: reset (keepalived)',
      'lower_prio_no_advert off is not allowed in strict mode: reset (keepalived)',
      'higher_prio_send_advert is not allowed in strict mode: reset (keepalived)',
    ]);
  });

  it('refuses unicast peers; an owner keeps accept; v2 accept for a non-owner is reset; strict_mode per instance', () => {
    const uni = parseYamlConfig(inst('    unicast_peer: [10.0.0.2]\n'), 'k.yaml');
    expect(uni.errors.map(formatIssue)).toEqual(['k.yaml:9:5: unicast peers are not allowed in strict mode']);
    const owner = parseYamlConfig(inst().replace('priority: 100', 'priority: 255'), 'k.yaml');
    expect(owner.config?.instances[0]).toMatchObject({ accept: true, state: 'MASTER' });
    const v2 = parseYamlConfig(inst('    accept: true\n'), 'k.yaml');
    expect(v2.config?.instances[0]?.accept).toBe(false);
    expect(v2.warnings.map((w) => w.message)).toContain(
      'accept for a VRRPv2 non-owner does not comply with RFC 3768 in strict mode: reset (keepalived)',
    );
    const delay = parseYamlConfig(inst('    preempt_delay: 5\n'), 'k.yaml');
    expect(delay.config?.instances[0]?.preemptDelayMs).toBe(0);
    expect(delay.warnings.map((w) => w.message)).toEqual([
      'preempt_delay is not allowed in strict mode: reset (keepalived)',
    ]);
    const per = parseYamlConfig(inst('    strict_mode: true\n', ''), 'k.yaml');
    expect(per.config?.instances[0]?.accept).toBe(false);
    const off = parseYamlConfig(inst('', ''), 'k.yaml');
    expect(off.config?.instances[0]?.accept).toBe(true);
  });
});
