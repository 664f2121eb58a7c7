/**
 * `announce` against FRR on the real kernel (issue 22): an upstream router (FRR bgpd, maximum-paths) and two
 * directors, each running FRR (zebra, bgpd with `redistribute kernel route-map` as the README gives it) and vipd,
 * all in namespaces on one bridge. The upstream's own kernel is the judge: one ECMP next hop per healthy director;
 * a director's tracker failing takes its next hop out of the upstream's FIB within 500 ms, and recovery brings it
 * back within announce_delay + 500 ms; SIGTERM withdraws before the director stops accepting the address; kill -9
 * then `vipd cleanup` withdraws within 500 ms; FRR restarted on a director announces again; with bfdd 100 ms × 3 on
 * the BGP sessions a director cut off silently leaves the upstream's FIB within 600 ms (FRR's work, with the
 * README's configuration); a prefix that is an interface address is refused at start.
 */
import { execFileSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { ADDRESS, AnnounceLab, SERVICE, SERVICE6 } from '../helpers/announce-lab.js';
import { type Frr, frrAvailable } from '../helpers/frr.js';
import { canRunNetns, inCI, Lab, waitFor } from '../helpers/netns.js';
import { VipdRouter, vipdCommand } from '../helpers/routers.js';

describe.skipIf(!canRunNetns() || (!frrAvailable() && !inCI))('announce through FRR', () => {
  let a: AnnounceLab | undefined;
  let lab: Lab | undefined;
  afterEach(() => {
    a?.destroy();
    lab?.destroy();
  });
  const build = async (extra = '', o: { bfd?: boolean; ipv6?: boolean } = {}) => {
    a = await AnnounceLab.create(extra, o);
    return a;
  };

  it('one ECMP next hop per healthy director; a failing tracker withdraws within 500 ms, recovery announces again', async () => {
    const l = await build('    announce_delay: 1\n');
    // BGP sessions, then both paths (FRR's first UPDATE; not what the issue times).
    await l.fibReaches([ADDRESS.d1, ADDRESS.d2], 30_000, 'both directors announced');
    l.fail('d1', true);
    const withdrawn = await l.fibReaches([ADDRESS.d2], 5000, 'd1 withdrawn');
    expect(withdrawn).toBeLessThan(500);
    l.fail('d1', false);
    const back = await l.fibReaches([ADDRESS.d1, ADDRESS.d2], 5000, 'd1 announced again');
    expect(back).toBeGreaterThanOrEqual(1000);
    expect(back).toBeLessThan(1000 + 500);
  }, 60_000);

  it('SIGTERM withdraws before the director stops accepting the address; kill -9 then vipd cleanup withdraws', async () => {
    const l = await build('    withdraw_delay: 0.5\n');
    const vipd = (d: string) => l.vipd(d);
    await l.fibReaches([ADDRESS.d1, ADDRESS.d2], 30_000, 'both directors announced');
    const local = () => l.lab.tryExec('d1', 'ip', 'route', 'show', 'table', 'local', `${SERVICE}/32`)?.trim() ?? '';
    expect(local()).toMatch(/^local 198\.51\.100\.10 dev lo proto 245/);
    vipd('d1').signal('SIGTERM');
    await l.fibReaches([ADDRESS.d2], 2000, 'd1 withdrawn on SIGTERM');
    // The upstream already sends elsewhere, and d1 still accepts what was on its way (withdraw_delay 0.5).
    expect(local()).not.toBe('');
    await vipd('d1').exited(5000);
    expect(local()).toBe('');

    vipd('d2').hardKill();
    await vipd('d2').exited(5000);
    await new Promise((r) => setTimeout(r, 500));
    expect(l.nextHops()).toEqual([ADDRESS.d2]); // a crash leaves the route announced: what cleanup is for
    const [node, ...cli] = vipdCommand();
    const out = l.lab.exec('d2', node, ...cli, 'cleanup');
    expect(out).toContain("vipd cleanup: 2 routes of vipd's removed");
    const t0 = performance.now(); // from the routes' removal (the command's own start-up is Node's)
    await waitFor(() => (l.nextHops().length === 0 ? true : undefined), 2000, 10, 'd2 withdrawn by cleanup');
    expect(performance.now() - t0).toBeLessThan(500);
  }, 60_000);

  it("FRR restarted on a director: the route is announced again from the kernel's table", async () => {
    const l = await build();
    await l.fibReaches([ADDRESS.d1, ADDRESS.d2], 30_000, 'both directors announced');
    const d1 = l.frr.get('d1') as Frr;
    d1.kill('bgpd');
    await l.fibReaches([ADDRESS.d2], 10_000, 'd1 gone with its bgpd');
    d1.spawn('bgpd');
    await l.fibReaches([ADDRESS.d1, ADDRESS.d2], 30_000, 'd1 announced again by its new bgpd');
  }, 60_000);

  it("BFD 100 ms × 3 on the BGP sessions (the README's profile): a director cut off silently leaves within 600 ms", async () => {
    const l = await build('', { bfd: true });
    await l.fibReaches([ADDRESS.d1, ADDRESS.d2], 30_000, 'both directors announced');
    // BFD up on both of the upstream's sessions before the cut (else the 3 s hold timer would be what acts).
    const peers = () => JSON.parse(l.upstream.vtysh('show bfd peers json')) as { status: string }[];
    await waitFor(
      () => (peers().filter((p) => p.status === 'up').length === 2 ? true : undefined),
      15_000,
      100,
      'BFD up',
    );
    // d1's own link goes: the upstream's stays up and hears nothing more from it.
    l.lab.exec('d1', 'ip', 'link', 'set', 'eth0', 'down');
    const dropped = await l.fibReaches([ADDRESS.d2], 3000, 'd1 dropped by BFD');
    expect(dropped).toBeLessThan(600);
  }, 60_000);

  it("IPv6 as well (the README's IPv6 half): both families announced, a failing tracker withdraws both", async () => {
    const l = await build('', { ipv6: true });
    await l.fibReaches([ADDRESS.d1, ADDRESS.d2], 30_000, 'both directors announced (IPv4)');
    // The upstream reaches the IPv6 service through the directors' link-local addresses (BGP's IPv6 next hops).
    const v6 = await waitFor(() => (l.nextHops(6).length === 2 ? l.nextHops(6) : undefined), 30_000, 20, 'IPv6 ECMP');
    expect(v6.every((h) => h.startsWith('fe80:'))).toBe(true);
    const local6 = l.lab.exec('d1', 'ip', '-6', 'route', 'show', 'table', 'local', `${SERVICE6}/128`);
    expect(local6).toMatch(/^local 2001:db8:100::10 dev lo proto 245/);
    l.fail('d1', true);
    await l.fibReaches([ADDRESS.d2], 2000, 'd1 withdrawn (IPv4)');
    await waitFor(() => (l.nextHops(6).length === 1 ? true : undefined), 2000, 10, 'd1 withdrawn (IPv6)');
    expect(l.lab.exec('d1', 'ip', '-6', 'route', 'show', 'proto', '245')).toBe('');
  }, 60_000);

  it('a prefix that is an interface address: refused at start, nothing announced', async () => {
    lab = Lab.create('announce-if', ['d1']);
    lab.exec('d1', 'ip', 'addr', 'add', `${SERVICE}/32`, 'dev', 'lo');
    const router = new VipdRouter(lab, 'd1', {
      name: 'unused',
      vrid: 1,
      vips: [],
      configText: `announce:\n  WEB:\n    prefix: ${SERVICE}\n`,
    });
    router.start();
    expect(await router.exited(10_000)).toBe(1);
    expect(router.log).toMatch(/prefix 198\.51\.100\.10\/32 is an address of lo/);
    expect(
      execFileSync('ip', ['netns', 'exec', lab.host('d1').ns, 'ip', 'route', 'show', 'proto', '245']).toString(),
    ).toBe('');
  }, 30_000);
});
