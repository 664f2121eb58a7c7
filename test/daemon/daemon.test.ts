/**
 * The Daemon on fake edges (no root needed): a fake kernel of links and addresses that emits the events
 * netlink would, fake sockets bound to an interface index, timers on a fake clock. What is checked is how
 * vipd's picture of the kernel follows the kernel: an interface deleted and created again, the advert
 * source address removed and restored, a VIP deleted behind vipd's back, sends that keep failing.
 */
import { describe, expect, it } from 'vitest';
import { describePlan } from '../../src/core/config/diff.js';
import { configOf, instanceYaml, master, PRIMARY, VIP, world } from '../helpers/fake-daemon.js';

describe('Daemon on a fake kernel', () => {
  it('an interface deleted and created again: FAULT, then new sockets on the new index, then BACKUP and MASTER', async () => {
    const w = await master();
    w.kernel.deleteLink('eth0');
    await w.settle();
    expect(w.state()).toBe('FAULT');
    expect(w.sockets.at(-1)).toBe('close on 2');
    const link = w.kernel.addLink('eth0');
    await w.settle();
    expect(w.state()).toBe('FAULT'); // no source address on the new interface yet
    expect(w.sockets.slice(-1)).toEqual([`open ipv4 on ${link.index}`]);
    w.kernel.addAddress('eth0', PRIMARY, 24);
    await w.settle();
    expect(w.state()).toBe('BACKUP');
    w.wire.length = 0;
    await w.advance(400);
    expect(w.state()).toBe('MASTER');
    expect(w.kernel.has('eth0', VIP)).toBe(true);
    // Everything goes out on the new interface, GARPs with its MAC.
    expect(new Set(w.wire.map((x) => x.ifindex))).toEqual(new Set([link.index]));
    expect(w.wire.find((x) => x.kind === 'garp')?.mac).toBe(link.mac.toString('hex').replace(/(..)(?!$)/g, '$1:'));
    expect(w.lines.filter((l) => l.msg === 'send failed')).toEqual([]);
  });

  it('with unicast_src_ip, an interface deleted and created again: FAULT, then MASTER again (it stayed in FAULT)', async () => {
    const w = world(`    unicast_src_ip: ${PRIMARY}\n    unicast_peer: [192.0.2.12]\n`);
    await w.daemon.start();
    await w.advance(400);
    expect(w.state()).toBe('MASTER');
    w.kernel.deleteLink('eth0');
    await w.settle();
    expect(w.state()).toBe('FAULT');
    w.kernel.addLink('eth0');
    w.kernel.addAddress('eth0', PRIMARY, 24);
    await w.settle();
    await w.advance(400);
    expect(w.state()).toBe('MASTER');
  });

  it('the advert source removed: FAULT with one reason, nothing sent; restored: BACKUP, then MASTER with the VIP', async () => {
    const w = await master();
    w.wire.length = 0;
    w.kernel.removeAddress('eth0', PRIMARY); // the VIP (same subnet) goes with it
    await w.settle();
    expect(w.state()).toBe('FAULT');
    await w.advance(2000);
    expect(w.wire.filter((x) => x.priority !== 0)).toEqual([]);
    expect(w.lines.filter((l) => l.msg === 'fault').map((l) => l.reason)).toEqual([
      'interface eth0 has no IPv4 address to send adverts from',
    ]);
    w.kernel.addAddress('eth0', PRIMARY, 24);
    await w.settle();
    expect(w.state()).toBe('BACKUP');
    await w.advance(400);
    expect(w.state()).toBe('MASTER');
    expect(w.kernel.has('eth0', VIP)).toBe(true);
  });

  it('a new source address is used from then on (adverts and the equal-priority tie-break)', async () => {
    const w = await master();
    w.kernel.addAddress('eth0', '192.0.2.50', 24); // secondary
    w.kernel.removeAddress('eth0', '192.0.2.50');
    await w.settle();
    expect(w.state()).toBe('MASTER');
    // The primary replaced by another address (and the VIP deleted with the old one), seen in one re-check:
    // the master carries on from the new address and puts its VIP back.
    w.kernel.removeAddress('eth0', PRIMARY);
    w.kernel.addAddress('eth0', '192.0.2.77', 24);
    await w.settle();
    expect(w.state()).toBe('MASTER');
    expect(w.kernel.has('eth0', VIP)).toBe(true);
    expect(w.daemon.instances[0]?.machine.params.primaryAddress).toBe('192.0.2.77');
    w.wire.length = 0;
    await w.advance(400);
    expect(w.wire.filter((x) => x.kind === 'advert').map((x) => x.src)).toContain('192.0.2.77');
    expect(w.wire.filter((x) => x.kind === 'advert').map((x) => x.src)).not.toContain(PRIMARY);
  });

  it('a VIP deleted behind vipd while master is put back and announced; while backup it is left alone', async () => {
    const w = await master();
    w.wire.length = 0;
    w.kernel.removeAddress('eth0', VIP);
    await w.settle();
    expect(w.kernel.has('eth0', VIP)).toBe(true);
    expect(w.wire.filter((x) => x.kind === 'garp').length).toBeGreaterThan(0);
    expect(w.lines.some((l) => l.msg === 'VIP deleted behind vipd: adding it back')).toBe(true);
    // A VIP vipd put back is its own: never chosen as the advert source.
    w.kernel.removeAddress('eth0', PRIMARY);
    await w.settle();
    expect(w.state()).toBe('FAULT');
  });

  it('a VIP marked no_track is left deleted (keepalived), the others put back', async () => {
    const w = world('    virtual_ipaddress_excluded: ["192.0.2.101/24 no_track", "192.0.2.102/24"]\n');
    await w.daemon.start();
    await w.advance(400);
    w.kernel.removeAddress('eth0', '192.0.2.101');
    w.kernel.removeAddress('eth0', '192.0.2.102');
    await w.settle();
    expect(w.kernel.has('eth0', '192.0.2.101')).toBe(false);
    expect(w.kernel.has('eth0', '192.0.2.102')).toBe(true);
  });

  it('static_ipaddress: added at start whatever the state, put back when deleted, changed by a reload, removed at stop', async () => {
    const statics = (...lines: string[]) => `static_ipaddress: [${lines.map((l) => `"${l}"`).join(', ')}]\n`;
    const w = world('', statics('198.51.100.1/24 dev eth1', '198.51.100.2/24 dev eth1'));
    w.kernel.addLink('eth1');
    await w.daemon.start();
    expect(w.state()).toBe('BACKUP');
    expect(w.kernel.has('eth1', '198.51.100.1')).toBe(true);
    w.kernel.removeAddress('eth1', '198.51.100.1');
    await w.settle();
    expect(w.kernel.has('eth1', '198.51.100.1')).toBe(true);
    expect(w.lines.some((l) => l.msg === 'static address deleted behind vipd: adding it back')).toBe(true);
    // The interface deleted and created again: no address event, but the static addresses come back.
    w.kernel.deleteLink('eth1');
    await w.settle();
    w.kernel.addLink('eth1');
    await w.settle();
    expect(['1', '2'].map((n) => w.kernel.has('eth1', `198.51.100.${n}`))).toEqual([true, true]);
    await w.daemon.reload(
      configOf(
        `${statics('198.51.100.2/24 dev eth1', '198.51.100.3/24 dev eth1')}vrrp_instance:\n${instanceYaml('VI_1', 51)}`,
      ),
    );
    expect(['1', '2', '3'].map((n) => w.kernel.has('eth1', `198.51.100.${n}`))).toEqual([false, true, true]);
    await w.daemon.stop();
    expect(['2', '3'].map((n) => w.kernel.has('eth1', `198.51.100.${n}`))).toEqual([false, false]);
  });

  it('a tracked interface going down is FAULT (weight 0), the VIP released; up again, master again', async () => {
    const w = world('    track_interface: [eth1]\n');
    w.kernel.addLink('eth1');
    await w.daemon.start();
    await w.advance(400);
    expect(w.state()).toBe('MASTER');
    w.kernel.setUp('eth1', false);
    await w.settle();
    expect(w.state()).toBe('FAULT');
    expect(w.kernel.has('eth0', VIP)).toBe(false);
    w.kernel.setUp('eth1', true);
    await w.settle();
    expect(w.state()).toBe('BACKUP');
    await w.advance(400);
    expect(w.state()).toBe('MASTER');
  });

  it('a track_file value changes the advertised priority at once', async () => {
    const w = await master('    track_file: [{ /run/prio: { weight: -2 } }]\n');
    w.wire.length = 0;
    w.writeTrackedFile('/run/prio', '10\n');
    await w.settle();
    expect(w.wire.filter((x) => x.kind === 'advert').map((x) => x.priority)).toEqual([130]);
    await w.advance(100);
    expect(w.wire.filter((x) => x.kind === 'advert').map((x) => x.priority)).toEqual([130, 130]);
  });

  it("notify FIFOs get keepalived's lines, in order, STOP included, and are closed on stop", async () => {
    const w = world('', 'global_defs:\n  notify_fifo: /run/a.fifo\n  vrrp_notify_fifo: /run/b.fifo\n');
    await w.daemon.start();
    await w.advance(400);
    await w.daemon.stop();
    const a = w.fifoLines.filter((l) => l.startsWith('/run/a.fifo '));
    expect(a).toEqual([
      '/run/a.fifo INSTANCE "VI_1" BACKUP 150',
      '/run/a.fifo INSTANCE "VI_1" MASTER 150',
      '/run/a.fifo INSTANCE "VI_1" STOP 150',
      '/run/a.fifo closed',
    ]);
    expect(w.fifoLines.filter((l) => l.startsWith('/run/b.fifo ')).length).toBe(4);
  });

  it('every transition reaches the daemon through its event queue, after the instance performed it', async () => {
    const w = await master();
    expect(w.daemon.lastTransition.get('VI_1')).toMatchObject({
      from: 'BACKUP',
      to: 'MASTER',
      cause: 'master-down-timer',
    });
    w.kernel.removeAddress('eth0', PRIMARY);
    await w.settle();
    expect(w.daemon.lastTransition.get('VI_1')).toMatchObject({
      from: 'MASTER',
      to: 'FAULT',
      cause: 'fault',
      trigger: 'interface eth0 has no IPv4 address to send adverts from',
    });
  });

  it('a VIP left over from an earlier run (kill -9) is removed before the instance starts as BACKUP', async () => {
    const w = world();
    w.kernel.addAddress('eth0', VIP, 24);
    await w.daemon.start();
    expect(w.state()).toBe('BACKUP');
    expect(w.kernel.has('eth0', VIP)).toBe(false);
  });

  it('a backup does not add a VIP that someone removed', async () => {
    const w = world();
    await w.daemon.start();
    w.kernel.addAddress('eth0', VIP, 24); // someone else's
    w.kernel.removeAddress('eth0', VIP);
    await w.settle();
    expect(w.state()).toBe('BACKUP');
    expect(w.kernel.has('eth0', VIP)).toBe(false);
  });

  it('sends that keep failing: one log line, FAULT after three adverts, BACKUP again after a second', async () => {
    const w = await master();
    w.kernel.sendError = 'EPERM';
    await w.advance(150); // MASTER since 1341: the adverts at 1441 and 1541 fail
    expect(w.state()).toBe('MASTER');
    await w.advance(100); // the third, at 1641
    expect(w.state()).toBe('FAULT');
    expect(w.kernel.has('eth0', VIP)).toBe(false);
    expect(w.lines.filter((l) => l.msg === 'send failed').length).toBe(1);
    w.kernel.sendError = undefined;
    await w.advance(1000);
    expect(w.state()).toBe('BACKUP');
    await w.advance(400);
    expect(w.state()).toBe('MASTER');
    const repeated = w.lines.find((l) => l.msg === 'send failed (repeated)');
    expect(repeated).toMatchObject({ error: 'advert EPERM' });
  });

  it('a stop asked for during start-up waits for it and then releases what it started', async () => {
    const w = world();
    const started = w.daemon.start();
    const stopped = w.daemon.stop();
    await started;
    await stopped;
    expect(w.state()).toBe('INIT');
    await w.advance(1000);
    expect(w.state()).toBe('INIT');
    expect(w.kernel.has('eth0', VIP)).toBe(false);
  });

  it('stop after the interface is gone: nothing thrown, the VIP it held is gone with the interface', async () => {
    const w = await master();
    w.kernel.deleteLink('eth0');
    await w.settle();
    await w.daemon.stop();
    expect(w.state()).toBe('INIT');
  });

  describe('reload', () => {
    const reloadTo = (instances: string) => configOf(`vrrp_instance:\n${instances}`);

    it('unchanged: the same runner keeps its state and timers; nothing is sent or notified', async () => {
      const w = await master();
      const runner = w.daemon.instances[0];
      w.wire.length = 0;
      const plan = await w.daemon.reload(reloadTo(instanceYaml('VI_1', 51)));
      await w.settle();
      expect(plan.unchanged).toEqual(['VI_1']);
      expect(w.daemon.instances[0]).toBe(runner);
      expect(w.wire).toEqual([]);
      await w.advance(100);
      expect(w.wire.map((x) => x.priority)).toEqual([150]);
      expect(w.state()).toBe('MASTER');
    });

    it('priority changed: advertised at once, no transition; VIPs added and removed one by one', async () => {
      const w = await master();
      const transitions = w.daemon.lastTransition.get('VI_1');
      w.wire.length = 0;
      const plan = await w.daemon.reload(
        reloadTo(instanceYaml('VI_1', 51, { priority: 120, vips: ['192.0.2.101/24'] })),
      );
      await w.settle();
      expect(plan.updated).toMatchObject([{ name: 'VI_1', changes: ['priority', 'vips'] }]);
      expect(describePlan(plan)).toEqual([
        'instance VI_1: updated in place (priority, vips)',
        'instance VI_1: as master adds address 192.0.2.101/24 dev eth0',
        'instance VI_1: as master removes address 192.0.2.100/24 dev eth0',
      ]);
      expect(w.wire.filter((x) => x.kind === 'advert').map((x) => x.priority)).toEqual([120]);
      expect(w.kernel.has('eth0', '192.0.2.101')).toBe(true);
      expect(w.kernel.has('eth0', VIP)).toBe(false);
      expect(w.wire.some((x) => x.kind === 'garp')).toBe(true);
      expect(w.state()).toBe('MASTER');
      expect(w.daemon.lastTransition.get('VI_1')).toBe(transitions);
    });

    it('removed: leaves as on shutdown (priority 0, VIP removed); added: starts', async () => {
      const w = await master();
      w.wire.length = 0;
      const plan = await w.daemon.reload(reloadTo(instanceYaml('VI_2', 52, { vips: ['192.0.2.102/24'] })));
      await w.settle();
      expect(plan).toMatchObject({ removed: ['VI_1'], added: ['VI_2'] });
      expect(w.wire.filter((x) => x.kind === 'advert').map((x) => x.priority)).toEqual([0]);
      expect(w.kernel.has('eth0', VIP)).toBe(false);
      expect(w.daemon.instances.map((r) => r.config.name)).toEqual(['VI_2']);
      await w.advance(400);
      expect(w.daemon.instances[0]?.machine.state).toBe('MASTER');
      expect(w.kernel.has('eth0', '192.0.2.102')).toBe(true);
    });

    it('identity changed (VRID): leaves and starts again', async () => {
      const w = await master();
      const runner = w.daemon.instances[0];
      const plan = await w.daemon.reload(reloadTo(instanceYaml('VI_1', 53)));
      await w.settle();
      expect(plan.restarted).toEqual([{ name: 'VI_1', changes: ['vrid'] }]);
      expect(w.daemon.instances[0]).not.toBe(runner);
      expect(w.state()).toBe('BACKUP');
      await w.advance(400);
      expect(w.state()).toBe('MASTER');
      expect(w.kernel.has('eth0', VIP)).toBe(true);
    });

    it('a new instance on a missing interface is refused and nothing changes', async () => {
      const w = await master();
      const next = reloadTo(
        `${instanceYaml('VI_1', 51, { priority: 99 })}${instanceYaml('VI_9', 59).replace('interface: eth0', 'interface: eth9')}`,
      );
      await expect(w.daemon.reload(next)).rejects.toThrow('instance VI_9: interface eth9 does not exist');
      expect(w.daemon.instances.map((r) => r.config.priority)).toEqual([150]);
      expect(w.state()).toBe('MASTER');
    });

    it('an unchanged tracker keeps its state; a changed one starts again', async () => {
      const w = await master('    track_file: [{ /run/prio: { weight: -2 } }]\n');
      w.writeTrackedFile('/run/prio', '10\n');
      await w.settle();
      expect(w.daemon.instances[0]?.machine.snapshot().effectivePriority).toBe(130);
      await w.daemon.reload(
        reloadTo(instanceYaml('VI_1', 51, { extra: '    track_file: [{ /run/prio: { weight: -2 } }]\n' })),
      );
      await w.settle();
      expect(w.daemon.instances[0]?.machine.snapshot().effectivePriority).toBe(130);
    });
  });
});

describe('VRRPv2 IPsec AH on the daemon', () => {
  const ahWorld = () =>
    world(
      '    authentication: { auth_type: AH, auth_pass: secret }\n',
      '',
      instanceYaml('VI_1', 51, { version: 2, advertInt: 1 }),
    );

  it("sends AH frames with rising numbers that carry on from the peer's; a replayed number is dropped", async () => {
    const w = ahWorld();
    await w.daemon.start();
    w.inject(51, 200, { ah: { seq: 40, password: 'secret' } });
    await w.settle();
    w.inject(51, 200, { ah: { seq: 40, password: 'secret' } }); // a replay
    const drops: string[] = [];
    w.daemon.onDrop((instance, reason, src) => drops.push(`${instance} ${reason} ${src}`));
    w.inject(51, 200, { ah: { seq: 41, password: 'wrong!' } }); // a wrong key
    await w.settle();
    expect(drops).toEqual(['VI_1 auth_failure 192.0.2.12']);
    const counters = w.daemon.instances[0]?.counters;
    expect(counters?.advertRcvd).toBe(1);
    expect(counters?.drops.get('auth_failure')).toBe(2);
    // The peer goes silent: vipd takes over, numbering its adverts after the peer's last.
    await w.advance(6000);
    expect(w.state()).toBe('MASTER');
    const frames = w.wire.filter((x) => x.kind === 'frame');
    expect(frames.slice(0, 3).map((f) => [f.seq, f.priority])).toEqual([
      [41, 150],
      [42, 150],
      [43, 150],
    ]);
    expect(w.wire.some((x) => x.kind === 'advert')).toBe(false);
  });

  it('with unicast peers: takes unicast AH adverts, and sends its own as datagrams to each peer, at unicast_ttl', async () => {
    const w = world(
      '    authentication: { auth_type: AH, auth_pass: secret }\n    unicast_peer: [192.0.2.12, 192.0.2.13]\n    unicast_ttl: 9\n',
      '',
      instanceYaml('VI_1', 51, { version: 2, advertInt: 1 }),
    );
    await w.daemon.start();
    w.inject(51, 200, { dst: PRIMARY, ah: { seq: 7, password: 'secret' } });
    w.inject(51, 200, { dst: PRIMARY, ah: { seq: 8, password: 'wrong!' } });
    // Signed as if to the multicast group (the TTL inside the ICV): not what a unicast peer signs.
    w.inject(51, 200, { dst: '224.0.0.18', ah: { seq: 9, password: 'secret' } });
    await w.settle();
    const counters = w.daemon.instances[0]?.counters;
    expect(counters?.advertRcvd).toBe(1);
    expect(counters?.drops.get('auth_failure')).toBe(2);
    await w.advance(6000);
    expect(w.state()).toBe('MASTER');
    const sent = w.wire.filter((x) => x.kind === 'ah-datagram');
    expect(sent.slice(0, 4).map((d) => [d.dst, d.seq, d.src, d.ttl, d.priority])).toEqual([
      ['192.0.2.12', 8, PRIMARY, 9, 150],
      ['192.0.2.13', 9, PRIMARY, 9, 150],
      ['192.0.2.12', 10, PRIMARY, 9, 150],
      ['192.0.2.13', 11, PRIMARY, 9, 150],
    ]);
    expect(w.wire.some((x) => x.kind === 'advert' || x.kind === 'frame')).toBe(false);
  });
});

describe('GARP pacing (vrrp_garp_interval)', () => {
  it("spaces an interface's gratuitous ARPs by the interval, the first at once", async () => {
    const w = world(
      '    garp_master_repeat: 2\n    virtual_ipaddress_excluded: ["192.0.2.101/24", "192.0.2.102/24"]\n',
      'global_defs:\n  vrrp_garp_interval: 0.05\n',
    );
    await w.daemon.start();
    await w.advance(400);
    expect(w.state()).toBe('MASTER');
    const start = w.wire.find((x) => x.kind === 'garp')?.at ?? 0;
    await w.advance(500);
    const times = w.wire.filter((x) => x.kind === 'garp').map((x) => (x.at ?? 0) - start);
    expect(times.slice(0, 6)).toEqual([0, 50, 100, 150, 200, 250]);
  });
});

describe('notify scripts with a user', () => {
  it('run as their user; an unknown one stops the start', async () => {
    const w = world('    notify_master: { command: /bin/m.sh, user: nobody }\n    notify_backup: /bin/b.sh\n');
    await w.daemon.start();
    await w.advance(400);
    await w.settle();
    expect(w.scripts).toEqual(['/bin/b.sh', '/bin/m.sh (as 65534)']);
    const bad = world('    notify_master: { command: /bin/m.sh, user: nosuchuser }\n');
    await expect(bad.daemon.start()).rejects.toThrow(
      'vrrp_instance VI_1: notify_master runs as nosuchuser, and there is no such user',
    );
  });
});

describe('addresses on another interface', () => {
  it('are announced there with its MAC at takeover, and with garp_extra_if all every interval while master', async () => {
    const w = world('    virtual_ipaddress_excluded: ["198.51.100.1/24 dev eth1"]\n    garp_extra_if: "all 1"\n');
    const eth1 = w.kernel.addLink('eth1', Buffer.from('020000000099', 'hex'));
    await w.daemon.start();
    await w.advance(400);
    expect(w.state()).toBe('MASTER');
    const onEth1 = () => w.wire.filter((x) => x.kind === 'garp' && x.ifindex === eth1.index);
    expect(onEth1().length).toBe(5); // garp_master_repeat, on eth1, with eth1's MAC
    expect(new Set(onEth1().map((g) => g.mac))).toEqual(new Set(['02:00:00:00:00:99']));
    const eth0 = w.kernel.links.get('eth0')?.index;
    expect(w.wire.filter((x) => x.kind === 'garp' && x.ifindex === eth0).length).toBe(5); // the VIP, on eth0
    await w.advance(3050);
    expect(onEth1().length).toBe(5 + 3); // one every second (the delayed block comes at 5 s)
    w.inject(51, 200);
    await w.settle();
    expect(w.state()).toBe('BACKUP');
    const count = onEth1().length;
    for (let i = 0; i < 20; i++) {
      w.inject(51, 200); // the new master goes on advertising
      await w.advance(100);
    }
    expect(w.state()).toBe('BACKUP');
    expect(onEth1().length).toBe(count); // a backup announces nothing
  });
});
