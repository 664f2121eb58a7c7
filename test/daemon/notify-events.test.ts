/**
 * keepalived's notify events beyond transitions, on the fake kernel: notify_master_rx_lower_pri (and FIFO
 * MASTER_RX_LOWER_PRI) when a master hears a lower priority, notify_priority_changes (FIFO MASTER_PRIORITY /
 * BACKUP_PRIORITY), and notify_deleted (DELETED, else keepalived's FAULT, for an instance a reload removes).
 */
import { describe, expect, it } from 'vitest';
import { configOf, instanceYaml, world } from '../helpers/fake-daemon.js';

const FIFO = 'global_defs:\n  vrrp_notify_fifo: /run/v.fifo\n';
const lines = (w: { fifoLines: string[] }) =>
  w.fifoLines.filter((l) => l.startsWith('/run/v.fifo ')).map((l) => l.slice('/run/v.fifo '.length));

describe('notify events', () => {
  it('a master hearing a lower priority runs notify_master_rx_lower_pri and writes MASTER_RX_LOWER_PRI', async () => {
    const w = world('    notify_master_rx_lower_pri: /usr/local/bin/take-back\n', FIFO);
    await w.daemon.start();
    await w.advance(400);
    expect(w.state()).toBe('MASTER');
    w.inject(51, 100);
    await w.settle();
    expect(w.state()).toBe('MASTER');
    expect(w.scripts).toEqual(['/usr/local/bin/take-back']);
    expect(lines(w)).toEqual([
      'INSTANCE "VI_1" BACKUP 150',
      'INSTANCE "VI_1" MASTER 150',
      'INSTANCE "VI_1" MASTER_RX_LOWER_PRI 150',
    ]);
    // A higher priority is not a lower one: the master yields, nothing more runs.
    w.inject(51, 200);
    await w.settle();
    expect(w.state()).toBe('BACKUP');
    expect(w.scripts).toEqual(['/usr/local/bin/take-back']);
  });

  it('notify_priority_changes: a FIFO line at each change of the effective priority, by state', async () => {
    const w = world('    notify_priority_changes: true\n    track_file: [{ /run/prio: { weight: -2 } }]\n', FIFO);
    await w.daemon.start();
    await w.advance(400);
    w.writeTrackedFile('/run/prio', '10\n');
    await w.settle();
    w.writeTrackedFile('/run/prio', '10\n'); // the same value: no change, no line
    await w.settle();
    w.inject(51, 200);
    await w.settle();
    w.writeTrackedFile('/run/prio', '0\n');
    await w.settle();
    expect(lines(w)).toEqual([
      'INSTANCE "VI_1" BACKUP 150',
      'INSTANCE "VI_1" MASTER 150',
      'INSTANCE "VI_1" MASTER_PRIORITY 130',
      'INSTANCE "VI_1" BACKUP 130',
      'INSTANCE "VI_1" BACKUP_PRIORITY 150',
    ]);
    const quiet = world('    track_file: [{ /run/prio: { weight: -2 } }]\n', FIFO);
    await quiet.daemon.start();
    quiet.writeTrackedFile('/run/prio', '10\n');
    await quiet.settle();
    expect(lines(quiet).some((l) => l.includes('_PRIORITY'))).toBe(false);
  });

  it('an instance a reload removes notifies FAULT (keepalived), or DELETED and its script with notify_deleted', async () => {
    const reloadWithout = async (extra: string) => {
      const w = world('', FIFO, `${instanceYaml('VI_1', 51)}${extra}${instanceYaml('VI_2', 52)}`);
      await w.daemon.start();
      await w.advance(400);
      w.scripts.length = 0;
      await w.daemon.reload(configOf(`${FIFO}vrrp_instance:\n${instanceYaml('VI_2', 52)}`));
      await w.settle();
      return {
        scripts: w.scripts,
        fifo: lines(w)
          .filter((l) => l.startsWith('INSTANCE "VI_1"'))
          .slice(2),
      };
    };
    expect(await reloadWithout('    notify_fault: /bin/on-fault\n    notify: /bin/notify\n')).toEqual({
      scripts: ['/bin/on-fault', '/bin/notify INSTANCE VI_1 FAULT 150'],
      fifo: ['INSTANCE "VI_1" FAULT 150'],
    });
    expect(await reloadWithout('    notify_deleted: /bin/on-deleted\n    notify: /bin/notify\n')).toEqual({
      scripts: ['/bin/on-deleted', '/bin/notify INSTANCE VI_1 DELETED 150'],
      fifo: ['INSTANCE "VI_1" DELETED 150'],
    });
    expect(await reloadWithout('    notify_deleted: true\n    notify: /bin/notify\n')).toEqual({
      scripts: ['/bin/notify INSTANCE VI_1 DELETED 150'],
      fifo: ['INSTANCE "VI_1" DELETED 150'],
    });
  });
});

describe('fifo_write_vrrp_states_on_reload', () => {
  it("a reload writes every instance's state to the FIFO; without it, only what changed", async () => {
    for (const [on, expected] of [
      [true, ['INSTANCE "VI_1" BACKUP 150', 'INSTANCE "VI_1" MASTER 150', 'INSTANCE "VI_1" MASTER 150']],
      [false, ['INSTANCE "VI_1" BACKUP 150', 'INSTANCE "VI_1" MASTER 150']],
    ] as const) {
      const top = `${FIFO}${on ? '  fifo_write_vrrp_states_on_reload: true\n' : ''}`;
      const w = world('', top);
      await w.daemon.start();
      await w.advance(400);
      await w.daemon.reload(configOf(`${top}vrrp_instance:\n${instanceYaml('VI_1', 51)}`));
      await w.settle();
      expect(lines(w)).toEqual(expected);
    }
  });
});
