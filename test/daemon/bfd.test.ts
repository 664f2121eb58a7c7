/**
 * track_bfd on the daemon and fake edges: a session of FRR's bfdd (by label or peer address) tracked by an instance
 * (weight 0: FAULT while down), counted down until bfdd says up, one watch for all that a reload keeps, the socket
 * global_defs names, and an announce withdrawn while its session is down.
 */
import { describe, expect, it } from 'vitest';
import type { BfdSession } from '../../src/core/bfd/control.js';
import { configOf, instanceYaml, master, world } from '../helpers/fake-daemon.js';

const session = (state: BfdSession['state'], label = 'up1'): BfdSession => ({
  peer: '192.0.2.254',
  label,
  multihop: false,
  state,
});

describe('track_bfd on the daemon', () => {
  it('an instance tracking a bfdd session: FAULT while it is down, back when up; down until bfdd speaks', async () => {
    const w = world('    track_bfd: [up1]\n', 'global_defs:\n  bfdd_socket: /run/frr/x.sock\n');
    await w.daemon.start();
    await w.advance(400);
    expect(w.state()).toBe('FAULT'); // no word from bfdd yet
    expect([...w.bfdWatchers.values()]).toEqual(['/run/frr/x.sock']);
    w.setBfd([session('up')]);
    await w.advance(400);
    expect(w.state()).toBe('MASTER');
    w.setBfd([session('down')]);
    await w.settle();
    expect(w.state()).toBe('FAULT');
    expect(w.lines.find((l) => l.msg === 'tracker changed' && l.state === 'down')).toMatchObject({
      tracker: 'bfd:up1',
    });
    // The peer address names it too.
    await w.daemon.reload(
      configOf(`vrrp_instance:\n${instanceYaml('VI_1', 51, { extra: '    track_bfd: [192.0.2.254]\n' })}`),
    );
    w.setBfd([session('up')]);
    await w.advance(400);
    expect(w.state()).toBe('MASTER');
    expect(w.bfdWatchers.size).toBe(1); // the reload kept the one watch
    await w.daemon.stop();
    expect(w.bfdWatchers.size).toBe(0);
  });

  it('a weighted track_bfd lowers the priority instead', async () => {
    const w = await master('    track_bfd: ["up1 weight -30"]\n');
    w.setBfd([session('up')]);
    await w.settle();
    w.wire.length = 0;
    w.setBfd([session('down')]);
    await w.settle();
    expect(w.state()).toBe('MASTER');
    expect(w.wire.filter((x) => x.kind === 'advert').map((x) => x.priority)).toEqual([120]);
  });

  it('an announce is withdrawn while its bfdd session is down', async () => {
    const w = world('', 'announce:\n  WEB:\n    prefix: 192.0.2.10\n    track_bfd: [up1]\n');
    w.kernel.addLink('lo');
    await w.daemon.start();
    await w.settle();
    expect(w.kernel.routes.size).toBe(0);
    w.setBfd([session('up')]);
    await w.settle();
    expect(w.kernel.routes.size).toBe(2);
    w.setBfd([session('init')]);
    await w.settle();
    expect(w.kernel.routes.size).toBe(0);
    expect(w.daemon.status('t').announces?.[0]?.why).toBe('bfd:up1 is down');
    expect(w.daemon.status('t').announces?.[0]?.trackers).toEqual([
      { kind: 'bfd', name: 'up1', weight: 0, reverse: false, up: false },
    ]);
  });
});
