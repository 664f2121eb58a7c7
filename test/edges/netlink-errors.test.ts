/** Error mapping of src/edges/netlink/transport.ts (pure: no socket is opened). */
import { describe, expect, it } from 'vitest';
import { errnoError, errnoName, NetlinkError, toNetlinkError } from '../../src/edges/netlink/transport.js';

describe('netlink error mapping', () => {
  it('names errno values either sign', () => {
    expect(errnoName(17)).toBe('EEXIST');
    expect(errnoName(-19)).toBe('ENODEV');
    expect(errnoName(99)).toBe('EADDRNOTAVAIL');
    expect(errnoName(100_000)).toBe('E100000');
  });

  it('builds coded errors whose message says what failed', () => {
    const e = errnoError('cannot add 192.0.2.1/24 to eth0', -1);
    expect(e).toBeInstanceOf(NetlinkError);
    expect(e).toBeInstanceOf(Error);
    expect(e).toMatchObject({ code: 'EPERM', errno: 1, name: 'NetlinkError' });
    expect(e.message).toMatch(/^cannot add 192\.0\.2\.1\/24 to eth0: EPERM \(.+\)$/);
  });

  it("maps the netlink package's plain errors and native ErrnoExceptions", () => {
    expect(toNetlinkError('x', new Error('Request rejected: EEXIST'))).toMatchObject({ code: 'EEXIST', errno: 17 });
    expect(toNetlinkError('x', new Error('Request rejected: -19'))).toMatchObject({ code: 'ENODEV', errno: 19 });
    const native = Object.assign(new Error('recvmsg failed'), { errno: 105, code: 'ENOBUFS', syscall: 'recvmsg' });
    expect(toNetlinkError('watch', native)).toMatchObject({ code: 'ENOBUFS', errno: 105 });
    expect(toNetlinkError('x', new Error('Timeout has been reached'))).toMatchObject({ code: 'EIO' });
    const already = new NetlinkError('y', 'ETIMEDOUT');
    expect(toNetlinkError('x', already)).toBe(already);
  });
});
