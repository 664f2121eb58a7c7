/**
 * Errors from the addon are shaped like Node's ErrnoException (code, errno, syscall, message
 * "<syscall> <CODE>: <description>"), and handles end with close(): the process then exits by itself.
 */
import { constants } from 'node:os';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { native } from '../../src/edges/native.js';
import { type ProbeLine, repoRoot, runProbe, startProbe } from '../helpers/native-probe-client.js';
import { canRunNetns, Lab } from '../helpers/netns.js';

describe('native errors without privileges', () => {
  it('interfaceIndex of an unknown device throws ENODEV with errno and syscall', () => {
    let caught: unknown;
    try {
      native.interfaceIndex('nosuchdev0');
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(Error);
    expect(caught).toMatchObject({ code: 'ENODEV', errno: constants.errno.ENODEV, syscall: 'if_nametoindex' });
    expect((caught as Error).message).toBe('if_nametoindex ENODEV: no such device');
  });

  it('interfaceIndex of lo is 1', () => {
    expect(native.interfaceIndex('lo')).toBe(1);
  });

  it('rejects bad argument types with a TypeError', () => {
    expect(() => native.interfaceIndex(7 as unknown as string)).toThrow(TypeError);
    expect(() => new native.HrTimer('x' as unknown as () => void)).toThrow(TypeError);
  });
});

describe.skipIf(!canRunNetns())('native errors and lifetime in a network namespace', () => {
  let lab: Lab;
  beforeEach(() => {
    lab = Lab.create('nerr', ['a']);
  });
  afterEach(() => {
    lab.destroy();
  });

  it('socket option and syscall failures carry code, errno and syscall', async () => {
    const lines = await runProbe(lab, 'a', ['errors']);
    const byCase = new Map(lines.filter((l) => l.event === 'error').map((l) => [String(l.case), l]));
    const expectErrno = (name: string, code: string, syscall: string): ProbeLine => {
      const l = byCase.get(name);
      expect(l, name).toMatchObject({
        isError: true,
        code,
        syscall,
        errno: constants.errno[code as keyof typeof constants.errno],
      });
      expect(l?.message).toMatch(new RegExp(`^${syscall.replace(/[()]/g, '\\$&')} ${code}: `));
      return l!;
    };
    expectErrno('interfaceIndex', 'ENODEV', 'if_nametoindex');
    expectErrno('bindDevice', 'ENODEV', 'setsockopt(SO_BINDTODEVICE)');
    expectErrno('joinGroup4', 'ENODEV', 'setsockopt(IP_ADD_MEMBERSHIP)');
    expectErrno('joinGroup6', 'ENODEV', 'setsockopt(IPV6_JOIN_GROUP)');
    // A source that is not local fails route lookup; which errno depends on the kernel (6.x: ENETUNREACH).
    const foreign = byCase.get('sendForeignSrc');
    expect(['EINVAL', 'ENETUNREACH', 'EADDRNOTAVAIL']).toContain(foreign?.code);
    expectErrno('sendForeignSrc', String(foreign?.code), 'sendmsg');
    expectErrno('sendAfterClose', 'EBADF', 'VrrpSocket (closed)');
    expectErrno('packetSocketBadIfindex', 'ENODEV', 'bind');
    expectErrno('openVrrpSocketBadDevice', 'ENODEV', 'setsockopt(SO_BINDTODEVICE)');
    expectErrno('timerAfterClose', 'EBADF', 'HrTimer (closed)');
    expect(byCase.get('joinGroupBadText')).toMatchObject({ name: 'TypeError' });
    expect(byCase.get('badFamily')).toMatchObject({ name: 'TypeError' });
    // Receive memory the addon cannot use is refused before any socket exists.
    expect(byCase.get('receiveBuffersWrongType')).toMatchObject({ name: 'TypeError' });
    expect(byCase.get('receiveBuffersNoSlot')).toMatchObject({ name: 'RangeError' });
    for (const name of [
      'sendNaNIfindex',
      'sendHugeIfindex',
      'sendFractionTtl',
      'sendTtl256',
      'sendTtl0',
      'packetSocketNegativeIfindex',
      'packetSocketShortFrame',
    ]) {
      expect(byCase.get(name), name).toMatchObject({ name: 'RangeError' });
    }
    expect(lines.filter((l) => l.event === 'no-error')).toEqual([]);
    expect(lines.at(-1)?.event).toBe('done');
  });

  it('socket() without CAP_NET_RAW throws EPERM', async () => {
    const out = lab.exec(
      'a',
      'setpriv',
      '--bounding-set=-net_raw',
      '--inh-caps=-net_raw',
      process.execPath,
      '-e',
      `const b = require(${JSON.stringify(`${repoRoot}/native/build/Release/vipd_native.node`)});
       const rx = { data: Buffer.alloc(64), meta: new Float64Array(4), addresses: Buffer.alloc(32) };
       try { new b.VrrpSocket(4, rx, () => {}); console.log('{}'); }
       catch (e) { console.log(JSON.stringify({ code: e.code, errno: e.errno, syscall: e.syscall, message: e.message })); }`,
    );
    expect(JSON.parse(out)).toEqual({
      code: 'EPERM',
      errno: constants.errno.EPERM,
      syscall: 'socket',
      message: 'socket EPERM: operation not permitted',
    });
  });

  it('after close() (and with idle or disarmed timers) the process exits by itself', async () => {
    const probe = startProbe(lab, 'a', ['lifetime', '--mode', 'closed']);
    expect(await probe.exit(8_000)).toBe(0);
    expect(probe.lines.map((l) => l.event)).toEqual(['closed', 'once-fired']);
  });

  it('an open socket keeps the process alive (control for the test above)', async () => {
    const probe = startProbe(lab, 'a', ['lifetime', '--mode', 'open']);
    await probe.line((l) => l.event === 'left-open', 8_000, 'left-open');
    expect(await probe.exit(1_000)).toBe('running');
    probe.child.kill('SIGKILL');
  });

  it('an unref()ed open socket does not keep the process alive', async () => {
    const probe = startProbe(lab, 'a', ['lifetime', '--mode', 'unref']);
    expect(await probe.exit(8_000)).toBe(0);
    expect(probe.lines.map((l) => l.event)).toContain('unrefed');
  });

  it('an armed timer keeps the process alive until it fires', async () => {
    const probe = startProbe(lab, 'a', ['lifetime', '--mode', 'armed']);
    expect(await probe.exit(8_000)).toBe(0);
    expect(probe.lines.map((l) => l.event)).toEqual(['closed', 'once-fired', 'armed-fired']);
  });

  it('a worker thread that ends with open sockets and timers is torn down cleanly', () => {
    const addon = `${repoRoot}/native/build/Release/vipd_native.node`;
    const worker = `const b = require(${JSON.stringify(addon)});
      const rx = () => ({ data: Buffer.alloc(64), meta: new Float64Array(4), addresses: Buffer.alloc(32) });
      const v4 = new b.VrrpSocket(4, rx(), () => {}); v4.joinGroup('224.0.0.18', b.interfaceIndex('eth0'));
      const v6 = new b.VrrpSocket(6, rx(), () => {}); v6.unref();
      const frames = new b.PacketSocket(b.interfaceIndex('eth0'));
      const timer = new b.HrTimer(() => {}); timer.armAt(b.monotonicNow() + 60000);
      require('node:worker_threads').parentPort.postMessage('open');`;
    const main = `const { Worker } = require('node:worker_threads');
      const w = new Worker(${JSON.stringify(worker)}, { eval: true });
      w.once('message', () => w.terminate().then(() => console.log('terminated')));`;
    expect(lab.exec('a', process.execPath, '-e', main).trim()).toBe('terminated');
  });
});
