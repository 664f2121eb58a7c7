/**
 * `announce` on the daemon and a fake kernel (issue 22): the two routes of each prefix, in order (accepted before
 * announced; withdrawn before no longer accepted, withdraw_delay later), health from the trackers, announce_delay,
 * a route deleted by hand put back, an interface address equal to a prefix (refused at start, withdrawn when added
 * later), what a crashed vipd left removed at start, reloads and the stop.
 */
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/daemon/observe/metrics.js';
import { formatStatusTable } from '../../src/daemon/observe/status.js';
import { configOf, instanceYaml, world } from '../helpers/fake-daemon.js';

const ANNOUNCING = '192.0.2.10/32 dev lo metric 4242 protocol 245';
const LOCAL = 'local 192.0.2.10/32 dev lo table local protocol 245';

const announce = (extra = '') =>
  `announce:\n  WEB:\n    prefix: 192.0.2.10/32\n    track_file: [/run/web-down]\n${extra}`;

/** A world with `lo`, and a record of every route added and removed, in order. */
function announcing(extra = '') {
  const w = world('', announce(extra));
  w.kernel.addLink('lo');
  const order: string[] = [];
  const routes = w.kernel.routes;
  const add = routes.add.bind(routes);
  const del = routes.delete.bind(routes);
  routes.add = (line: string) => {
    if (!routes.has(line)) order.push(`+ ${line}`);
    return add(line);
  };
  routes.delete = (line: string) => {
    if (routes.has(line)) order.push(`- ${line}`);
    return del(line);
  };
  return { ...w, order };
}

describe('announce on the daemon', () => {
  it('healthy at start: accepted, then announced; a tracker down: withdrawn, then no longer accepted', async () => {
    const w = announcing();
    await w.daemon.start();
    await w.settle();
    expect(w.order).toEqual([`+ ${LOCAL}`, `+ ${ANNOUNCING}`]);
    w.writeTrackedFile('/run/web-down', '1\n');
    await w.settle();
    expect(w.order.slice(2)).toEqual([`- ${ANNOUNCING}`, `- ${LOCAL}`]);
    expect(w.lines.find((l) => l.msg === 'announce withdrawn')).toMatchObject({
      announce: 'WEB',
      why: 'file:/run/web-down is down',
    });
    expect(w.daemon.status('t').announces).toMatchObject([
      { name: 'WEB', state: 'withdrawn', why: 'file:/run/web-down is down', prefixes: ['192.0.2.10/32'] },
    ]);
    expect(formatStatusTable(w.daemon.status('t'))).toMatch(
      /\nANNOUNCE WEB WITHDRAWN since \S+ because file:\/run\/web-down is down: 192\.0\.2\.10\/32\n/,
    );
    const metrics = createMetrics(
      () => w.daemon.status('t'),
      () => [],
    );
    expect(await metrics.metrics()).toContain('vipd_announce_up{name="WEB",prefix="192.0.2.10/32"} 0');
    w.writeTrackedFile('/run/web-down', '0\n');
    await w.settle();
    expect(await metrics.metrics()).toContain('vipd_announce_up{name="WEB",prefix="192.0.2.10/32"} 1');
  });

  it('withdraw_delay keeps the address accepted after the withdraw; announce_delay holds a recovery back', async () => {
    const w = announcing('    withdraw_delay: 0.5\n    announce_delay: 2\n');
    await w.daemon.start();
    await w.settle();
    expect(w.kernel.routes.size).toBe(0); // waiting out announce_delay
    await w.advance(2000);
    expect([...w.kernel.routes].sort()).toEqual([ANNOUNCING, LOCAL]);
    w.writeTrackedFile('/run/web-down', '1\n');
    await w.settle();
    expect([...w.kernel.routes]).toEqual([LOCAL]);
    await w.advance(499);
    expect([...w.kernel.routes]).toEqual([LOCAL]);
    await w.advance(1);
    expect([...w.kernel.routes]).toEqual([]);
    w.writeTrackedFile('/run/web-down', '0\n');
    await w.advance(1999);
    expect([...w.kernel.routes]).toEqual([]);
    await w.advance(1);
    expect([...w.kernel.routes].sort()).toEqual([ANNOUNCING, LOCAL]);
  });

  it('a route deleted by hand is put back while announced', async () => {
    const w = announcing();
    await w.daemon.start();
    await w.settle();
    w.kernel.deleteRoute(ANNOUNCING);
    w.kernel.deleteRoute(LOCAL);
    await w.settle();
    expect([...w.kernel.routes].sort()).toEqual([ANNOUNCING, LOCAL]);
  });

  it('an interface address equal to the prefix: refused at start; added later, withdrawn until it goes', async () => {
    const refused = announcing();
    refused.kernel.addAddress('eth0', '192.0.2.10', 24);
    await expect(refused.daemon.start()).rejects.toThrow(
      /announce WEB: prefix 192\.0\.2\.10\/32 is an address of eth0: an announced address must not be an interface address/,
    );

    const w = announcing();
    await w.daemon.start();
    await w.settle();
    w.kernel.addAddress('eth0', '192.0.2.10', 24);
    await w.settle();
    expect([...w.kernel.routes]).toEqual([]);
    expect(w.lines.find((l) => l.msg === 'announce withdrawn: its prefix is an interface address')).toMatchObject({
      why: 'prefix 192.0.2.10/32 is an address of eth0',
    });
    w.kernel.removeAddress('eth0', '192.0.2.10');
    await w.settle();
    expect([...w.kernel.routes].sort()).toEqual([ANNOUNCING, LOCAL]);
  });

  it("what a crashed vipd left is removed at start, whatever the configuration; others' routes stay", async () => {
    const w = world();
    w.kernel.addLink('lo');
    w.kernel.routes.add('192.0.2.99/32 dev lo metric 4242 protocol 245');
    w.kernel.routes.add('192.0.2.98/32 dev lo protocol 248');
    await w.daemon.start();
    await w.settle();
    expect([...w.kernel.routes]).toEqual(['192.0.2.98/32 dev lo protocol 248']);
    expect(w.lines.find((l) => l.msg === 'removed the routes a previous vipd left')).toMatchObject({
      routes: ['192.0.2.99/32 dev lo metric 4242 protocol 245'],
    });
  });

  it('a reload: a new metric announces the new route before the old goes; a removed announce is withdrawn', async () => {
    const w = announcing();
    await w.daemon.start();
    await w.settle();
    const plan = await w.daemon.reload(
      configOf(`vrrp_instance:\n${instanceYaml('VI_1', 51)}${announce('    metric: 7\n')}`),
    );
    await w.settle();
    expect(plan.announces).toMatchObject({ changed: ['WEB'] });
    const renewed = '192.0.2.10/32 dev lo metric 7 protocol 245';
    expect(w.order.slice(2)).toEqual([`+ ${renewed}`, `- ${ANNOUNCING}`]);
    await w.daemon.reload(configOf(`vrrp_instance:\n${instanceYaml('VI_1', 51)}`));
    await w.settle();
    expect(w.order.slice(4)).toEqual([`- ${renewed}`, `- ${LOCAL}`]);
    expect(w.daemon.status('t').announces).toEqual([]);
  });

  it('stop: withdrawn first, then no longer accepted', async () => {
    const w = announcing('    withdraw_delay: 0.2\n');
    await w.daemon.start();
    await w.settle();
    await w.daemon.stop();
    expect(w.order.slice(2)).toEqual([`- ${ANNOUNCING}`, `- ${LOCAL}`]);
    expect(w.kernel.routes.size).toBe(0);
  });
});
