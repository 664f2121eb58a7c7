/**
 * Routes and rules on the daemon and a fake kernel: virtual_routes / virtual_rules held by a master only (added
 * after its VIPs, removed before them), static_routes / static_rules for the daemon's whole life, each put back
 * when deleted behind vipd's back unless no_track, changed by a reload, and only what vipd added ever removed.
 */
import { describe, expect, it } from 'vitest';
import { configOf, instanceYaml, VIP, world } from '../helpers/fake-daemon.js';

const VIRTUAL =
  '    virtual_routes: ["10.9.0.0/16 via 192.0.2.1 dev eth0", "blackhole 10.8.0.0/16 no_track"]\n' +
  '    virtual_rules: ["from 192.0.2.100 table 100 preference 50"]\n';
const STATIC =
  'static_routes: ["10.7.0.0/16 via 192.0.2.1 dev eth0"]\nstatic_rules: ["to 10.7.0.0/16 table 7 preference 70"]\n';

describe('routes and rules on the daemon', () => {
  it('virtual ones follow mastership; static ones are there from the start to the stop', async () => {
    const w = world(VIRTUAL, STATIC);
    await w.daemon.start();
    await w.settle();
    expect([...w.kernel.routes]).toEqual(['10.7.0.0/16 via 192.0.2.1 dev eth0']);
    expect([...w.kernel.rules]).toEqual(['to 10.7.0.0/16 preference 70 table 7']);
    await w.advance(400);
    expect(w.state()).toBe('MASTER');
    expect([...w.kernel.routes].sort()).toEqual([
      '10.7.0.0/16 via 192.0.2.1 dev eth0',
      '10.9.0.0/16 via 192.0.2.1 dev eth0',
      'blackhole 10.8.0.0/16 no_track',
    ]);
    expect(w.kernel.rules.has('from 192.0.2.100/32 preference 50 table 100')).toBe(true);
    // A higher-priority master appears: the routes and rule go, the static ones stay.
    w.inject(51, 200);
    await w.settle();
    expect(w.state()).toBe('BACKUP');
    expect([...w.kernel.routes]).toEqual(['10.7.0.0/16 via 192.0.2.1 dev eth0']);
    expect([...w.kernel.rules]).toEqual(['to 10.7.0.0/16 preference 70 table 7']);
    await w.advance(400);
    expect(w.state()).toBe('MASTER');
    await w.daemon.stop();
    expect(w.kernel.routes.size + w.kernel.rules.size).toBe(0);
    expect(w.kernel.has('eth0', VIP)).toBe(false);
  });

  it('deleted behind vipd: put back, except no_track; a route that was there before is never removed', async () => {
    const w = world(VIRTUAL, STATIC);
    w.kernel.routes.add('10.9.0.0/16 via 192.0.2.1 dev eth0'); // someone else's, the same route
    await w.daemon.start();
    await w.advance(400);
    w.kernel.deleteRoute('blackhole 10.8.0.0/16 no_track');
    w.kernel.deleteRoute('10.7.0.0/16 via 192.0.2.1 dev eth0');
    await w.settle();
    expect(w.kernel.routes.has('10.7.0.0/16 via 192.0.2.1 dev eth0')).toBe(true);
    expect(w.kernel.routes.has('blackhole 10.8.0.0/16 no_track')).toBe(false);
    await w.daemon.stop();
    expect([...w.kernel.routes]).toEqual(['10.9.0.0/16 via 192.0.2.1 dev eth0']);
  });

  it('a reload adds and removes routes and rules in place, keeping mastership', async () => {
    const w = world(VIRTUAL, STATIC);
    await w.daemon.start();
    await w.advance(400);
    const next = configOf(
      'static_routes: ["10.6.0.0/16 via 192.0.2.1 dev eth0"]\nvrrp_instance:\n' +
        `${instanceYaml('VI_1', 51)}    virtual_routes: ["10.9.0.0/16 via 192.0.2.1 dev eth0", "10.5.0.0/16 dev eth0"]\n`,
    );
    await w.daemon.reload(next);
    await w.settle();
    expect(w.state()).toBe('MASTER');
    expect([...w.kernel.routes].sort()).toEqual([
      '10.5.0.0/16 dev eth0',
      '10.6.0.0/16 via 192.0.2.1 dev eth0',
      '10.9.0.0/16 via 192.0.2.1 dev eth0',
    ]);
    expect([...w.kernel.rules]).toEqual([]);
  });
});
