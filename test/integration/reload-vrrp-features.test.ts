/**
 * Reload with issue 10's features on the real kernel: a master holding a sync group of two instances (one on a
 * VMAC) with virtual routes and rules is reloaded with the same file (nothing moves: no transition, the same VMAC,
 * routes and rules in place), then with one route more and one rule less (made in place, still no transition).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { canRunNetns, Lab, waitFor } from '../helpers/netns.js';
import { VipdRouter } from '../helpers/routers.js';

const config = (extraRoute: boolean) => `vrrp_sync_group:
  G:
    group: [VI_1, VI_2]
vrrp_instance:
  VI_1:
    interface: eth0
    virtual_router_id: 61
    priority: 150
    version: 3
    advert_int: 0.1
    use_vmac: true
    virtual_ipaddress: ["192.0.2.61/24"]
    virtual_routes: ["10.61.0.0/16 via 192.0.2.1 dev eth0"${extraRoute ? ', "10.62.0.0/16 via 192.0.2.1 dev eth0"' : ''}]
    virtual_rules: [${extraRoute ? '' : '"from 192.0.2.61 table 61 preference 610"'}]
  VI_2:
    interface: eth0
    virtual_router_id: 62
    priority: 150
    version: 3
    advert_int: 0.1
    virtual_ipaddress: ["192.0.2.62/24"]
`;

describe.skipIf(!canRunNetns())('reload keeps sync groups, VMACs, routes and rules', () => {
  let lab: Lab;
  afterEach(() => lab?.destroy());

  it('the same file changes nothing; a changed route and rule are made in place', async () => {
    lab = Lab.create('reload10', ['r1']);
    const r1 = new VipdRouter(lab, 'r1', {
      name: 'G',
      vrid: 61,
      vips: ['192.0.2.61/24', '192.0.2.62/24'],
      configText: config(false),
    }).start();
    await waitFor(
      () => (r1.transitions().filter((t) => t.to === 'MASTER').length === 2 ? true : undefined),
      8000,
      20,
      'both master',
    );
    const ip = (...args: string[]) => lab.exec('r1', 'ip', ...args);
    const vmacIndex = () => JSON.parse(ip('-j', 'link', 'show', 'vrrp.61'))[0].ifindex as number;
    const index = vmacIndex();
    expect(ip('route', 'show', '10.61.0.0/16')).toContain('proto keepalived');
    expect(ip('rule', 'show')).toContain('610:');
    const transitions = r1.transitions().length;

    r1.signal('SIGHUP');
    await waitFor(
      () => (r1.lines().some((l) => l.msg === 'configuration reloaded') ? true : undefined),
      5000,
      20,
      'reload',
    );
    await new Promise((r) => setTimeout(r, 500));
    expect(r1.transitions().length).toBe(transitions);
    expect(vmacIndex()).toBe(index);
    expect(lab.addresses('r1', 'vrrp.61')).toContain('192.0.2.61');
    expect(lab.addresses('r1', 'eth0')).toContain('192.0.2.62');

    writeFileSync(path.join(r1.dir, 'vipd.yaml'), config(true));
    r1.signal('SIGHUP');
    await waitFor(
      () => (ip('route', 'show', '10.62.0.0/16') !== '' && !ip('rule', 'show').includes('610:') ? true : undefined),
      5000,
      20,
      'changes made',
    );
    expect(r1.transitions().length).toBe(transitions);
    expect(ip('route', 'show', '10.61.0.0/16')).toContain('proto keepalived');
    expect(vmacIndex()).toBe(index);
  });
});
