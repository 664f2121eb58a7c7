/**
 * vipd's IPVS netlink edge against a real IPVS (user-mode Linux, one boot for the file): every operation that
 * reconcile plans, read back through the kernel both by vipd and by ipvsadm -Sn; typed errors; timeouts; sync
 * daemons; flush. Needs `npm run build` (the guest runs dist/).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IpvsOp } from '../../src/core/ipvs/reconcile.js';
import type { IpvsDest, IpvsService, ServiceKey } from '../../src/core/ipvs/table.js';
import { canRunUmlLab, UmlLab } from '../helpers/uml-lab.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = path.join(REPO, 'test/helpers/uml/ipvs-cli.mjs');

type Step = IpvsOp | { call: string; args?: unknown[] };
interface CliResult {
  table?: IpvsService[];
  error?: { code: string; message: string };
  [call: string]: unknown;
}

const web: ServiceKey = { family: 4, protocol: 'TCP', address: '10.0.0.100', port: 80 };
const dest = (address: string, extra: Partial<IpvsDest> = {}): IpvsDest => ({
  address,
  port: 80,
  family: address.includes(':') ? 6 : 4,
  method: 'NAT',
  weight: 1,
  upperThreshold: 0,
  lowerThreshold: 0,
  ...extra,
});
const service = (key: ServiceKey, extra: Partial<IpvsService> = {}): IpvsService => ({
  key,
  scheduler: 'rr',
  flags: 0,
  timeoutS: 0,
  netmask: key.family === 6 ? 128 : 0xffffffff,
  dests: [],
  ...extra,
});

describe.skipIf(!canRunUmlLab())('IPVS netlink edge on a real IPVS (user-mode Linux)', () => {
  let lab: UmlLab;
  const run = async (steps: Step[]): Promise<CliResult> =>
    JSON.parse(await lab.sh(`node ${CLI} ${REPO} '${JSON.stringify(steps)}'`)) as CliResult;
  const saved = () => lab.sh('ipvsadm -Sn');

  beforeAll(async () => {
    lab = await UmlLab.boot();
  }, 90_000);
  afterAll(async () => {
    await lab?.stop();
  });

  it('adds a service and destinations of every forwarding method; ipvsadm reads them as written', async () => {
    const r = await run([
      { op: 'add-service', service: service(web, { scheduler: 'wrr', flags: 1, timeoutS: 60, netmask: 0xffffff00 }) },
      { op: 'add-dest', key: web, dest: dest('10.0.0.11', { method: 'DR', weight: 3 }) },
      {
        op: 'add-dest',
        key: web,
        dest: dest('10.0.0.12', { method: 'NAT', weight: 2, upperThreshold: 100, lowerThreshold: 10 }),
      },
      { op: 'add-dest', key: web, dest: dest('10.0.0.13', { method: 'TUN' }) },
      {
        op: 'add-dest',
        key: web,
        dest: dest('10.0.0.14', { method: 'TUN', tunnel: { type: 'gue', port: 6080, csum: 'remcsum' } }),
      },
    ]);
    expect(r.error).toBeUndefined();
    expect((await saved()).trim().split('\n').sort()).toEqual(
      [
        '-A -t 10.0.0.100:80 -s wrr -p 60 -M 255.255.255.0',
        '-a -t 10.0.0.100:80 -r 10.0.0.11:80 -g -w 3',
        // ipvsadm -S leaves out the thresholds (vipd's own listing, below, has them).
        '-a -t 10.0.0.100:80 -r 10.0.0.12:80 -m -w 2',
        '-a -t 10.0.0.100:80 -r 10.0.0.13:80 -i -w 1 --tun-type ipip',
        '-a -t 10.0.0.100:80 -r 10.0.0.14:80 -i -w 1 --tun-type gue --tun-port 6080 --tun-remcsum',
      ].sort(),
    );
    const [svc] = r.table ?? [];
    expect(svc).toMatchObject({ key: web, scheduler: 'wrr', timeoutS: 60, netmask: 0xffffff00 });
    expect(
      svc?.dests.map((d) => `${d.address} ${d.method} ${d.weight} ${d.upperThreshold}/${d.lowerThreshold}`).sort(),
    ).toEqual(['10.0.0.11 DR 3 0/0', '10.0.0.12 NAT 2 100/10', '10.0.0.13 TUN 1 0/0', '10.0.0.14 TUN 1 0/0']);
    expect(svc?.dests.find((d) => d.address === '10.0.0.14')?.tunnel).toEqual({
      type: 'gue',
      port: 6080,
      csum: 'remcsum',
    });
  });

  it('edits a service and a destination in place, removes one destination', async () => {
    const r = await run([
      { op: 'edit-service', service: service(web, { scheduler: 'sh', flags: 0x18 }) },
      { op: 'edit-dest', key: web, dest: dest('10.0.0.11', { method: 'DR', weight: 7 }) },
      { op: 'remove-dest', key: web, dest: { address: '10.0.0.13', port: 80 } },
    ]);
    expect(r.error).toBeUndefined();
    const text = await saved();
    expect(text).toContain('-A -t 10.0.0.100:80 -s sh -b sh-fallback,sh-port');
    expect(text).toContain('-a -t 10.0.0.100:80 -r 10.0.0.11:80 -g -w 7');
    expect(text).not.toContain('10.0.0.13');
  });

  it('IPv6, UDP, SCTP and fwmark services, every scheduler the kernel has', async () => {
    const v6: ServiceKey = { family: 6, protocol: 'UDP', address: '2001:db8::100', port: 53 };
    const sctp: ServiceKey = { family: 4, protocol: 'SCTP', address: '10.0.0.100', port: 3868 };
    const fw: ServiceKey = { family: 4, fwmark: 42 };
    // twos came with Linux 6.2; the UML kernel is 6.1 (its refusal is tested below).
    const schedulers = ['rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'dh', 'sh', 'sed', 'nq', 'fo', 'ovf', 'mh'];
    const steps: Step[] = [
      { op: 'add-service', service: service(v6, { netmask: 64, flags: 1, timeoutS: 300 }) },
      { op: 'add-dest', key: v6, dest: dest('2001:db8::11', { port: 53 }) },
      { op: 'add-service', service: service(sctp) },
      { op: 'add-service', service: service(fw, { scheduler: 'mh', flags: 0x18 }) },
      { op: 'add-dest', key: fw, dest: dest('10.0.0.11', { port: 0, method: 'DR' }) },
      ...schedulers.map(
        (scheduler, i): Step => ({
          op: 'add-service',
          service: service({ family: 4, protocol: 'TCP', address: '10.0.1.1', port: 1000 + i }, { scheduler }),
        }),
      ),
    ];
    const r = await run(steps);
    expect(r.error?.message).toBeUndefined();
    const text = await saved();
    expect(text).toContain('-A -u [2001:db8::100]:53 -s rr -p 300 -M 64');
    expect(text).toContain('-a -u [2001:db8::100]:53 -r [2001:db8::11]:53 -m -w 1');
    expect(text).toContain('-A --sctp-service 10.0.0.100:3868 -s rr');
    expect(text).toContain('-A -f 42 -s mh -b mh-fallback,mh-port');
    expect(text).toContain('-a -f 42 -r 10.0.0.11:0 -g -w 1');
    for (const [i, s] of schedulers.entries()) expect(text).toContain(`-A -t 10.0.1.1:${1000 + i} -s ${s}`);
    const listed = (r.table ?? []).map((s) => s.key);
    expect(listed).toContainEqual(v6);
    expect(listed).toContainEqual(sctp);
    expect(listed).toContainEqual(fw);
  });

  it('kernel refusals come back as typed errors with what was being done', async () => {
    const dup = await run([{ op: 'add-service', service: service(web) }]);
    expect(dup.error).toMatchObject({ code: 'EEXIST' });
    expect(dup.error?.message).toContain('add-service TCP 10.0.0.100:80');
    const missing = await run([{ op: 'remove-dest', key: web, dest: { address: '10.9.9.9', port: 80 } }]);
    expect(missing.error?.code).toBe('ENOENT');
    const badSched = await run([{ op: 'add-service', service: service({ ...web, port: 81 }, { scheduler: 'nope' }) }]);
    expect(badSched.error?.code).toBe('ENOENT');
  });

  it('connection timeouts and sync daemons: set, read back, stopped', async () => {
    const r = await run([
      { call: 'setTimeouts', args: [{ tcp: 900, tcpFin: 30, udp: 300 }] },
      { call: 'getTimeouts' },
      {
        call: 'startSyncDaemon',
        args: [{ state: 'master', interface: 'lo', syncId: 7, maxlen: 1400, port: 8848, ttl: 2 }],
      },
      { call: 'startSyncDaemon', args: [{ state: 'backup', interface: 'lo', syncId: 7 }] },
      { call: 'listSyncDaemons' },
    ]);
    expect(r.error).toBeUndefined();
    expect(r.getTimeouts).toEqual({ tcp: 900, tcpFin: 30, udp: 300 });
    expect(r.listSyncDaemons).toEqual([
      expect.objectContaining({ state: 'master', interface: 'lo', syncId: 7, maxlen: 1400, port: 8848, ttl: 2 }),
      expect.objectContaining({ state: 'backup', interface: 'lo', syncId: 7 }),
    ]);
    expect(await lab.sh('ipvsadm -L --daemon')).toMatch(/master sync daemon \(mcast=lo, syncid=7, maxlen=1400/);
    const stopped = await run([
      { call: 'stopSyncDaemon', args: ['master'] },
      { call: 'stopSyncDaemon', args: ['backup'] },
      { call: 'listSyncDaemons' },
    ]);
    expect(stopped.listSyncDaemons).toEqual([]);
  });

  it('flush empties the table', async () => {
    const r = await run([{ call: 'flush' }]);
    expect(r.table).toEqual([]);
    expect((await saved()).trim()).toBe('');
  });
});
