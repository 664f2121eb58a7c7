/**
 * IpvsPort on generic netlink family "IPVS": the kernel's table (services, destinations, counters), the
 * operations reconcile() plans, flush, connection timeouts and the sync daemons. The family id is resolved
 * once (asking for it makes the kernel load ip_vs where it is a module). Errors are NetlinkErrors with the
 * errno name as code and what was being done in the message.
 */

import type { IpvsOp } from '../../core/ipvs/reconcile.js';
import { destId, type IpvsService, type IpvsTimeouts, type SyncDaemonSpec, serviceId } from '../../core/ipvs/table.js';
import type { IpvsPort } from '../../core/ports.js';
import { AttrReader } from './attributes.js';
import {
  CMD,
  daemonAttr,
  daemonStateAttr,
  decodeDaemon,
  decodeDest,
  decodeService,
  decodeTimeouts,
  decodeVersion,
  genlBody,
  serviceAttr,
  serviceDestAttrs,
  timeoutAttrs,
} from './ipvs-codec.js';
import { Protocol } from './package.js';
import { NetlinkError, NetlinkRequester } from './transport.js';

const GENL_ID_CTRL = 0x10;
const CTRL_CMD_GETFAMILY = 3;
const CTRL_ATTR_FAMILY_ID = 1;
const CTRL_ATTR_FAMILY_NAME = 2;

/** A generic netlink payload without its 4-byte genl header. */
const genlPayload = (_type: number, data: Buffer): Buffer | undefined =>
  data.length >= 4 ? data.subarray(4) : undefined;

export interface NetlinkIpvsPort extends IpvsPort {
  /** The kernel's IPVS version ("1.2.1"). */
  version(): Promise<string | undefined>;
}

export async function openIpvs(opts: { timeoutMs?: number } = {}): Promise<NetlinkIpvsPort> {
  const sock = new NetlinkRequester<Buffer>(Protocol.GENERIC, genlPayload, opts.timeoutMs);
  let family: number;
  try {
    const nameAttr = Buffer.from('IPVS\0', 'latin1');
    const hdr = Buffer.alloc(4);
    hdr.writeUInt16LE(4 + nameAttr.length);
    hdr.writeUInt16LE(CTRL_ATTR_FAMILY_NAME, 2);
    const replies = await sock.request({
      type: GENL_ID_CTRL,
      body: [Uint8Array.of(CTRL_CMD_GETFAMILY, 1, 0, 0), hdr, nameAttr, Buffer.alloc((4 - (nameAttr.length % 4)) % 4)],
      what: 'resolve generic netlink family IPVS',
    });
    const id = replies[0] && new AttrReader().read(replies[0].message).u16(CTRL_ATTR_FAMILY_ID);
    if (id === undefined)
      throw new NetlinkError('resolve generic netlink family IPVS: no family id in the reply', 'EBADMSG');
    family = id;
  } catch (err) {
    sock.close();
    if (err instanceof NetlinkError && err.code === 'ENOENT') {
      throw new NetlinkError(
        'this kernel has no IPVS (generic netlink family IPVS not found; is ip_vs loaded?)',
        'ENOENT',
      );
    }
    throw err;
  }
  const ask = (cmd: number, attrs: Buffer[], what: string) =>
    sock.request({ type: family, body: genlBody(cmd, attrs), what });
  const dump = (cmd: number, attrs: Buffer[], what: string) =>
    sock.dump({ type: family, body: genlBody(cmd, attrs), what });

  return {
    async list() {
      const services: IpvsService[] = [];
      for (const reply of await dump(CMD.GET_SERVICE, [], 'list IPVS services')) {
        const svc = decodeService(reply.message);
        if (typeof svc === 'string') continue;
        const what = `list destinations of ${serviceId(svc.key)}`;
        for (const d of await dump(CMD.GET_DEST, [serviceAttr(svc.key)], what)) {
          const dest = decodeDest(d.message, svc.key.family);
          if (typeof dest !== 'string') svc.dests.push(dest);
        }
        services.push(svc);
      }
      return services;
    },
    async apply(op: IpvsOp) {
      switch (op.op) {
        case 'add-service':
        case 'edit-service': {
          const { key, dests: _d, counters: _c, ...params } = op.service;
          const cmd = op.op === 'add-service' ? CMD.NEW_SERVICE : CMD.SET_SERVICE;
          await ask(cmd, [serviceAttr(key, params)], `${op.op} ${serviceId(key)}`);
          return;
        }
        case 'remove-service':
          await ask(CMD.DEL_SERVICE, [serviceAttr(op.key)], `remove-service ${serviceId(op.key)}`);
          return;
        case 'add-dest':
        case 'edit-dest': {
          const cmd = op.op === 'add-dest' ? CMD.NEW_DEST : CMD.SET_DEST;
          const what = `${op.op} ${destId(op.dest)} of ${serviceId(op.key)}`;
          await ask(cmd, [serviceDestAttrs(op.key, op.dest, op.dest)], what);
          return;
        }
        case 'remove-dest':
          await ask(
            CMD.DEL_DEST,
            [serviceDestAttrs(op.key, op.dest)],
            `remove-dest ${destId(op.dest)} of ${serviceId(op.key)}`,
          );
          return;
      }
    },
    async flush() {
      await ask(CMD.FLUSH, [], 'flush IPVS');
    },
    async getTimeouts() {
      const [reply] = await ask(CMD.GET_CONFIG, [], 'read IPVS timeouts');
      return reply ? decodeTimeouts(reply.message) : { tcp: 0, tcpFin: 0, udp: 0 };
    },
    async setTimeouts(t: IpvsTimeouts) {
      await ask(CMD.SET_CONFIG, [timeoutAttrs(t)], 'set IPVS timeouts');
    },
    async listSyncDaemons() {
      const out: SyncDaemonSpec[] = [];
      for (const r of await dump(CMD.GET_DAEMON, [], 'list IPVS sync daemons')) {
        const d = decodeDaemon(r.message);
        if (typeof d !== 'string') out.push(d);
      }
      return out;
    },
    async startSyncDaemon(d: SyncDaemonSpec) {
      await ask(CMD.NEW_DAEMON, [daemonAttr(d)], `start the ${d.state} sync daemon on ${d.interface}`);
    },
    async stopSyncDaemon(state: SyncDaemonSpec['state']) {
      await ask(CMD.DEL_DAEMON, [daemonStateAttr(state)], `stop the ${state} sync daemon`);
    },
    async version() {
      const [reply] = await ask(CMD.GET_INFO, [], 'read the IPVS version');
      return reply ? decodeVersion(reply.message) : undefined;
    },
    close() {
      sock.close();
    },
  };
}

/**
 * An IpvsPort that opens the netlink socket on its first call (a VRRP-only configuration never opens it); a
 * failed open is retried on the next call. close() closes it if it was opened.
 */
export function lazyIpvs(opts: { timeoutMs?: number } = {}): IpvsPort {
  let opening: Promise<NetlinkIpvsPort> | undefined;
  const port = () => {
    opening ??= openIpvs(opts).catch((err: unknown) => {
      opening = undefined;
      throw err;
    });
    return opening;
  };
  return {
    list: async () => (await port()).list(),
    apply: async (op) => (await port()).apply(op),
    flush: async () => (await port()).flush(),
    getTimeouts: async () => (await port()).getTimeouts(),
    setTimeouts: async (t) => (await port()).setTimeouts(t),
    listSyncDaemons: async () => (await port()).listSyncDaemons(),
    startSyncDaemon: async (d) => (await port()).startSyncDaemon(d),
    stopSyncDaemon: async (state) => (await port()).stopSyncDaemon(state),
    close: () => {
      void opening?.then(
        (p) => p.close(),
        () => undefined,
      );
      opening = undefined;
    },
  };
}
