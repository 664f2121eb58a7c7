/**
 * vipd as an AgentX subagent (RFC 2741) of the host's SNMP master agent (snmpd `master agentx`): it opens a
 * session, registers its MIB subtrees and answers Get, GetNext and GetBulk from a view built per request, so every
 * answer is the state at that moment. Sets are refused (notWritable). When the master is not there or goes away,
 * it tries again every RETRY_MS, as net-snmp subagents do (keepalived's among them).
 */
import net from 'node:net';
import {
  decodePdu,
  ERROR,
  encodeClose,
  encodeOpen,
  encodeRegister,
  encodeResponse,
  type Oid,
  oid,
  type Received,
  type VarBind,
} from '../core/snmp/agentx.js';
import { answerRequest } from '../core/snmp/answer.js';
import type { Logger } from '../log.js';

const RETRY_MS = 15_000;
/** vipd's identity in the master's session table: KEEPALIVED-MIB's vrrp node. */
const AGENT_ID = oid('1.3.6.1.4.1.9586.100.5.2');

export interface SnmpAgentOptions {
  /** `snmp_socket`: a Unix socket path (optionally `unix:`) or `tcp:HOST:PORT`. */
  socket: string;
  subtrees: readonly Oid[];
  /** The objects to answer from, sorted by OID: called once per request. */
  view: () => VarBind[];
  log: Logger;
}

export interface SnmpAgent {
  close(): void;
}

function connectOptions(spec: string): net.NetConnectOpts {
  const tcp = /^tcp:(.+):(\d+)$/.exec(spec);
  if (tcp) return { host: tcp[1] as string, port: Number(tcp[2]) };
  return { path: spec.replace(/^unix:/, '') };
}

export function startSnmpAgent(o: SnmpAgentOptions): SnmpAgent {
  let socket: net.Socket | undefined;
  let retry: NodeJS.Timeout | undefined;
  let closed = false;
  let sessionId = 0;
  let packetId = 0;
  let registered = false;
  let lastError = '';
  /** Outstanding requests of ours (Open, Register), by packet id. */
  const pending = new Map<number, (error: number, sessionId: number) => void>();

  const send = (b: Buffer) => socket?.write(b);

  const answer = (pdu: Received): void => {
    switch (pdu.kind) {
      case 'get':
      case 'getNext':
      case 'getBulk': {
        send(encodeResponse(pdu, answerRequest(o.view(), pdu)));
        return;
      }
      case 'set':
        // Read-only MIBs: the test phase refuses, the later phases only need an answer.
        send(encodeResponse(pdu, [], pdu.phase === 'test' ? { status: ERROR.notWritable, index: 1 } : undefined));
        return;
      case 'response':
        pending.get(pdu.packetId)?.(pdu.error, pdu.sessionId);
        pending.delete(pdu.packetId);
        return;
      default:
        return;
    }
  };

  const request = (make: (id: number) => Buffer, then: (error: number, session: number) => void) => {
    const id = ++packetId;
    pending.set(id, then);
    send(make(id));
  };

  const register = () => {
    let left = o.subtrees.length;
    for (const subtree of o.subtrees) {
      request(
        (id) => encodeRegister(sessionId, id, subtree),
        (error) => {
          if (error !== 0) o.log.warn({ subtree: subtree.join('.'), error }, 'SNMP master refused a MIB subtree');
          if (--left === 0 && !registered) {
            registered = true;
            o.log.info({ socket: o.socket }, 'SNMP: serving the VRRP MIBs through the master agent');
          }
        },
      );
    }
  };

  const connect = () => {
    retry = undefined;
    if (closed) return;
    let buffered: Buffer = Buffer.alloc(0);
    const s = net.connect(connectOptions(o.socket));
    socket = s;
    s.on('connect', () => {
      lastError = '';
      request(
        (id) => encodeOpen(id, 0, AGENT_ID, 'vipd'),
        (error, session) => {
          if (error !== 0) {
            o.log.warn({ error }, 'SNMP master refused the AgentX session');
            s.destroy();
            return;
          }
          sessionId = session;
          register();
        },
      );
    });
    s.on('data', (chunk: Buffer) => {
      buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
      for (let d = decodePdu(buffered); d !== undefined; d = decodePdu(buffered)) {
        buffered = buffered.subarray(d.length);
        if (d.ok) answer(d.pdu);
        else o.log.warn({ reason: d.reason }, 'SNMP: an AgentX PDU from the master was not understood');
      }
    });
    s.on('error', (err: NodeJS.ErrnoException) => {
      // Said once per kind of failure, not every retry.
      const what = err.code ?? err.message;
      if (what !== lastError) o.log.warn({ err, socket: o.socket }, 'SNMP master agent not reachable; retrying');
      lastError = what;
    });
    s.on('close', () => {
      pending.clear();
      if (registered) o.log.warn({ socket: o.socket }, 'SNMP master agent went away; reconnecting');
      registered = false;
      if (!closed) retry = setTimeout(connect, RETRY_MS);
    });
  };
  connect();

  return {
    close() {
      closed = true;
      clearTimeout(retry);
      if (socket && !socket.destroyed) {
        if (registered) socket.end(encodeClose(sessionId, ++packetId));
        else socket.destroy();
      }
    },
  };
}
