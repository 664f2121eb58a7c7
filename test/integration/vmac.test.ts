/**
 * use_vmac on the real kernel: two vipd routers and a client on one LAN. The client pings the VIP and opens TCP
 * connections to it without pause, before and after a failover (kill -9 of the master). Its neighbour entry for
 * the VIP must say 00:00:5e:00:01:VRID at every sample, and no ARP frame on the LAN may give another MAC for the
 * VIP: keepalived 2.2.7 fails this (its master's ARP request from the base interface carries the VIP as sender
 * and teaches the client the base MAC after the first two-way exchange). Stop removes the VMAC and gives the base
 * interface its kernel parameters back.
 */
import type { ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { startCapture } from '../helpers/capture.js';
import { canRunNetns, Lab, waitFor } from '../helpers/netns.js';
import { readPcap } from '../helpers/pcap.js';
import { VipdRouter } from '../helpers/routers.js';

const VIP = '192.0.2.100';
const VMAC = '00:00:5e:00:01:33';
const SERVER = `require('node:http').createServer((q, s) => s.end('ok')).listen(8080, '0.0.0.0', () => console.log('listening'))`;
/** Opens a TCP connection to the VIP every 100 ms, printing ok or the error code. */
const CLIENT = `const http = require('node:http');
setInterval(() => {
  const q = http.get({ host: '${VIP}', port: 8080, agent: false, timeout: 500 }, (s) => { s.resume(); s.on('end', () => console.log('ok')); });
  q.on('timeout', () => q.destroy(new Error('timeout')));
  q.on('error', (e) => console.log(e.code ?? e.message));
}, 100);`;

const base = {
  name: 'VI_1',
  vrid: 51,
  advertInt: 0.1,
  version: 3 as const,
  vips: [`${VIP}/24`],
  extra: ['use_vmac: true'],
};

describe.skipIf(!canRunNetns())('VMAC: clients keep the virtual MAC for the VIP', () => {
  let lab: Lab;
  afterEach(() => lab?.destroy());

  function started(host: string, script: string): Promise<ChildProcess> {
    const child = lab.spawn(host, process.execPath, ['-e', script]);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`${host}: did not start`)), 5000);
      child.stdout?.once('data', () => {
        clearTimeout(t);
        resolve(child);
      });
    });
  }

  it('under ping and TCP, before and after a failover, with no sysctl set by hand; stop cleans up', async () => {
    lab = Lab.create('vmac', ['r1', 'r2', 'c']);
    const sysctl = (host: string, key: string) => lab.exec(host, 'cat', `/proc/sys/net/ipv4/conf/${key}`).trim();
    const before = ['arp_ignore', 'arp_filter', 'arp_announce'].map((k) => sysctl('r1', `eth0/${k}`));
    await started('r1', SERVER);
    await started('r2', SERVER);
    const r1 = new VipdRouter(lab, 'r1', { ...base, priority: 150 }).start();
    await waitFor(() => (r1.state() === 'MASTER' ? true : undefined), 8000, 20, 'r1 master');
    const r2 = new VipdRouter(lab, 'r2', { ...base, priority: 100 }).start();
    await waitFor(() => (r2.state() === 'BACKUP' ? true : undefined), 8000, 20, 'r2 backup');
    expect(lab.exec('r1', 'ip', '-d', 'link', 'show', 'vrrp.51')).toContain('macvlan mode private');
    expect(lab.addresses('r1', 'vrrp.51')).toContain(VIP);

    const capture = await startCapture(lab, lab.switchNs, 'br0', 'arp');
    await new Promise((r) => setTimeout(r, 300));
    const ping = lab.spawn('c', 'ping', ['-i', '0.1', VIP]);
    const client = lab.spawn('c', process.execPath, ['-e', CLIENT]);
    let tcp = '';
    client.stdout?.on('data', (d: Buffer) => {
      tcp += d.toString();
    });
    const samples: string[] = [];
    const sample = async (ms: number) => {
      for (const end = Date.now() + ms; Date.now() < end; ) {
        const m = /lladdr (\S+)/.exec(lab.exec('c', 'ip', 'neigh', 'show', VIP));
        if (m?.[1]) samples.push(m[1]);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    await sample(3000);
    const okBefore = tcp.split('\n').filter((l) => l === 'ok').length;
    // The backup heard the master all along (peers' adverts, sent from the same VMAC, arrive on its VMAC).
    expect(r2.transitions().map((t) => t.to)).toEqual(['BACKUP']);
    r1.hardKill();
    await waitFor(() => (r2.state() === 'MASTER' ? true : undefined), 3000, 10, 'r2 takes over');
    tcp = '';
    await sample(3000);
    const okAfter = tcp.split('\n').filter((l) => l === 'ok').length;
    ping.kill();
    client.kill();
    const frames = await capture.stop();

    expect(okBefore).toBeGreaterThan(10);
    expect(okAfter).toBeGreaterThan(10);
    expect(samples.length).toBeGreaterThan(50);
    expect(new Set(samples)).toEqual(new Set([VMAC]));
    // Every ARP frame that names the VIP as its sender gives the virtual MAC.
    const senders = readPcap(frames)
      .map((f) => f.data)
      .filter((d) => d.readUInt16BE(12) === 0x0806 && d.subarray(28, 32).join('.') === VIP)
      .map((d) => [...d.subarray(22, 28)].map((b) => b.toString(16).padStart(2, '0')).join(':'));
    expect(senders.length).toBeGreaterThan(0);
    expect(new Set(senders)).toEqual(new Set([VMAC]));
    expect(['arp_ignore', 'arp_filter', 'arp_announce'].map((k) => sysctl('r2', `eth0/${k}`))).toEqual(['1', '1', '2']);

    r2.signal('SIGTERM');
    await r2.exited(5000);
    expect(lab.tryExec('r2', 'ip', 'link', 'show', 'vrrp.51')).toBeUndefined();
    expect(['arp_ignore', 'arp_filter', 'arp_announce'].map((k) => sysctl('r2', `eth0/${k}`))).toEqual(before);
  });
});

describe.skipIf(!canRunNetns())('VMAC over IPv6', () => {
  let lab: Lab;
  afterEach(() => lab?.destroy());

  it('the backup hears the master through its VMAC; the client resolves the VIP to 00:00:5e:00:02:VRID, also after a failover', async () => {
    lab = Lab.create('vmac6', ['r1', 'r2', 'c']);
    const vip6 = '2001:db8::100';
    const base6 = {
      name: 'VI_1',
      vrid: 51,
      advertInt: 0.1,
      version: 3 as const,
      family: 6 as const,
      vips: [`${vip6}/64`],
      extra: ['use_vmac: true'],
    };
    const r1 = new VipdRouter(lab, 'r1', { ...base6, priority: 150 }).start();
    await waitFor(() => (r1.state() === 'MASTER' ? true : undefined), 8000, 20, 'r1 master');
    const r2 = new VipdRouter(lab, 'r2', { ...base6, priority: 100 }).start();
    await waitFor(() => (r2.state() === 'BACKUP' ? true : undefined), 8000, 20, 'r2 backup');
    expect(lab.addresses('r1', 'vrrp.51', 6)).toContain(vip6);
    const neigh = () => /lladdr (\S+)/.exec(lab.exec('c', 'ip', '-6', 'neigh', 'show', vip6))?.[1];
    expect(lab.tryExec('c', 'ping', '-6', '-c', '3', '-i', '0.2', '-W', '1', vip6)).toBeDefined();
    expect(neigh()).toBe('00:00:5e:00:02:33');
    await new Promise((r) => setTimeout(r, 700));
    expect(r2.transitions().map((t) => t.to)).toEqual(['BACKUP']);
    r1.hardKill();
    await waitFor(() => (r2.state() === 'MASTER' ? true : undefined), 3000, 10, 'r2 takes over');
    expect(lab.tryExec('c', 'ping', '-6', '-c', '3', '-i', '0.2', '-W', '1', vip6)).toBeDefined();
    expect(neigh()).toBe('00:00:5e:00:02:33');
    expect(lab.addresses('r2', 'vrrp.51', 6)).toContain(vip6);
  });
});
