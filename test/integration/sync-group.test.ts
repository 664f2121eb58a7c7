/**
 * vrrp_sync_group on the real kernel, with keepalived 2.2.7 as the peer running the same group: vipd (priority
 * 150) holds both VIPs; when only VI_1's tracker fails, both of its instances go to FAULT and keepalived takes both
 * VIPs; when the tracker recovers, vipd takes both back together. The group's notify script sees each state.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { canRunNetns, Lab, waitFor } from '../helpers/netns.js';
import { KeepalivedRouter, VipdRouter } from '../helpers/routers.js';

const VIPS = ['192.0.2.61', '192.0.2.62'];

function vipdConfig(dir: string): string {
  const inst = (name: string, vrid: number, vip: string, extra = '') => `  ${name}:
    interface: eth0
    virtual_router_id: ${vrid}
    priority: 150
    version: 3
    advert_int: 0.1
    virtual_ipaddress: ["${vip}/24"]
${extra}`;
  return `vrrp_sync_group:
  G:
    group: [VI_1, VI_2]
    notify: ${path.join(dir, 'group.sh')}
vrrp_instance:
${inst('VI_1', 61, VIPS[0] as string, `    track_file: [{ ${path.join(dir, 'up')}: { weight: 0 } }]\n`)}${inst('VI_2', 62, VIPS[1] as string)}`;
}

function keepalivedConfig(): string {
  const inst = (name: string, vrid: number, vip: string) =>
    `vrrp_instance ${name} {\n  state BACKUP\n  interface eth0\n  virtual_router_id ${vrid}\n  priority 100\n` +
    `  version 3\n  advert_int 0.1\n  virtual_ipaddress {\n    ${vip}/24\n  }\n}\n`;
  return `vrrp_sync_group G {\n  group {\n    VI_1\n    VI_2\n  }\n}\n${inst('VI_1', 61, VIPS[0] as string)}${inst('VI_2', 62, VIPS[1] as string)}`;
}

describe.skipIf(!canRunNetns())('vrrp_sync_group against keepalived', () => {
  let lab: Lab;
  afterEach(() => lab?.destroy());

  it("one member's tracker fails: both VIPs move to keepalived together; it recovers: both come back", async () => {
    lab = Lab.create('sync', ['r1', 'r2']);
    const opts = { name: 'G', vrid: 61, vips: VIPS.map((v) => `${v}/24`) };
    const r1 = new VipdRouter(lab, 'r1', opts);
    writeFileSync(path.join(r1.dir, 'up'), '0\n');
    writeFileSync(path.join(r1.dir, 'group.sh'), `#!/bin/sh\necho "$*" >> ${path.join(r1.dir, 'group.log')}\n`, {
      mode: 0o755,
    });
    r1.opts.configText = vipdConfig(r1.dir);
    r1.start();
    const r2 = new KeepalivedRouter(lab, 'r2', { ...opts, configText: keepalivedConfig() }).start();
    const both = (a: VipdRouter | KeepalivedRouter, b: VipdRouter | KeepalivedRouter) => () =>
      a.heldVips().length === 2 && b.heldVips().length === 0 ? true : undefined;
    await waitFor(both(r1, r2), 10_000, 20, 'vipd holds both VIPs');

    writeFileSync(path.join(r1.dir, 'up'), '1\n'); // VI_1's tracker fails; VI_2's has nothing to do with it
    await waitFor(both(r2, r1), 5000, 10, 'keepalived holds both VIPs');
    const vi2 = r1.lines().filter((l) => l.instance === 'VI_2' && l.msg === 'state transition');
    expect(vi2.at(-1)).toMatchObject({ from: 'MASTER', to: 'FAULT' });

    writeFileSync(path.join(r1.dir, 'up'), '0\n');
    await waitFor(both(r1, r2), 5000, 10, 'vipd holds both VIPs again');
    const group = readFileSync(path.join(r1.dir, 'group.log'), 'utf8').trim().split('\n');
    expect(group).toEqual([
      'GROUP G BACKUP 0',
      'GROUP G MASTER 0',
      'GROUP G FAULT 0',
      'GROUP G BACKUP 0',
      'GROUP G MASTER 0',
    ]);
    expect(r2.log).toMatch(/VRRP_Group\(G\) Syncing instances to MASTER state/);
  });
});
