/**
 * One vipd in a namespace, real kernel: what it does to addresses and processes around its own life.
 * A VIP left over from an earlier run goes at start-up; an owner's own address stays; a crash still releases;
 * SIGINT stops like SIGTERM; SIGHUP does not kill it; the interface going down is FAULT (VIPs released) and
 * coming back is BACKUP, then MASTER.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeUnsolicitedNa } from '../../src/core/codec/frames.js';
import { startCapture } from '../helpers/capture.js';
import { canRunNetns, Lab, waitFor } from '../helpers/netns.js';
import { readPcap } from '../helpers/pcap.js';
import { type RouterOptions, repoRoot, VipdRouter, vipdYaml } from '../helpers/routers.js';
import { vrrpAdverts } from '../helpers/wire.js';

const VIP = '192.0.2.100';
const OTHER_VIP = '192.0.2.101';

describe.skipIf(!canRunNetns())('vipd lifecycle', () => {
  let lab: Lab;
  afterEach(() => lab?.destroy());

  function single(extra: Partial<RouterOptions> = {}) {
    lab = Lab.create('life', ['r1', 'client']);
    return new VipdRouter(lab, 'r1', {
      name: 'VI_1',
      vrid: 71,
      priority: 150,
      advertInt: 0.1,
      version: 3,
      vips: [`${VIP}/24`],
      ...extra,
    });
  }

  /** Runs a command in r1's namespace to its end: its exit code and what it wrote on stderr. */
  async function runToExit(cmd: string, args: string[]): Promise<{ code: number | null; stderr: string }> {
    const child = lab.spawn('r1', cmd, args);
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    return { code, stderr };
  }

  const master = (r: VipdRouter) =>
    waitFor(() => (r.state() === 'MASTER' && r.heldVips().length === r.opts.vips.length ? true : undefined), 5000);

  it("static_ipaddress is on the interface for the daemon's life only, in BACKUP as in MASTER, and put back if deleted", async () => {
    const STATIC = '198.51.100.7';
    const r1 = single({ topLevel: `static_ipaddress: ["${STATIC}/24 dev eth0"]\n`, priority: 50, state: 'BACKUP' });
    r1.start();
    await waitFor(() => (lab.addresses('r1').includes(STATIC) ? true : undefined), 5000);
    lab.exec('r1', 'ip', 'addr', 'del', `${STATIC}/24`, 'dev', 'eth0');
    await waitFor(
      () => (r1.log.includes('static address deleted behind vipd: adding it back') ? true : undefined),
      3000,
    );
    await waitFor(() => (lab.addresses('r1').includes(STATIC) ? true : undefined), 2000);
    r1.signal('SIGTERM');
    expect(await r1.exited(5000)).toBe(0);
    expect(lab.addresses('r1')).not.toContain(STATIC);
  });

  it('a VIP left over from an earlier run is removed at start-up (keepalived); other addresses are never touched', async () => {
    const r1 = single();
    lab.exec('r1', 'ip', 'addr', 'add', `${VIP}/24`, 'dev', 'eth0'); // as a vipd killed with -9 leaves it
    lab.exec('r1', 'ip', 'addr', 'add', `${OTHER_VIP}/24`, 'dev', 'eth0'); // not a VIP of vipd's
    r1.start();
    await waitFor(() => (r1.state() === 'BACKUP' ? true : undefined), 5000);
    expect(r1.log).toContain('VIP present at start-up as BACKUP: removed');
    expect(lab.addresses('r1')).not.toContain(VIP);
    await master(r1);
    r1.signal('SIGTERM');
    expect(await r1.exited(5000)).toBe(0);
    expect(lab.addresses('r1')).not.toContain(VIP);
    expect(lab.addresses('r1')).toContain(OTHER_VIP);
  });

  it('an address owner (255, state MASTER) keeps an address that was already there, also on stop', async () => {
    const r1 = single({ priority: 255, state: 'MASTER' });
    lab.exec('r1', 'ip', 'addr', 'add', `${VIP}/24`, 'dev', 'eth0');
    r1.start();
    await master(r1);
    r1.signal('SIGTERM');
    expect(await r1.exited(5000)).toBe(0);
    expect(lab.addresses('r1')).toContain(VIP);
  });

  it('started without CAP_NET_RAW and CAP_NET_ADMIN: one line naming them, exit 1, nothing touched', async () => {
    const r1 = single();
    const cfg = path.join(r1.dir, 'vipd.yaml');
    writeFileSync(cfg, vipdYaml(r1.opts, r1.dir));
    // Root without the two capabilities: dropped from the bounding set, so the exec'd node never has them.
    const { code, stderr } = await runToExit('setpriv', [
      '--bounding-set',
      '-net_raw,-net_admin',
      process.execPath,
      path.join(repoRoot, 'dist/vipd.js'),
      'run',
      '-f',
      cfg,
      ...r1.runFiles(),
    ]);
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toEqual([
      'vipd: cannot open raw VRRP and packet sockets (EPERM): vipd needs CAP_NET_RAW and CAP_NET_ADMIN; run it as root or grant them (systemd: AmbientCapabilities=CAP_NET_RAW CAP_NET_ADMIN)',
    ]);
    expect(lab.addresses('r1')).toEqual([lab.host('r1').ipv4]);
  });

  it('a missing interface at start-up: one line saying which, exit 1', async () => {
    const r1 = single({ extra: [] });
    const cfg = path.join(r1.dir, 'vipd.yaml');
    writeFileSync(cfg, vipdYaml(r1.opts, r1.dir).replace('interface: eth0', 'interface: eth9'));
    const { code, stderr } = await runToExit(process.execPath, [
      path.join(repoRoot, 'dist/vipd.js'),
      'run',
      '-f',
      cfg,
      ...r1.runFiles(),
    ]);
    expect(code).toBe(1);
    expect(stderr.trim()).toBe('vipd: instance VI_1: interface eth9 does not exist');
  });

  it('a crash (uncaught exception) sends priority 0, removes the VIPs and exits 1', async () => {
    const r1 = single();
    const cap = await startCapture(lab, 'client', 'eth0', 'ip proto 112');
    r1.start({ VIPD_INJECT_CRASH_AFTER_MS: '1500' });
    await master(r1);
    expect(await r1.exited(5000)).toBe(1);
    expect(lab.addresses('r1')).not.toContain(VIP);
    expect(r1.log).toContain('vipd crashed; releasing VIPs');
    const adverts = vrrpAdverts(readPcap(await cap.stop()));
    expect(adverts.at(-1)?.priority).toBe(0);
  });

  it('SIGINT stops like SIGTERM; SIGHUP keeps it running with its VIPs', async () => {
    const r1 = single();
    r1.start();
    await master(r1);
    r1.signal('SIGHUP');
    await new Promise((r) => setTimeout(r, 300));
    expect(r1.state()).toBe('MASTER');
    expect(r1.heldVips()).toEqual([VIP]);
    expect(r1.log).toContain('configuration reloaded');
    r1.signal('SIGINT');
    expect(await r1.exited(5000)).toBe(0);
    expect(r1.heldVips()).toEqual([]);
    expect(r1.notifications()).toContain('INSTANCE VI_1 STOP 150');
  });

  it('IPv6: the master adds the VIP without DAD and announces it with unsolicited NAs (Override, our MAC)', async () => {
    const vip6 = '2001:db8::100';
    const r1v6 = single({ family: 6, vips: [`${vip6}/64`] });
    lab.exec('r1', 'sysctl', '-qw', 'net.ipv6.conf.eth0.accept_dad=1'); // so that "not tentative" proves nodad
    const cap = await startCapture(lab, 'client', 'eth0', 'icmp6 and ip6[40] == 136');
    r1v6.start();
    await waitFor(() => (r1v6.state() === 'MASTER' && r1v6.heldVips().includes(vip6) ? true : undefined), 5000);
    await new Promise((r) => setTimeout(r, 200));
    const nas = readPcap(await cap.stop())
      .map((f) => decodeUnsolicitedNa(f.data))
      .filter((na) => na?.target === vip6);
    const mac = JSON.parse(lab.exec('r1', 'ip', '-j', 'link', 'show', 'dev', 'eth0'))[0].address as string;
    expect(nas.length).toBe(5); // garp_master_repeat
    for (const na of nas) {
      expect(na?.override).toBe(true);
      expect(na?.checksumValid).toBe(true);
      expect(na?.hopLimit).toBe(255);
      expect(na?.targetMac).toBe(mac);
    }
    const flags = JSON.parse(lab.exec('r1', 'ip', '-j', '-6', 'addr', 'show', 'dev', 'eth0'))[0].addr_info;
    const vipInfo = flags.find((a: { local?: string }) => a.local === vip6);
    expect(vipInfo?.tentative).toBeUndefined();
  });

  it('interface down is FAULT with the VIPs released; up again is BACKUP, then MASTER', async () => {
    const r1 = single();
    r1.start();
    await master(r1);
    lab.exec('r1', 'ip', 'link', 'set', 'eth0', 'down');
    await waitFor(() => (r1.state() === 'FAULT' ? true : undefined), 2000, 10, 'FAULT');
    expect(lab.addresses('r1')).not.toContain(VIP);
    expect(r1.notifications()).toContain('INSTANCE VI_1 FAULT 150');
    lab.exec('r1', 'ip', 'link', 'set', 'eth0', 'up');
    await waitFor(
      () => (r1.transitions().some((t) => t.from === 'FAULT' && t.to === 'BACKUP') ? true : undefined),
      2000,
    );
    await master(r1);
    const t = r1.transitions();
    expect(t.map((x) => x.to).slice(-3)).toEqual(['FAULT', 'BACKUP', 'MASTER']);
  });
});
