/**
 * vipd as an AgentX subagent (RFC 2741) of the host's SNMP master agent (snmpd `master agentx`): it opens a
 * session, registers its MIB subtrees and answers Get, GetNext and GetBulk from a view built per request, so every
 * answer is the state at that moment. Sets are refused (notWritable). When the master is not there or goes away,
 * it tries again every RETRY_MS, as net-snmp subagents do (keepalived's among them).
 */
import net from 'node:net';
import type { Logger } from '../core/log.js';
import {
  decodePdu,
  ERROR,
  encodeClose,
  encodeNotify,
  encodeOpen,
  encodeRegister,
  encodeResponse,
  type Oid,
  oid,
  type Received,
  type VarBind,
} from '../core/snmp/agentx.js';
import { answerRequest } from '../core/snmp/answer.js';

const RETRY_MS = 15_000;
/** Notifications kept while the session is being opened (vipd's first transitions come before it is). */
const QUEUED_NOTIFICATIONS = 64;
/** More unparsed bytes than this from the master is no AgentX (a request is a few hundred bytes). */
const MAX_BUFFERED = 1 << 20;
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
  /**
   * Sends a notification (its varbinds from snmpTrapOID.0 on); while the session is being opened it waits (a few),
   * with no master it is dropped, as net-snmp drops them.
   */
  notify(varBinds: readonly VarBind[]): void;
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
  let queued: (readonly VarBind[])[] = [];
  /** Outstanding requests of ours (Open, Register), by packet id. */
  const pending = new Map<number, (error: number, sessionId: number) => void>();

  const send = (b: Buffer) => socket?.write(b);

  const answer = (pdu: Received): void => {
    switch (pdu.kind) {
      case 'get':
      case 'getNext':
      case 'getBulk': {
        // SNMP must never take the VRRP down with it: a failure here is an error answer and a log line.
        let response: Buffer;
        try {
          response = encodeResponse(pdu, answerRequest(o.view(), pdu));
        } catch (err) {
          o.log.error({ err }, 'SNMP: cannot answer a request');
          response = encodeResponse(pdu, [], { status: ERROR.processingError, index: 0 });
        }
        send(response);
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
            for (const n of queued.splice(0)) sendNotify(n);
          }
        },
      );
    }
  };

  const sendNotify = (varBinds: readonly VarBind[]) =>
    request(
      (id) => encodeNotify(sessionId, id, varBinds),
      (error) => {
        if (error !== 0) o.log.warn({ error }, 'SNMP master refused a notification');
      },
    );

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
      if (buffered.length > MAX_BUFFERED) {
        o.log.warn({ socket: o.socket }, 'SNMP: the master sent no AgentX PDU in 1 MiB; reconnecting');
        s.destroy();
        return;
      }
      for (let d = decodePdu(buffered); d !== undefined; d = decodePdu(buffered)) {
        buffered = buffered.subarray(d.length);
        if (d.ok) answer(d.pdu);
        else o.log.warn({ reason: d.reason }, 'SNMP: an AgentX PDU from the master was not understood');
      }
    });
    s.on('error', (err: NodeJS.ErrnoException) => {
      if (closed) return;
      // Said once per kind of failure, not every retry.
      const what = err.code ?? err.message;
      if (what !== lastError) o.log.warn({ err, socket: o.socket }, 'SNMP master agent not reachable; retrying');
      lastError = what;
    });
    s.on('close', () => {
      pending.clear();
      queued = [];
      if (registered) o.log.warn({ socket: o.socket }, 'SNMP master agent went away; reconnecting');
      registered = false;
      if (!closed) retry = setTimeout(connect, RETRY_MS);
    });
  };
  connect();

  return {
    notify(varBinds) {
      if (closed) return;
      if (registered) sendNotify(varBinds);
      else if (socket && !socket.destroyed && queued.length < QUEUED_NOTIFICATIONS) queued.push(varBinds);
    },
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
