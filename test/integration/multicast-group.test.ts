/**
 * vrrp_mcast_group4 and mcast_dst_ip: adverts to another multicast group than 224.0.0.18, with keepalived 2.2.7
 * on the same group as the peer. The backup hearing the master's adverts for many intervals (it stays BACKUP) is
 * the proof that both send to and listen on that group; a router on the default group does not hear them. With
 * IPsec AH too (its frames go to the group's MAC address).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { canRunNetns, Lab, waitFor } from '../helpers/netns.js';
import { KeepalivedRouter, VipdRouter } from '../helpers/routers.js';

const VIP = '192.0.2.90';
const GROUP = '  vrrp_mcast_group4 224.0.0.19';
const AH = '  authentication {\n    auth_type AH\n    auth_pass secret\n  }';

const config = (priority: number, groupLines: { global?: string; instance?: string }) => `global_defs {
  script_user root
${groupLines.global ?? ''}
}
vrrp_instance VI_1 {
  state BACKUP
  interface eth0
  virtual_router_id 90
  priority ${priority}
  advert_int 1
${groupLines.instance ?? ''}
  virtual_ipaddress {
    ${VIP}/24
  }
}
`;

describe.skipIf(!canRunNetns())('another multicast group, with keepalived 2.2.7', () => {
  let lab: Lab;
  afterEach(() => lab?.destroy());

  it.each([
    ['vipd master, keepalived backup, vrrp_mcast_group4', 'vipd', { global: '  vrrp_mcast_group4 224.0.0.19' }],
    ['keepalived master, vipd backup, mcast_dst_ip', 'keepalived', { instance: '  mcast_dst_ip 224.0.0.19' }],
    ['vipd master, keepalived backup, AH to vrrp_mcast_group4', 'vipd', { global: GROUP, instance: AH }],
    ['keepalived master, vipd backup, AH to vrrp_mcast_group4', 'keepalived', { global: GROUP, instance: AH }],
  ] as const)('%s', async (_name, masterKind, lines) => {
    lab = Lab.create('mgroup', ['r1', 'r2', 'r3']);
    const opts = (name: string) => ({ name, vrid: 90, vips: [VIP] });
    const make = (kind: 'vipd' | 'keepalived', host: string, text: string) => {
      const r = kind === 'vipd' ? new VipdRouter(lab, host, opts(host)) : new KeepalivedRouter(lab, host, opts(host));
      r.opts.configText = text;
      return r;
    };
    const backupKind = masterKind === 'vipd' ? 'keepalived' : 'vipd';
    const master = make(masterKind, 'r1', config(150, lines));
    const backup = make(backupKind, 'r2', config(100, lines));
    master.start();
    await waitFor(() => (master.heldVips().length === 1 ? true : undefined), 15_000, 50, 'r1 MASTER');
    backup.start();
    // Five advert intervals and more: a backup that did not hear the master would have taken over after 3.6 s.
    await new Promise((r) => setTimeout(r, 6000));
    expect(backup.state()).toBe('BACKUP');
    expect(backup.heldVips()).toEqual([]);
    expect(master.heldVips()).toEqual([VIP]);
    // A router on the default group hears none of it: it takes the address too.
    const deaf = make('vipd', 'r3', config(120, {}));
    deaf.start();
    await waitFor(() => (deaf.heldVips().length === 1 ? true : undefined), 15_000, 50, 'r3 MASTER on 224.0.0.18');
    // The master dies: the backup, on the same group, takes over.
    master.hardKill();
    await waitFor(() => (backup.heldVips().length === 1 ? true : undefined), 15_000, 50, 'r2 takes over');
  });
});
