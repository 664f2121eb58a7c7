/** Kernel re-checks per device: in order, one device never waiting on another, a burst of one re-check run once. */
import { describe, expect, it } from 'vitest';
import { DeviceQueues } from '../../src/daemon/device-queues.js';

const tick = () => new Promise((r) => setImmediate(r));

describe('DeviceQueues', () => {
  it("runs a device's tasks one after another, another device's beside them, and reports a failure", async () => {
    const failures: string[] = [];
    const q = new DeviceQueues((err, dev) => failures.push(`${dev}: ${(err as Error).message}`));
    const log: string[] = [];
    let release: () => void = () => undefined;
    q.run(
      'eth0',
      () =>
        new Promise<void>((r) => {
          release = () => {
            log.push('eth0 slow');
            r();
          };
        }),
    );
    q.run('eth0', async () => void log.push('eth0 next'));
    q.run('eth1', async () => void log.push('eth1'));
    q.run('eth1', async () => {
      throw new Error('gone');
    });
    q.run('eth1', async () => void log.push('eth1 after the failure'));
    await tick();
    expect(log).toEqual(['eth1', 'eth1 after the failure']);
    release();
    await tick();
    expect(log).toEqual(['eth1', 'eth1 after the failure', 'eth0 slow', 'eth0 next']);
    expect(failures).toEqual(['eth1: gone']);
  });

  it('a re-check asked for again before it started runs once; asked for while it runs, once more after', async () => {
    const q = new DeviceQueues(() => undefined);
    let runs = 0;
    let release: () => void = () => undefined;
    q.run(
      'eth0',
      () =>
        new Promise<void>((r) => {
          release = r;
        }),
    );
    for (let i = 0; i < 5; i++) q.coalesce('eth0', 'eth0/4', async () => void runs++);
    await tick();
    release();
    await tick();
    await tick();
    expect(runs).toBe(1);
    let inside: () => void = () => undefined;
    q.coalesce(
      'eth0',
      'eth0/4',
      () =>
        new Promise<void>((r) => {
          inside = r;
          runs++;
        }),
    );
    await tick();
    q.coalesce('eth0', 'eth0/4', async () => void runs++);
    inside();
    await tick();
    await tick();
    expect(runs).toBe(3);
  });
});
