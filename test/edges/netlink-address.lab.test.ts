/**
 * src/edges/netlink/ address port and primaryAddress against the real kernel, inside lab namespaces.
 * The port runs in a probe process in the host's namespace (test/helpers/netlink-probe.ts); results are
 * checked with `ip -j addr` in the same namespace.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { AddressSpec } from '../../src/core/net.js';
import { CWD, type ProbeRun, results, runOps } from '../helpers/netlink-probe.js';
import { canRunNetns, Lab } from '../helpers/netns.js';

interface IpAddrInfo {
  family: string;
  local: string;
  prefixlen: number;
  scope: string;
  label?: string;
  tentative?: boolean;
  nodad?: boolean;
  secondary?: boolean;
  broadcast?: string;
}

function addrInfo(lab: Lab, host: string, dev = 'eth0'): IpAddrInfo[] {
  const parsed = JSON.parse(lab.exec(host, 'ip', '-j', 'addr', 'show', 'dev', dev)) as { addr_info?: IpAddrInfo[] }[];
  return parsed.flatMap((l) => l.addr_info ?? []);
}

function find(lab: Lab, host: string, address: string): IpAddrInfo | undefined {
  return addrInfo(lab, host).find((a) => a.local === address);
}

/** The probe exited by itself (no lingering handle after close()) with code 0. */
function exitedCleanly(run: ProbeRun): void {
  expect(run.stderr).toBe('');
  expect(run.lines.at(-1)?.event).toBe('closed');
  expect({ code: run.code, signal: run.signal }).toEqual({ code: 0, signal: null });
}

const vip4: AddressSpec = {
  family: 4,
  address: '192.0.2.100',
  prefix: 24,
  dev: 'eth0',
  label: 'eth0:vip',
  scope: 'global',
};

describe.skipIf(!canRunNetns())('netlink address port (namespaces)', () => {
  let lab: Lab | undefined;
  afterEach(() => {
    lab?.destroy();
    lab = undefined;
  });

  it('adds an IPv4 /24 with label and scope, idempotently, and removes it idempotently', async () => {
    lab = Lab.create('nladdr4', ['a']);
    const added = await runOps(lab, 'a', [
      { op: 'add', spec: vip4 },
      { op: 'add', spec: vip4 },
      { op: 'list', dev: 'eth0', family: 4 },
    ]);
    exitedCleanly(added);
    const [first, second, list] = results(added);
    expect(first).toMatchObject({ ok: true, result: 'added' });
    expect(second).toMatchObject({ ok: true, result: 'present' });
    expect(list?.result).toEqual([
      expect.objectContaining({ address: '192.0.2.11', prefix: 24, secondary: false }),
      expect.objectContaining({
        address: '192.0.2.100',
        prefix: 24,
        label: 'eth0:vip',
        scope: 'global',
        secondary: true,
      }),
    ]);
    expect(find(lab, 'a', '192.0.2.100')).toMatchObject({
      family: 'inet',
      prefixlen: 24,
      scope: 'global',
      label: 'eth0:vip',
      secondary: true,
    });

    const removed = await runOps(lab, 'a', [
      { op: 'remove', spec: vip4 },
      { op: 'remove', spec: vip4 },
    ]);
    exitedCleanly(removed);
    expect(results(removed).map((r) => r.result)).toEqual(['removed', 'absent']);
    expect(find(lab, 'a', '192.0.2.100')).toBeUndefined();
    // The host's own address is untouched.
    expect(find(lab, 'a', '192.0.2.11')).toMatchObject({ prefixlen: 24 });
  });

  it('sets IPv4 scope link / host / site and an explicit or computed broadcast', async () => {
    lab = Lab.create('nlscope', ['a']);
    const base = { family: 4, dev: 'eth0' } as const;
    const run = await runOps(lab, 'a', [
      { op: 'add', spec: { ...base, address: '192.0.2.101', prefix: 32, scope: 'link' } },
      { op: 'add', spec: { ...base, address: '192.0.2.102', prefix: 32, scope: 'host' } },
      { op: 'add', spec: { ...base, address: '198.51.100.1', prefix: 32, scope: 'site' } },
      { op: 'add', spec: { ...base, address: '203.0.113.5', prefix: 24, broadcast: '+' } },
      { op: 'add', spec: { ...base, address: '203.0.113.6', prefix: 28, broadcast: '203.0.113.15' } },
    ]);
    exitedCleanly(run);
    expect(results(run).map((r) => r.result)).toEqual(['added', 'added', 'added', 'added', 'added']);
    expect(find(lab, 'a', '192.0.2.101')?.scope).toBe('link');
    expect(find(lab, 'a', '192.0.2.102')?.scope).toBe('host');
    expect(find(lab, 'a', '198.51.100.1')?.scope).toBe('site');
    expect(find(lab, 'a', '203.0.113.5')?.broadcast).toBe('203.0.113.255');
    expect(find(lab, 'a', '203.0.113.6')?.broadcast).toBe('203.0.113.15');
  });

  it('adds IPv6 with nodad (never tentative) where a plain add is tentative; link-local gets scope link', async () => {
    lab = Lab.create('nladdr6', ['a']);
    // The lab turns DAD off on eth0; turn it on so that "not tentative" means something.
    lab.exec('a', 'sysctl', '-qw', 'net.ipv6.conf.eth0.accept_dad=1');
    const vip6: AddressSpec = { family: 6, address: '2001:db8::100', prefix: 64, dev: 'eth0' };
    const ll: AddressSpec = { family: 6, address: 'fe80::100', prefix: 64, dev: 'eth0', scope: 'link' };
    // IPv6 scope comes from the address: the kernel ignores a requested 'host' for a global address.
    const hostScoped: AddressSpec = { family: 6, address: '2001:db8::102', prefix: 128, dev: 'eth0', scope: 'host' };
    const run = await runOps(lab, 'a', [
      { op: 'add', spec: vip6 },
      { op: 'add', spec: ll },
      { op: 'add', spec: hostScoped },
      { op: 'add', spec: vip6 },
      { op: 'list', dev: 'eth0', family: 6 },
    ]);
    exitedCleanly(run);
    // Control: the same kind of add without nodad is tentative right after it is made.
    lab.exec('a', 'ip', '-6', 'addr', 'add', '2001:db8::101/64', 'dev', 'eth0');
    const info = addrInfo(lab, 'a');
    expect(info.find((a) => a.local === '2001:db8::101')?.tentative).toBe(true);

    expect(
      results(run)
        .slice(0, 4)
        .map((r) => r.result),
    ).toEqual(['added', 'added', 'added', 'present']);
    const vip = info.find((a) => a.local === '2001:db8::100');
    expect(vip).toMatchObject({ family: 'inet6', prefixlen: 64, scope: 'global', nodad: true });
    expect(vip?.tentative).toBeUndefined();
    expect(info.find((a) => a.local === 'fe80::100')).toMatchObject({ prefixlen: 64, scope: 'link', nodad: true });
    expect(info.find((a) => a.local === '2001:db8::102')).toMatchObject({ prefixlen: 128, scope: 'global' });
    const listed = results(run)[4]?.result as { address: string; tentative: boolean; scope: string }[];
    expect(listed).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ address: '2001:db8::100', prefix: 64, tentative: false, scope: 'global' }),
        expect.objectContaining({ address: 'fe80::100', prefix: 64, scope: 'link' }),
      ]),
    );

    const removed = await runOps(lab, 'a', [
      { op: 'remove', spec: vip6 },
      { op: 'remove', spec: vip6 },
      // Same address, other prefix: IPv6 deletes match the prefix too.
      { op: 'remove', spec: { ...ll, prefix: 128 } },
    ]);
    exitedCleanly(removed);
    expect(results(removed).map((r) => r.result)).toEqual(['removed', 'absent', 'absent']);
    expect(find(lab, 'a', '2001:db8::100')).toBeUndefined();
    expect(find(lab, 'a', 'fe80::100')).toBeDefined();
  });

  it('reports kernel and validation errors with an errno code naming the address and device', async () => {
    lab = Lab.create('nlerr', ['a']);
    lab.exec('a', 'sysctl', '-qw', 'net.ipv6.conf.lo.disable_ipv6=1');
    const run = await runOps(lab, 'a', [
      { op: 'add', spec: { ...vip4, dev: 'nosuch0' } },
      { op: 'remove', spec: { ...vip4, dev: 'nosuch0' } },
      { op: 'add', spec: { family: 4, address: '192.0.2.100', prefix: 33, dev: 'eth0' } },
      { op: 'add', spec: { family: 6, address: '192.0.2.100', prefix: 64, dev: 'eth0' } },
      { op: 'add', spec: { ...vip4, label: 'eth0:much-too-long' } },
      // Refused by the kernel itself (IPv6 is disabled on lo).
      { op: 'add', spec: { family: 6, address: '2001:db8::1:1', prefix: 128, dev: 'lo' } },
      { op: 'list', dev: 'nosuch0', family: 4 },
      { op: 'cancel', dev: 'eth0' },
    ]);
    exitedCleanly(run);
    const r = results(run);
    expect(r[0]).toMatchObject({ ok: false, code: 'ENODEV' });
    expect(r[0]?.message).toMatch(/192\.0\.2\.100\/24.*nosuch0.*ENODEV/);
    expect(r[1]).toMatchObject({ ok: true, result: 'absent' });
    expect(r[2]).toMatchObject({ ok: false, code: 'EINVAL' });
    expect(r[2]?.message).toMatch(/prefix/);
    expect(r[3]).toMatchObject({ ok: false, code: 'EINVAL' });
    expect(r[4]).toMatchObject({ ok: false, code: 'EINVAL' });
    expect(r[5]).toMatchObject({ ok: false, code: 'EACCES' });
    expect(r[5]?.message).toMatch(/2001:db8::1:1\/128.* lo: EACCES/);
    expect(r[6]).toMatchObject({ ok: false, code: 'ENODEV' });
    // close() rejects what is in flight and everything after it, and the process still exits by itself.
    expect(r[7]).toMatchObject({ ok: true, result: ['ECANCELED', 'ECANCELED', 'ECANCELED'] });
    expect(find(lab, 'a', '192.0.2.100')).toBeUndefined();
  });

  it('maps a permission refusal to EPERM (probe without CAP_NET_ADMIN)', async () => {
    lab = Lab.create('nlperm', ['a']);
    const started = Date.now();
    const child = lab.spawn(
      'a',
      'setpriv',
      [
        '--bounding-set',
        '-net_admin',
        '--inh-caps',
        '-net_admin',
        process.execPath,
        '--import',
        'tsx',
        'test/helpers/netlink-probe.ts',
        'ops',
        JSON.stringify([{ op: 'add', spec: vip4 }]),
      ],
      { cwd: CWD },
    );
    let out = '';
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(code).toBe(0);
    const first = out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { event: string; code?: string; ok?: boolean })
      .find((l) => l.event === 'result');
    expect(first).toMatchObject({ ok: false, code: 'EPERM' });
    expect(find(lab, 'a', '192.0.2.100')).toBeUndefined();
  });

  it('primaryAddress: the host IPv4 (not a secondary VIP) and the fe80:: link-local', async () => {
    lab = Lab.create('nlprimary', ['a']);
    const linkLocal = addrInfo(lab, 'a').find((a) => a.family === 'inet6' && a.scope === 'link')?.local;
    expect(linkLocal).toMatch(/^fe80:/);
    const run = await runOps(lab, 'a', [
      { op: 'add', spec: vip4 },
      { op: 'add', spec: { family: 6, address: '2001:db8::100', prefix: 64, dev: 'eth0' } },
      { op: 'primary', dev: 'eth0', family: 4 },
      { op: 'primary', dev: 'eth0', family: 6 },
      { op: 'primary', dev: 'lo', family: 6 },
      { op: 'primary', dev: 'nosuch0', family: 4 },
    ]);
    exitedCleanly(run);
    const r = results(run);
    expect(r[2]).toMatchObject({ ok: true, result: lab.host('a').ipv4 });
    expect(r[3]).toMatchObject({ ok: true, result: linkLocal });
    expect(r[4]).toMatchObject({ ok: true, result: null }); // lo has ::1 only
    expect(r[5]).toMatchObject({ ok: false, code: 'ENODEV' });
  });
});
