/**
 * Accept_Mode on the real kernel: a non-owner master in no_accept (here the default of vrrp_strict, as keepalived
 * makes it) answers ARP for the VIP but drops what is sent to it, through vipd's nftables table; in accept mode it
 * answers; stop removes the table.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { canRunNetns, Lab, waitFor } from '../helpers/netns.js';
import { VipdRouter } from '../helpers/routers.js';

const VIP = '192.0.2.100';
const base = { name: 'VI_1', vrid: 52, advertInt: 0.1, version: 3 as const, vips: [`${VIP}/24`], priority: 150 };
const ping = (lab: Lab) => lab.tryExec('c', 'ping', '-c', '2', '-i', '0.2', '-W', '1', VIP) !== undefined;

describe.skipIf(!canRunNetns())('accept and no_accept', () => {
  let lab: Lab;
  afterEach(() => lab?.destroy());

  it('vrrp_strict: the VIP resolves but is not answered; accept: answered; stop removes the rules', async () => {
    lab = Lab.create('accept', ['r1', 'c']);
    const strict = new VipdRouter(lab, 'r1', { ...base, topLevel: 'global_defs:\n  vrrp_strict: true\n' }).start();
    await waitFor(() => (strict.state() === 'MASTER' ? true : undefined), 8000, 20, 'master');
    expect(lab.exec('r1', 'nft', 'list', 'table', 'inet', 'vipd')).toContain(VIP);
    expect(ping(lab)).toBe(false);
    expect(lab.exec('c', 'ip', 'neigh', 'show', VIP)).toMatch(/lladdr/);
    strict.signal('SIGTERM');
    await strict.exited(5000);
    expect(lab.tryExec('r1', 'nft', 'list', 'table', 'inet', 'vipd')).toBeUndefined();

    const accepting = new VipdRouter(lab, 'r1', {
      ...base,
      topLevel: 'global_defs:\n  vrrp_strict: true\n',
      extra: ['accept: true'],
    }).start();
    await waitFor(() => (accepting.state() === 'MASTER' ? true : undefined), 8000, 20, 'master again');
    expect(ping(lab)).toBe(true);
    expect(lab.tryExec('r1', 'nft', 'list', 'table', 'inet', 'vipd')).toBeUndefined();
  });

  it("keepalived's nftables NAME, nftables_priority and nftables_counters: the table, its chain, counted drops", async () => {
    lab = Lab.create('nftname', ['r1', 'c']);
    const strict = new VipdRouter(lab, 'r1', {
      ...base,
      topLevel:
        'global_defs:\n  vrrp_strict: true\n  nftables: ka_rules\n  nftables_priority: -5\n  nftables_counters: true\n',
    }).start();
    await waitFor(() => (strict.state() === 'MASTER' ? true : undefined), 8000, 20, 'master');
    expect(ping(lab)).toBe(false);
    const table = lab.exec('r1', 'nft', 'list', 'table', 'inet', 'ka_rules');
    expect(table).toContain(VIP);
    expect(table).toMatch(/type filter hook input priority filter - 5; policy accept;/);
    expect(table).toMatch(/ip daddr @no_accept4 counter packets [1-9]\d* bytes \d+ drop/);
    expect(lab.tryExec('r1', 'nft', 'list', 'table', 'inet', 'vipd')).toBeUndefined();
    strict.signal('SIGTERM');
    await strict.exited(5000);
    expect(lab.tryExec('r1', 'nft', 'list', 'table', 'inet', 'ka_rules')).toBeUndefined();
  });
});
