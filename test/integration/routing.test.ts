/**
 * virtual_routes / virtual_rules / virtual_ipaddress_excluded and static_routes / static_rules on the real kernel,
 * two vipd routers: the master alone has the virtual ones (and they move with it when it stops), both have the
 * static ones for their whole life, a virtual route deleted by hand is put back within moments, and a stopped
 * vipd leaves no route or rule of its own behind (`proto keepalived`, as keepalived marks them).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { canRunNetns, Lab, waitFor } from '../helpers/netns.js';
import { VipdRouter } from '../helpers/routers.js';

const base = {
  name: 'VI_1',
  vrid: 71,
  advertInt: 0.1,
  version: 3 as const,
  vips: ['192.0.2.71/24'],
  topLevel:
    'static_routes: ["10.70.0.0/16 via 192.0.2.1 dev eth0"]\nstatic_rules: ["from 10.70.0.0/16 table 70 preference 700"]\n',
  extra: [
    'virtual_ipaddress_excluded: ["2001:db8::71/64"]',
    'virtual_routes: ["src 192.0.2.71 10.71.0.0/16 via 192.0.2.1 dev eth0", "blackhole 10.72.0.0/16 table 72"]',
    'virtual_rules: ["from 192.0.2.71 table 72 preference 710"]',
  ],
};

describe.skipIf(!canRunNetns())('routes and rules follow the master (real kernel)', () => {
  let lab: Lab;
  afterEach(() => lab?.destroy());

  it('on the master only, moved on failover, put back when deleted, all gone at stop', async () => {
    lab = Lab.create('routing', ['r1', 'r2']);
    const ip = (host: string, ...args: string[]) => lab.exec(host, 'ip', ...args).trim();
    const virtualHere = (host: string) =>
      ip(host, 'route', 'show', '10.71.0.0/16').includes('src 192.0.2.71') &&
      ip(host, 'route', 'show', 'table', '72').startsWith('blackhole 10.72.0.0/16') &&
      ip(host, 'rule', 'show').includes('710:\tfrom 192.0.2.71 lookup 72') &&
      ip(host, '-6', 'addr', 'show', 'dev', 'eth0').includes('2001:db8::71/64');
    const virtualGone = (host: string) =>
      ip(host, 'route', 'show', 'proto', 'keepalived', 'table', 'all')
        .split('\n')
        .every((l) => !l.includes('10.71') && !l.includes('10.72')) && !ip(host, 'rule', 'show').includes('710:');
    const staticHere = (host: string) =>
      ip(host, 'route', 'show', '10.70.0.0/16') !== '' &&
      ip(host, 'rule', 'show').includes('700:\tfrom 10.70.0.0/16 lookup 70');

    const r1 = new VipdRouter(lab, 'r1', { ...base, priority: 150 }).start();
    const r2 = new VipdRouter(lab, 'r2', { ...base, priority: 100 }).start();
    await waitFor(() => (r1.state() === 'MASTER' && r2.state() === 'BACKUP' ? true : undefined), 8000, 20, 'r1 master');
    await waitFor(() => (virtualHere('r1') ? true : undefined), 3000, 20, 'r1 has the virtual routes');
    expect(virtualGone('r2')).toBe(true);
    expect(staticHere('r1') && staticHere('r2')).toBe(true);

    lab.exec('r1', 'ip', 'route', 'del', '10.71.0.0/16');
    await waitFor(() => (virtualHere('r1') ? true : undefined), 3000, 10, 'the deleted route is put back');

    r1.signal('SIGTERM');
    await r1.exited(5000);
    await waitFor(() => (r2.state() === 'MASTER' && virtualHere('r2') ? true : undefined), 5000, 10, 'r2 has them');
    expect(virtualGone('r1')).toBe(true);
    expect(ip('r1', 'route', 'show', 'proto', 'keepalived', 'table', 'all')).toBe('');
    expect(ip('r1', 'rule', 'show')).not.toContain('keepalived');
    expect(staticHere('r2')).toBe(true);
  });
});
