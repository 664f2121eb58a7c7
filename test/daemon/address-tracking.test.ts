/**
 * keepalived's TRACK_ADDR on the daemon: an instance tracks the interface of each (e)VIP it holds elsewhere than on
 * its own interface (unless `no_track`): that interface down faults it, as keepalived 2.2.7 does.
 */
import { describe, expect, it } from 'vitest';
import { world } from '../helpers/fake-daemon.js';

describe("an (e)VIP's interface is tracked", () => {
  it('down: FAULT; up again: back to MASTER', async () => {
    const w = world('    virtual_ipaddress_excluded: ["198.51.100.7/24 dev eth1"]\n');
    w.kernel.addLink('eth1');
    await w.daemon.start();
    await w.advance(400);
    expect(w.state()).toBe('MASTER');
    w.kernel.setUp('eth1', false);
    await w.settle();
    expect(w.state()).toBe('FAULT');
    w.kernel.setUp('eth1', true);
    await w.settle();
    await w.advance(4000);
    expect(w.state()).toBe('MASTER');
    await w.daemon.stop();
  });

  it('no_track on the address: its interface is not tracked', async () => {
    const w = world('    virtual_ipaddress_excluded: ["198.51.100.7/24 dev eth1 no_track"]\n');
    w.kernel.addLink('eth1');
    await w.daemon.start();
    await w.advance(400);
    w.kernel.setUp('eth1', false);
    await w.settle();
    expect(w.state()).toBe('MASTER');
    await w.daemon.stop();
  });
});
