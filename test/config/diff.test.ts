/** The reload plan: by instance and by tracker, blind to where things are written in the file. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describePlan, planReload, same } from '../../src/core/config/diff.js';
import { parseKeepalivedToConfig } from '../../src/core/config/keepalived/index.js';
import { parseYamlConfig } from '../../src/core/config/yaml.js';
import { memHost } from './keepalived/helpers.js';

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
    expect(plan.updated).toMatchObject([{ name: 'A', changes: ['priority'] }]);
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

describe('planReload: everything else a reload changes, applied as given', () => {
  const conf = (text: string) => {
    const r = parseKeepalivedToConfig(text, '/k.conf', { host: memHost({ '/k.conf': text }) });
    if (!r.config) throw new Error(r.errors.map((e) => e.message).join('; '));
    return r.config;
  };
  const file = (o: {
    garp?: number;
    statics?: string;
    vips?: string;
    routes?: string;
    vmac?: string;
    accept?: string;
    vs?: string;
  }) => `global_defs {
  vrrp_garp_interval ${o.garp ?? 0}
}
static_ipaddress {
${o.statics ?? '  198.51.100.1/24 dev eth1'}
}
vrrp_instance A {
  interface eth0
  virtual_router_id 1
  priority 100
  ${o.vmac ?? ''}
  ${o.accept ?? ''}
  virtual_ipaddress {
${o.vips ?? '    192.0.2.1/24'}
  }
  virtual_routes {
${o.routes ?? '    10.9.0.0/16 via 192.0.2.254'}
  }
}
virtual_server 192.0.2.1 80 {
  lb_kind NAT
  protocol TCP
  real_server 10.0.0.1 80 {
    weight ${o.vs ?? '1'}
  }
}
virtual_server 192.0.2.1 443 {
  protocol TCP
  real_server 10.0.0.1 443 {
  }
}
`;
  const base = conf(file({}));

  it('the same file again: nothing to touch', () => {
    const plan = planReload(base, conf(file({})));
    expect(describePlan(plan)).toEqual([]);
    expect(plan.virtualServers.unchanged).toEqual(['TCP 192.0.2.1 80', 'TCP 192.0.2.1 443']);
  });

  it("an instance's VIPs and virtual routes: what its master adds and removes", () => {
    const plan = planReload(
      base,
      conf(file({ vips: '    192.0.2.1/24\n    192.0.2.2/24', routes: '    10.8.0.0/16 via 192.0.2.254' })),
    );
    expect(plan.updated).toHaveLength(1);
    expect(describePlan(plan)).toEqual([
      'instance A: updated in place (vips, virtualRoutes)',
      'instance A: as master adds address 192.0.2.2/24 dev eth0',
      'instance A: as master adds route 10.8.0.0/16 via 192.0.2.254',
      'instance A: as master removes route 10.9.0.0/16 via 192.0.2.254',
    ]);
  });

  it('static addresses, GARP pacing, no_accept and a virtual server changed', () => {
    const plan = planReload(
      base,
      conf(file({ statics: '  198.51.100.2/24 dev eth1', garp: 0.5, accept: 'no_accept', vs: '3' })),
    );
    expect(plan.statics.addresses.added.map((a) => a.address)).toEqual(['198.51.100.2']);
    expect(plan.statics.addresses.removed.map((a) => a.address)).toEqual(['198.51.100.1']);
    expect(plan.pacingChanged).toBe(true);
    expect(plan.noAccept).toEqual([{ family: 4, address: '192.0.2.1' }]);
    expect(plan.virtualServers).toEqual({
      unchanged: ['TCP 192.0.2.1 443'],
      changed: ['TCP 192.0.2.1 80'],
      removed: [],
      added: [],
    });
    // Back to accepting: the drop rules go (an empty set), which is a change too.
    expect(planReload(conf(file({ accept: 'no_accept' })), base).noAccept).toEqual([]);
  });

  it("a restarted instance's VMAC goes unless the new configuration has the same one", () => {
    const vmac = conf(file({ vmac: 'use_vmac vrrp.1' }));
    expect(planReload(vmac, base).vmacsRemoved.map((v) => v.spec.name)).toEqual(['vrrp.1']);
    // The VMAC kept while the instance restarts for another reason (its VRID): it is taken over, not removed.
    const other = conf(file({ vmac: 'use_vmac vrrp.1' }).replace('virtual_router_id 1', 'virtual_router_id 2'));
    const plan = planReload(vmac, other);
    expect(plan.restarted.map((r) => r.name)).toEqual(['A']);
    expect(plan.vmacsRemoved).toEqual([]);
  });
});

describe('same (configuration equality)', () => {
  /** The definition `same` keeps: equal JSON once keys are sorted and `source` dropped at every level. */
  const canonical = (v: unknown) =>
    JSON.stringify(v, (key, value: unknown) => {
      if (key === 'source') return undefined;
      if (value && typeof value === 'object' && !Array.isArray(value)) {
        return Object.fromEntries(
          Object.entries(value as Record<string, unknown>).sort(([x], [y]) => (x < y ? -1 : 1)),
        );
      }
      return value;
    });
  const keys = fc.constantFrom('a', 'b', 'weight', 'source', 'checkers');
  const leaf = fc.oneof(
    fc.integer({ min: -2, max: 2 }),
    fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, null, undefined, true, false, 'x', 'y', () => 1),
  );
  const value = fc.letrec((tie) => ({
    v: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('v'), { maxLength: 3 }), fc.dictionary(keys, tie('v'))),
  })).v;
  /** The same value with its objects' keys in another order. */
  const reordered = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(reordered);
    if (v && typeof v === 'object')
      return Object.fromEntries(
        Object.entries(v)
          .reverse()
          .map(([k, x]) => [k, reordered(x)]),
      );
    return v;
  };

  it('agrees with comparing canonical JSON, on any two values and on a value against its key-reordered twin', () => {
    fc.assert(
      fc.property(value, value, (a, b) => {
        expect(same(a, b)).toBe(canonical(a) === canonical(b));
        expect(same(a, reordered(a))).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});
