/** The reload plan: by instance and by tracker, blind to where things are written in the file. */
import { describe, expect, it } from 'vitest';
import { planReload } from '../../src/core/config/diff.js';
import { parseYamlConfig } from '../../src/core/config/yaml.js';

const config = (yaml: string) => {
  const r = parseYamlConfig(yaml, 'x.yaml');
  if (!r.config) throw new Error(r.errors.map((e) => e.message).join('; '));
  return r.config;
};

const instance = (name: string, body: string) => `  ${name}:
    interface: eth0
${body}`;

describe('planReload', () => {
  const a = config(`vrrp_script:
  chk: { script: /bin/true, interval: 1 }
vrrp_instance:
${instance('A', '    virtual_router_id: 1\n    priority: 100\n    virtual_ipaddress: [192.0.2.1]\n    track_script: [chk]\n')}${instance('B', '    virtual_router_id: 2\n    virtual_ipaddress: [192.0.2.2]\n')}${instance('C', '    virtual_router_id: 3\n    virtual_ipaddress: [192.0.2.3]\n')}`);

  it('sorts instances into unchanged, updated in place, restarted (identity), removed and added', () => {
    const b = config(`

vrrp_script:
  chk: { script: /bin/true, interval: 2 }
vrrp_instance:
${instance('A', '    virtual_router_id: 1\n    priority: 110\n    virtual_ipaddress: [192.0.2.1]\n    track_script: [chk]\n')}${instance('B', '    virtual_router_id: 7\n    virtual_ipaddress: [192.0.2.2]\n')}${instance('D', '    virtual_router_id: 4\n    virtual_ipaddress: [192.0.2.4]\n')}`);
    const plan = planReload(a, b);
    expect(plan.unchanged).toEqual([]);
    expect(plan.updated).toEqual([{ name: 'A', changes: ['priority'] }]);
    expect(plan.restarted).toEqual([{ name: 'B', changes: ['vrid'] }]);
    expect(plan.removed).toEqual(['C']);
    expect(plan.added).toEqual(['D']);
    expect(plan.trackers).toEqual({ unchanged: [], changed: ['script:chk'], removed: [], added: [] });
  });

  it('the same configuration written elsewhere in the file is unchanged', () => {
    const moved = config(`vrrp_instance:
${instance('C', '    virtual_router_id: 3\n    virtual_ipaddress: [192.0.2.3]\n')}${instance('B', '    virtual_router_id: 2\n    virtual_ipaddress: [192.0.2.2]\n')}${instance('A', '    virtual_router_id: 1\n    priority: 100\n    virtual_ipaddress: [192.0.2.1]\n    track_script: [chk]\n')}
vrrp_script:
  chk: { script: /bin/true, interval: 1 }
`);
    const plan = planReload(a, moved);
    expect(plan.unchanged.sort()).toEqual(['A', 'B', 'C']);
    expect(plan.trackers.unchanged).toEqual(['script:chk']);
  });

  it('becoming an address owner (255), or leaving multicast for unicast, is an identity change', () => {
    const owner = config(`vrrp_instance:
${instance('A', '    virtual_router_id: 1\n    priority: 255\n    virtual_ipaddress: [192.0.2.1]\n')}`);
    const base = config(`vrrp_instance:
${instance('A', '    virtual_router_id: 1\n    priority: 100\n    virtual_ipaddress: [192.0.2.1]\n')}`);
    expect(planReload(base, owner).restarted.map((r) => r.name)).toEqual(['A']);
    const unicast = config(`vrrp_instance:
${instance('A', '    virtual_router_id: 1\n    priority: 100\n    virtual_ipaddress: [192.0.2.1]\n    unicast_peer: [192.0.2.9]\n')}`);
    expect(planReload(base, unicast).restarted.map((r) => r.name)).toEqual(['A']);
  });
});
