/**
 * The network checkers' sockets, made in one place. Node's net and dgram cannot set SO_BINDTODEVICE (bind_if) or
 * SO_MARK (fwmark) before connect, which is when they decide the route; with either, the addon opens the socket,
 * sets them and binds it to bindto/bind_port, and Node wraps that fd and connects it. Without, Node's own socket.
 */
import type dgram from 'node:dgram';
import net from 'node:net';
import type { NetCheckOptions } from '../../core/checks/spec.js';
import { native } from '../native.js';

export type CheckEndpoint = Pick<
  NetCheckOptions,
  'connectIp' | 'connectPort' | 'bindto' | 'bindPort' | 'bindIf' | 'fwmark'
>;

/** The addon's socket for `o`, or undefined when Node's own will do. Throws the addon's errno errors. */
function addonSocket(o: CheckEndpoint, stream: boolean): number | undefined {
  if (o.bindIf === undefined && o.fwmark === undefined) return undefined;
  return native.openCheckSocket(
    net.isIPv6(o.connectIp) ? 6 : 4,
    stream,
    o.bindIf ?? null,
    o.fwmark ?? null,
    o.bindto ?? null,
    o.bindPort ?? 0,
  );
}

/**
 * A TCP socket connecting to connect_ip:connect_port from bindto/bind_port, out of bind_if, marked fwmark.
 * `options`: the socket's own (onread). Throws synchronously when the socket cannot be made or bound.
 */
export function connectTcp(o: CheckEndpoint, options: net.SocketConstructorOpts = {}): net.Socket {
  const fd = addonSocket(o, true);
  if (fd !== undefined) return new net.Socket({ ...options, fd }).connect({ host: o.connectIp, port: o.connectPort });
  return new net.Socket(options).connect({
    host: o.connectIp,
    port: o.connectPort,
    localAddress: o.bindto,
    localPort: o.bindPort,
  });
}

/** Binds a UDP socket as `o` says (the addon's fd with bind_if or fwmark); throws when that cannot be done. */
export function bindUdp(sock: dgram.Socket, o: CheckEndpoint, bound: () => void): void {
  const fd = addonSocket(o, false);
  if (fd !== undefined) sock.bind({ fd }, bound);
  else sock.bind({ address: o.bindto, port: o.bindPort ?? 0 }, bound);
}
