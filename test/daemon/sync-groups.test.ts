/**
 * vrrp_sync_group on the daemon and a fake kernel: members move together (FAULT, BACKUP, MASTER), a member whose
 * down timer ran out waits for the others (keepalived), the group's notify scripts and FIFO lines, reload, stop.
 */
import { describe, expect, it } from 'vitest';
import { configOf, instanceYaml, VIP, world } from '../helpers/fake-daemon.js';

const VIP2 = '192.0.2.101';

/** VI_1 (VRID 51, VIP) and VI_2 (VRID 52, VIP2) in group G; `extra1` goes into VI_1. */
function grouped(o: { extra1?: string; group?: string; top?: string } = {}) {
  const top =
    `global_defs:\n  notify_fifo: /run/k.fifo\n${o.top ?? ''}` +
    `vrrp_sync_group:\n  G:\n    group: [VI_1, VI_2]\n    notify: /bin/group-notify\n    notify_master: /bin/group-master\n${o.group ?? ''}`;
  const w = world(`${o.extra1 ?? ''}${instanceYaml('VI_2', 52, { vips: [`${VIP2}/24`] })}`, top);
  const states = () => w.daemon.instances.map((r) => r.machine.state);
  const groupLines = () => w.fifoLines.filter((l) => l.includes('GROUP')).map((l) => l.replace('/run/k.fifo ', ''));
  return { ...w, states, groupLines };
}

describe('vrrp_sync_group on the daemon', () => {
  it('members start BACKUP and go MASTER together; the group announces BACKUP then MASTER', async () => {
    const w = grouped();
    await w.daemon.start();
    await w.settle();
    expect(w.states()).toEqual(['BACKUP', 'BACKUP']);
    await w.advance(400);
    expect(w.states()).toEqual(['MASTER', 'MASTER']);
    expect(w.kernel.has('eth0', VIP) && w.kernel.has('eth0', VIP2)).toBe(true);
    expect(w.groupLines()).toEqual(['GROUP "G" BACKUP 0', 'GROUP "G" MASTER 0']);
    expect(w.scripts).toContain('/bin/group-notify GROUP G MASTER 0');
    expect(w.scripts).toContain('/bin/group-master');
    expect(w.daemon.status('t').sync_groups).toEqual([{ name: 'G', state: 'MASTER', members: ['VI_1', 'VI_2'] }]);
  });

  it('a member whose down timer ran out waits while another member still hears its master', async () => {
    const w = grouped();
    await w.daemon.start();
    // A peer is master of VI_2 (priority 200) for 2 s: VI_1 hears nobody but must not take over alone.
    for (let t = 0; t < 20; t++) {
      w.inject(52, 200, { vips: [VIP2] });
      await w.advance(100);
    }
    expect(w.states()).toEqual(['BACKUP', 'BACKUP']);
    expect(w.daemon.instances[0]?.machine.snapshot().wantsMaster).toBe(true);
    expect(w.kernel.has('eth0', VIP)).toBe(false);
    // The peer goes silent: VI_2's timer runs out too, and both take over at that moment.
    await w.advance(400);
    expect(w.states()).toEqual(['MASTER', 'MASTER']);
    expect(w.daemon.lastTransition.get('VI_1')?.cause).toBe('master-down-timer');
  });

  it("one member's tracker fails: both go to FAULT and release; it recovers: both come back to MASTER", async () => {
    const w = grouped({ extra1: '    track_file: [{ /run/up: { weight: 0 } }]\n' });
    w.writeTrackedFile('/run/up', '0\n');
    await w.daemon.start();
    await w.advance(400);
    expect(w.states()).toEqual(['MASTER', 'MASTER']);
    w.wire.length = 0;
    w.writeTrackedFile('/run/up', '1\n');
    await w.settle();
    expect(w.states()).toEqual(['FAULT', 'FAULT']);
    expect(w.kernel.has('eth0', VIP) || w.kernel.has('eth0', VIP2)).toBe(false);
    // Both released with priority 0, so the peer's members take over after Skew_Time.
    const zero = w.wire.filter((x) => x.kind === 'advert' && x.priority === 0).map((x) => x.vrid);
    expect(zero.sort()).toEqual([51, 52]);
    expect(w.daemon.instances[1]?.machine.snapshot().faults).toEqual(['sync-group']);
    w.writeTrackedFile('/run/up', '0\n');
    await w.settle();
    expect(w.states()).toEqual(['BACKUP', 'BACKUP']);
    await w.advance(400);
    expect(w.states()).toEqual(['MASTER', 'MASTER']);
    expect(w.groupLines()).toEqual([
      'GROUP "G" BACKUP 0',
      'GROUP "G" MASTER 0',
      'GROUP "G" FAULT 0',
      'GROUP "G" BACKUP 0',
      'GROUP "G" MASTER 0',
    ]);
  });

  it('a member that hears a higher priority takes the other master member to BACKUP (with a priority-0 advert)', async () => {
    const w = grouped();
    await w.daemon.start();
    await w.advance(400);
    w.wire.length = 0;
    w.inject(51, 200);
    await w.settle();
    expect(w.states()).toEqual(['BACKUP', 'BACKUP']);
    expect(w.daemon.lastTransition.get('VI_2')?.cause).toBe('sync-group');
    expect(w.wire.filter((x) => x.kind === 'advert' && x.vrid === 52).map((x) => x.priority)).toEqual([0]);
    expect(w.kernel.has('eth0', VIP2)).toBe(false);
  });

  it("a group's tracker is every member's, and members' weights are taken off (keepalived)", async () => {
    const w = grouped({
      extra1: '    track_file: [{ /run/w: { weight: -20 } }]\n',
      group: '    track_interface: [eth1]\n',
    });
    w.kernel.addLink('eth1');
    await w.daemon.start();
    await w.advance(400);
    expect(w.states()).toEqual(['MASTER', 'MASTER']);
    w.writeTrackedFile('/run/w', '5\n'); // would be -100 with its weight: ignored in the group
    await w.settle();
    expect(w.daemon.instances[0]?.machine.snapshot().effectivePriority).toBe(150);
    w.kernel.setUp('eth1', false);
    await w.settle();
    expect(w.states()).toEqual(['FAULT', 'FAULT']);
  });

  it('a reload that keeps the group changes nothing; one that removes it frees the members', async () => {
    const w = grouped({ extra1: '    track_file: [{ /run/up: { weight: 0 } }]\n' });
    w.writeTrackedFile('/run/up', '0\n');
    await w.daemon.start();
    await w.advance(400);
    const before = w.groupLines().length;
    const same = `global_defs:\n  notify_fifo: /run/k.fifo\nvrrp_sync_group:\n  G:\n    group: [VI_1, VI_2]\n    notify: /bin/group-notify\n    notify_master: /bin/group-master\nvrrp_instance:\n${instanceYaml('VI_1', 51)}    track_file: [{ /run/up: { weight: 0 } }]\n${instanceYaml('VI_2', 52, { vips: [`${VIP2}/24`] })}`;
    const plan = await w.daemon.reload(configOf(same));
    await w.settle();
    expect(plan.updated).toEqual([]);
    expect(w.groupLines().length).toBe(before);
    // Without the group, VI_1's failing tracker no longer takes VI_2 down.
    const ungrouped = `global_defs:\n  notify_fifo: /run/k.fifo\nvrrp_instance:\n${instanceYaml('VI_1', 51)}    track_file: [{ /run/up: { weight: 0 } }]\n${instanceYaml('VI_2', 52, { vips: [`${VIP2}/24`] })}`;
    await w.daemon.reload(configOf(ungrouped));
    await w.settle();
    w.writeTrackedFile('/run/up', '1\n');
    await w.settle();
    expect(w.states()).toEqual(['FAULT', 'MASTER']);
  });

  it('stop: the members stop, then the group announces STOP', async () => {
    const w = grouped();
    await w.daemon.start();
    await w.advance(400);
    await w.daemon.stop();
    const lines = w.fifoLines.map((l) => l.replace('/run/k.fifo ', ''));
    expect(lines.slice(-4)).toEqual([
      'INSTANCE "VI_1" STOP 150',
      'INSTANCE "VI_2" STOP 150',
      'GROUP "G" STOP 0',
      'closed',
    ]);
    expect(w.scripts).toContain('/bin/group-notify GROUP G STOP 0');
  });
});
