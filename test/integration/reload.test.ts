/**
 * Reload in namespaces (SIGHUP and `vipd reload`): an unchanged master's adverts never pause longer than
 * advert_int + 50 ms and nothing transitions; a new priority is advertised at once (the peer preempts); a VIP is
 * added without a transition; a broken file is refused with file:line:col and the running configuration stays.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startCapture } from '../helpers/capture.js';
import { canRunNetns, Lab, waitFor } from '../helpers/netns.js';
import { readPcap } from '../helpers/pcap.js';
import { type RouterOptions, repoRoot, VipdRouter, vipdYaml } from '../helpers/routers.js';
import { vrrpAdverts } from '../helpers/wire.js';

const VIP = '192.0.2.100';
const cli = path.join(repoRoot, 'dist/vipd.js');

describe.skipIf(!canRunNetns())('reload', () => {
  let lab: Lab;
  afterEach(() => lab?.destroy());

  async function pair() {
    lab = Lab.create('reload', ['r1', 'r2', 'client']);
    const opts: RouterOptions = { name: 'VI_1', vrid: 41, advertInt: 0.1, vips: [`${VIP}/24`] };
    const r1 = new VipdRouter(lab, 'r1', { ...opts, priority: 150 }).start();
    await waitFor(() => (r1.state() === 'MASTER' ? true : undefined), 5000, 20, 'r1 MASTER');
    const r2 = new VipdRouter(lab, 'r2', { ...opts, priority: 100 }).start();
    await waitFor(() => (r2.state() === 'BACKUP' ? true : undefined), 5000, 20, 'r2 BACKUP');
    return { r1, r2 };
  }

  const rewrite = (r: VipdRouter, change: Partial<RouterOptions>) =>
    writeFileSync(path.join(r.dir, 'vipd.yaml'), vipdYaml({ ...r.opts, ...change }, r.dir));
  const vipdReload = (r: VipdRouter) =>
    spawnSync(process.execPath, [cli, 'reload', '--control-socket', r.controlSocket], {
      encoding: 'utf8',
      timeout: 30_000,
    });

  it('SIGHUP with the same file: no transition, and the adverts never pause longer than advert_int + 50 ms', async () => {
    const { r1, r2 } = await pair();
    const cap = await startCapture(lab, 'client', 'eth0', 'ip proto 112');
    await new Promise((r) => setTimeout(r, 300));
    const before = r1.transitions().length;
    r1.signal('SIGHUP');
    await waitFor(() => (r1.log.includes('configuration reloaded') ? true : undefined), 3000, 20, 'reloaded');
    await new Promise((r) => setTimeout(r, 500));
    const adverts = vrrpAdverts(readPcap(await cap.stop())).filter((a) => a.src === lab.host('r1').ipv4);
    const gaps = adverts.slice(1).map((a, i) => (a.ts - (adverts[i]?.ts ?? 0)) * 1000);
    console.log(`largest advert gap across a reload: ${Math.max(...gaps).toFixed(1)} ms`);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(150);
    expect(r1.transitions().length).toBe(before);
    expect([r1.state(), r2.state()]).toEqual(['MASTER', 'BACKUP']);
  });

  it('vipd reload: a lower priority is advertised at once and the peer preempts; a VIP is added in place', async () => {
    const { r1, r2 } = await pair();
    rewrite(r1, { vips: [`${VIP}/24`, '192.0.2.101/24'] });
    const added = vipdReload(r1);
    expect(added.status).toBe(0);
    expect(added.stdout).toContain('reloaded: 0 unchanged, 1 updated');
    expect(added.stdout).toContain('  instance VI_1: as master adds address 192.0.2.101/24 dev eth0');
    await waitFor(() => (lab.addresses('r1').includes('192.0.2.101') ? true : undefined), 2000, 20, 'the new VIP');
    expect(r1.state()).toBe('MASTER');
    rewrite(r1, { priority: 90 });
    const t0 = Date.now();
    expect(vipdReload(r1).status).toBe(0);
    await waitFor(() => (r2.state() === 'MASTER' && r2.heldVips().includes(VIP) ? true : undefined), 3000, 10, 'r2');
    console.log(`peer preempted ${Date.now() - t0} ms after the reload command returned`);
    await waitFor(() => (r1.state() === 'BACKUP' ? true : undefined), 2000, 10, 'r1 BACKUP');
    expect(r1.heldVips()).toEqual([]);
    expect(lab.addresses('r1')).not.toContain('192.0.2.101');
  });

  it('a broken file is refused with file:line:col (exit 2); the running configuration stays', async () => {
    const { r1 } = await pair();
    const file = path.join(r1.dir, 'vipd.yaml');
    writeFileSync(file, vipdYaml(r1.opts, r1.dir).replace('virtual_router_id: 41', 'virtual_router_id: 300'));
    const r = vipdReload(r1);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^error: ${file}:5:\\d+: .*virtual_router_id`, 'm'));
    await new Promise((res) => setTimeout(res, 300));
    expect(r1.state()).toBe('MASTER');
    expect(r1.heldVips()).toEqual([VIP]);
    expect(r1.log).toContain('configuration refused: keeping the running one');
  });
});
